"""The tests' settings: the product's own, with a key of their own (the public default is refused
outside DEBUG). Set in the environment so the `relais` subprocesses some tests start inherit it."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "tests-" + secrets.token_urlsafe(40))

from relais.config.settings import *  # noqa: F403

# Fast hashing for every test, module fixture and `relais` subprocess that reads these settings
# (conftest's autouse fixture sets the same for each test).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client builds the middleware chain anew for each client (hundreds per run), and WhiteNoise
# walks every static file of every app at each build: about a tenth of the suite's time. No test
# fetches a static file through the client; the browser tests' live server serves them itself
# (pytest-django's static files handler).
WHITENOISE_USE_FINDERS = False
