"""Production: everything from the environment; refuses to start without a real secret key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import PUBLIC_BASE_URL, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters in production."
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
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
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
