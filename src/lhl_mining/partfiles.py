"""Files written under a temporary `.part` name and renamed when complete, and the leftovers of killed runs.

The temporary name carries the writer's process id, so the next run can delete
the parts whose writer is gone without touching one that another process is
still writing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Whether a process of this machine still runs (someone else's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale(target: Path) -> int:
    """Delete `.NAME.PID.*.part` beside `target` whose process has ended (a kill or power cut); returns how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for part in target.parent.glob(f".{target.name}.*.part"):
            pid = part.name[len(target.name) + 2 :].split(".", 1)[0]
            if pid.isdigit() and not process_alive(int(pid)):
                with contextlib.suppress(OSError):
                    part.unlink()
                    removed += 1
    return removed


def make_part(target: Path) -> tuple[int, Path]:
    """An open file descriptor and path for `target`'s temporary part, with the user's usual file mode."""
    remove_stale(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent or ".")
    umask = os.umask(0o022)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would hide the file from the rest of the team
    return fd, Path(name)


@contextlib.contextmanager
def atomic_path(target: Path, fail: Callable[[str], Exception]) -> Iterator[Path]:
    """A temporary path to write that becomes `target` only if the block succeeds; nothing is left otherwise.

    An OS error (unwritable folder, full disk) is raised as `fail(message)`, the caller's numbered error.
    """
    try:
        handle, tmp = make_part(target)
    except OSError as exc:
        raise fail(f"Cannot write {target}: {exc.strerror}.") from None
    os.close(handle)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise fail(f"Writing {target} failed: {exc.strerror or exc}; nothing was left behind.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
