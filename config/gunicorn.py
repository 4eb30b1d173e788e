"""gunicorn's settings in the image: ``gunicorn -c config/gunicorn.py config.wsgi:application``
(docker-compose.yml's `web`, run as PID 1 with no shell in between, so `docker compose stop`
reaches it: SIGTERM, then GUNICORN_GRACEFUL_TIMEOUT seconds for the requests in flight).

No access log of gunicorn's own: the portal logs every request itself, as JSON with its request
id (core.requestid); gunicorn's own messages (start, worker timeouts) are JSON too.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A ledger export is written in the request: up to 20,000 rows in about 30 s (settings).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# A worker replaced after this many requests (with jitter), so that slow growth never adds up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# gunicorn itself believes X-Forwarded-Proto (wsgi.url_scheme, which Django falls back on when
# core.clientip has dropped the header) from these addresses: by default the loopback. Only the
# proxy may say the scheme, so the same addresses as the portal's (TRUSTED_PROXIES), or none.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "").strip() or "0.0.0.0/32"
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
_json = os.environ.get("LOG_FORMAT", "json") == "json"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "portal": (
            {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
            if _json
            else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
        )
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "portal",
            "stream": "ext://sys.stderr",
        }
    },
    # gunicorn merges this over its own defaults key by key: the root is named again.
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["error_console"],
            "propagate": False,
        }
    },
}
