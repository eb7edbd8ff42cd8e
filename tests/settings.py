"""The tests' settings: the product's own, with a key of their own (the public default is refused
outside DEBUG). Set in the environment so the `relais` subprocesses some tests start inherit it."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "tests-" + secrets.token_urlsafe(40))

from relais.config.settings import *  # noqa: F403
