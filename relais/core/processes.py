"""Child processes that must not outlive the process that started them (no Django import here:
this runs in the child between fork and exec)."""

import signal
import sys


def die_with_parent() -> None:
    """Linux ends the calling process when its parent ends, however the parent ends (even killed
    outright). Elsewhere it does nothing: the parent's signal handlers stop the child instead."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
