"""Settings for O2R, read from the environment (or `.env`) with django-environ.

Two modes, chosen by O2R_ENV:
- development (default): works with nothing configured. Without DATABASE_URL the URL of the
  embedded PostgreSQL is read from var/database_url (written by `python -m o2r.devdb start`);
  without REDIS_URL Celery uses kombu's filesystem transport under var/.
- production: refuses to start without a real SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# Runtime state of zero-configuration development: embedded PostgreSQL, broker folders, beat.
VAR_DIR = Path(env.str("O2R_VAR_DIR", default=str(BASE_DIR / "var")))

O2R_ENV = env.str("O2R_ENV", default="development")
if O2R_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"O2R_ENV must be 'development' or 'production', not {O2R_ENV!r}.")
PRODUCTION = O2R_ENV == "production"

DEV_SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)

if PRODUCTION:
    if len(SECRET_KEY) < 50 or SECRET_KEY == DEV_SECRET_KEY or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "O2R_ENV=production needs SECRET_KEY: at least 50 random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(64))").'
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "O2R_ENV=production needs ALLOWED_HOSTS: the host names that serve O2R."
        )
    if DEBUG:
        raise ImproperlyConfigured("O2R_ENV=production refuses DEBUG=true.")

# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "o2r.accounts",
    "o2r.core",
    "o2r.audit",
    "o2r.reminders",
    "o2r.sms",
    "o2r.dashboard",
    "phonenumber_field",
    "django_filters",
    "pgtrigger",
    "pghistory",
    "residents",
    "outreach",
    "employers",
    "employment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "o2r.core.middleware.DatabaseUnavailableMiddleware",
    "o2r.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "o2r.core.middleware.HtmxLoginRedirectMiddleware",
    # Idle and absolute session end; keeps a form posted after it (CSRF-checked by then).
    "o2r.accounts.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "o2r.accounts.middleware.SecondFactorMiddleware",
    # Who and which page, for the history triggers of every write of the request.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a lock-out into the French page (o2r.accounts.views).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "o2r.urls"
WSGI_APPLICATION = "o2r.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "o2r.core.context_processors.navigation",
                "o2r.accounts.context_processors.session_limits",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DEV_DATABASE_URL_FILE = VAR_DIR / "database_url"


def _database_url():
    url = env.str("DATABASE_URL", default="")
    if url:
        return url
    if PRODUCTION:
        raise ImproperlyConfigured("O2R_ENV=production needs DATABASE_URL.")
    if DEV_DATABASE_URL_FILE.is_file():
        return DEV_DATABASE_URL_FILE.read_text().strip()
    # Commands that need no database (check, collectstatic, makemigrations --check) still work;
    # anything that connects fails with this clear host name in the error.
    return "postgres://postgres@embedded-postgres-not-started.invalid/o2r"


DATABASES = {"default": env.db_url_config(_database_url())}
# A Unix-socket directory is percent-encoded in the URL's host (libpq's form); django-environ
# keeps it encoded.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# The planner's cost of a random page read: PostgreSQL's default (4) is for spinning disks.
# On SSDs, or with the working set in memory, 1.1 lets it use the indexes it should — measured
# on the national bench, the suggestions' ranking went from ~165 ms to 50-77 ms (reading the
# open openings of the coach's territory by the employer+status index instead of every open
# opening of the country), and no page got slower. Empty: leave the server's setting.
O2R_DB_RANDOM_PAGE_COST = env.str("O2R_DB_RANDOM_PAGE_COST", default="1.1")
if O2R_DB_RANDOM_PAGE_COST:
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c random_page_cost={float(O2R_DB_RANDOM_PAGE_COST)}"
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The web process (gunicorn through o2r/wsgi.py, runserver through Procfile.dev) shares a bounded
# psycopg pool between its threads: a burst waits for a connection instead of opening one per
# thread. Workers, beat, management commands and the tests keep persistent, health-checked
# connections, one per process or prefork child (no pool across Celery's fork). A saturated
# pool answers the French 503 after O2R_DB_POOL_TIMEOUT.
DB_POOL = env.bool("O2R_DB_POOL", default=False)
DB_POOL_OPTIONS = {
    "min_size": env.int("O2R_DB_POOL_MIN_SIZE", default=1),
    "max_size": env.int("O2R_DB_POOL_MAX_SIZE", default=10),
    "timeout": env.float("O2R_DB_POOL_TIMEOUT", default=10.0),
    "max_idle": env.float("O2R_DB_POOL_MAX_IDLE", default=300.0),
    # After a PostgreSQL restart: psycopg_pool retries a failed connection with a doubling
    # delay (1, 2, 4, 8 s…) for reconnect_timeout (5 min by default), and a waiting request
    # triggers no new attempt meanwhile, so requests kept timing out (503) for seconds after the
    # server was back. Giving up after 2 s keeps an attempt at least every second; the next
    # request starts a new one. CONN_HEALTH_CHECKS makes Django set the pool's `check`: a
    # connection broken by the restart is replaced before a request gets it.
    "reconnect_timeout": env.float("O2R_DB_POOL_RECONNECT_TIMEOUT", default=2.0),
}
# What bounds a web request's SQL: gunicorn's --timeout does not with --threads (the worker
# reports itself alive from its main loop while a thread waits), so a statement of the web
# running longer than this is cancelled (an error to see, with its traceback). The longest
# legitimate one takes under a second (the longest query of a national year's dashboard: 0.2 s).
O2R_DB_STATEMENT_TIMEOUT = env.int("O2R_DB_STATEMENT_TIMEOUT", default=30)
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"]["OPTIONS"]["pool"] = DB_POOL_OPTIONS
    if O2R_DB_STATEMENT_TIMEOUT:
        options = DATABASES["default"]["OPTIONS"].get("options", "")
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"{options} -c statement_timeout={O2R_DB_STATEMENT_TIMEOUT * 1000}".strip()
        )
# Parallel test runs on one server (several developers' loops) each take their own database.
DATABASES["default"]["TEST"] = {"NAME": env.str("O2R_TEST_DATABASE", default="") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sessions ----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in to CNIL délibération 2022-100 and OWASP ASVS 5.0 level 2 (README, "Sign-in"): no
# forced periodic change of password; a login is throttled by account and address together
# (one office network must not lock out a whole team).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "o2r.accounts.backends.UserBackend",
]
AXES_FAILURE_LIMIT = env.int("O2R_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("O2R_LOGIN_COOLOFF_MINUTES", default=15))
# Account and address together, and the account alone past O2R_LOGIN_ACCOUNT_FAILURE_LIMIT
# failures from any addresses (o2r/accounts/security.py).
AXES_LOCKOUT_PARAMETERS = "o2r.accounts.security.axes_lockout_parameters"
O2R_LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("O2R_LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "o2r.accounts.security.axes_username"
AXES_LOCKOUT_CALLABLE = "o2r.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# A try during the lock-out does not push the end further: the page can say when to retry.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# A second factor (TOTP) is offered to everyone, and required of the profiles in
# o2r.access.MFA_REQUIRED when this is on.
O2R_MFA_REQUIRED = env.bool("O2R_MFA_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = "O2R"
# Sessions end after 30 minutes without a request and 12 hours in all; o2r.js warns
# O2R_SESSION_WARNING seconds before and offers to stay signed in.
O2R_SESSION_IDLE_TIMEOUT = env.int("O2R_SESSION_IDLE_TIMEOUT", default=30 * 60)
O2R_SESSION_MAX_AGE = env.int("O2R_SESSION_MAX_AGE", default=12 * 3600)
O2R_SESSION_WARNING = env.int("O2R_SESSION_WARNING", default=5 * 60)
# The stored session outlives the sign-in a little, so that a form posted just after its end
# is still known to belong to its user and can be kept (o2r.accounts.middleware).
SESSION_COOKIE_AGE = O2R_SESSION_MAX_AGE + O2R_SESSION_IDLE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "/static/"
# Collected only for production (whitenoise serves them); development serves from the finders.
STATIC_ROOT = BASE_DIR / "var" / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail -------------------------------------------------------------------------------

# EMAIL_URL (smtp+tls://user:password@host:587, consolemail://, filemail:///path) becomes
# Django 6.1's MAILERS; the older EMAIL_* settings are deprecated.
_EMAIL = env.email_url(
    "EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://"
)
_EMAIL_OPTIONS = {
    "host": _EMAIL.get("EMAIL_HOST"),
    "port": _EMAIL.get("EMAIL_PORT"),
    "username": _EMAIL.get("EMAIL_HOST_USER"),
    "password": _EMAIL.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _EMAIL.get("EMAIL_USE_TLS"),
    "use_ssl": _EMAIL.get("EMAIL_USE_SSL"),
    "file_path": _EMAIL.get("EMAIL_FILE_PATH"),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL["EMAIL_BACKEND"],
        "OPTIONS": (
            {key: value for key, value in _EMAIL_OPTIONS.items() if value not in (None, "")}
            if _EMAIL["EMAIL_BACKEND"].endswith(("smtp.EmailBackend", "filebased.EmailBackend"))
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="O2R <ne-pas-repondre@o2r.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- SMS (o2r/sms: the outbox, its backends, quiet hours; ../shared/SMS_AND_TASKS.md) ------

# console, file (the zero-configuration default: the outbox page shows what went), locmem
# (tests), brevo (the real provider). Production must choose: file writes under var/.
SMS_BACKEND = env.str("SMS_BACKEND", default="file")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms" / "outbox.jsonl")))
# Brevo's transactional SMS API (POST {base}/v3/transactionalSMS/send, header api-key).
SMS_BREVO_API_KEY = env.str("SMS_BREVO_API_KEY", default="")
SMS_BREVO_BASE_URL = env.str("SMS_BREVO_BASE_URL", default="https://api.brevo.com")
# The sender: up to 11 letters and digits (cannot receive replies), or a number (up to 15
# digits), which residents can answer — replies and STOP need a numeric sender.
SMS_SENDER = env.str("SMS_SENDER", default="Adoma O2R")
# Seconds: connecting to the provider, then waiting for its answer (a timeout after the
# request was written means the outcome is unknown, never a resend).
SMS_CONNECT_TIMEOUT = env.float("SMS_CONNECT_TIMEOUT", default=5.0)
SMS_READ_TIMEOUT = env.float("SMS_READ_TIMEOUT", default=10.0)
# The provider's contract: messages per second that one worker process sends (0: no limit,
# e.g. against the local fake). The whole is this times the sms worker's processes.
SMS_RATE_PER_SECOND = env.float("SMS_RATE_PER_SECOND", default=0)
# The dispatcher hands the messages to the workers by batches of this many (each message is
# still claimed alone before its provider call).
SMS_SEND_BATCH = env.int("SMS_SEND_BATCH", default=20)
# How a message ends: who writes and how to stop (counted in the segments). With a numeric
# sender, replying STOP works; otherwise say whom to tell.
SMS_SIGNATURE = env.str(
    "SMS_SIGNATURE",
    default="Adoma O2R - Pour ne plus recevoir de SMS, dites-le à votre conseillère.",
)
# The application's public address (https://o2r.example.org): the provider's webhook URLs
# and the links of e-mails. "" : no delivery webhook is given to the provider.
O2R_PUBLIC_URL = env.str("O2R_PUBLIC_URL", default="")
# Quiet hours (DOMAIN.md §5.10, a project default): no SMS to residents from 20:00 to 09:00,
# on Sundays and on French public holidays (Europe/Paris). Tests that need a worker to send
# at any hour turn them off.
SMS_QUIET_HOURS = env.bool("SMS_QUIET_HOURS", default=True)
SMS_QUIET_START = env.str("SMS_QUIET_START", default="20:00")
SMS_QUIET_END = env.str("SMS_QUIET_END", default="09:00")
SMS_QUIET_SUNDAYS = env.bool("SMS_QUIET_SUNDAYS", default=True)
SMS_QUIET_HOLIDAYS = env.bool("SMS_QUIET_HOLIDAYS", default=True)
# The holidays of this subdivision too (57 Moselle, 6AE Alsace, 971-976 overseas); "" : none.
SMS_HOLIDAYS_SUBDIVISION = env.str("SMS_HOLIDAYS_SUBDIVISION", default="") or None
# Campaigns rest on the residents' SMS consent, or on their information and a simple right
# to object (DOMAIN.md §5.10; the default, since outreach reaches people before any consent):
# "consent" or "objection", a choice of the data protection officer. Reminders to a person in
# accompaniment always need her SMS consent.
O2R_SMS_CAMPAIGN_LEGAL_BASIS = env.str("O2R_SMS_CAMPAIGN_LEGAL_BASIS", default="objection")
# Waiting times, in seconds (minutes in production, seconds in the chaos tests).
SMS_DISPATCH_PAGE = env.int("SMS_DISPATCH_PAGE", default=500)
SMS_QUEUED_STUCK_AFTER = env.int("SMS_QUEUED_STUCK_AFTER", default=600)
# Beat's scans: the outbox's dispatcher and reconciler, the reminders due.
SMS_DISPATCH_EVERY = env.float("SMS_DISPATCH_EVERY", default=60.0)
SMS_RECONCILE_EVERY = env.float("SMS_RECONCILE_EVERY", default=600.0)
REMINDERS_DISPATCH_EVERY = env.float("REMINDERS_DISPATCH_EVERY", default=300.0)
SMS_SENDING_STUCK_AFTER = env.int("SMS_SENDING_STUCK_AFTER", default=600)
# "Not sent" answers (connection refused, 429) are retried after these delays, then failed.
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=5)
SMS_RETRY_BACKOFF = env.list("SMS_RETRY_BACKOFF", cast=int, default=[60, 300, 900, 3600])
# Replies from a shared or unknown number wait this long for a person to match them.
SMS_INBOX_RETENTION_DAYS = env.int("SMS_INBOX_RETENTION_DAYS", default=90)

# --- Security -----------------------------------------------------------------------------

# No inline script or style anywhere: every script and stylesheet is a file under static/.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer and the container health check call /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a one-way commitment for every subdomain of the organisation's domain,
    # which the hosting decision has not made; HSTS itself is on.
    "security.W021",
]

# --- Celery -------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
# Waiting times, in seconds (README, "Operations"): minutes in production, seconds in the
# chaos tests, so that they prove outcomes quickly.
# A task taken by a worker that dies without a word (kill -9, a lost machine) goes back to the
# queue after the visibility timeout: it must be longer than the longest task's hard time
# limit (`manage.py check` and `migrate` refuse otherwise: o2r/core/checks.py), or a long
# task would run twice at once.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=1800)
# How often a worker looks for such tasks (Redis is scanned every interval * throttle s).
CELERY_RESTORE_INTERVAL = env.int("CELERY_RESTORE_INTERVAL", default=10)
CELERY_RESTORE_THROTTLE = env.int("CELERY_RESTORE_THROTTLE", default=6)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": CELERY_RESTORE_INTERVAL,
        "unacked_restore_throttle": CELERY_RESTORE_THROTTLE,
        "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=2.0),
        "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=5.0),
    }
else:
    if PRODUCTION:
        raise ImproperlyConfigured("O2R_ENV=production needs REDIS_URL.")
    CELERY_BROKER_URL = "filesystem://"
    # One folder for in and out: every process on this machine shares the same queue files.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
    # Created here, at start, so that web, worker and beat can publish and consume at once.
    for _folder in ("queue", "control", "processed"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Cache ---------------------------------------------------------------------------------

# The dashboard's computed figures (o2r/dashboard/cache.py), kept this many seconds (0: never
# kept, each page computes them; the tests' setting). They include small health counts, so
# their Redis is not the broker's: a memory-only one (compose's `cache` service, nothing on
# disk), shared by every web process and the worker that warms them; without O2R_CACHE_URL,
# each process's memory. A cache that does not answer within half a second is skipped: the
# figures are computed for the request.
O2R_DASHBOARD_FIGURES_TTL = env.int("O2R_DASHBOARD_FIGURES_TTL", default=600)
O2R_DASHBOARD_WARM_EVERY = env.int("O2R_DASHBOARD_WARM_EVERY", default=480)
O2R_CACHE_URL = env.str("O2R_CACHE_URL", default="")
if O2R_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": O2R_CACHE_URL,
            "KEY_PREFIX": "o2r-cache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Workers wait for Redis as long as it takes (a restart, an upgrade), then carry on.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing (a web request's "send after commit") gives up within about 2 s when Redis is
# down: the outbox's and the reminders' scans queue the work again once it is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# SMS tasks have their own queue (a worker of their own can scale them); the SMS bench gives
# its worker a queue of its own, so that no other worker takes its tasks.
O2R_SMS_QUEUE = env.str("O2R_SMS_QUEUE", default="sms")
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("default", O2R_SMS_QUEUE)]
CELERY_TASK_ROUTES = {"o2r.sms.*": {"queue": O2R_SMS_QUEUE}}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Acknowledged when done, not when taken (every task is idempotent), delivered again if its
# process dies — set aside after this many deliveries (o2r/core/reliable_task.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
O2R_TASK_MAX_ATTEMPTS = env.int("O2R_TASK_MAX_ATTEMPTS", default=3)
# A task that finds PostgreSQL down goes back to the queue after this pause (seconds).
O2R_TASK_REQUEUE_DELAY = env.float("O2R_TASK_REQUEUE_DELAY", default=5.0)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No default time limits: every task declares its own (`manage.py check` refuses one that
# does not, o2r/core/checks.py), sized to its work and under the visibility timeout.
# A worker child is replaced after this many tasks or this much memory (KiB): a slow leak
# never grows into an out-of-memory kill.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
# When Redis goes away, running tasks finish (their acknowledgement may be lost: they are
# idempotent) rather than being cut in the middle of a provider call.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic work is a frequent "do what is due" scan, safe if a tick runs twice or is missed.
# Nothing is scheduled between 02:00 and 03:00 (daylight-saving changes).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "o2r.core.tasks.record_beat_tick",
        "schedule": crontab(minute="*/5"),
    },
    "core-purge-task-attempts": {
        "task": "o2r.core.tasks.purge_task_attempts",
        "schedule": crontab(minute=35, hour=4),
    },
    # Roster previews are personal data: gone after a day.
    "residents-purge-roster-imports": {
        "task": "residents.tasks.purge_roster_imports",
        "schedule": crontab(minute=17, hour="0-1,3-23"),
    },
    # Residents inactive for 2 years are anonymised (only counted unless O2R_RETENTION_WET_RUN).
    "residents-anonymise-inactive": {
        "task": "residents.tasks.anonymise_inactive_residents",
        "schedule": crontab(minute=20, hour=4),
    },
    # Reads of personal data are kept 12 months, then deleted (the trigger allows no earlier).
    "audit-purge-access-log": {
        "task": "o2r.audit.tasks.purge_access_log",
        "schedule": crontab(minute=40, hour=4),
    },
    # The SMS outbox: queue what is due (and what stayed queued too long), every minute;
    # rows left "sending" by a dead worker become "unknown" for a person to check.
    "sms-dispatch": {"task": "o2r.sms.tasks.dispatch_pending", "schedule": SMS_DISPATCH_EVERY},
    "sms-reconcile": {"task": "o2r.sms.tasks.reconcile_stuck", "schedule": SMS_RECONCILE_EVERY},
    # Reminders: resident messages due become SMS; staff get a morning digest.
    "reminders-dispatch": {
        "task": "o2r.reminders.tasks.dispatch_due_reminders",
        "schedule": REMINDERS_DISPATCH_EVERY,
    },
    # From 07:30, every quarter of an hour until noon: a missed tick is made up.
    "reminders-digest": {
        "task": "o2r.reminders.tasks.send_digests",
        "schedule": crontab(minute="*/15", hour="7-11"),
    },
    # Right-to-work documents expiring within 60 days: a reminder for the officer.
    "residents-right-to-work": {
        "task": "residents.tasks.remind_expiring_right_to_work",
        "schedule": crontab(minute=10, hour=6),
    },
    # Replies nobody matched leave the inbox after SMS_INBOX_RETENTION_DAYS.
    "sms-purge-inbox": {"task": "o2r.sms.tasks.purge_inbox", "schedule": crontab(minute=5, hour=5)},
    # The dashboard's opening figures (each reader's current year), computed ahead of her
    # and kept O2R_DASHBOARD_FIGURES_TTL seconds: refreshed before they expire.
    "dashboard-warm": {
        "task": "o2r.dashboard.tasks.warm_dashboards",
        "schedule": O2R_DASHBOARD_WARM_EVERY,
        # A tick not started before the next one is dropped: runs never pile up.
        "options": {"expires": O2R_DASHBOARD_WARM_EVERY},
    },
    # Sign-in records (axes) are kept 12 months; ended sessions go too.
    "accounts-purge-sign-in-logs": {
        "task": "o2r.accounts.tasks.purge_sign_in_logs",
        "schedule": crontab(minute=50, hour=4),
    },
}

# --- Logging ------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every successful sign-in at INFO with masked fields: o2r.security says it once.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Extension points ---------------------------------------------------------------------

# `residents` calls these and imports none of their owners: each app adds its own entry.
# The resident's timeline: entries_for(resident, user, *, notes, health) -> [Entry].
O2R_TIMELINE_SOURCES = [
    "residents.timeline.entries_for",
    "outreach.timeline.entries_for",
    "employment.timeline.entries_for",
    "o2r.sms.timeline.entries_for",
]
# Run inside the withdrawal's transaction, the resident locked: effect(*, consent, by).
O2R_CONSENT_WITHDRAWAL_EFFECTS = [
    "employment.effects.on_consent_withdrawn",
    "o2r.sms.effects.on_consent_withdrawn",
]
# Run inside a stage change's transaction, the resident locked: effect(*, change, by, via).
O2R_STAGE_CHANGE_EFFECTS = ["employment.effects.on_stage_change"]
# The parts of the resident's file other apps show: panel(resident, user, *, health) ->
# {"template": ..., ...} or None.
O2R_FILE_PANELS = ["employment.panels.panel_for", "o2r.sms.panels.panel_for"]
# The latest interaction per resident: source(*, resident_ids) -> {resident_id: datetime}.
O2R_ACTIVITY_SOURCES = [
    "residents.activity.latest_interactions",
    "outreach.activity.latest_interactions",
    "employment.activity.latest_interactions",
]
# What each app holds about a resident, for the right of access and the erasure: modules
# with MODELS, DERIVED, export(resident, *, user, health), erase(resident), purge_unlinked(now)
# (o2r/personal_data.py).
O2R_PERSONAL_DATA_SOURCES = [
    "residents.personal_data",
    "o2r.reminders.personal_data",
    "o2r.accounts.personal_data",
    "outreach.personal_data",
    "employment.personal_data",
    "o2r.sms.personal_data",
]
# IOD accompaniment (employment). A contract counts as durable employment when it is a CDI, or
# a CDD / temp of at least this many months (DOMAIN.md §2: the funder's exact rule is not
# confirmed, hence a setting).
O2R_DURABLE_EMPLOYMENT_MONTHS = env.int("O2R_DURABLE_EMPLOYMENT_MONTHS", default=6)
O2R_FULL_TIME_HOURS = 35
# The follow-ups in the job after the hire (DOMAIN.md §2: D+7, M1, M3, M6, a project choice):
# {milestone code: {"days": n} or {"months": n}}.
O2R_FOLLOW_UP_MILESTONES = {"d7": {"days": 7}, "m1": {"months": 1}, "m3": {"months": 3},
                            "m6": {"months": 6}}  # fmt: skip
# A follow-up done within this many days after its due date counts as done on time.
O2R_FOLLOW_UP_GRACE_DAYS = env.int("O2R_FOLLOW_UP_GRACE_DAYS", default=7)
# The IOD habit: an opening is put to one candidate at a time.
O2R_ONE_CANDIDATE_AT_A_TIME = env.bool("O2R_ONE_CANDIDATE_AT_A_TIME", default=True)
# The usual ceiling of intensive support: accompaniments per coach.
O2R_CASELOAD_CEILING = env.int("O2R_CASELOAD_CEILING", default=50)
# The funder asks for the situation this many months after the exit.
O2R_POST_EXIT_MONTHS = 6

# Who owns the outbox's messages (o2r/sms/owners.py): {kind: module}.
O2R_SMS_OWNERS = {
    "campaign": "outreach.sms_owner",
    "reminder": "o2r.reminders.sms_owner",
}
# What a reply becomes when its owner says nothing: an SMS contact and a reminder.
O2R_SMS_REPLY_HANDLER = "outreach.sms_owner.on_reply"

# Retention (DOMAIN.md §5.8): a resident with no interaction for this many days is anonymised by
# the daily beat task, which only counts (dry run) unless O2R_RETENTION_WET_RUN is true.
O2R_RETENTION_INACTIVE_DAYS = env.int("O2R_RETENTION_INACTIVE_DAYS", default=730)
O2R_RETENTION_WET_RUN = env.bool("O2R_RETENTION_WET_RUN", default=False)

# History triggers (django-pghistory): the context (who, which page) of every write, stamped
# with the clock (not the transaction's start), so the events of one transaction keep their
# order. Not
# in the admin: events hold personal data, which administrators see only through a membership.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# --- Phone numbers ------------------------------------------------------------------------

PHONENUMBER_DEFAULT_REGION = "FR"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"
