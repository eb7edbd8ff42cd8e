"""Loaded first (`-p tests.keep_bytecode` in pyproject's addopts), before any other plugin.

Where PYTHONDONTWRITEBYTECODE is set, as some images do, pytest cannot keep the test modules and
plugins it rewrites for its assertion messages, and every worker of every run parsed and rewrote
them all again: about 6 s per process on two cores. A test run writes its bytecode like any
development checkout does (`__pycache__/` is ignored by git)."""

import sys

sys.dont_write_bytecode = False
