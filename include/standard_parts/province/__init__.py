"""Province deployment (SPEC section 10): one pipeline per city, a province roll-up comparing them.

Cities share code only: each has its own landing, warehouse (one DuckDB writer per file, so two
cities never serialise each other), publish target, pseudonym key, writer lock, pool and queue.
"""
