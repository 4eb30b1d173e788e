"""Production settings for the loopback load run: the same middleware, WhiteNoise, DEBUG off and
security checks, with two differences a run without TLS needs: no redirect to HTTPS and cookies
not marked Secure (behind the real proxy the request arrives as HTTPS and both stay on)."""

from config.settings.production import *  # noqa: F403
from config.settings.production import LOGGING

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Every request is logged by gunicorn's access log if asked; the portal's own INFO lines (axes
# logs each login) would only measure the terminal.
LOGGING["root"]["level"] = "WARNING"
