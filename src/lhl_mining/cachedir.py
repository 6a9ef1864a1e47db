"""The user cache directory: files lhl can always rebuild (dictionary copies, checked codebooks), written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """``$LHL_CACHE_DIR``, else ``$XDG_CACHE_HOME/lhl-mining``, else ``~/.cache/lhl-mining``."""
    if os.environ.get("LHL_CACHE_DIR"):
        return Path(os.environ["LHL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lhl-mining"


def temp_beside(path: Path) -> Path:
    """A new empty file in `path`'s folder (created if need be), to fill and then `os.replace` onto `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the whole new one, never a part."""
    tmp = temp_beside(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
