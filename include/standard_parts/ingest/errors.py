"""Moved to :mod:`standard_parts.errors` (one errors module for every stage); kept as an alias while
branches still import it from here."""

from ..errors import GateFailure, OperationalError, UnreadableFile

__all__ = ["GateFailure", "OperationalError", "UnreadableFile"]
