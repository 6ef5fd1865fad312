"""The one atomic file write (files.py): whole new file or the old one, never a part, no temp left."""

from __future__ import annotations

import os

import pytest
from standard_parts.files import copy_file, replacing_file, write_bytes, write_text


def test_write_text_replaces_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "deep" / "page.html"
    write_text(path, "旧\n", parents=True)
    write_text(path, "新页面\n")
    assert path.read_bytes() == "新页面\n".encode()
    write_bytes(path, b"x" * 70_000, durable=True)
    assert path.stat().st_size == 70_000
    copy_file(path, tmp_path / "copy.html")
    assert (tmp_path / "copy.html").read_bytes() == b"x" * 70_000
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["copy.html", "deep", "page.html"]


def test_failure_mid_write_keeps_old_file_and_removes_temp(tmp_path):
    path = tmp_path / "data.csv"
    write_text(path, "a\n1\n")
    with pytest.raises(ValueError), replacing_file(path) as fh:
        fh.write(b"a\n2\n")
        raise ValueError("encoder failed half way")
    assert path.read_text() == "a\n1\n"
    assert os.listdir(tmp_path) == ["data.csv"]
