"""Writing an export file safely: refuse to overwrite without `force`, never leave half a file.

Everything is written to a hidden temporary file beside the target and renamed
over it only when the export finished, so a crash, Ctrl-C or full disk leaves
the old file (or nothing) in place; the part a kill leaves is deleted by the next export.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputExists, OutputNotWritable
from ..partfiles import atomic_path


def check_output(path: Path, *, force: bool) -> None:
    """Raise a clear error when `path` cannot or must not be written."""
    if path.is_dir():
        raise OutputNotWritable(f"{path} is a folder; give a file name for the export.")
    if path.exists() and not force:
        raise OutputExists(f"{path} already exists; choose another --out or add --force to replace it.")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputNotWritable(f"Cannot write {path}: the folder {parent} does not exist.")
    if not os.access(parent, os.W_OK):
        raise OutputNotWritable(f"Cannot write {path}: the folder {parent} is not writable.")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputNotWritable(f"Cannot replace {path}: the file is read-only.")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; it becomes `path` only if the block succeeds."""
    target = Path(path)
    check_output(target, force=force)
    with atomic_path(target, OutputNotWritable) as tmp:
        yield tmp
