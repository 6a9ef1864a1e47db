"""Worker processes that end with the command that started them.

A SIGKILLed `lhl train` or `lhl tag --workers` used to leave its workers behind (joblib's
loky workers wait for work until an idle timeout of minutes; forked pool workers wait on a
queue whose write end they hold themselves), holding memory and CPU on a shared machine.  A worker calls
`end_with_parent` with the pid of the process that started it; a daemon thread then ends
the worker as soon as that process is gone (the worker is re-parented).
"""

from __future__ import annotations

import os
import threading
import time

POLL_S = 0.5
_watching: set[int] = set()


def end_with_parent(parent_pid: int) -> None:
    """In a worker: exit once `parent_pid` is no longer this process's parent.  No-op in `parent_pid` itself."""
    if os.getpid() == parent_pid or parent_pid in _watching:
        return
    _watching.add(parent_pid)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
