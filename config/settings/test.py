"""The test suite runs on PostgreSQL: DATABASE_URL, or the local server with trust auth."""

from .base import *
from .base import env

SECRET_KEY = "test-key-not-secret"  # noqa: S105 - the test suite's own key  # nosec B105
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/river_chief")
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/river-chief-test-media")  # noqa: S108  # nosec B108
# Tests run tasks in-process unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
LANGUAGE_CODE = "zh-hans"
# Tests' writes never commit, so the rollups' on-commit refresh never runs: stats/ counts live
# unless a test rebuilds the rollups and turns this on (tests/test_county_scale.py).
STATS_FROM_ROLLUPS = env.bool("STATS_FROM_ROLLUPS", default=False)
