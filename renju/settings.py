"""Settings, driven by the environment so the same code runs embedded (SQLite) or distributed (PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RENJU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def database_from_url(url: str) -> dict:
    """Translate DATABASE_URL into Django's DATABASES entry; fail loudly on anything we do not support."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "renju",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": os.environ.get("RENJU_TEST_DB_NAME", "test_renju")},
        }
    if parsed.scheme == "sqlite":
        return sqlite_database(Path(unquote(parsed.path)))
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use postgresql:// or sqlite://)")


def sqlite_database(path: Path) -> dict:
    # The embedded database lives in var/, which a fresh clone does not have yet.
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # IMMEDIATE makes every transaction take the write lock at BEGIN, so two lifecycle actions on the
        # same problem serialise instead of one failing half-way with "database is locked".
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        # A file, not Django's in-memory default, so tests that race two connections see real locking.
        "TEST": {"NAME": str(path.with_name("test_" + path.name))},
    }


SECRET_KEY = os.environ.get("RENJU_SECRET_KEY", "renju-demo-secret-key-change-me-in-production-0123456789")
DEBUG = env_bool("RENJU_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("RENJU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "renju.accounts",
    "renju.plans",
    "renju.problems",
    "renju.api",
    "renju.web",
    "renju.notify",
    "renju.assessment",
    "renju.hotline",
    "renju.video",
    "renju.drones",
    "renju.referrals",
    "renju.open311",
    "renju.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "renju.api.middleware.MapGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "renju.urls"
WSGI_APPLICATION = "renju.wsgi.application"

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
                "renju.web.context.navigation",
            ],
        },
    },
]

_database_url = os.environ.get("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_database_url) if _database_url else sqlite_database(VAR_DIR / "renju.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 4}},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("RENJU_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: photos only, each at most this many bytes; the request as a whole may carry several.
RENJU_MAX_PHOTO_BYTES = int(os.environ.get("RENJU_MAX_PHOTO_BYTES", str(15 * 1024 * 1024)))
RENJU_MAX_PHOTOS = int(os.environ.get("RENJU_MAX_PHOTOS", "9"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Maps: regions and problems always draw on a plain background; a tile layer is optional and must be reachable from
# the browser (an intranet tile server, or 天地图 with a key). RENJU_MAP_TILE_CRS says which datum the tiles use:
# "wgs84" (天地图, most intranet servers) or "gcj02" (高德/腾讯 style tiles), so points are shifted to match.
RENJU_MAP_TILE_URL = os.environ.get("RENJU_MAP_TILE_URL", "")
RENJU_MAP_TILE_ATTRIBUTION = os.environ.get("RENJU_MAP_TILE_ATTRIBUTION", "")
RENJU_MAP_TILE_CRS = os.environ.get("RENJU_MAP_TILE_CRS", "wgs84")
if RENJU_MAP_TILE_CRS not in {"wgs84", "gcj02"}:
    raise ImproperlyConfigured(f"RENJU_MAP_TILE_CRS must be wgs84 or gcj02, got {RENJU_MAP_TILE_CRS!r}")
# Hours before a deadline that count as "due soon" in queues and summaries.
RENJU_DUE_SOON_HOURS = int(os.environ.get("RENJU_DUE_SOON_HOURS", "24"))
# After-photos taken farther than this from the problem are flagged to the verifier (phone GPS is good to tens of
# metres in town; 150 m leaves room for that and for standing back to frame the scene).
RENJU_EVIDENCE_MAX_METRES = int(os.environ.get("RENJU_EVIDENCE_MAX_METRES", "150"))

# Notifications and scheduled work. In-app notices always; outgoing channels are listed here (email, sms, webhook):
# none listed means in-app only. Failed messages are retried after each of these waits, then marked failed.
RENJU_NOTIFY_CHANNELS = [c.strip() for c in os.environ.get("RENJU_NOTIFY_CHANNELS", "").split(",") if c.strip()]
if set(RENJU_NOTIFY_CHANNELS) - {"email", "sms", "webhook"}:
    raise ImproperlyConfigured(f"RENJU_NOTIFY_CHANNELS takes email, sms, webhook; got {RENJU_NOTIFY_CHANNELS!r}")
RENJU_NOTIFY_SMS_URL = os.environ.get("RENJU_NOTIFY_SMS_URL", "")  # the intranet SMS gateway (POST JSON)
RENJU_NOTIFY_SMS_TOKEN = os.environ.get("RENJU_NOTIFY_SMS_TOKEN", "")
if "sms" in RENJU_NOTIFY_CHANNELS and not RENJU_NOTIFY_SMS_URL:
    raise ImproperlyConfigured("RENJU_NOTIFY_CHANNELS names sms but RENJU_NOTIFY_SMS_URL is not set")
RENJU_NOTIFY_WEBHOOK_URL = os.environ.get("RENJU_NOTIFY_WEBHOOK_URL", "")  # the work team's group robot (optional)
RENJU_NOTIFY_WEBHOOK_SECRET = os.environ.get("RENJU_NOTIFY_WEBHOOK_SECRET", "")  # DingTalk signed robots (加签)
RENJU_NOTIFY_TIMEOUT = float(os.environ.get("RENJU_NOTIFY_TIMEOUT", "10"))
RENJU_NOTIFY_RETRY_SECONDS = [int(s) for s in os.environ.get("RENJU_NOTIFY_RETRY_SECONDS", "60,300,1800,7200")
                              .split(",")]
DEFAULT_FROM_EMAIL = os.environ.get("RENJU_EMAIL_FROM", "renju@localhost")
EMAIL_HOST = os.environ.get("RENJU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RENJU_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("RENJU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RENJU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RENJU_EMAIL_TLS", False)
# Units are reminded when at most this many WORKING hours are left before a deadline (whatever the plan).
RENJU_REMIND_BEFORE_HOURS = int(os.environ.get("RENJU_REMIND_BEFORE_HOURS", "4"))
# Scheduled jobs run every this many seconds: in `renju worker` (embedded), or as Celery tasks on beat when
# RENJU_QUEUE_URL names a broker (e.g. redis://127.0.0.1:6379/0; needs `pip install -e ".[queue]"`).
RENJU_WORKER_INTERVAL = int(os.environ.get("RENJU_WORKER_INTERVAL", "60"))
RENJU_QUEUE_URL = os.environ.get("RENJU_QUEUE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RENJU_LOG_LEVEL", "WARNING")},
}

# The address the documents' QR codes and the hotline replies link to (e.g. https://renju.city.gov.cn); empty: the
# request's own host for downloads, and no links in replies.
RENJU_BASE_URL = os.environ.get("RENJU_BASE_URL", "")
# 接诉即办: where the 12345 platform takes the outcome of its work orders (POST JSON), and its optional bearer token.
RENJU_HOTLINE_REPLY_URL = os.environ.get("RENJU_HOTLINE_REPLY_URL", "")
RENJU_HOTLINE_REPLY_TOKEN = os.environ.get("RENJU_HOTLINE_REPLY_TOKEN", "")
# The video-AI detector plugged into `POST /api/v1/video/detect` ("module:Class"; empty: none, nothing is detected).
RENJU_VIDEO_DETECTOR = os.environ.get("RENJU_VIDEO_DETECTOR", "")
