"""One settings module, read from the environment.

With nothing set it runs on an embedded default (SQLite file, Celery eager, DEBUG on) so that
`make run` shows the whole product. `DATABASE_URL` switches to PostgreSQL, `REDIS_URL` to Redis as
Celery's broker and result backend. Every variable is documented in `.env.example`.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


# --- small typed helpers that fail loudly -------------------------------------------------------
def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Translate `postgres://user:pass@host:port/name?opt=v` or `sqlite:///path` to a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        if not parsed.path.strip("/"):
            raise ImproperlyConfigured("DATABASE_URL has no database name")
        options = dict(parse_qsl(parsed.query))
        # No JIT for page queries: a ledger sorted on a per-row subquery crosses `jit_above_cost` and spent
        # ~130 ms compiling for a 100 ms query (bench_ledgers, 20,000 projects). `?options=…` in the URL wins.
        options.setdefault("options", "-c jit=off")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        # sqlite:///relative.db → "relative.db"; sqlite:////abs/path.db → "/abs/path.db"
        name = path[1:]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name or BASE_DIR / "db.sqlite3"}
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use postgres:// or sqlite://)")


# --- core -----------------------------------------------------------------------------------------
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"


def production_secret_key(value: str) -> str:
    """Refuse a weak key in production (Django's own check only warns): the rule of its security.W009 check.

    Sessions, password-reset links and CSRF tokens are signed with it; `SECRET_KEY=x` would let anyone forge them.
    """
    if (
        len(value) < 50
        or len(set(value)) < 5
        or value.startswith("django-insecure-")
        or value == DEV_SECRET_KEY
        or "change-me" in value
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for production: use at least 50 random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return value


DEBUG = env_bool("DEBUG", True)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
else:
    SECRET_KEY = production_secret_key(env_str("SECRET_KEY"))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "tracker",
    "targets",
    "projects",
    "rectifications",
]

MIDDLEWARE = [
    # /healthz before anything that validates the Host header (the probe comes from 127.0.0.1)
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # pages (not static files: WhiteNoise serves those pre-compressed) go out gzipped: the leaders' dashboard HTML
    # shrinks about 5×. CSRF tokens are masked per response, so compression does not expose them (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    # before the session middleware: knows whether the request committed when the session save fails
    "config.middleware.CommitTrackingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # the platform's 404 page also with DEBUG on (Django's would list every URL); needs request.user for the menu
    "config.middleware.PlatformErrorPagesMiddleware",
    # after auth (its page names the person in the menu), before any view or CSRF check reads the body
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # axes after auth: it reads the authenticated user and the request address
    "axes.middleware.AxesMiddleware",
    "config.middleware.PrivatePagesMiddleware",
    "config.middleware.AdminAuditMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
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
                "django.template.context_processors.i18n",
                "tracker.common.access.navigation",
                "tracker.context_processors.inbox",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------------
DATABASES = {"default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "tracker.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: refuses locked-out attempts
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Machine tokens (tracker.models.ApiToken) expire after this many days unless issued with --days.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 365)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; object permissions never fall back to global ones
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: lock a (username, address) pair, so a colleague behind the same office address can still log in
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind N reverse proxies (compose documents one) the client address is the N-th X-Forwarded-For entry from the
# right; without this every login would come from the proxy and 5 wrong passwords would lock a user for everyone.
TRUSTED_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "tracker.net.client_ip"

# Sessions: idle timeout (the cookie is renewed on every request), cleared when the browser closes
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence and plans live outside the web root; they are served only through authorising views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"  # no URL pattern serves it: files go out only through authorising views
# Where uploaded files live. `local`: a folder on this host (one machine). `s3`: any S3-compatible object store
# (MinIO, a government cloud's OSS/OBS), shared by every web and worker host — the way to run more than one
# machine. Files are private either way: no public ACL, served only through the authorising views.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "local":
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
elif STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,  # empty = AWS itself
            "region_name": env_str("S3_REGION", "us-east-1"),
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "location": env_str("S3_PREFIX", ""),  # a folder inside the bucket, e.g. "eco/"
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),  # MinIO and most private clouds: path
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,  # storage_name() is already unique; never replace a stored file
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND={STORAGE_BACKEND!r} is not supported (use local or s3)")
# `manage.py backup` writes here unless told otherwise (compose mounts a volume at /app/var/backups).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        # The manifest storage needs `collectstatic` first: on in production (the image runs it), off locally.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
# Without collectstatic (local runs, tests) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", False)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 20) * 1024 * 1024
# Per request: how many files and how many bytes together (a form with a multi-file field could otherwise bring
# 100 × 20 MB). Bodies larger than the byte quota are refused with 413 before Django reads them.
UPLOAD_REQUEST_MAX_FILES = env_int("UPLOAD_REQUEST_MAX_FILES", 10)
UPLOAD_REQUEST_MAX_BYTES = env_int("UPLOAD_REQUEST_MAX_MB", 50) * 1024 * 1024
# Django's own hard stop on the number of file parts (a 400), above the friendly per-form check.
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_REQUEST_MAX_FILES * 2
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # Zero-setup default: tasks run inline in the web process.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# The queue tasks go to and workers read: one Redis may serve two deployments (or a test) on different queues.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_RESULT_EXPIRES = timedelta(days=1)
# A Redis that does not answer (host gone, not merely refusing) must fail a send within seconds: the scoring
# request is already a committed row, and the person should not wait for a TCP timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300, "socket_connect_timeout": 5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 5
CELERY_TASK_TRACK_STARTED = True
# All periodic tasks in one place, a comment per schedule. Apps add theirs here.
CELERY_BEAT_SCHEDULE: dict = {
    # Liveness of the beat → Redis → worker path: a worker records the time (tracker.health); /healthz reports
    # its age and the beat container's health check requires it to be fresh. Every minute; one cache write.
    "heartbeat": {"task": "config.celery.heartbeat", "schedule": crontab(minute="*")},
    # Inbox: tell units about stalled projects and overdue or near-deadline tasks, once per episode (06:20).
    "inbox-daily": {"task": "tracker.tasks.inbox_daily", "schedule": crontab(hour=6, minute=20)},
    # Rectifications: recompute four-colour warnings and send 提醒函/警示函/督办函/约谈, daily before work.
    "rectification-warnings": {"task": "rectifications.tasks.warnings_daily", "schedule": crontab(hour=6, minute=10)},
    # Assessment: recompute today's scores of every published scheme after the day's data is in (02:30).
    "targets-compute-scores-nightly": {
        "task": "targets.tasks.compute_scores_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # Assessment: send scoring runs whose send failed at commit (broker down) and re-queue runs whose worker
    # died (no heartbeat); every minute, expiring so a backlog after an outage does not pile up sweeps.
    "targets-scoring-sweep": {"task": "targets.tasks.scoring_sweep", "schedule": 60.0, "options": {"expires": 55}},
    # Assessment: delete old superseded, failed and non-month-end runs with their snapshots (Sundays 03:30);
    # published and month-end runs stay. Idempotent: a second send finds nothing left to delete.
    "targets-prune-runs": {"task": "targets.tasks.prune_runs", "schedule": crontab(hour=3, minute=30, day_of_week=0)},
}

# A worker heartbeat older than this is "stale" in /healthz (the beat container's check passes its own limit).
HEALTH_HEARTBEAT_MAX_AGE = env_int("HEALTH_HEARTBEAT_MAX_AGE", 300)

# --- cache ----------------------------------------------------------------------------------------
# "default" (page and panel caches) treats a Redis failure as a miss: pages render from the database while
# Redis is down (tracker.cache), with short timeouts and no retries so a dead Redis costs one quick failure.
# "coordination" (daily-job claims, delivery counters) is strict: a claim must not be granted on an error.
# Both use the same Redis and key space; without Redis both are the same in-process store.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "tracker.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry": None},
        },
        "coordination": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "eco"},
        "coordination": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "eco"},
    }

# --- security (production values when DEBUG is off) -----------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain to HTTPS in every browser: the domain owner's call, not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Django's redirect exempts the health check so a load balancer can probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- domain settings --------------------------------------------------------------------------------
# Demo city (乐山市): boundary file whose `adcode` matches Unit.code; an admin may load their own.
DEMO_GEOJSON = BASE_DIR / "tracker" / "demo_data" / "511100.json"
# Notices and bulletins as PDF are printed by headless Chromium (tracker/pdf.py); empty: found on PATH.
PDF_CHROMIUM = env_str("PDF_CHROMIUM", "")
# Seeders run by `manage.py seed_demo`, in order; each is idempotent. Apps append theirs.
DEMO_SEEDERS = [
    "tracker.demo.seed_units_and_people",
    "tracker.demo.seed_people",  # the register (责任人名册): 县长, 分管副县长, 局长 … per unit
    "tracker.demo.seed_calendar",  # holidays and make-up working days: deadlines and warning colours count them
    "projects.demo.seed_projects",
    "projects.demo.seed_pilots",
    "projects.demo.seed_milestones",  # 倒排工期 on a few projects (one behind)
    "tracker.demo_water.seed_water",
    "rectifications.demo.seed_rectifications",
    "rectifications.demo.seed_special_inspection",  # 专项督查 of the stalled projects (after their milestones)
    "tracker.demo_air.seed_air",
    "tracker.demo_watch.seed_watch",  # rules, and warnings judged over the demo readings
    "rectifications.demo.seed_watch_items",  # key enterprises → items; the warning left open escalated
    "tracker.demo.seed_people_links",  # tasks point at their unit's deputy in charge
    "rectifications.demo.seed_accountability",  # items → people, a criticism by name and an interview (奖惩到人)
    "tracker.demo_weather.seed_weather",  # forecasts, emergency lists, one lifted orange warning with responses
    "tracker.demo_weather.seed_rivers",  # river chiefs (茫溪河 at four levels), patrols, fishing-ban cases
    "rectifications.demo.seed_patrol_item",  # a 茫溪河 patrol finding turned into a rectification item
    "targets.demo.seed_targets",  # keep last: it scores what the other seeders created
    "targets.demo.seed_risk_followups",  # one deduction risk handed to a unit and followed up
    "targets.demo.seed_geo_boundary",  # the map boundary of the dashboards
    "targets.demo.seed_province_and_next_year",  # 全省排名, 开门红 targets, next year's scheme (after the scoring)
]

# The bulletin's (通报) parts beyond the rectification items, in order: (selector, capability to see it). Each
# selector is `(*, start, end) -> DocumentSection` (tracker.documents) in its own app, so rectifications imports
# none of those apps; a part is left out for whoever lacks its capability (inspectors have no part in projects).
BULLETIN_SECTIONS = [
    ("tracker.selectors.measures.bulletin_tasks_behind", "use_site"),  # tasks behind schedule
    ("projects.selectors.bulletin_stalled_projects", "read_projects"),  # stalled projects (milestones included)
    ("targets.selectors.bulletin_ranking_movement", "use_site"),  # rank change against the previous published run
]

# Daily inbox job (tracker.tasks.inbox_daily): each app's notifier, called in one transaction; each returns counts.
INBOX_DAILY_NOTIFIERS = [
    "projects.services.projects_stalled_notify",  # stalled projects, once a month while stalled
    "tracker.services.inbox.measures_due_notify",  # overdue and near-deadline tasks, once per deadline
]

# What other apps link to a person of the register (责任人): each returns its sections of the person's page,
# scoped to the reader (tracker.selectors.people.person_dossier). Apps append theirs.
PERSON_DOSSIER_SECTIONS = [
    "rectifications.selectors.person_sections",  # rectification items, accountability records (奖惩到人)
    "projects.selectors.person_sections",  # projects
    "targets.selectors.person_sections",  # deduction-risk follow-ups
]

# 转为整改问题 on tracker pages: the form a record's page shows, from the app that opens the item (tracker imports no
# other app; the page posts the form to that app's URL). tracker.forms.escalation reads it.
ESCALATION_FORMS = {
    "warning": "rectifications.forms.WarningEscalateForm",  # a monitoring warning (监测预警)
    "patrol": "rectifications.forms.EscalationForm",  # a river patrol's finding (巡河发现)
}

# --- projects ---
# The city's target budget execution rate (%) for special funds, shown against the actual rate with the gap in yuan.
PROJECTS_EXECUTION_TARGET = env_int("PROJECTS_EXECUTION_TARGET", 80)
# Funds of years before this one are "往年资金" (the speech, given in 2022: 2021年以前的中央和省级资金);
# 0 means "last year", i.e. relative to today, as the speech was.
PROJECTS_OLD_FUNDS_BEFORE_YEAR = env_int("PROJECTS_OLD_FUNDS_BEFORE_YEAR", 0)
# A funded or started project with no progress report for more than this many days is stalled.
PROJECTS_STALL_DAYS = env_int("PROJECTS_STALL_DAYS", 30)
# …or when its progress is more than this many percentage points behind the straight-line plan.
PROJECTS_BEHIND_TOLERANCE = env_int("PROJECTS_BEHIND_TOLERANCE", 10)

# --- deadlines ---
# "Due soon" everywhere (measures, rectification items' yellow warning, the dashboards' due lists): the deadline
# is this many calendar days away or fewer. RECT_YELLOW_DAYS is read as a fallback name for old deployments.
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", env_int("RECT_YELLOW_DAYS", 7))
# Scoring runs younger than this are never pruned (targets.services.runs_prune, weekly and `manage.py prune_runs`).
SCORING_RUNS_KEEP_DAYS = env_int("SCORING_RUNS_KEEP_DAYS", 60)

# --- inbox (站内消息) and mail ---
# Messages are always kept in the inbox; with INBOX_EMAIL they are also mailed to people who have an address.
# The console backend (the default) writes mails to the log; set EMAIL_BACKEND/EMAIL_HOST… for a real server.
INBOX_EMAIL = env_bool("INBOX_EMAIL", False)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@eco.example")

# --- rectifications ---
# Four-colour warning (四色预警), counted in WORKING days after the effective deadline (tracker.workdays:
# weekends, public holidays and make-up days kept in admin): red when overdue by more than RECT_RED_DAYS
# (20 working days ≈ four weeks); 约谈 once red and overdue by more than RECT_INTERVIEW_DAYS (≈ two months).
RECT_RED_DAYS = env_int("RECT_RED_DAYS", 20)
RECT_INTERVIEW_DAYS = env_int("RECT_INTERVIEW_DAYS", 40)

# --- faults ---
# Base of the scoring task's retry backoff in seconds (doubled per retry, with jitter). The fault tests start
# their worker with 1 so a poison run reaches its last retry in seconds; production keeps 30.
SCORING_RETRY_BACKOFF = env_int("SCORING_RETRY_BACKOFF", 30)
# A computing scoring run renews its heartbeat this often (seconds); the watchdog re-queues a running run whose
# heartbeat is older than SCORING_STALE_SECONDS (its whole worker died). Stale must be several heartbeats.
SCORING_HEARTBEAT_SECONDS = env_int("SCORING_HEARTBEAT_SECONDS", 30)
SCORING_STALE_SECONDS = env_int("SCORING_STALE_SECONDS", 180)
# The sweeper sends a queued run never handed to the broker once it is this old (a send in flight is not
# doubled), and sends again a run sent this long ago and still queued (its message was lost with Redis).
SCORING_SEND_GRACE_SECONDS = env_int("SCORING_SEND_GRACE_SECONDS", 10)
SCORING_RESEND_SECONDS = env_int("SCORING_RESEND_SECONDS", 600)
# Daily jobs (nightly scores, warnings) retry when the database is down: this many seconds, doubled per retry.
DAILY_JOB_RETRY_BACKOFF = env_int("DAILY_JOB_RETRY_BACKOFF", 60)
