"""Settings, read from the environment.

JIUZHU_ENV chooses the profile:
- ``development`` (default): local keys, SQLite, DEBUG off unless DJANGO_DEBUG=1.
- ``demo``: like production but reads generated keys from var/secrets.env (see scripts/demo.sh).
- ``production``: every secret must come from the environment; start-up is refused without them.
"""

import datetime as dt
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ.get("JIUZHU_ENV", "development")
if ENV not in {"development", "demo", "production"}:
    raise ImproperlyConfigured(f"JIUZHU_ENV 取值无效：{ENV}")
PRODUCTION = ENV == "production"

# Keys a production deployment must supply. Development uses fixed local keys so that tests
# and `make demo` work from nothing; they are never accepted in production.
_DEV_SECRETS = {
    "DJANGO_SECRET_KEY": "dev-only-insecure-secret-key-for-jiuzhu-local-use-0123456789abcdef",
    # 32 bytes, urlsafe base64: AES-256-GCM key for personal fields (ID numbers).
    "JIUZHU_FIELD_KEY": "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc=",
    # HMAC key for the keyed hash beside each encrypted value (exact lookup).
    "JIUZHU_HASH_KEY": "dev-only-hash-key",
}


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if value:
        if PRODUCTION and value == _DEV_SECRETS[name]:
            raise ImproperlyConfigured(f"生产环境不得使用开发密钥：{name}")
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"生产环境必须通过环境变量提供 {name}，拒绝启动。")
    return _DEV_SECRETS[name]


SECRET_KEY = _secret("DJANGO_SECRET_KEY")
FIELD_ENCRYPTION_KEY = _secret("JIUZHU_FIELD_KEY")
FIELD_HASH_KEY = _secret("JIUZHU_HASH_KEY")

DEBUG = os.environ.get("DJANGO_DEBUG") == "1" and not PRODUCTION
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
if PRODUCTION and not os.environ.get("DJANGO_ALLOWED_HOSTS"):
    raise ImproperlyConfigured("生产环境必须设置 DJANGO_ALLOWED_HOSTS，拒绝启动。")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "jiuzhu.core.axes_app.AxesConfig",  # django-axes, named in Chinese
    "jiuzhu.core",
    "jiuzhu.registry",
    "jiuzhu.monitoring",
    "jiuzhu.intake",
    "jiuzhu.funds",
    "jiuzhu.rescue",
    "jiuzhu.followup",
    "jiuzhu.familysearch",
    "jiuzhu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiuzhu.core.middleware.ContentSecurityPolicyMiddleware",
    "jiuzhu.core.sessions.IdleSessionMiddleware",  # SessionMiddleware renewing the expiry once a minute
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jiuzhu.core.middleware.RequestContextMiddleware",
    # An account given a password by an administrator reaches only the password change until it picks its own.
    "jiuzhu.core.user_middleware.PasswordChangeRequiredMiddleware",
    # Last, as django-axes asks: turns a lockout outside the sign-in page into the Chinese 403 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiuzhu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiuzhu.core.context.navigation",
            ],
        },
    },
]


def _database(url: str) -> dict:
    """DATABASE_URL: sqlite:///path/to.db or postgres://user:pass@host:port/name."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path[1:]) if parsed.path.startswith("//") else unquote(parsed.path.lstrip("/"))
        name = path if path.startswith("/") else BASE_DIR / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # WAL lets readers work while an import writes; IMMEDIATE avoids lock upgrades failing.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": os.environ.get("JIUZHU_SQLITE_TEST_NAME") or None},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ImproperlyConfigured(f"不支持的 DATABASE_URL：{parsed.scheme}")


DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///var/jiuzhu.sqlite3")
if PRODUCTION and "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("生产环境必须设置 DATABASE_URL，拒绝启动。")
# PostgreSQL: the application's role (DATABASE_URL) may only INSERT and SELECT the audit log; the tables'
# owner (DATABASE_MIGRATE_URL, else DATABASE_URL) runs `manage.py migrate` and `manage.py grant_app_role`.
DATABASE_MIGRATE_URL = os.environ.get("DATABASE_MIGRATE_URL") or DATABASE_URL
DATABASE_APP_ROLE = unquote(urlparse(DATABASE_URL).username or "")
_OWNER_COMMAND = (len(sys.argv) > 1 and sys.argv[1] in {"migrate", "grant_app_role"}
                  and Path(sys.argv[0]).name in {"manage.py", "django-admin", "__main__.py"})
DATABASES = {"default": _database(DATABASE_MIGRATE_URL if _OWNER_COMMAND else DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
# django-axes first (refuses a locked username+address before any password is checked), then the
# password check (never for service accounts), then capabilities (has_perm only).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "jiuzhu.core.auth.PasswordBackend",
    "jiuzhu.core.permissions.CapabilityBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Password policy (等保三级): length, three character classes, not common, not like the user.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiuzhu.core.auth.CharacterClassValidator"},
]
SIGN_IN_MAX_FAILURES = 5
SIGN_IN_LOCK_MINUTES = 15
# Sign-in lockout by django-axes (why by username and address together: jiuzhu/core/auth.py).
AXES_FAILURE_LIMIT = SIGN_IN_MAX_FAILURES
AXES_COOLOFF_TIME = dt.timedelta(minutes=SIGN_IN_LOCK_MINUTES)  # failures older than this no longer count
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in clears that pair's failures
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lock ends SIGN_IN_LOCK_MINUTES after it began
AXES_LOCKOUT_CALLABLE = "jiuzhu.core.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "jiuzhu.core.middleware.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in our audit log already
AXES_VERBOSE = False  # no English banner at start-up
AXES_COOLOFF_MESSAGE = "连续登录失败次数过多，账号已锁定，请稍后再试。"
# Reverse proxies in front of the application (each appends to X-Forwarded-For). 0: REMOTE_ADDR is the
# client. Behind one TLS proxy set 1, or every user would share the proxy's address (lockout, audit).
TRUSTED_PROXY_COUNT = int(os.environ.get("JIUZHU_PROXY_COUNT", "0"))

# Sessions end after 30 idle minutes: a request renews the server-side expiry if it was last renewed a
# minute or more ago (jiuzhu/core/sessions.py), not by a write on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Security headers. HTTPS settings follow JIUZHU_HTTPS (on by default in production, behind a TLS proxy).
HTTPS = os.environ.get("JIUZHU_HTTPS", "1" if PRODUCTION else "0") == "1"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# No external origin anywhere: every asset is served by the project.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Chinese whatever the browser asks: no LocaleMiddleware, one language. jiuzhu/locale holds the Chinese
# of what a third-party app (django-axes) ships only in English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "jiuzhu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "jiuzhu" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Tabular imports (core/tabular): refused with a Chinese message before any parsing.
TABULAR_MAX_UPLOAD_BYTES = int(os.environ.get("JIUZHU_MAX_UPLOAD_MB", "50")) * 1024 * 1024
TABULAR_MAX_EXPANDED_BYTES = int(os.environ.get("JIUZHU_MAX_EXPANDED_MB", "200")) * 1024 * 1024  # xlsx unzipped
TABULAR_MAX_EXPANSION_RATIO = 100  # unzipped / zipped, checked once the unzipped size passes 10 MB
TABULAR_MAX_SHEET_CELLS = 10_000_000  # rows x columns of one sheet's area (a sparse far cell allocates it all)
TABULAR_MAX_FIELD_CHARS = 131_072  # one CSV field; longer is a row error
TABULAR_UPLOAD_MAX_AGE_HOURS = 24  # unconfirmed uploads are purged after this
# Stored files (core/files.py: scanned documents, encrypted under MEDIA_ROOT/files): size limit per file.
STORED_FILE_MAX_BYTES = int(os.environ.get("JIUZHU_MAX_FILE_MB", "10")) * 1024 * 1024
# "Already registered outside your jurisdiction" answers per user per day (core/disclosure.py).
SMS_BACKEND = os.environ.get("JIUZHU_SMS_BACKEND", "jiuzhu.core.sms.OutboxBackend")  # core/sms.py
# Mail (family-search push, subscription links): Django's backends; the console one until a mail server is set.
EMAIL_BACKEND = os.environ.get("JIUZHU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("JIUZHU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JIUZHU_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("JIUZHU_FROM_EMAIL", "jiuzhu@localhost")
# The portal's address as the public reaches it: links in pushed messages (no request to build them from).
PUBLIC_BASE_URL = os.environ.get("JIUZHU_PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
PUSH_WEBHOOK_TIMEOUT = float(os.environ.get("JIUZHU_PUSH_WEBHOOK_TIMEOUT", "5"))  # seconds per POST
DISCLOSURE_DAILY_LIMIT = int(os.environ.get("JIUZHU_DISCLOSURE_DAILY_LIMIT", "20"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("JIUZHU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JIUZHU_LOG_LEVEL", "WARNING")},
}
