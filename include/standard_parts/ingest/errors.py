"""Errors that stop a stage. Messages name the feed, the file, the line and the reason."""

from __future__ import annotations


class GateFailure(RuntimeError):
    """A quality gate failed: everything that depends on the gated data must not run."""

    def __init__(self, gate: str, message: str):
        super().__init__(f"[gate {gate}] {message}")
        self.gate = gate


class UnreadableFile(GateFailure):
    def __init__(self, feed: str, path: str, line: int | None, reason: str):
        where = f"{path}:{line}" if line else path
        super().__init__(feed, f"cannot read {where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason
