"""Settings shared by every environment; each value can be set from the environment."""

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is a convenience for development; the environment always wins.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The reverse proxies in front of the portal (addresses or networks, comma-separated). Only a
# request whose REMOTE_ADDR is one of them has its X-Forwarded-For read, for the client's address
# that the login lockout, the public reports' limits and the audit log use (core.clientip).
# Empty: REMOTE_ADDR is the client, whatever the request's headers say.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:  # a typo fails at start, not as a proxy silently untrusted
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network."
        ) from _error

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "calendars",
    "accounts",
    "rivers",
    "patrols",
    "issues",
    "activities",
    "reports",
    "map_patches",
    "public_reports",
    "notifications",
    "workbench",
    # The change history of every record above (README, "Change history"): its event tables.
    "pgtrigger",
    "pghistory",
    "history",
    # Last: the demo street (`manage.py seed_demo`) drives the apps above; nothing imports it.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After auth: every change a request makes is recorded with its user and URL (an API
    # token's user too: DRF sets request.user later, which the middleware's request follows).
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.input.ControlCharactersMiddleware",  # after auth and messages: its 400 page needs them
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.session_limits",
            ],
        },
    },
]

# With no DATABASE_URL the portal runs on an embedded SQLite file, so a bare machine works.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# An account's own password (accounts.views_password): a reset link from the login page lives
# PASSWORD_RESET_TIMEOUT_HOURS; an address may ask for PASSWORD_RESET_MAX_PER_HOUR links an hour.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=24) * 3600
PASSWORD_RESET_MAX_PER_HOUR = env.int("PASSWORD_RESET_MAX_PER_HOUR", default=5)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# MEDIA_ROOT is never served as it is: every stored file goes through a view that checks the
# account's region (core.media). Set to an nginx internal location (e.g. /protected-media/) to
# let the proxy send the bytes once the view has checked; empty: Django streams them.
MEDIA_ACCEL_REDIRECT_PREFIX = env("MEDIA_ACCEL_REDIRECT_PREFIX", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Ledger uploads are small spreadsheets; anything larger is refused before it is parsed.
LEDGER_MAX_BYTES = env.int("LEDGER_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous requests answer 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.filtering.PortalFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "core.renderers.XLSXRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "河长制工作平台 API",
    "DESCRIPTION": "River Chief Portal public REST API, version 1 (see shared/API.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: offices often sit on closed networks.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "accounts.models.RegionLevel",
        "RiverKindEnum": "rivers.models.RiverKind",
        "BankEnum": "rivers.models.Bank",
        "ChiefRoleEnum": "rivers.models.ChiefRole",
        "OutfallKindEnum": "rivers.models.OutfallKind",
        "FacilityKindEnum": "rivers.models.FacilityKind",
        "AccountRoleEnum": "accounts.models.Role",
        "IssueStatusEnum": "issues.models.IssueStatus",
        "IssueSourceEnum": "issues.models.IssueSource",
        "VoidReasonEnum": "issues.models.VoidReason",
        "IssueCategoryEnum": "calendars.models.IssueCategory",
        "UrgencyEnum": "calendars.models.Urgency",
        "CalendarSourceEnum": "calendars.models.CalendarSource",
    },
}

# Celery: with no REDIS_URL the tasks run in-process, so `make run` needs no broker.
REDIS_URL = env("REDIS_URL", default="")
# stats/ reads the figures the rollups hold from them for whole ended months (reports.statistics
# ROLLUP_FIGURES); off, it counts every figure live over the records.
STATS_FROM_ROLLUPS = env.bool("STATS_FROM_ROLLUPS", default=True)

# In-process, the tasks run eagerly and only Celery's bookkeeping touches the in-memory
# transport: naming its host keeps kombu from warning "No hostname was supplied" on each start.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Every call to Redis (broker, result backend, cache) gives up after REDIS_TIMEOUT seconds, to
# connect and to read: a Redis that accepts connections and never answers must not hold a
# request. After a failure the portal leaves Redis alone for REDIS_BACKOFF_SECONDS (core.broker,
# core.cache), so a hung Redis costs one timeout now and then, not one per call.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=2.0)
REDIS_BACKOFF_SECONDS = env.float("REDIS_BACKOFF_SECONDS", default=15.0)
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT  # the result backend, should one be configured
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
# Publishing: the whole connection attempt (retries included) within the timeout, one retry of
# the publish itself (a pooled connection that went stale when Redis restarted).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# The cache holds nothing that cannot be computed again: with Redis down it misses (core.cache),
# and a dead or hung host costs a second now and then, not a hung request.
CACHES = {
    "default": (
        {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": min(1.0, REDIS_TIMEOUT),
                "socket_timeout": min(1.0, REDIS_TIMEOUT),
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="河长办 <noreply@localhost>")
# Seconds an SMTP connection may take: a hung mail server must not hold a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Logs go to stderr, one line per record, with the id of the request being served
# (core.requestid): LOG_FORMAT "plain" (development) or "json" (production's default: one JSON
# object a line, python-json-logger, for a log collector). Celery's workers and beat log through
# the same handler (CELERY_WORKER_HIJACK_ROOT_LOGGER off, below).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A ledger is written in the request: about 1.3-1.6 ms a row for the patrol ledger (2,918 demo
# patrols in 3.7-4.6 s), so 20,000 rows stay well inside gunicorn's 60-second timeout.
LEDGER_EXPORT_MAX_ROWS = env.int("LEDGER_EXPORT_MAX_ROWS", default=20000)

# Patrols: what no walker or boat can do is GPS drift; photos are phone pictures, not archives.
PATROL_MAX_SPEED_KMH = env.float("PATROL_MAX_SPEED_KMH", default=25.0)
# A patrol upload credential (patrols.credentials) lets the phone file the patrol it was issued
# for this many hours after it was issued, with no live session: a patrol outlasts the idle limit.
PATROL_UPLOAD_CREDENTIAL_HOURS = env.int("PATROL_UPLOAD_CREDENTIAL_HOURS", default=24)
PATROL_MAX_GAP_M = env.float("PATROL_MAX_GAP_M", default=500.0)
PATROL_SIMPLIFY_M = env.float("PATROL_SIMPLIFY_M", default=5.0)
PATROL_DEFAULT_MIN_MINUTES = env.int("PATROL_DEFAULT_MIN_MINUTES", default=10)
PATROL_DEFAULT_MIN_KM = env.float("PATROL_DEFAULT_MIN_KM", default=0.3)
PATROL_MAX_POINTS = env.int("PATROL_MAX_POINTS", default=50000)
# A chief files patrols that started at most PATROL_MAX_AGE_DAYS days ago; older ones are the
# office's to file, with a reason (marked filed_late). A track's timestamps must lie within the
# patrol's start and end, give or take PATROL_TRACK_TIME_TOLERANCE_MINUTES.
PATROL_MAX_AGE_DAYS = env.int("PATROL_MAX_AGE_DAYS", default=7)
PATROL_TRACK_TIME_TOLERANCE_MINUTES = env.int("PATROL_TRACK_TIME_TOLERANCE_MINUTES", default=5)
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=50_000_000)
# Lists, issue pages and phones show a JPEG thumbnail this many pixels on its longer side
# (core.thumbnails; ?size=thumb on a photo's address); the original only when asked for.
PHOTO_THUMB_MAX_PX = env.int("PHOTO_THUMB_MAX_PX", default=640)

# The documents (core.documents: monthly bulletins, work reports, supervision orders, and every
# later kind) are built by one task, core.tasks.build_document. A build still running after its
# kind's stuck timeout is taken to be lost (a killed worker) and is retried once, then failed:
# BULLETIN_STUCK_MINUTES, REPORT_STUCK_MINUTES (below), DOCUMENT_STUCK_MINUTES for the kinds
# without a setting of their own. One sweeper (every 2 minutes, cheap: it finds stale heartbeats
# soon) and one cleanup of expired files (daily, 03:15) serve every kind.
from celery.schedules import crontab  # noqa: E402

DOCUMENT_STUCK_MINUTES = env.int("DOCUMENT_STUCK_MINUTES", default=30)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-documents": {
        "task": "core.tasks.sweep_documents",
        "schedule": crontab(minute="*/2"),
    },
    "clean-expired-documents": {
        "task": "core.tasks.clean_expired_documents",
        "schedule": crontab(minute=15, hour=3),
    },
}

# Monthly bulletins (月通报): built on the 1st for last month.
BULLETIN_STUCK_MINUTES = env.int("BULLETIN_STUCK_MINUTES", default=30)
CELERY_BEAT_SCHEDULE["monthly-bulletins"] = {
    "task": "patrols.tasks.build_monthly_bulletins",
    # CELERY_TIMEZONE is Asia/Shanghai, so this is 06:00 local time.
    "schedule": crontab(minute=0, hour=6, day_of_month=1),
}
# Weekly reports (周汇报, reports/weekly.py): built on Mondays for last week.
CELERY_BEAT_SCHEDULE["weekly-reports"] = {
    "task": "reports.tasks.build_weekly_reports",
    # CELERY_TIMEZONE is Asia/Shanghai, so this is 06:30 local time on Mondays.
    "schedule": crontab(minute=30, hour=6, day_of_week="mon"),
}
# The statuses of every job row (bulletins, work reports): core.models.JobStatus.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["JobStatusEnum"] = "core.models.JobStatus"
# Every operation documents the errors the shared machinery answers with (core.schema).
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "core.schema.document_error_responses",
]
# WeasyPrint logs every layout step at INFO; a worker's log needs only its warnings.
LOGGING["loggers"] = {**LOGGING.get("loggers", {}), "weasyprint.progress": {"level": "WARNING"}}

# Public reports (群众举报) from the QR code on each sign. PUBLIC_BASE_URL (scheme and host, e.g.
# https://hz.example.cn) goes into the printed QR codes; empty: the host of the request.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")
# The public URL's origin is where the portal's own forms are posted from: trusted for CSRF, and
# its host answered to, whatever else CSRF_TRUSTED_ORIGINS and ALLOWED_HOSTS list.
if PUBLIC_BASE_URL:
    _public = urlsplit(PUBLIC_BASE_URL)
    if _public.scheme not in ("http", "https") or not _public.hostname:
        raise ImproperlyConfigured(
            f"PUBLIC_BASE_URL must be http:// or https:// and a host, not {PUBLIC_BASE_URL!r}."
        )
    if f"{_public.scheme}://{_public.netloc}" not in CSRF_TRUSTED_ORIGINS:
        CSRF_TRUSTED_ORIGINS.append(f"{_public.scheme}://{_public.netloc}")
    if _public.hostname not in ALLOWED_HOSTS and "*" not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_public.hostname)
PUBLIC_REPORT_MAX_PER_HOUR = env.int("PUBLIC_REPORT_MAX_PER_HOUR", default=5)
PUBLIC_REPORT_MAX_PER_DAY = env.int("PUBLIC_REPORT_MAX_PER_DAY", default=20)
# The sender is core.clientip.client_ip: behind a proxy, set TRUSTED_PROXIES (above).

# Issue deadlines: the morning job (08:00) reminds assignees ISSUE_REMIND_DAYS_BEFORE working days
# before the deadline and on the day, and supervises (督办) by itself an issue still open
# ISSUE_ESCALATE_GRACE_DAYS working days after it. Notifications go out on every channel listed.
ISSUE_REMIND_DAYS_BEFORE = env.int("ISSUE_REMIND_DAYS_BEFORE", default=2)
ISSUE_ESCALATE_GRACE_DAYS = env.int("ISSUE_ESCALATE_GRACE_DAYS", default=3)
# The holiday calendar: from this day of the year (MM-DD) on, the office's home page and
# `manage.py check` (calendars.W001) warn while next year's State Council notice is not entered.
# The notice comes out between late October and mid November; from 1 October the office has
# it in view before the first deadlines (20 working days from early December) reach January.
HOLIDAY_CALENDAR_WARN_FROM = env.str("HOLIDAY_CALENDAR_WARN_FROM", default="10-01")
# System checks to silence, e.g. "calendars.W001" where `check --fail-level WARNING` must not
# depend on the date and the data (a test of the settings alone). Empty by default.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
# Channels (notifications.channels), dotted paths: the portal's own list always, plus any of
# EmailChannel, AliyunSmsChannel, TencentSmsChannel, WeComRobotChannel, DingTalkRobotChannel.
NOTIFICATION_CHANNELS = env.list(
    "NOTIFICATION_CHANNELS",
    default=["notifications.channels.PortalChannel", "notifications.channels.EmailChannel"],
)
if "notifications.channels.PortalChannel" not in NOTIFICATION_CHANNELS:
    NOTIFICATION_CHANNELS.insert(0, "notifications.channels.PortalChannel")
# A failed send is tried again after these minutes (the last repeated), up to
# NOTIFICATION_MAX_ATTEMPTS attempts in all; then it shows as failed on /notifications/deliveries/.
NOTIFICATION_RETRY_MINUTES = [
    int(m) for m in env.list("NOTIFICATION_RETRY_MINUTES", default=["1", "5", "30", "120"])
]
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_HTTP_TIMEOUT = env.float("NOTIFICATION_HTTP_TIMEOUT", default=10.0)
# SMS through Aliyun (dysmsapi SendSms; template variables ${kind} and ${title}).
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_REGION = env("ALIYUN_SMS_REGION", default="cn-hangzhou")
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_TEMPLATE_CODE = env("ALIYUN_SMS_TEMPLATE_CODE", default="")
# SMS through Tencent Cloud (API 3.0 SendSms; template parameters {1} kind, {2} title).
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com/")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_SECRET_ID = env("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_SIGN_NAME = env("TENCENT_SMS_SIGN_NAME", default="")
TENCENT_SMS_TEMPLATE_ID = env("TENCENT_SMS_TEMPLATE_ID", default="")
# Group robots, one group per installation: WeCom (the key of the webhook URL) and DingTalk
# (the access_token of the webhook URL, and the 加签 secret "SEC..." if the robot has one).
NOTIFICATION_ROBOT_PREFIX = env("NOTIFICATION_ROBOT_PREFIX", default="河长制")
WECOM_ROBOT_URL = env("WECOM_ROBOT_URL", default="https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
WECOM_ROBOT_KEY = env("WECOM_ROBOT_KEY", default="")
DINGTALK_ROBOT_URL = env("DINGTALK_ROBOT_URL", default="https://oapi.dingtalk.com/robot/send")
DINGTALK_ROBOT_ACCESS_TOKEN = env("DINGTALK_ROBOT_ACCESS_TOKEN", default="")
DINGTALK_ROBOT_SECRET = env("DINGTALK_ROBOT_SECRET", default="")
CELERY_BEAT_SCHEDULE["sweep-deliveries"] = {
    "task": "notifications.tasks.sweep_deliveries",
    "schedule": crontab(minute="*"),
}
CELERY_BEAT_SCHEDULE["issue-deadlines"] = {
    "task": "issues.tasks.morning_deadline_run",
    "schedule": crontab(minute=0, hour=8),  # Asia/Shanghai, as CELERY_TIMEZONE
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["NotificationKindEnum"] = (
    "notifications.models.NotificationKind"
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ChannelEnum": "activities.models.Channel",
        "CampaignEnum": "activities.models.Campaign",
        "MeetingKindEnum": "activities.models.MeetingKind",
        "InspectorEnum": "activities.models.Inspector",
        "CheckResultEnum": "activities.models.CheckResult",
    }
)

# Work reports (工作总结): documents like the bulletins (core.documents); last quarter's report of
# every street at 06:30 on the first day of a quarter. Files are kept REPORT_FILE_DAYS days after
# a build, then deleted by the daily cleanup (the row and its data stay; regenerating remakes them).
REPORT_STUCK_MINUTES = env.int("REPORT_STUCK_MINUTES", default=30)
REPORT_FILE_DAYS = env.int("REPORT_FILE_DAYS", default=90)
CELERY_BEAT_SCHEDULE["quarterly-reports"] = {
    "task": "reports.tasks.build_quarterly_reports",
    # Asia/Shanghai, as CELERY_TIMEZONE.
    "schedule": crontab(minute=30, hour=6, day_of_month=1, month_of_year="1,4,7,10"),
}
# The one build task's time limits stay under the shortest stuck timeout of the kinds it builds
# (core.jobs.build_task_options), so that a hung build ends before the sweeper takes it for lost.
DOCUMENT_STUCK_TIMEOUTS = [DOCUMENT_STUCK_MINUTES, BULLETIN_STUCK_MINUTES, REPORT_STUCK_MINUTES]
DOCUMENT_TASK_STUCK_MINUTES = min(DOCUMENT_STUCK_TIMEOUTS)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {"ReportKindEnum": "reports.models.ReportKind", "RoundingEnum": "reports.models.Rounding"}
)

# Leaders' dashboard (reports.dashboard): rollups rebuilt nightly for the last two months, at
# 02:40 Asia/Shanghai (as CELERY_TIMEZONE). The map's tiles: a URL template such as Tianditu's
# (with its key) or an intranet tile server; empty draws the map on a plain background.
# MAP_TILE_CRS says which datum the tiles are drawn in: "wgs84" (Tianditu, OSM) or "gcj02"
# (AutoNavi/Gaode, Tencent); positions are stored in WGS-84 and converted on the way out.
CELERY_BEAT_SCHEDULE["rebuild-recent-rollups"] = {
    "task": "reports.tasks.rebuild_recent_rollups",
    "schedule": crontab(minute=40, hour=2),
}
# Patrols are partitioned by month (patrols.partitions): the partitions of this month and the next
# 12 are made daily at 03:10 Asia/Shanghai (pg_partman's maintenance when it is installed).
CELERY_BEAT_SCHEDULE["keep-patrol-partitions"] = {
    "task": "patrols.tasks.keep_patrol_partitions",
    "schedule": crontab(minute=10, hour=3),
}
# MAP_BASEMAP (core.maps): "tianditu-vec" (vector + labels) or "tianditu-img" (imagery + labels)
# with TIANDITU_KEY (a browser key from lbs.tianditu.gov.cn), "xyz" (MAP_TILE_URL) or "none";
# empty: "xyz" when MAP_TILE_URL is set, else "none". Every map of the portal uses it.
MAP_BASEMAP = env.str("MAP_BASEMAP", default="")
TIANDITU_KEY = env.str("TIANDITU_KEY", default="")
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_TILE_CRS = env.str("MAP_TILE_CRS", default="wgs84")
MAP_TILE_SUBDOMAINS = env.str("MAP_TILE_SUBDOMAINS", default="")

# Security headers in every environment, so tests and development see what production sends:
# core.security's Content-Security-Policy (no inline script or style, no framing, the map's tile
# host as the one outside image source) plus Django's own nosniff, referrer and opener policies.
# HSTS is production's (config/settings/production.py), sent over HTTPS only.
MIDDLEWARE.insert(1, "core.security.ContentSecurityPolicyMiddleware")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Logins (accounts.lockout, accounts.middleware). django-axes counts failed logins per username
# AND address: the AXES_FAILURE_LIMIT-th failure locks that pair for AXES_COOLOFF_TIME (429);
# tries during the lock do not extend it. A good login clears the pair's failures. Password
# spraying (one guess at many usernames) never reaches that limit, so the address as a whole is
# limited too: LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, whatever the usernames,
# lock the address for AXES_COOLOFF_TIME after the last of them (accounts.lockout's handler).
# `manage.py axes_reset_username <name>` (or axes_reset_ip, axes_reset) unlocks at once.
from datetime import timedelta  # noqa: E402

INSTALLED_APPS.append("axes")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked pair before any password
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += ["accounts.middleware.SessionLimitsMiddleware", "axes.middleware.AxesMiddleware"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"  # TRUSTED_PROXIES decides
AXES_HANDLER = "accounts.lockout.AddressLimitedHandler"
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
# A session ends SESSION_IDLE_MINUTES after its last request or SESSION_MAX_HOURS after its
# login, whichever comes first, however active its user.
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

# Celery workers (issue #7). A message is acknowledged when its task ends, so a worker killed
# mid-task gives it back (CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST, above); one
# message at a time; a task past its soft limit is told to stop, past the hard one killed (the
# document build task sets its own, under DOCUMENT_TASK_STUCK_MINUTES: core.jobs); a pool child
# past CELERY_WORKER_MAX_MEMORY_PER_CHILD KiB is replaced after its task.
# A building worker beats (core.jobs) every quarter of JOB_HEARTBEAT_STALE_SECONDS; a running
# job silent for longer lost its worker: a regenerate, a new request or a redelivered message
# takes it over, and the sweeper re-queues or fails it.
JOB_HEARTBEAT_STALE_SECONDS = env.int("JOB_HEARTBEAT_STALE_SECONDS", default=60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=10 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=11 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis gives an unacknowledged message (its worker died) back to the queue after the visibility
# timeout, and a redelivered build takes its row over (core.jobs.Jobs.claim). It must exceed the
# longest a task may hold its message (a build's hard limit, a retry's countdown of at most
# 10 minutes), or a live task would be delivered twice: the stuck timeout plus 10 minutes.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT",
        default=(max(DOCUMENT_STUCK_TIMEOUTS) + 10) * 60,
    ),
    # Publishing from a web request must not hang on a broker host that is gone, nor on one
    # that accepts connections and never answers (REDIS_TIMEOUT, above). Workers poll with
    # BRPOP for 1 s at a time, well within the read timeout.
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
}

# The audit log (audit/): logins, refusals and every change to issues, patrols and the roster.
# Its middleware keeps the request at hand for the services (address as core.clientip says,
# client, path) and records refused (403) and not-found (404) answers, at most one entry per
# account (or address) and path every AUDIT_REFUSAL_INTERVAL_SECONDS, so probing cannot flood it.
INSTALLED_APPS.append("audit")
MIDDLEWARE.append("audit.context.AuditContextMiddleware")
AUDIT_REFUSAL_INTERVAL_SECONDS = env.int("AUDIT_REFUSAL_INTERVAL_SECONDS", default=60)

# Deployment (issue #18; README, "Production").
# Outermost: the request id (core.requestid) before anything logs; the health answers
# (core.health: /healthz, /healthz/ready) before any host or HTTPS check; then the proxy-only
# headers dropped from a request that did not come through a trusted proxy (core.clientip).
MIDDLEWARE = [
    "core.requestid.RequestIdMiddleware",
    "core.health.HealthMiddleware",
    "core.clientip.ProxyHeadersMiddleware",
    *MIDDLEWARE,
]
# Readiness (/healthz/ready) is asked from the machine itself, or from these addresses or
# networks (a monitoring host), never through the proxy; beat's heartbeat (every minute) older
# than BEAT_HEARTBEAT_MAX_AGE_MINUTES fails it.
HEALTH_READY_ALLOWED = env.list("HEALTH_READY_ALLOWED", default=[])
BEAT_HEARTBEAT_MAX_AGE_MINUTES = env.int("BEAT_HEARTBEAT_MAX_AGE_MINUTES", default=5)
CELERY_BEAT_SCHEDULE["beat-heartbeat"] = {
    "task": "core.tasks.beat_heartbeat",
    "schedule": 60.0,
    "options": {"expires": 55},  # a heartbeat nobody ran in time is no heartbeat
}

# Three queues, a worker each in docker-compose.yml, so that two report builds never hold up
# notices or rollup refreshes: documents (bulletins, reports, supervision orders: minutes each),
# notifications (deliveries, deadline runs, the sweepers, beat's heartbeat: the default, quick),
# rollups (the dashboard's figures). A worker started without -Q (development, tests) consumes
# all three. With no REDIS_URL every task runs in-process and queues do not matter.
from kombu import Queue  # noqa: E402

CELERY_TASK_QUEUES = [Queue("documents"), Queue("notifications"), Queue("rollups")]
CELERY_TASK_DEFAULT_QUEUE = "notifications"
CELERY_TASK_ROUTES = {
    "core.tasks.build_document": {"queue": "documents"},
    "core.tasks.clean_expired_documents": {"queue": "documents"},
    "patrols.tasks.build_monthly_bulletins": {"queue": "documents"},
    "reports.tasks.build_quarterly_reports": {"queue": "documents"},
    "reports.tasks.build_weekly_reports": {"queue": "documents"},
    "reports.tasks.refresh_rollups": {"queue": "rollups"},
    "reports.tasks.rebuild_recent_rollups": {"queue": "rollups"},
    "reports.tasks.refresh_chief_rollups": {"queue": "rollups"},
    "patrols.tasks.keep_patrol_partitions": {"queue": "rollups"},
    # Everything else (notifications.*, issues.*, the sweepers, the heartbeat): the default.
}
# A pool child past this many KiB is replaced after its task. A work report's build peaks at
# 254-329 MiB (issue #18; 319 MiB measured: README, "Production", Memory): under the old
# 300,000 KiB every build recycled its child and the next started cold. 600,000 KiB (~586 MiB)
# leaves a build's peak about 1.8x headroom and still ends a child that leaks.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000)

# Two-factor sign-in (accounts.twofa) and per-device API tokens (accounts.authentication).
# REQUIRE_2FA on: an admin or office account (accounts.roles.SECOND_FACTOR_ROLES) opens no page
# and no API with its session until it has enrolled an authenticator app (TOTP) and given a code
# after its password; chiefs and leaders are not asked. Off (the default): nobody is asked.
# A wrong code counts as a failed login for the lockout (axes) and slows that device down
# (django-otp's throttling: 1, 2, 4, 8... seconds after each wrong code).
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=False)
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.append("accounts.twofa.TwoFactorMiddleware")
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="河长制工作平台")
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds; 0 would switch the throttling off
OTP_STATIC_THROTTLE_FACTOR = 1
TWO_FACTOR_BACKUP_CODES = 10
# Per-device API tokens (accounts.models.ApiToken): `Authorization: Bearer <key>` (or `Token`);
# the legacy one-per-account token of `auth/token/` keeps working after them.
# The session's class refuses a session that still owes its second factor.
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "accounts.authentication.ApiTokenAuthentication",
    "rest_framework.authentication.TokenAuthentication",
    "accounts.authentication.VerifiedSessionAuthentication",
]

# Change history (README, "Change history"): django-pghistory's triggers write a snapshot of
# every insert, change and delete of a tracked row into history's event tables; nothing may
# update or delete an event (a trigger refuses). Only writes carry a context, so reads cost
# nothing. The triggers on the tracked tables are installed by `migrate` (post_migrate), not by
# migrations of their apps, so that tracking a new model changes only history's migrations.
PGHISTORY_APPEND_ONLY = True
# An event is looked up by its record (pgh_obj, indexed), never by the references it copied: no
# index on those (each would cost every write of the tracked table one more index entry).
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
