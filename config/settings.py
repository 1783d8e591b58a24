"""One settings module, read from the environment.

With nothing configured the app runs on an embedded default (a SQLite file and a file-system Celery broker under
./data) so that it starts anywhere; DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis/RabbitMQ.
DEBUG=false is production mode, in which an unsafe configuration stops the process at start-up.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    CONSOLE_BACKEND,
    SMTP_BACKEND,
    EmailSettings,
    env_address,
    env_bool,
    env_date,
    env_email,
    env_header,
    env_int,
    env_list,
    env_str,
    env_time_zone,
)

# Lets forms and querysets be written with their type parameters (forms.ModelForm[Kpi]) at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", default=False)
_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def _refuse_unsafe_production() -> None:
    problems = []
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the host names the app is served under")
    if "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must not contain '*'")
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production mode (DEBUG=false): "
            + "; ".join(problems)
            + ". Set DEBUG=true only for local development."
        )


# Behind a proxy that terminates TLS: the header it sets on HTTPS requests, e.g. "X-Forwarded-Proto: https".
SECURE_PROXY_SSL_HEADER = env_header("SECURE_PROXY_SSL_HEADER")
# Proxies that append to X-Forwarded-For in front of the app: the visitor's address is read that many entries from
# the right (what the outermost proxy saw), never from the left, which any client can write. 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
if not DEBUG:
    _refuse_unsafe_production()
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the whole domain to HTTPS in every browser, for months; that is its owner's decision
        # (SECURE_HSTS_PRELOAD=true), not a default, so the reminder is silenced rather than answered for them.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "axes",
    "csp",
    "kpis",
    "okrs",
]

MIDDLEWARE = [
    # First: /health/ answers before anything reads the session (that is, the database).
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view says otherwise (sign-in itself, the API's own auth).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "config.security.IdleSessionMiddleware",
    "config.security.PrivateCacheMiddleware",
    "config.security.DeniedRequestLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it turns a locked-out sign-in into the lock-out page whatever the view answered.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # The long lists of rows only, as *.jinja files beside the Django templates (config/jinja.py says why).
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja.environment"},
    },
]
FORM_RENDERER = "config.jinja.FormRenderer"

_EMBEDDED_DATABASE_URL = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _EMBEDDED_DATABASE_URL)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if DATABASES["default"]["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://…) or SQLite (sqlite:///…).")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database is shared by the web server, the worker and beat: wait for the write lock
    # instead of failing with "database is locked" while another process commits.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out account or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "okrs.roles.PersonBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from the app folders (below) but expects STATIC_ROOT to exist, collected or not.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sign-in limits (django-axes): this many failures for one account, or from one address, lock it for the cool-down;
# each further try during it starts the cool-down again. A success does not wipe the failures, or an attacker with
# an account of their own could reset the counter of the one they are guessing from the same address.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_address"
AXES_HANDLER = "config.security.SignInLogHandler"
AXES_VERBOSE = False

# A session ends after this long without a request (config.security.IdleSessionMiddleware keeps it alive).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 8 * 60, minimum=5, maximum=30 * 24 * 60) * 60
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 24, minimum=1, maximum=7 * 24) * 3600
# Password-reset e-mails asked for in an hour, from one address or for one e-mail address, before the form pauses:
# no flood of mail to a colleague, no probing of addresses (config.security.PasswordResetView).
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 5, minimum=1, maximum=1000)
# An invitation link works this many days, once.
INVITATION_MAX_AGE = timedelta(days=env_int("INVITATION_DAYS", 7, minimum=1, maximum=90))

# Pages load scripts, styles and images from this origin only: no inline script or style, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: images are the icons inside stylesheets (the API docs' Swagger UI); they cannot run code.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }
}

# E-mail (invitations, password resets): EMAIL_URL or EMAIL_HOST & co.; printed to the console in development,
# a mail server on this machine in production when neither is set.
_EMAIL = env_email(unconfigured=EmailSettings(CONSOLE_BACKEND if DEBUG else SMTP_BACKEND))
EMAIL_BACKEND = _EMAIL.backend
EMAIL_HOST = _EMAIL.host
EMAIL_PORT = _EMAIL.port
EMAIL_HOST_USER = _EMAIL.user
EMAIL_HOST_PASSWORD = _EMAIL.password
EMAIL_USE_TLS = _EMAIL.use_tls
EMAIL_USE_SSL = _EMAIL.use_ssl
EMAIL_TIMEOUT = _EMAIL.timeout
DEFAULT_FROM_EMAIL = env_address("DEFAULT_FROM_EMAIL", "Pacer <pacer@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Serve static files straight from the app folders, so neither the run command nor gunicorn needs collectstatic.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

# KPI periods: quarters and years start in this month (1 = calendar year).
FISCAL_YEAR_START_MONTH = env_int("FISCAL_YEAR_START_MONTH", 1, minimum=1, maximum=12)
# Largest file a user may upload for import.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

_EMBEDDED_BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # The embedded broker: messages are files in one folder that producers and the worker share.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_EMBEDDED_BROKER_DIR / "queue"),
        "data_folder_out": str(_EMBEDDED_BROKER_DIR / "queue"),
        "processed_folder": str(_EMBEDDED_BROKER_DIR / "processed"),
        "control_folder": str(_EMBEDDED_BROKER_DIR / "control"),
        "store_processed": False,
    }
    # Producers (web, beat) and the worker may start in any order; each must find the folders there.
    for _folder in ("queue", "processed", "control"):
        (_EMBEDDED_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
elif not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
    raise ImproperlyConfigured("CELERY_BROKER_URL must be a redis:// or amqp:// URL (or unset for the embedded one).")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The one time limit of every task (none sets its own): the soft limit lets the task record why it stopped, the
# hard limit kills the worker process if even that does not finish.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message a worker took but never acknowledged (its machine died, its main process was killed) goes back to
    # the queue after this long, when a worker starts or its periodic scan comes by: above the hard time limit, or a
    # task still running legitimately would be started a second time.
    CELERY_BROKER_VISIBILITY_TIMEOUT = env_int(
        "CELERY_BROKER_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 5 * 60, minimum=CELERY_TASK_TIME_LIMIT + 5
    )
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Imports whose worker died or whose series recompute never ran: sent again or failed with a reason.
    "kpis-import-batches-recover": {"task": "kpis.import_batches_recover", "schedule": 60.0},
    # KPIs whose recompute after a definition change was lost (the broker was down): sent again.
    "kpis-definitions-recompute-recover": {"task": "kpis.definitions_recompute_recover", "schedule": 60.0},
    # The safety net behind incremental recomputes: every series from every observation, then every key result.
    "kpis-series-recompute-all": {"task": "kpis.series_recompute_all", "schedule": crontab(hour=2, minute=15)},
    # Late in the day, because it also writes the day's progress snapshot of every key result.
    "okrs-key-results-recompute-all": {
        "task": "okrs.key_results_recompute_all",
        "schedule": crontab(hour=23, minute=50),
    },
    # Scheduled scorecards: every minute, the subscriptions whose time has come (each sent by a task of its own).
    "okrs-scorecard-subscriptions-send-due": {"task": "okrs.scorecard_subscriptions_send_due", "schedule": 60.0},
    # Webhook deliveries left pending (recorded while the broker was down, or whose retries were lost): sent again.
    "okrs-webhook-deliveries-resend": {"task": "okrs.webhook_deliveries_resend", "schedule": 60.0},
}

# Scheduled scorecards. SITE_URL is where people reach the app, for the links in the e-mail; a delivery the mail
# server refuses is tried SCORECARD_DELIVERY_ATTEMPTS times in all, SCORECARD_DELIVERY_RETRY_SECONDS apart.
SITE_URL = env_str("SITE_URL", "http://localhost:8000")
SCORECARD_DELIVERY_ATTEMPTS = env_int("SCORECARD_DELIVERY_ATTEMPTS", 3, minimum=1, maximum=20)
SCORECARD_DELIVERY_RETRY_SECONDS = env_int("SCORECARD_DELIVERY_RETRY_SECONDS", 300, minimum=1)

# Webhooks. A delivery never tried this many seconds after it was recorded (or last queued again) has lost its task,
# and is queued again by the sweep; one tried before, once its retries have been silent longer than their longest
# backoff.
WEBHOOK_RESEND_AFTER_SECONDS = env_int("WEBHOOK_RESEND_AFTER_SECONDS", 300, minimum=30)

# Imports. A running import writes a heartbeat this often; one silent for IMPORT_STALE_SECONDS has lost its worker
# and is sent again, at most IMPORT_MAX_ATTEMPTS times in all, then failed with the reason.
IMPORT_HEARTBEAT_SECONDS = env_int("IMPORT_HEARTBEAT_SECONDS", 30, minimum=1)
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 180, minimum=2)
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 3, minimum=1, maximum=20)
# Days a file may hold: from IMPORT_DATE_MIN to today in TIME_ZONE. Anything else is a typo (9999-12-31) that would
# make the calendar build millions of periods.
IMPORT_DATE_MIN = env_date("IMPORT_DATE_MIN", "2000-01-01")
# Bounds checked before a file is parsed: a line of a CSV file, the columns of a header, and what an XLSX
# workbook (a zip archive) inflates to, its sheets and its shared-strings table.
IMPORT_MAX_LINE_BYTES = env_int("IMPORT_MAX_LINE_BYTES", 64 * 1024, minimum=1024)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 500, minimum=10)
IMPORT_XLSX_MAX_INFLATED_BYTES = env_int("IMPORT_XLSX_MAX_INFLATED_BYTES", 1024 * 1024 * 1024, minimum=1024 * 1024)
IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = env_int(
    "IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES", 64 * 1024 * 1024, minimum=64 * 1024
)

# Shared by the web processes and the workers (import progress, for one): Redis when CACHE_URL names one,
# else files under DATA_DIR, which every process on this machine sees.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("CACHE_URL must be a redis:// URL (or unset for a file cache under DATA_DIR).")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(DATA_DIR / "cache")}
    )
}

# --- The REST API (/api/v1/): DRF, django-filter, drf-spectacular. One block, so that other sections stay apart.
INSTALLED_APPS += ["django.contrib.humanize", "django_filters", "drf_spectacular", "drf_spectacular_sidecar"]
# Largest JSON body the API reads; a bigger one answers 413 before it is parsed.
API_MAX_REQUEST_BYTES = env_int("API_MAX_REQUEST_BYTES", 10 * 1024 * 1024, minimum=1024)
# api2: the measurement push takes larger bodies (100,000 cells as long records are about 7 MB).
API_MAX_PUSH_BYTES = env_int("API_MAX_PUSH_BYTES", 50 * 1024 * 1024, minimum=1024)
REST_FRAMEWORK = {
    # A Bearer token first, so that a request without credentials is a 401 with its challenge, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "okrs.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "okrs.api.permissions.TokenScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["kpis.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "kpis.api.pagination.CursorPage",
    "DEFAULT_FILTER_BACKENDS": [
        "kpis.api.filtering.FilterBackend",
        "kpis.api.filtering.StrictOrderingFilter",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "tokens": env_str("API_THROTTLE_TOKENS", "30/minute"),
        "push": env_str("API_THROTTLE_PUSH", "60/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "kpis.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "kpis.api.errors.exception_handler",
    # JSON only: no ?format= switch, no browsable renderer (the docs page is the browsable part).
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pacer API",
    "DESCRIPTION": (
        "Read and write Pacer's KPIs, series, targets and teams. Authenticate with a personal access token "
        "(`Authorization: Bearer pacer_…`, from the API tokens page) or, in the browser, the signed-in session. "
        "Errors share one shape: `{status, code, detail, errors: [{field, code, message}]}`. "
        "Lists are cursor-paginated (`next`/`previous` links) and take `ordering` and filters. See docs/api.md."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "displayOperationId": False},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RagEnum": "kpis.status.Rag",
        "AccessTokenStateEnum": "okrs.models.AccessToken.State",
        "AccessTokenScopeEnum": "okrs.models.AccessToken.Scope",
        "GrainEnum": "kpis.periods.Grain",
        "WebhookEventEnum": "okrs.models.Webhook.Event",
        "WebhookDeliveryStateEnum": "okrs.models.WebhookDelivery.State",
        # api2
        "ObjectiveStateEnum": "okrs.models.Objective.State",
        "InitiativeStateEnum": "okrs.models.Initiative.State",
        "KeyResultStatusEnum": "okrs.models.Status",
        "KeyResultDirectionEnum": "okrs.models.KeyResult.KrDirection",
        "ImportStatusEnum": "kpis.models.ImportBatch.Status",
        "ImportStateEnum": "kpis.import_state.State.ALL",
        "KpiStatusEnum": ["green", "amber", "red"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Sign-ins, failed sign-ins, lock-outs and denied requests, one line each (config/security.py).
    # (django-axes' own lines would only repeat them.)
    "loggers": {
        "pacer.security": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# Audit history (docs/audit.md): django-simple-history records every change to definitions, targets, OKRs,
# memberships and roles; its middleware tells it who is signed in. AUDIT_HISTORY=false turns the recording off
# (the benchmark compares both); the cell history of imports is part of the import and always on.
INSTALLED_APPS += ["simple_history"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "simple_history.middleware.HistoryRequestMiddleware",
)
SIMPLE_HISTORY_ENABLED = env_bool("AUDIT_HISTORY", True)
AUDIT_LOG_PAGE_SIZE = 50
