"""The demo city: deterministic synthetic landing data for a Xiamen-like city (see ``city``)."""

from .city import generate_city

__all__ = ["generate_city"]
