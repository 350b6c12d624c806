"""Settings for the CRM. Every value comes from the environment; the defaults are
the embedded ones (SQLite and Celery's filesystem broker under ``var/``) so that
``make run`` needs no server, and safe for production (DEBUG off)."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    API_RATE_LIMIT_PER_MINUTE=(int, 100),
    WEBHOOKS_ALLOW_PRIVATE_NETWORKS=(bool, False),
    WEBHOOK_TIMEOUT_SECONDS=(float, 10.0),
    WEBHOOK_RETENTION_DAYS=(int, 30),
)

DEBUG = env("DEBUG")
# A development-only fallback: production must set SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "graphene_django",
    "csp",
    "axes",
    "crm",
    "webhooks",
    "settings_ui",
    "docs_site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "crm.content_length_middleware.MalformedContentLengthMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's own session, CSRF, login and messages middleware, passed by on API paths
    # (key-authenticated, never a session): see crm/page_middleware.py.
    "crm.page_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "crm.page_middleware.CsrfViewMiddleware",
    "crm.page_middleware.AuthenticationMiddleware",
    "crm.page_middleware.MessageMiddleware",
    "crm.page_middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.middleware.CurrentWorkspaceMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout answer.
    "crm.page_middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "crm.context_processors.workspace",
                "settings_ui.context_processors.records_menu",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; IMMEDIATE transactions
    # take the write lock up front so concurrent writers wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    # Each thread that serves requests keeps its own connection and reuses it; the web
    # server's fixed thread pool (config/web.py) is what bounds their number.
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    # A health check is one more round trip on every request; a dropped persistent
    # connection already fails that one request and is replaced on the next. Turn it on
    # where a proxy or failover routinely drops idle connections.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=False)
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        # Parameters bound by the server let psycopg prepare a statement the second time a
        # connection runs it, so PostgreSQL skips parsing and planning on every API request
        # after that. Turn off behind a pooler that cannot keep prepared statements
        # (PgBouncer before 1.21, or in transaction mode without max_prepared_statements).
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})
        # Django's backend, with a statement of more parameters than the server binds
        # sent with its values in the SQL instead (config/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "config.postgresql"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "crm.User"
# django-axes's backend first: it refuses a locked-out attempt before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve straight from the app folders, so no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
# Set SECURE_COOKIES=true behind HTTPS.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
# Behind a proxy that terminates TLS, trust its X-Forwarded-Proto so generated URLs
# (OpenAPI servers, examples on the key page) are https.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Security headers ---------------------------------------------------------
# Django's defaults, written out because the pages rely on them: SecurityMiddleware sends
# X-Content-Type-Options and Referrer-Policy, XFrameOptionsMiddleware X-Frame-Options
# (SAMEORIGIN for the playground frames), on every response.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on pages only (crm/page_middleware.py): everything a page uses comes from this
# server, and no page runs inline script. Views that need more widen it for themselves
# (the playground frames, settings_ui/views/playground.py; the docs' diagrams).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# --- Failed logins (django-axes; crm/login_throttling.py) -----------------------
# Counted in the shared cache, per account and, separately, per client address: after
# LOGIN_FAILURE_LIMIT failures either one is refused for LOGIN_LOCKOUT_MINUTES, even
# with the right password. The lockout then ends by itself.
#
# axes's cache handler, letting logins through uncounted while the cache is unreachable.
# The embedded file cache is shared by the processes of one machine but counts without a
# lock, so simultaneous failures can be undercounted by a few: deployments with several
# web processes set REDIS_URL (docs/self-hosting.md).
AXES_HANDLER = "crm.login_throttling.CacheHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15))
# Attempts while locked out are refused without being counted, so the lockout ends
# LOGIN_LOCKOUT_MINUTES after it began, however often someone keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Django's login forms send the email as "username" (the user model has no username).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "crm.login_throttling.account_of"
AXES_CLIENT_IP_CALLABLE = "crm.login_throttling.client_address"
AXES_LOCKOUT_CALLABLE = "crm.login_throttling.lockout_response"
# The cache handler keeps nothing in the database: axes's admin pages would stay empty.
AXES_ENABLE_ADMIN = False
# Log failures by the parameters that lock (masked), without a start-up banner in every command.
AXES_VERBOSE = False
# Reverse proxies in front of the app that append to X-Forwarded-For. 0: the client's
# address is the connection's own (REMOTE_ADDR); never trust the header without a proxy
# that writes it, since a client can send any value.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# axes looks for its middleware by exact name; ours is that class, run for pages only.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

# --- APIs -------------------------------------------------------------------
API_RATE_LIMIT_PER_MINUTE = env("API_RATE_LIMIT_PER_MINUTE")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # Any DRF view answers failures in the API's error shape (crm.rest.base.ApiView sets it too).
    "EXCEPTION_HANDLER": "crm.rest.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}
GRAPHENE = {"SCHEMA": None}

# --- Celery and webhooks ------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
# kombu's transports with this project's changes, by broker URL scheme (see each module).
BROKER_TRANSPORTS = {
    "filesystem": "config.filesystem_broker:Transport",
    "redis": "config.redis_broker:Transport",
    "rediss": "config.redis_broker:Transport",
}
CELERY_BROKER_TRANSPORT = BROKER_TRANSPORTS.get(CELERY_BROKER_URL.partition("://")[0])
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A folder of its own per run keeps stale messages out (tests pass a fresh one).
    _broker_dir = Path(env.str("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker")))
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Without it, kombu keeps its exchange table in ./control of whatever folder a process starts in.
        "control_folder": str(_broker_dir / "control"),
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Seconds between looks at the folder: the default (1 s) adds that much latency to every delivery.
        "polling_interval": 0.2,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A broker gone without closing the connection (failover, a NAT's timeout) would
    # otherwise hold a publish through kombu (beat's, say) forever; webhook messages go
    # through their own client, which gives up after 2 s (webhooks/services/nudges.py).
    # (A worker's wait for messages has checks of its own.)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 5}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
# Queuing happens after a web request's commit: with the broker down, give up fast and
# let the sweeper queue the delivery later instead of holding the request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env("WEBHOOKS_ALLOW_PRIVATE_NETWORKS")
WEBHOOK_TIMEOUT_SECONDS = env("WEBHOOK_TIMEOUT_SECONDS")
WEBHOOK_RETENTION_DAYS = env("WEBHOOK_RETENTION_DAYS")
# Delays after the first attempt; tests shorten them through the environment.
WEBHOOK_RETRY_SCHEDULE = [
    timedelta(seconds=s)
    for s in env.list("WEBHOOK_RETRY_SCHEDULE_SECONDS", cast=float, default=[5, 300, 1800, 7200, 18000, 36000, 36000])
]
WEBHOOK_DISABLE_AFTER = timedelta(days=env.float("WEBHOOK_DISABLE_AFTER_DAYS", default=5))
# How long a worker may hold a delivery it is posting; past it the delivery counts as
# interrupted (worker killed) and is retried. Must outlast one full request.
WEBHOOK_LEASE_SECONDS = env.float("WEBHOOK_LEASE_SECONDS", default=WEBHOOK_TIMEOUT_SECONDS + 30)
# How long a queued message is trusted to reach a worker before the sweeper queues the delivery again.
WEBHOOK_QUEUE_LEASE_SECONDS = env.float("WEBHOOK_QUEUE_LEASE_SECONDS", default=120)
WEBHOOK_SWEEP_INTERVAL_SECONDS = env.float("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=5)
# Worker processes one endpoint may occupy at once, so a slow receiver cannot hold them all.
WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = env.int("WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT", default=2)
# How long a worker keeps sending the backlog of the endpoints in its message before
# handing what is left back to the queue.
WEBHOOK_DRAIN_SECONDS = env.float("WEBHOOK_DRAIN_SECONDS", default=10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
