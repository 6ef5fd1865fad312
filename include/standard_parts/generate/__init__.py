"""Nightly task generation (SPEC section 5): rules + instructions -> merged, suppressed, assigned tasks."""
