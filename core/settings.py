"""Django settings for Touchflow, read from the environment.

See README.md, "Configuration", for every variable. Touchflow's own knobs live in the
`TOUCHFLOW` dict and are read through `core.conf.touchflow_settings`, never directly.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from core.conf import DEFAULTS as TOUCHFLOW_DEFAULTS
from core.env import env_bool, env_list, env_str, persistent_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TOUCHFLOW_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("TOUCHFLOW_DEBUG")
SECRET_KEY = persistent_secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

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
    "drf_spectacular_sidecar",
    "django_q",
    "core",
    "channels_plugins",
    "journeys",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "core.middleware.RejectUnstorableTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

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


def _database_config() -> dict[str, object]:
    """Parse DATABASE_URL; SQLite gets WAL, IMMEDIATE transactions and a busy timeout.

    IMMEDIATE makes a writer take the lock when its transaction starts, so two writers queue on
    the busy timeout instead of one failing with "database is locked" half-way through.
    """
    default_url = f"sqlite:///{VAR_DIR / 'touchflow.sqlite3'}"
    config: dict[str, object] = dict(
        dj_database_url.parse(env_str("DATABASE_URL", default_url), conn_max_age=60)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # No manifest: the admin renders even before collectstatic ran (tests, first start), and the
    # canvas bundle carries content hashes in its own file names.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The journey canvas, built by Vite (`make` runs npm ci and the build when its sources change).
CANVAS_BUILD_DIR = BASE_DIR / "frontend_static" / "dist"
CANVAS_BUILD_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [("canvas", CANVAS_BUILD_DIR)]

# Bodies are bounded twice: RequestSizeLimitMiddleware answers 413 above MAX_REQUEST_BYTES, and
# journey documents are held to MAX_DOCUMENT_BYTES by the journey serializer.
DATA_UPLOAD_MAX_MEMORY_SIZE = None
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.WorkspaceAccess"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.LimitPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.StorableJSONParser"],
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Touchflow API",
    "DESCRIPTION": "Journeys, contacts, events, segments and channel accounts of a workspace.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

_broker_url = env_str("TOUCHFLOW_BROKER_URL")
Q_CLUSTER: dict[str, object] = {
    "name": "touchflow",
    "workers": int(env_str("TOUCHFLOW_Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,
    "catch_up": False,
    "ack_failures": True,
    "max_attempts": 1,
    "poll": 0.5,
}
if _broker_url.startswith(("redis://", "rediss://")):
    Q_CLUSTER["redis"] = _broker_url
else:
    Q_CLUSTER["orm"] = "default"

# Production hardening switches on when debug is off and TLS is terminated in front of us.
_behind_tls = env_bool("TOUCHFLOW_HTTPS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _behind_tls else None
SECURE_SSL_REDIRECT = _behind_tls
SESSION_COOKIE_SECURE = _behind_tls
CSRF_COOKIE_SECURE = _behind_tls
SECURE_HSTS_SECONDS = 31_536_000 if _behind_tls else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _behind_tls
SECURE_HSTS_PRELOAD = _behind_tls
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TOUCHFLOW_LOG_LEVEL", "INFO")},
}

TOUCHFLOW: dict[str, object] = {
    "PUBLIC_URL": env_str("TOUCHFLOW_PUBLIC_URL", "http://127.0.0.1:8000"),
    "CLOCK_OFFSET_FILE": env_str("TOUCHFLOW_CLOCK_OFFSET_FILE", ""),
    "PLUGINS_ALLOW": env_list("TOUCHFLOW_PLUGINS_ALLOW", []),
    "PLUGINS_BLOCK": env_list("TOUCHFLOW_PLUGINS_BLOCK", []),
    "LOAD_ENTRY_POINTS": env_bool("TOUCHFLOW_LOAD_ENTRY_POINTS", True),
    "DELIVER_WEBHOOKS": env_bool("TOUCHFLOW_DELIVER_WEBHOOKS", True),
    "WEBHOOK_BLOCKED_NETWORKS": env_list(
        "TOUCHFLOW_WEBHOOK_BLOCKED_NETWORKS", TOUCHFLOW_DEFAULTS["WEBHOOK_BLOCKED_NETWORKS"]
    ),
}
