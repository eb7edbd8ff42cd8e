"""Relais settings: one module, every value read from the environment with a safe default.

The defaults run the demo on SQLite with e-mails printed to the console. Production sets at least
DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL (see README.md, "Configuration").
"""

import datetime as dt
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("RELAIS_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# The default is public (it is in the repository): anyone could sign links and sessions with it.
# Only DEBUG may use it; the demo and the tests set their own key (relais/cli.py, tests/settings.py).
PUBLIC_DEVELOPMENT_SECRET_KEY = "django-insecure-relais-development-key-change-me"  # noqa: S105 - public on purpose
SECRET_KEY = env.str("SECRET_KEY", default=PUBLIC_DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY in ("", PUBLIC_DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY n'est pas défini : Relais refuse de démarrer avec la clé de développement publique. "
        "Définissez la variable d'environnement SECRET_KEY avec une longue chaîne aléatoire gardée secrète, "
        'par exemple celle que donne : python -c "import secrets; print(secrets.token_urlsafe(50))" '
        "(ou DEBUG=true sur un poste de développement, jamais en production)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "relais.core.views.csrf_failure"
# Public base URL, used in e-mails and calendar links that leave the site.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "relais.core",  # first, so its registration/ templates win over the admin's
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "relais.territory",
    "relais.people",
    "relais.exchanges",
    "relais.privacy",
    "relais.notifications",
    "relais.appointments",
    "relais.requests",
    "relais.insertion",
    "relais.evaluation",
    "relais.person_file",
    "relais.workspace",
    "relais.portal",
    "relais.api",
    "relais.demo",
]

MIDDLEWARE = [
    "relais.core.middleware.RequestBodyLimitMiddleware",  # first: nothing may read the body before it
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (below, "Security")
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "relais.core.auth.AgentLoginRequiredMiddleware",
    "relais.privacy.reads.ReadLedgerMiddleware",  # writes the access-log entries of what an answer shows
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "relais.core.middleware.StatementTimeoutMiddleware",
    "relais.core.headers.PrivateResponseHeadersMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a refused login into the lockout page
]

ROOT_URLCONF = "relais.config.urls"
WSGI_APPLICATION = "relais.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'relais.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front: two writers queue instead of one
    # failing with "database is locked" half-way through. WAL lets readers run meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# Web requests get a statement timeout (PostgreSQL), commands and the worker do not.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) exist on PostgreSQL only; on SQLite the plain index is enough.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "territory.Agent"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:my_day"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

# Axes first: it refuses a locked-out account or address before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# --- Login lockout and password reset (relais/territory/throttling.py) ----------------------
# An account is locked after AXES_FAILURE_LIMIT failed logins within AXES_COOLOFF_MINUTES,
# whatever the address; an address after LOGIN_ADDRESS_FAILURE_LIMIT failures, whatever the
# accounts. Each failure during a lockout starts the cool-off again. An administrator unlocks
# from the admin ("Tentatives de connexion", delete the line) or with `relais axes_reset_username …`
# / `relais axes_reset_ip …`.
AXES_ENABLED = True
AXES_HANDLER = "relais.territory.throttling.LoginLockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # this order: LoginLockoutHandler relies on it
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_CLIENT_IP_CALLABLE = "relais.territory.throttling.login_client_ip"
AXES_USERNAME_CALLABLE = "relais.territory.throttling.login_username"
AXES_LOCKOUT_CALLABLE = "relais.territory.throttling.lockout_response"
AXES_COOLOFF_MESSAGE = "Connexion bloquée après trop de tentatives échouées : réessayez plus tard."
AXES_PERMALOCK_MESSAGE = "Connexion bloquée après trop de tentatives échouées : demandez à un administrateur de la débloquer."
# Successful logins are not copied into axes' own log: the access log already records what agents
# do, and this table would keep every address and browser forever.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every command; failures and lockouts are still logged
# Reset links: at most this many per hour for one e-mail address, and from one client address.
# The page answers the same either way, and a refused request sends nothing.
PASSWORD_RESET_MAX_PER_ACCOUNT = env.int("PASSWORD_RESET_MAX_PER_ACCOUNT", default=3)
PASSWORD_RESET_MAX_PER_CLIENT = env.int("PASSWORD_RESET_MAX_PER_CLIENT", default=20)

# --- Locale ---------------------------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "FR"

# --- Cache ----------------------------------------------------------------------------------
# Shared by every worker and server: rate limits and API throttles count there. The database by
# default (its table is created by `migrate`); Redis when REDIS_URL is set (redis://host:6379/0).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "relais.core.cache.DatabaseCache",
            "LOCATION": "relais_cache",  # relais.core.cache.CACHE_TABLE
            # Django's default (300 entries) would cull live rate-limit counts under a busy hour.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root before collectstatic
MEDIA_ROOT = VAR_DIR / "media"  # never served directly: attachments go through checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production may choose whitenoise's manifest storage after `relais collectstatic`.
    "staticfiles": {"BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedStaticFilesStorage")},
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Request bodies are capped from Content-Length before they are read (RequestBodyLimitMiddleware):
# ordinary forms and JSON; a form with files (several at most ATTACHMENT_MAX_BYTES each); an e-mail
# posted by the mail server, its attachments in base64 (a third larger).
REQUEST_BODY_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_REQUEST_MAX_BYTES = env.int("UPLOAD_REQUEST_MAX_BYTES", default=5 * ATTACHMENT_MAX_BYTES + 1024 * 1024)
INBOUND_EMAIL_MAX_BYTES = UPLOAD_REQUEST_MAX_BYTES * 4 // 3 + 1024 * 1024
# Django's own cap on what it keeps in memory: a backstop, at the largest body any path accepts.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(REQUEST_BODY_MAX_BYTES, INBOUND_EMAIL_MAX_BYTES)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail ---------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Relais <ne-pas-repondre@relais.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- SMS ---------------------------------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="relais.notifications.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.log"))
SMS_API_URL = env.str("SMS_API_URL", default="")
SMS_API_KEY = env.str("SMS_API_KEY", default="")
SMS_SENDER = env.str("SMS_SENDER", default="Relais")
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=3)

# --- Appointments -------------------------------------------------------------------------
VISIO_PROVIDER = env.str("VISIO_PROVIDER", default="relais.appointments.visio.JitsiProvider")
VISIO_BASE_URL = env.str("VISIO_BASE_URL", default="https://meet.jit.si")
REMINDER_HOURS_BEFORE = env.int("REMINDER_HOURS_BEFORE", default=48)
ONLINE_HOLD_MINUTES = env.int("ONLINE_HOLD_MINUTES", default=10)
# Live online holds from one client address (a family or a France services point shares one), and
# upcoming appointments one person may book online: an anonymous visitor cannot blank an agenda.
ONLINE_HOLDS_PER_ADDRESS = env.int("ONLINE_HOLDS_PER_ADDRESS", default=4)
ONLINE_BOOKINGS_PER_PERSON = env.int("ONLINE_BOOKINGS_PER_PERSON", default=3)
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=190)

# --- Requests (saisines) --------------------------------------------------------------------
# Whether an implicit decision falling on a Saturday, Sunday or public holiday moves to the next
# working day: not settled in law (docs/legal-clock.md); off by default.
IMPLICIT_DECISION_SHIFT_TO_WORKING_DAY = env.bool("IMPLICIT_DECISION_SHIFT_TO_WORKING_DAY", default=False)
# IMAP mailbox polled by `relais poll-imap` (e-mails become requests), e.g. imaps://user:pass@imap.example.fr/INBOX
REQUESTS_IMAP_URL = env.str("REQUESTS_IMAP_URL", default="")

# --- Background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=6)
# A message taken for sending and not recorded sent or failed within this time is sent again (its
# worker died); a task still "running" that long on another machine is taken for abandoned. Keep it
# well above EMAIL_TIMEOUT and SMS_TIMEOUT, or a slow send could be made twice.
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=300)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # one working day
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG and SITE_URL.startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only Relais' own scripts, styles, fonts and images; no inline
# script, style attribute or event handler, no eval, no framing, forms posting only to Relais. A visio
# opens the partner's tool in its own window (a link), so no frame-src. CSP_REPORT_ONLY=true sends it
# as Content-Security-Policy-Report-Only instead (browsers report violations, block nothing): for a
# rollout. No view relaxes it, not even the API console (relais/config/api_urls.py); docs/security.md.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"], "img-src": ["'self'", "data:"],
        "font-src": ["'self'"], "connect-src": ["'self'"], "frame-ancestors": ["'none'"], "form-action": ["'self'"],
        "base-uri": ["'self'"], "object-src": ["'none'"],
    }
}  # fmt: skip
_CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
CONTENT_SECURITY_POLICY = None if _CSP_REPORT_ONLY else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if _CSP_REPORT_ONLY else None
# The client address (access log, the portal's rate limits). Behind N reverse proxies, each appends
# the address it saw to X-Forwarded-For: only the N rightmost entries are theirs, the rest the
# client may have written. 0: no proxy, REMOTE_ADDR is the client (relais/core/requests.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCESS_LOG_TRUSTED_PROXY_HEADER = env.str("ACCESS_LOG_TRUSTED_PROXY_HEADER", default="") or "HTTP_X_FORWARDED_FOR"
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=365)
# How long an API Idempotency-Key replays its first answer (clients retry within minutes).
IDEMPOTENCY_KEY_DAYS = env.int("IDEMPOTENCY_KEY_DAYS", default=7)
# Reads (a file or a search result looked at, GET) are logged without waiting for the disk flush
# (PostgreSQL's asynchronous commit): a crash of the database server may lose the last fraction of a
# second of them. Edits, exports and merges always wait. See docs/benchmarks.md (API search).
ACCESS_LOG_ASYNC_READS = env.bool("ACCESS_LOG_ASYNC_READS", default=True)
# Keys the access log's HMAC chain; kept outside the database so that write access to it is not
# enough to rewrite the log. Empty: derived from SECRET_KEY (demo, tests); production must set it
# (`relais check --deploy` warns) and never change it, or the existing chain no longer verifies.
ACCESS_LOG_KEY = env.str("ACCESS_LOG_KEY", default="")
# Append-only file where each sealing writes the chain's head, so that deleted entries show.
ACCESS_LOG_ANCHOR_FILE = env.str("ACCESS_LOG_ANCHOR_FILE", default=str(VAR_DIR / "access-log-anchors.log"))
# If set, the chain's head is e-mailed there once a day (the data protection officer): one more copy
# outside the server.
ACCESS_LOG_DPO_EMAIL = env.str("ACCESS_LOG_DPO_EMAIL", default="")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "relais.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["relais.api.permissions.IsAgentOrApiToken"],
    "DEFAULT_PAGINATION_CLASS": "relais.api.pagination.Pagination",
    # The API speaks JSON only, as its schema says; any other body is refused with 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per integration token, and per agent using the API from their browser session.
    "DEFAULT_THROTTLE_RATES": {
        "api_token": env.str("API_THROTTLE_RATE", default="6000/hour"),
        "api_agent": env.str("API_AGENT_THROTTLE_RATE", default="1200/hour"),
    },
    "DEFAULT_THROTTLE_CLASSES": ["relais.api.throttling.ApiTokenThrottle", "relais.api.throttling.AgentSessionThrottle"],
    "EXCEPTION_HANDLER": "relais.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Relais",
    "DESCRIPTION": (
        "API de la plateforme Relais (Yvelines – Hauts-de-Seine). Authentification par jeton "
        "d'intégration : `Authorization: Token <jeton>`. Chaque jeton est rattaché à une organisation "
        "et ne voit que ce que ses agents verraient."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from validator.swagger.io (a third party; the Content-Security-Policy refuses it anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choices are listed with each field; the generated "* `value` - label" lines repeat them in English style.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    # One name for a choice set several fields share (an offer's contract, the contract signed on hiring).
    "ENUM_NAME_OVERRIDES": {"ContractTypeEnum": "relais.insertion.models.ContractType"},
    # Every operation documents the errors it really answers with (401, 403, 404, 429…): relais/api/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "relais.api.schema.document_error_responses",
    ],
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each step of every letter at INFO: only its warnings matter.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Relais -------------------------------------------------------------------------------
DEMO_PASSWORD = "relais-demo-2026"  # noqa: S105 - printed by `relais demo`, used only on its own SQLite file

# Record linkage (people/record_linkage/): the engine, and the thresholds of `relais link`: pairs at or
# above the merge threshold are merged automatically, those between the two go to the review queue.
LINKAGE_BACKEND = env.str("RELAIS_LINKAGE_BACKEND", default="duckdb")  # duckdb | spark (docs/scaling.md)
LINKAGE_REVIEW_THRESHOLD = env.float("RELAIS_LINKAGE_REVIEW_THRESHOLD", default=0.5)
LINKAGE_MERGE_THRESHOLD = env.float("RELAIS_LINKAGE_MERGE_THRESHOLD", default=0.99)

# Evaluation of the service network (evaluation/, docs/evaluation.md).
# CO₂ of one km by car, printed beside every figure it gives. ADEME, Base Carbone / Impact CO2, "voiture
# thermique" per vehicle-km: check the current value in the Base Carbone and set yours here.
EVALUATION_EMISSION_FACTOR_KG_PER_KM = env.float("EVALUATION_EMISSION_FACTOR_KG_PER_KM", default=0.218)
EVALUATION_EMISSION_FACTOR_SOURCE = env.str(
    "EVALUATION_EMISSION_FACTOR_SOURCE", default="ADEME, Base Carbone — voiture particulière thermique, par km parcouru"
)
# Roads are longer than a straight line: distances between communes are taken as the crow flies times this.
EVALUATION_ROAD_FACTOR = env.float("EVALUATION_ROAD_FACTOR", default=1.3)
# A rate or a comment is shown by itself only above this many answers (no one recognised by their answer).
EVALUATION_MIN_GROUP_SIZE = env.int("EVALUATION_MIN_GROUP_SIZE", default=5)
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=14)  # a survey link expires after this many days
SURVEY_SOLICITATION_GAP_DAYS = env.int("SURVEY_SOLICITATION_GAP_DAYS", default=30)  # one invitation per person per N days
# A kiosk refuses more answers than this in a minute: a flood, not visitors.
SURVEY_KIOSK_ANSWERS_PER_MINUTE = env.int("SURVEY_KIOSK_ANSWERS_PER_MINUTE", default=4)
