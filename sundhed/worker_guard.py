"""Worker processes that never outlive the process that started them.

:func:`die_with_parent` is the ``initializer`` of the sweep's process pool. On Linux it asks the kernel
(``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to kill the worker when its parent dies, even by SIGKILL; everywhere
it also starts a daemon thread that checks once a second whether the parent is still there and exits the
worker when it is not.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
#: Seconds between two checks of the parent (the fallback when prctl is unavailable).
POLL_S = 1.0


def _parent_alive(parent_pid: int) -> bool:
    if os.getppid() != parent_pid:
        return False
    try:
        os.kill(parent_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def die_with_parent(parent_pid: int) -> None:
    """Make this process exit as soon as ``parent_pid`` is gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if not _parent_alive(parent_pid):  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(POLL_S)
            if not _parent_alive(parent_pid):
                os._exit(1)

    threading.Thread(target=watch, name="sundhed-parent-watch", daemon=True).start()
