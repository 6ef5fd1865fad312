"""Atomic file writes: a reader sees the old file or the whole new one, never a part.

Every file the platform hands to someone else (officers' packages and manifests, reports, the GX
and dbt docs, the run status, the demo's landing files) is written here: to a dot-prefixed temp
name in the same folder (same filesystem, so ``os.replace`` is atomic; a consumer globbing
``*.json`` or ``*.csv`` never picks the temp up), then moved over the final name. The temp file is
removed on any error, ``KeyboardInterrupt`` included.

``durable=True`` also fsyncs the file before the move and the folder after it, so the new name
survives a power cut: the delivery folders need it (a receiver may read the file the moment it
appears, and the ledger records it as delivered); pages that the next run rewrites anyway do not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["copy_file", "fsync_dir", "replacing", "replacing_file", "write_bytes", "write_text"]

# O_NOFOLLOW: a symlink planted at the temp name is refused instead of followed.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def fsync_dir(path: Path) -> None:
    """Make a rename/creation in ``path`` durable; not supported everywhere (e.g. Windows), hence best effort."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path, *, durable: bool = False, parents: bool = False) -> Iterator[int]:
    """A file descriptor open on a temp file that replaces ``path`` when the block ends without error.

    The temp name carries the process and thread ids, so two writers of the same name (worker
    threads of a transport, two processes) never share a temp file.
    """
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        fd = os.open(tmp, _FLAGS, 0o644)
        try:
            yield fd
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


@contextmanager
def replacing_file(path: Path, *, durable: bool = False, parents: bool = False) -> Iterator[BinaryIO]:
    """:func:`replacing` as a buffered binary file, for writers that stream many chunks."""
    with replacing(path, durable=durable, parents=parents) as fd, open(fd, "wb", closefd=False) as fh:
        yield fh


def write_bytes(path: Path, data: bytes, *, durable: bool = False, parents: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (``os.write`` in a loop: a short write is continued)."""
    with replacing(path, durable=durable, parents=parents) as fd:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]


def write_text(path: Path, text: str, *, durable: bool = False, parents: bool = False) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (no newline translation)."""
    write_bytes(path, text.encode("utf-8"), durable=durable, parents=parents)


def copy_file(source: Path, path: Path, *, parents: bool = False) -> None:
    """Copy ``source`` over ``path`` atomically."""
    with source.open("rb") as src, replacing_file(path, parents=parents) as fh:
        shutil.copyfileobj(src, fh)
