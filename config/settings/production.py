"""Production: everything from the environment; refuses to start without a real secret key."""

import os

from django.core.exceptions import ImproperlyConfigured

from core.checks import is_example_secret_key
from core.object_storage import half_configuration

from .base import *
from .base import PUBLIC_BASE_URL, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters in production."
    )
# The example's key (.env.example) or any "change-me..." placeholder is public: sessions,
# password-reset links and signed values could be forged with it (core.checks says so too).
if is_example_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is the example's from .env.example (or starts with 'change-me'): set a random "
        "one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

# HTTPS is the default and what the README recommends. A portal served over plain HTTP (an
# intranet host, PUBLIC_BASE_URL=http://portal.lan) must not mark its cookies Secure: a browser
# drops a Secure cookie that arrives over HTTP, so no session and no CSRF cookie would survive
# and every login and every public report would answer 403. HTTPS (env) says which it is; by
# default the scheme of PUBLIC_BASE_URL, and HTTPS when that is not set. Over HTTP, `check
# --deploy` warns about the four settings below (W004, W008, W012, W016): true, and meant.
HTTPS = env.bool("HTTPS", default=not PUBLIC_BASE_URL.lower().startswith("http://"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# WhiteNoise serves the collected static files straight from gunicorn, right after security.
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_security],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_security:],
]
# Stored files: in the bucket with every S3_* variable it needs, or in MEDIA_ROOT with none;
# half a configuration would upload to the wrong place or fail on the first photo.
if _object_storage_problem := half_configuration(os.environ):
    raise ImproperlyConfigured(_object_storage_problem)

STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
# SMTP over SSL (EMAIL_USE_SSL, port 465 by default then) or STARTTLS (EMAIL_USE_TLS), never
# both; EMAIL_TIMEOUT (base.py) bounds every connection.
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured("EMAIL_USE_SSL and EMAIL_USE_TLS cannot both be set.")
EMAIL_PORT = env.int("EMAIL_PORT", default=465 if EMAIL_USE_SSL else 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")

# Logs: one JSON object a line (base.py LOGGING), for the log collector; LOG_FORMAT=plain to read.
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")

# Errors to Sentry (or any endpoint speaking its protocol, e.g. a self-hosted GlitchTip) when
# SENTRY_DSN is set: web requests and Celery tasks, without personal data (no cookies, no user
# names or addresses: send_default_pii off).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
