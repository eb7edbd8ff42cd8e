"""Processes: children that must not outlive the process that started them, and whether a process
recorded on some work still runs (no Django import here: this runs in the child between fork and
exec)."""

import os
import signal
import socket
import sys


def die_with_parent() -> None:
    """Linux ends the calling process when its parent ends, however the parent ends (even killed
    outright). Elsewhere it does nothing: the parent's signal handlers stop the child instead."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def this_process() -> str:
    """ "host:pid" of the calling process, as recorded on the work it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_is_gone(process: str) -> bool:
    """True when `process` ("host:pid") ran on this machine and no longer exists."""
    if not process_is_here(process):
        return False  # another machine's: it cannot be checked from here
    try:
        os.kill(int(process.rpartition(":")[2]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def process_is_here(process: str) -> bool:
    """Whether `process` ("host:pid") names a process of this machine, which can be checked."""
    host, _, pid = process.rpartition(":")
    return host == socket.gethostname() and pid.isdigit()
