"""Access, proved as a matrix: every role x every API endpoint x every method x a record inside
and one outside the account's region.

The expected answer of each cell is derived from what the views declare (``read_roles`` /
``write_roles`` read by ``accounts.permissions.RolePermission``, the router's method map and
``http_method_names``) plus the small table ``EXCEPTIONS`` below, never from the responses:

- anonymous: 401;
- a role the view does not admit for the method: 403, and the row is unchanged;
- a method the endpoint does not serve: 405, and the row is unchanged;
- a record outside the account's region: 404, and the row is unchanged (a create whose references
  point outside answers 400 and makes nothing);
- otherwise a 2xx.

Every request runs in a savepoint that is rolled back, so each cell starts from the same data.
Fields a role may not set (a patrol's chief, an issue's status, a region outside the account's,
an account's role and region above the caller, authorship) are tested at the end.
"""

import datetime
import io
import uuid as uuid_lib
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from PIL import Image
from rest_framework.permissions import SAFE_METHODS
from rest_framework.test import APIClient

from accounts.models import ApiToken, Region, Role, User
from accounts.roles import OFFICE_ROLES
from calendars.models import DeadlineRule
from config.api import router
from config.api import urlpatterns as api_urlpatterns
from core.media import file_kinds
from issues.models import Issue
from patrols.models import Patrol
from reports.models import AssessmentAdjustment, AssessmentRound, AssessmentScheme, AssessmentScore
from rivers.models import ChiefRole

from . import factories

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
USERS = ("anonymous", "superuser", "admin", "office", "leader", "chief")
TODAY = datetime.date.today()
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
# Yesterday 09:00-10:00 (UTC+8): a patrol a chief may still file (PATROL_MAX_AGE_DAYS).
_YESTERDAY = TODAY - datetime.timedelta(days=1)
PATROL_START = f"{_YESTERDAY.isoformat()}T09:00:00+08:00"
PATROL_END = f"{_YESTERDAY.isoformat()}T10:00:00+08:00"


def _png(name: str = "photo.png") -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 200)).save(buffer, format="PNG")
    file = ContentFile(buffer.getvalue(), name=name)
    return file


def _upload(name: str = "photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, _png().read(), content_type="image/png")


# --- The world: county A (the accounts' side) and county B (outside for everyone but the
# superuser). Inside records hang on community C1, where the chief account serves.


def _build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.county = factories.CountyFactory(name="甲区", code="910000")
    w.street = factories.StreetFactory(parent=w.county, name="甲街道", code="910000001")
    w.c1 = factories.CommunityFactory(parent=w.street, name="甲一社区", code="910000001001")
    w.c2 = factories.CommunityFactory(parent=w.street, name="甲二社区", code="910000001002")
    w.far_county = factories.CountyFactory(name="乙区", code="920000")
    w.far_street = factories.StreetFactory(parent=w.far_county, name="乙街道", code="920000001")
    w.far_c = factories.CommunityFactory(parent=w.far_street, name="乙一社区", code="920000001001")

    w.scheme = AssessmentScheme.objects.create(
        name="河长季度考核",
        subject="chief",
        period="quarter",
        criteria=[{"key": "patrol_rate", "weight": 100, "target": 90}],
    )

    def side(street, community, tag):
        s = SimpleNamespace()
        s.region = community
        s.river = factories.RiverFactory(region=street, name=f"{tag}河")
        s.reach = factories.ReachFactory(river=s.river, region=community, name=f"{tag}段")
        s.chief = factories.ChiefFactory(
            region=community, reaches=[s.reach], role=ChiefRole.COMMUNITY_CHIEF
        )
        # A second roster entry to change, relieve, replace and delete.
        s.other_chief = factories.ChiefFactory(
            region=community, reaches=[s.reach], role=ChiefRole.CLEANER
        )
        s.sign = factories.SignFactory(reach=s.reach)
        s.outfall = factories.OutfallFactory(reach=s.reach)
        s.facility = factories.FacilityFactory(reach=s.reach)
        s.river_plan = factories.RiverPlanFactory(river=s.river)
        factories.RiverPlanTaskFactory(plan=s.river_plan, responsible_region=community)

        s.point = factories.MonitoringPointFactory(reach=s.reach, river=s.river)
        s.reading = factories.WaterReadingFactory(point=s.point, do=Decimal("6"))
        s.patrol = factories.PatrolFactory(chief=s.chief, reach=s.reach)
        s.finding = factories.FindingFactory(patrol=s.patrol)
        s.finding_photo = factories.FindingPhotoFactory(finding=s.finding)
        s.issue = factories.IssueFactory(
            reach=s.reach, status="assigned", assignee_chief=s.chief, deadline=TODAY
        )
        factories.IssueEventFactory(issue=s.issue)
        s.issue_photo = factories.IssuePhotoFactory(issue=s.issue)
        s.order = factories.SupervisionOrderFactory(issue=s.issue, street=street)
        s.public_report = factories.PublicReportFactory(issue__reach=s.reach)
        s.bulletin = factories.BulletinFactory(
            street=street, status="done", pdf=ContentFile(b"%PDF-1.4 test", name="b.pdf")
        )
        s.batch = factories.PatchBatchFactory(region=street)
        s.patch = factories.MapPatchFactory(batch=s.batch, region=community)
        s.patch_photo = factories.PatchPhotoFactory(patch=s.patch)
        s.report = factories.ReportFactory(
            region=street,
            status="done",
            pdf=ContentFile(b"%PDF-1.4 test", name="r.pdf"),
            docx=ContentFile(b"PK docx", name="r.docx"),
        )
        s.publicity_event = factories.PublicityEventFactory(region=community)
        s.cleanup = factories.CleanupFactory(region=community, reaches=[s.reach])
        s.meeting = factories.MeetingFactory(region=community)
        s.inspection = factories.InspectionFactory(region=community)
        s.sign_update = factories.SignUpdateFactory(sign=s.sign)
        s.outfall_check = factories.OutfallCheckFactory(outfall=s.outfall)
        s.facility_check = factories.FacilityCheckFactory(facility=s.facility)
        s.round = AssessmentRound.objects.create(
            scheme=w.scheme, region=street, year=2024, period=1
        )
        AssessmentScore.objects.create(round=s.round, subject_id=s.chief.pk, name=s.chief.name)
        s.adjustment = AssessmentAdjustment.objects.create(
            round=s.round, subject_id=s.chief.pk, points=-2, reason="迟报"
        )
        # An account to change (a chief's, which the office may manage).
        s.account = factories.UserFactory(
            role=Role.CHIEF, region=community, chief=s.other_chief, username=f"{tag}-account"
        )
        return s

    w.inside = side(w.street, w.c1, "甲")
    w.outside = side(w.far_street, w.far_c, "乙")
    w.rule = factories.PatrolRuleFactory(months=[1])
    w.calendar_day = factories.CalendarDayFactory()
    w.deadline_rule = factories.DeadlineRuleFactory()
    # A free (category, urgency) pair for a new deadline rule.
    DeadlineRule.objects.filter(category="mining", urgency="critical").delete()
    if apps.is_installed("audit"):
        w.audit_entry = apps.get_model("audit", "AuditEntry").objects.create(action="login")

    w.users = {
        "anonymous": None,
        "superuser": factories.UserFactory(
            username="root", role=Role.ADMIN, region=None, is_superuser=True, is_staff=True
        ),
        "admin": factories.UserFactory(username="admin", role=Role.ADMIN, region=w.county),
        "office": factories.UserFactory(username="office", role=Role.OFFICE, region=w.street),
        "leader": factories.UserFactory(username="leader", role=Role.LEADER, region=w.street),
        "chief": factories.UserFactory(
            username="chief", role=Role.CHIEF, region=w.c1, chief=w.inside.chief
        ),
    }
    # Every account's own notification; a notification of someone else is outside.
    w.notifications = {
        name: factories.NotificationFactory(recipient=user, issue=w.inside.issue)
        for name, user in w.users.items()
        if user is not None
    }
    w.outside_notification = factories.NotificationFactory(recipient=w.outside.account)
    # Every account's own device token; the outside account's is beyond everyone but the root.
    w.tokens = {
        name: ApiToken.objects.create(
            user=user, name=f"{name}的手机", key_hash=f"{n:064d}", key_start="rct_test"
        )
        for n, (name, user) in enumerate(w.users.items())
        if user is not None
    }
    w.outside_token = ApiToken.objects.create(
        user=w.outside.account, name="乙的手机", key_hash="f" * 64, key_start="rct_test"
    )
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One dataset for the module, rolled back after it; files go to a scratch media folder."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def w(world, db):
    return world


# --- Endpoints: walked from the router registry and the API's extra paths.


@dataclass
class Endpoint:
    label: str  # e.g. "issues-detail" or "issues-actions"
    prefix: str
    view: type
    mapping: dict[str, str]  # http method -> view action (viewsets) or handler name
    detail: bool
    url: str  # with {pk} and, for findings, {finding}
    viewset: bool = True
    initkwargs: dict = field(default_factory=dict)


def _router_endpoints() -> list[Endpoint]:
    endpoints = []
    for prefix, viewset, _basename in router.registry:
        for route in router.get_routes(viewset):
            mapping = router.get_method_map(viewset, route.mapping)
            if not mapping:
                continue
            suffix = route.url.replace("^{prefix}", "").replace("{trailing_slash}$", "/")
            suffix = suffix.replace("{lookup}", "{pk}").replace(r"(?P<finding_id>\d+)", "{finding}")
            name = route.name.replace("{basename}-", "")
            actions = set(mapping.values())
            extra = next(iter(actions)) if len(actions) == 1 else None
            initkwargs = dict(route.initkwargs)
            if extra and hasattr(getattr(viewset, extra, None), "kwargs"):
                initkwargs.update(getattr(viewset, extra).kwargs)
            endpoints.append(
                Endpoint(
                    label=f"{prefix}-{name}",
                    prefix=prefix,
                    view=viewset,
                    mapping=mapping,
                    detail=route.detail,
                    url=f"/api/v1/{prefix}{suffix}",
                    initkwargs=initkwargs,
                )
            )
    return endpoints


FILES_ROUTE = "files/<slug:kind>/<int:pk>/"


def _plain_endpoints() -> list[Endpoint]:
    endpoints = []
    patterns = list(api_urlpatterns)
    for pattern in patterns:
        if getattr(pattern, "url_patterns", None) is not None and pattern.pattern._route == "":
            continue  # the router, walked above
        subpatterns = getattr(pattern, "url_patterns", None) or [pattern]
        for sub in subpatterns:
            view = sub.callback.view_class
            route = f"{pattern.pattern._route}{sub.pattern._route if sub is not pattern else ''}"
            handlers = {m: m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
            if route == FILES_ROUTE:
                # One view serves every kind of stored file: a record per kind, inside and out.
                endpoints += [
                    Endpoint(
                        label=f"files-{kind}",
                        prefix=f"files/{kind}",
                        view=view,
                        mapping=handlers,
                        detail=True,
                        url=f"/api/v1/files/{kind}/{{pk}}/",
                        viewset=False,
                    )
                    for kind in file_kinds()
                ]
                continue
            endpoints.append(
                Endpoint(
                    label=route.strip("/").replace("/", "-"),
                    prefix=route,
                    view=view,
                    mapping=handlers,
                    detail=False,
                    url=f"/api/v1/{route}",
                    viewset=False,
                )
            )
    return endpoints


ENDPOINTS = {e.label: e for e in [*_router_endpoints(), *_plain_endpoints()]}


# --- Records per endpoint prefix: (inside, outside), each ``world, user name -> instance``.

GLOBAL = {
    "patrol-rules",
    "calendar-days",
    "deadline-rules",
    "audit-entries",
    "assessment-schemes",
}  # the portal's policy, no region

RECORDS = {
    "regions": lambda w, s, u: w.c1 if s == "inside" else w.far_c,
    "accounts": lambda w, s, u: getattr(w, s).account,
    "rivers": lambda w, s, u: getattr(w, s).river,
    "reaches": lambda w, s, u: getattr(w, s).reach,
    "chiefs": lambda w, s, u: getattr(w, s).other_chief,
    "signs": lambda w, s, u: getattr(w, s).sign,
    "outfalls": lambda w, s, u: getattr(w, s).outfall,
    "facilities": lambda w, s, u: getattr(w, s).facility,
    "river-plans": lambda w, s, u: getattr(w, s).river_plan,
    "monitoring-points": lambda w, s, u: getattr(w, s).point,
    "water-readings": lambda w, s, u: getattr(w, s).reading,
    "patrol-rules": lambda w, s, u: w.rule,
    "patrols": lambda w, s, u: getattr(w, s).patrol,
    "issues": lambda w, s, u: getattr(w, s).issue,
    "supervision-orders": lambda w, s, u: getattr(w, s).order,
    "tokens": lambda w, s, u: (
        w.tokens.get(u, w.tokens["superuser"]) if s == "inside" else w.outside_token
    ),
    "notifications": lambda w, s, u: (
        w.notifications.get(u, w.notifications["superuser"])
        if s == "inside"
        else w.outside_notification
    ),
    "bulletins": lambda w, s, u: getattr(w, s).bulletin,
    "calendar-days": lambda w, s, u: w.calendar_day,
    "deadline-rules": lambda w, s, u: w.deadline_rule,
    "map-patch-batches": lambda w, s, u: getattr(w, s).batch,
    "map-patches": lambda w, s, u: getattr(w, s).patch,
    "public-reports": lambda w, s, u: getattr(w, s).public_report,
    "reports": lambda w, s, u: getattr(w, s).report,
    "publicity-events": lambda w, s, u: getattr(w, s).publicity_event,
    "cleanups": lambda w, s, u: getattr(w, s).cleanup,
    "meetings": lambda w, s, u: getattr(w, s).meeting,
    "inspections": lambda w, s, u: getattr(w, s).inspection,
    "sign-updates": lambda w, s, u: getattr(w, s).sign_update,
    "outfall-checks": lambda w, s, u: getattr(w, s).outfall_check,
    "facility-checks": lambda w, s, u: getattr(w, s).facility_check,
    "files/issue-photo": lambda w, s, u: getattr(w, s).issue_photo,
    "files/finding-photo": lambda w, s, u: getattr(w, s).finding_photo,
    "files/patch-photo": lambda w, s, u: getattr(w, s).patch_photo,
    "assessment-schemes": lambda w, s, u: w.scheme,
    "assessment-rounds": lambda w, s, u: getattr(w, s).round,
    "assessment-adjustments": lambda w, s, u: getattr(w, s).adjustment,
    # The audit log is the whole portal's, read by admins only (when the app is installed).
    "audit-entries": lambda w, s, u: w.audit_entry,
}

# A small change for PATCH (and on top of the record's own representation for PUT).
PATCHES = {
    "regions": {"name": "改名社区"},
    "accounts": {"first_name": "改名"},
    "rivers": {"name": "改名河"},
    "reaches": {"name": "改名段"},
    "chiefs": {"title": "改任"},
    "signs": {"code": "GSP-CHANGED"},
    "outfalls": {"name": "改名排口"},
    "facilities": {"name": "改名桥"},
    "river-plans": {"title": "改名方案"},
    "monitoring-points": {"name": "改名断面"},
    "water-readings": {"values": {"do": 5}},
    "patrol-rules": {"min_count": 3},
    "assessment-schemes": {"name": "改名方案"},
    "issues": {"title": "改名问题"},
    "calendar-days": {"name": "改名假日"},
    "deadline-rules": {"working_days": 7},
    "map-patches": {"note": "改备注"},
    "reports": {"opening": "改开头"},
    "publicity-events": {"title": "改名活动"},
    "cleanups": {"title": "改名清理"},
    "meetings": {"title": "改名会议"},
    "inspections": {"title": "改名督查"},
    "sign-updates": {"notes": "改备注"},
    "outfall-checks": {"notes": "改备注"},
    "facility-checks": {"notes": "改备注"},
}

# What makes a copy of a record a new one (unique fields) when POSTed to the list.
CREATE_OVERRIDES = {
    "regions": lambda w, s: {"code": f"{s}-new", "name": "新社区"},
    "accounts": lambda w, s: {
        "username": f"new-{s}",
        "password": "Quite-Long-Passphrase-2024",
        "role": Role.LEADER,
        "chief": None,
    },
    "rivers": lambda w, s: {"code": f"NEW-{s}"},
    "chiefs": lambda w, s: {"name": "新河长", "phone": "13900000000"},
    "reaches": lambda w, s: {"name": "新段"},
    "signs": lambda w, s: {"code": f"GSP-NEW-{s}"},
    # A river has one plan for a year: the copy covers later years, with tasks of its own.
    "river-plans": lambda w, s: {"start_year": 2031, "end_year": 2032, "tasks": None},
    "monitoring-points": lambda w, s: {"code": f"DM-NEW-{s}"},
    "water-readings": lambda w, s: {"sampled_on": "2025-01-01"},
    # A new rule starts today (the default): the record's valid_from lies in a past month.
    "patrol-rules": lambda w, s: {
        "role": ChiefRole.STREET_CHIEF,
        "months": [7],
        "valid_from": None,
    },
    "patrols": lambda w, s: {
        "uuid": str(uuid_lib.uuid4()),
        "findings": [],
        "track": None,
        "started_at": PATROL_START,
        "ended_at": PATROL_END,
    },
    "issues": lambda w, s: {"reported_at": None},
    "calendar-days": lambda w, s: {"date": "2091-05-01"},
    "deadline-rules": lambda w, s: {"category": "mining", "urgency": "critical"},
}

# Payloads of the custom actions (and of creates that are not copies of a record).
CSV = "图斑编号,纬度,经度,备注\nTB-NEW-1,34.75,113.62,新图斑\n".encode()


def _action_payload(label: str, w, scope: str, user: str):
    side = getattr(w, scope)
    region = w.street if scope == "inside" else w.far_street
    return (
        {
            "chiefs-relieve": ({"on": "2024-06-30"}, "json"),
            "chiefs-replace": (
                {"on": "2024-07-01", "name": "接任者", "phone": "13700000000"},
                "json",
            ),
            "patrols-finding-issue": ({"category": "dumping"}, "json"),
            "patrols-upload-credential": ({"uuid": str(uuid_lib.uuid4())}, "json"),
            "tokens-list": ({"name": "新手机"}, "json"),
            "issues-actions": (
                {"action": "start"} if user == "chief" else {"action": "remind"},
                "json",
            ),
            "issues-photos": ({"image": _upload(), "stage": "before"}, "multipart"),
            "notifications-read": ({}, "json"),
            "calendar-days-years": (
                {
                    "year": 2090,
                    "holidays": [{"name": "元旦", "first": "2090-01-01", "last": "2090-01-03"}],
                    "workdays": [],
                },
                "json",
            ),
            "map-patches-verify": (
                {"verdict": "not_obstruction", "note": "现场无碍洪", "photos": [_upload()]},
                "multipart",
            ),
            "map-patch-batches-list": (
                {
                    "file": ContentFile(CSV, name="patches.csv"),
                    "name": "新批次",
                    "region": region.pk,
                },
                "multipart",
            ),
            "reports-list": (
                {"kind": "annual", "year": 2024, "region": region.pk},
                "json",
            ),
            "reports-regenerate": ({}, "json"),
            "auth-token": (
                {"username": getattr(w.users.get(user), "username", ""), "password": PASSWORD},
                "json",
            ),
        }.get(label, (None, None))
        if side
        else (None, None)
    )


# Query strings of the plain API views (their region filter takes the scope's region).
def _query(label: str, w, scope: str, user_name: str) -> str:
    region = w.c1 if user_name == "chief" else w.street
    region = region if scope == "inside" else w.far_street
    dated = f"date_from=2024-01-01&date_to=2024-12-31&region={region.pk}"
    return {
        "patrol-compliance": dated,
        "patrol-compliance-rankings": dated,
        "stats": dated,
        "stats-records": f"figure=patrols&{dated}",
        "dashboard": f"region={region.pk}",
        "dashboard-map": f"region={region.pk}",
        "issues-ledger": f"region={region.pk}",
    }.get(label, "")


# --- The exceptions: cells whose answer is not the plain rule, each with its reason.
# OVERRIDES replace the rule outright; ADMITTED say what an admitted request (the rule's 2xx)
# answers instead. Keys: (endpoint label, method, user or "*", scope or "*").

OVERRIDES = {
    # The token endpoint is the way in: POST is open (the body's credentials decide), the other
    # methods need a login; DELETE revokes the caller's own token.
    ("auth-token", "POST", "anonymous", "*"): 400,  # no credentials of its own
    # The raw track is for staff: the action refuses other roles itself, before the lookup.
    ("patrols-raw-track", "GET", "leader", "*"): 403,
    ("patrols-raw-track", "GET", "chief", "*"): 403,
    # Patches come in with their batch's list only, wherever they would be.
    ("map-patches-list", "POST", "superuser", "*"): 405,
    ("map-patches-list", "POST", "admin", "*"): 405,
    ("map-patches-list", "POST", "office", "*"): 405,
    # Marking all one's own notifications read names no record: nothing lies outside.
    ("notifications-read-all", "POST", "admin", "outside"): "2xx",
    ("notifications-read-all", "POST", "office", "outside"): "2xx",
    ("notifications-read-all", "POST", "leader", "outside"): "2xx",
    ("notifications-read-all", "POST", "chief", "outside"): "2xx",
}

# Collection actions that name no record and no region: "outside" is the same request as
# "inside" (a patrol upload credential names only the caller and a uuid the phone made).
# Own records with no region of their own: a device token is made for oneself, anywhere.
NO_REGION = {"patrols-upload-credential", "tokens-list"}

ADMITTED = {
    # The token endpoint: the caller's own username and password give a token.
    ("auth-token", "POST", "*", "*"): 200,
    # Leaders may call the workflow endpoint but the workflow table gives them no action.
    ("issues-actions", "POST", "leader", "inside"): 403,
    # Records other records hang on are not deleted: 409, and they stay.
    ("regions-detail", "DELETE", "*", "*"): 409,
    ("rivers-detail", "DELETE", "*", "*"): 409,
    ("reaches-detail", "DELETE", "*", "*"): 409,
    ("monitoring-points-detail", "DELETE", "*", "*"): 409,
    # A notification is its recipient's alone, a superuser's included.
    ("notifications-detail", "GET", "superuser", "outside"): 404,
    ("notifications-read", "POST", "superuser", "outside"): 404,
    # A batch belongs to its street: a community chief verifies the community's patches but
    # does not see the street's batch.
    ("map-patch-batches-detail", "GET", "chief", "inside"): 404,
    ("map-patch-batches-export", "GET", "chief", "inside"): 404,
    # The roster template is an empty ledger: importing it is refused as having no rows.
    ("ledgers-roster", "POST", "*", "*"): 400,
    # So are the sign, outfall and facility templates.
    ("ledgers-signs", "POST", "*", "*"): 400,
    ("ledgers-outfalls", "POST", "*", "*"): 400,
    ("ledgers-facilities", "POST", "*", "*"): 400,
    # The world's rounds are drafts: a draft has no Excel ledger or PDF to build or download
    # (409), and the round stays as it was.
    ("assessment-rounds-documents", "POST", "*", "*"): 409,
    ("assessment-rounds-xlsx", "GET", "*", "*"): 409,
    ("assessment-rounds-pdf", "GET", "*", "*"): 409,
    ("ledgers-water-readings", "POST", "*", "*"): 400,
}

# The ledger imports: each is sent its own (empty) template, downloaded once.
LEDGER_IMPORTS = (
    "ledgers-roster",
    "ledgers-signs",
    "ledgers-outfalls",
    "ledgers-facilities",
    "ledgers-water-readings",
)


# The plain API views that take a region filter: a region outside answers 400 (the filter's
# choice does not exist for the account), like an id that does not exist.
REGION_FILTERED = {
    "patrol-compliance",
    "patrol-compliance-rankings",
    "stats",
    "stats-records",
    "dashboard",
    "dashboard-map",
    "issues-ledger",
}


def _view_roles(endpoint: Endpoint, method: str):
    """The roles the view admits for the method, read like RolePermission reads them."""
    if not endpoint.viewset:
        view = endpoint.view()
    else:
        view = endpoint.view(**endpoint.initkwargs)
        view.action = endpoint.mapping.get(method.lower())
    if endpoint.label == "auth-token":
        return "token"
    if method in SAFE_METHODS:
        return getattr(view, "read_roles", None)
    return getattr(view, "write_roles", OFFICE_ROLES)


def _write_check(endpoint: Endpoint, method: str):
    if method in SAFE_METHODS or not endpoint.viewset:
        return None
    return getattr(endpoint.view, "write_check", None)


def _served(endpoint: Endpoint, method: str) -> bool:
    names = getattr(endpoint.view, "http_method_names", METHODS)
    return method.lower() in endpoint.mapping and method.lower() in names


def _lookup(table: dict, endpoint: Endpoint, method: str, user_name: str, scope: str):
    for key in (
        (endpoint.label, method, user_name, scope),
        (endpoint.label, method, user_name, "*"),
        (endpoint.label, method, "*", scope),
        (endpoint.label, method, "*", "*"),
    ):
        if key in table:
            return table[key]
    return None


def _expected(endpoint: Endpoint, method: str, user_name: str, scope: str, w) -> int | str:
    override = _lookup(OVERRIDES, endpoint, method, user_name, scope)
    if override is not None:
        return override
    if user_name == "anonymous":
        return 401
    user = w.users[user_name]
    roles = _view_roles(endpoint, method)
    if roles != "token" and roles is not None and user.effective_role not in roles:
        return 403
    # A view may narrow its writers beyond their role (``write_check``, read by RolePermission):
    # the portal-wide rules refuse the street's office here, admit the admins.
    check = _write_check(endpoint, method)
    if check is not None and not check(user):
        return 403
    if not _served(endpoint, method):
        return 405
    outside = scope == "outside" and not user.sees_all_regions
    if outside and endpoint.prefix not in GLOBAL and endpoint.label not in NO_REGION:
        if endpoint.detail:
            return 404
        if method == "POST" or endpoint.label in REGION_FILTERED:
            return 400
    admitted = _lookup(ADMITTED, endpoint, method, user_name, scope)
    return "2xx" if admitted is None else admitted


# --- Running one cell.


def _model_of(endpoint: Endpoint):
    serializer = getattr(endpoint.view, "serializer_class", None)
    return getattr(getattr(serializer, "Meta", None), "model", None)


def _snapshot(model, pk) -> tuple:
    """The row as stored (a record's URL), or the number of rows (a list's URL)."""
    if model is None:
        return ()
    if pk is not None:
        return (model.objects.filter(pk=pk).values().first(),)
    if model._meta.model_name == "auditentry":
        return ()  # COUNT_MOVES
    return (model.objects.count(),)


def _client(w, user_name: str) -> APIClient:
    client = APIClient()
    user = w.users[user_name]
    if user is not None:
        client.force_authenticate(user=user)
    return client


REPRESENTATIONS: dict = {}


def _representation(w, endpoint: Endpoint, record) -> dict:
    """The record as the API shows it to a superuser (every cell starts from the same data, so
    it is read once)."""
    key = (endpoint.prefix, record.pk)
    if key not in REPRESENTATIONS:
        response = _client(w, "superuser").get(f"/api/v1/{endpoint.prefix}/{record.pk}/")
        assert response.status_code == 200, (endpoint.label, response.content)
        body = response.json()
        REPRESENTATIONS[key] = {k: v for k, v in body.items() if v is not None and k != "id"}
    return dict(REPRESENTATIONS[key])


def _payload(endpoint: Endpoint, method: str, w, scope: str, user_name: str, record):
    if method in ("GET", "DELETE"):
        return None, None
    data, fmt = _action_payload(endpoint.label, w, scope, user_name)
    if endpoint.label in LEDGER_IMPORTS:
        if endpoint.label not in REPRESENTATIONS:
            template = _client(w, "superuser").get(ENDPOINTS[f"{endpoint.label}-template"].url)
            assert template.status_code == 200
            REPRESENTATIONS[endpoint.label] = template.getvalue()
        content = REPRESENTATIONS[endpoint.label]
        return {"file": ContentFile(content, name="ledger.xlsx")}, "multipart"
    if data is not None:
        return data, fmt
    if endpoint.prefix in PATCHES and endpoint.label.endswith("-detail"):
        change = PATCHES[endpoint.prefix]
        if method == "PATCH":
            return change, "json"
        return {**_representation(w, endpoint, record), **change}, "json"
    if endpoint.label.endswith("-list") and endpoint.prefix in RECORDS:
        source = RECORDS[endpoint.prefix](w, scope, user_name)
        body = _representation(w, endpoint, source) if _served(endpoint, "POST") else {}
        overrides = CREATE_OVERRIDES.get(endpoint.prefix, lambda w, s: {})(w, scope)
        body.update(overrides)  # None drops a key
        return {k: v for k, v in body.items() if v is not None}, "json"
    return {}, "json"


def _url(endpoint: Endpoint, w, scope: str, user_name: str):
    record = None
    url = endpoint.url
    if endpoint.detail:
        record = RECORDS[endpoint.prefix](w, scope, user_name)
        url = url.replace("{pk}", str(record.pk))
        if "{finding}" in url:
            url = url.replace("{finding}", str(getattr(w, scope).finding.pk))
    query = _query(endpoint.label, w, scope, user_name)
    return (f"{url}?{query}" if query else url), record


def _run_cell(w, endpoint: Endpoint, method: str, user_name: str, scope: str):
    """Answer one cell: (status, problem or None)."""
    expected = _expected(endpoint, method, user_name, scope, w)
    with transaction.atomic():
        url, record = _url(endpoint, w, scope, user_name)
        data, fmt = _payload(endpoint, method, w, scope, user_name, record)
        model = _model_of(endpoint)
        pk = getattr(record, "pk", None)
        before = _snapshot(model, pk) if expected != "2xx" else None
        response = getattr(_client(w, user_name), method.lower())(url, data, format=fmt)
        after = _snapshot(model, pk) if expected != "2xx" else None
        transaction.set_rollback(True)
    status = response.status_code
    ok = 200 <= status < 300 if expected == "2xx" else status == expected
    problem = None
    if not ok:
        body = response.content[:300].decode(errors="replace")
        problem = f"{method} {url} as {user_name} ({scope}): {status}, expected {expected}: {body}"
    elif expected != "2xx" and before != after:
        problem = f"{method} {url} as {user_name} ({scope}): {status} but the row changed"
    return status, problem


def _scopes(endpoint: Endpoint) -> tuple[str, ...]:
    if endpoint.prefix in GLOBAL and endpoint.detail:
        return ("inside",)
    if not endpoint.viewset and not endpoint.detail and endpoint.label not in REGION_FILTERED:
        return ("inside",)  # no record and no region: the token, the ledger imports
    return ("inside", "outside")


CELLS = [(label, method) for label in ENDPOINTS for method in METHODS]


@pytest.mark.parametrize(("label", "method"), CELLS, ids=[f"{lab}-{m}" for lab, m in CELLS])
def test_access_matrix(w, label, method):
    endpoint = ENDPOINTS[label]
    problems = []
    for user_name in USERS:
        # Anonymous requests are refused before any record is looked up.
        for scope in _scopes(endpoint)[: 1 if user_name == "anonymous" else None]:
            _status, problem = _run_cell(w, endpoint, method, user_name, scope)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


def test_the_matrix_covers_every_api_route():
    """Every URL under /api/v1/ is in the matrix: a new endpoint cannot slip past it."""
    from django.urls import get_resolver, resolve

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    routes = {r for r in walk(get_resolver().url_patterns) if r.startswith("api/v1/")}
    # The router adds format-suffixed twins and the API root; they share the views above.
    routes = {
        r.replace("^", "")
        for r in routes
        if "format" not in r and r not in ("api/v1/", "api/v1/^$")
    }
    covered = {
        resolve(e.url.replace("{pk}", "1").replace("{finding}", "1")).route.replace("^", "")
        for e in ENDPOINTS.values()
    }
    assert routes == covered
    assert {e.prefix for e in ENDPOINTS.values() if e.viewset} == {p for p, *_ in router.registry}
    assert set(RECORDS) >= {p for p, *_ in router.registry}


def test_list_answers_hold_the_inside_record_and_never_the_outside_one(w):
    for prefix in set(RECORDS) - GLOBAL:
        if f"{prefix}-list" not in ENDPOINTS:
            continue
        for user_name in ("admin", "office", "leader", "chief"):
            endpoint = ENDPOINTS[f"{prefix}-list"]
            detail = ENDPOINTS[f"{prefix}-detail"]
            if _expected(detail, "GET", user_name, "inside", w) != "2xx":
                continue
            response = _client(w, user_name).get(endpoint.url, {"page_size": 500})
            ids = {row["id"] for row in response.json()["results"]}
            outside = RECORDS[prefix](w, "outside", user_name)
            inside = RECORDS[prefix](w, "inside", user_name)
            assert inside.pk in ids, (prefix, user_name)
            assert outside.pk not in ids, (prefix, user_name)


# --- Fields a role may not set.


def _json(client, method, url, data):
    return getattr(client, method)(url, data, format="json")


def test_a_chief_cannot_file_a_patrol_for_another_chief(w):
    client = _client(w, "chief")
    other = w.inside.other_chief  # same community, same reach
    body = {
        "uuid": str(uuid_lib.uuid4()),
        "chief": other.pk,
        "reach": w.inside.reach.pk,
        "started_at": PATROL_START,
        "ended_at": PATROL_END,
    }
    before = Patrol.objects.count()
    response = _json(client, "post", "/api/v1/patrols/", body)
    assert response.status_code == 403, response.content
    assert Patrol.objects.count() == before
    # Leaving the chief out files for the account's own chief.
    del body["chief"]
    response = _json(client, "post", "/api/v1/patrols/", body)
    assert response.status_code == 201, response.content
    assert response.json()["chief"] == w.inside.chief.pk


def test_an_office_cannot_file_a_patrol_for_a_chief_outside_its_region(w):
    client = _client(w, "office")
    body = {
        "uuid": str(uuid_lib.uuid4()),
        "chief": w.outside.chief.pk,
        "reach": w.outside.reach.pk,
        "started_at": PATROL_START,
        "ended_at": PATROL_END,
    }
    before = Patrol.objects.count()
    response = _json(client, "post", "/api/v1/patrols/", body)
    assert response.status_code == 400
    assert set(response.json()) >= {"chief", "reach"}
    assert Patrol.objects.count() == before


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_issue_status_only_moves_through_the_workflow(w, method):
    """``status`` (and the other workflow fields) sent with an edit are ignored."""
    issue = w.inside.issue
    client = _client(w, "office")
    body = _representation(w, ENDPOINTS["issues-detail"], issue) if method == "put" else {}
    body.update(
        {
            "status": "closed",
            "deadline": "2099-01-01",
            "supervised": True,
            "closed_at": "2024-01-01T00:00:00Z",
            "code": "FORGED",
            "title": "改名问题",
        }
    )
    response = _json(client, method, f"/api/v1/issues/{issue.pk}/", body)
    assert response.status_code == 200, response.content
    issue.refresh_from_db()
    assert issue.title == "改名问题"
    assert (issue.status, issue.deadline, issue.supervised, issue.closed_at, issue.code) == (
        "assigned",
        TODAY,
        False,
        None,
        w.inside.issue.code,
    )


def test_a_reported_issue_starts_reported_whatever_status_it_claims(w):
    client = _client(w, "chief")
    body = {
        "title": "岸边垃圾",
        "category": "dumping",
        "source": "patrol",
        "reach": w.inside.reach.pk,
        "status": "closed",
        "code": "FORGED",
    }
    response = _json(client, "post", "/api/v1/issues/", body)
    assert response.status_code == 201, response.content
    issue = Issue.objects.get(pk=response.json()["id"])
    assert issue.status == "reported"
    assert issue.code != "FORGED"
    assert issue.created_by == w.users["chief"]


# Every writable resource with a region (or a record that carries one): pointing it outside the
# account's region answers 400 and changes nothing.
REGION_FIELDS = {
    "rivers": ("region", lambda w: w.far_street.pk),
    "reaches": ("region", lambda w: w.far_c.pk),
    "chiefs": ("region", lambda w: w.far_c.pk),
    "signs": ("reach", lambda w: w.outside.reach.pk),
    "outfalls": ("reach", lambda w: w.outside.reach.pk),
    "facilities": ("reach", lambda w: w.outside.reach.pk),
    "river-plans": ("river", lambda w: w.outside.river.pk),
    "monitoring-points": ("reach", lambda w: w.outside.reach.pk),
    "water-readings": ("point", lambda w: w.outside.point.pk),
    "issues": ("region", lambda w: w.far_c.pk),
    "map-patches": ("region", lambda w: w.far_c.pk),
    "publicity-events": ("region", lambda w: w.far_c.pk),
    "cleanups": ("region", lambda w: w.far_c.pk),
    "meetings": ("region", lambda w: w.far_c.pk),
    "inspections": ("region", lambda w: w.far_c.pk),
    "sign-updates": ("sign", lambda w: w.outside.sign.pk),
    "outfall-checks": ("outfall", lambda w: w.outside.outfall.pk),
    "facility-checks": ("facility", lambda w: w.outside.facility.pk),
    "accounts": ("region", lambda w: w.far_street.pk),
    "regions": ("parent", lambda w: w.far_street.pk),
}


@pytest.mark.parametrize(
    ("prefix", "user_name"),
    # Only admins change regions (an office is refused with 403, in the matrix).
    [
        (p, u)
        for p in sorted(REGION_FIELDS)
        for u in ("admin", "office")
        if (p, u) != ("regions", "office")
    ],
)
def test_a_region_outside_the_account_is_refused_on_every_writable_resource(w, prefix, user_name):
    endpoint = ENDPOINTS[f"{prefix}-detail"]
    record = RECORDS[prefix](w, "inside", user_name)
    name, value = REGION_FIELDS[prefix]
    model = _model_of(endpoint)
    for method in ("patch", "put"):
        if not _served(endpoint, method.upper()):
            continue
        body = _representation(w, endpoint, record) if method == "put" else {}
        body[name] = value(w)
        before = _snapshot(model, record.pk)
        response = _json(_client(w, user_name), method, f"/api/v1/{prefix}/{record.pk}/", body)
        assert response.status_code == 400, (prefix, method, response.content)
        assert name in response.json(), response.content
        assert _snapshot(model, record.pk) == before
    list_endpoint = ENDPOINTS[f"{prefix}-list"]
    if _expected(list_endpoint, "POST", user_name, "inside", w) == "2xx":
        data, _fmt = _payload(list_endpoint, "POST", w, "inside", user_name, None)
        data[name] = value(w)
        before = _snapshot(model, None)
        response = _json(_client(w, user_name), "post", f"/api/v1/{prefix}/", data)
        assert response.status_code == 400, (prefix, response.content)
        assert name in response.json(), response.content
        assert _snapshot(model, None) == before


def test_an_office_cannot_raise_an_account_above_its_own_level(w):
    client = _client(w, "office")
    account = w.inside.account
    url = f"/api/v1/accounts/{account.pk}/"
    refused = [
        ({"role": "admin"}, 403),
        ({"role": "office", "region": w.county.pk}, 400),  # the county is above the office
        ({"role": "office", "region": w.far_street.pk}, 400),
    ]
    for body, status in refused:
        before = _snapshot(User, account.pk)
        response = _json(client, "patch", url, body)
        assert response.status_code == status, (body, response.content)
        assert _snapshot(User, account.pk) == before
    # Creating one: an admin, or an office of the county, is refused too.
    for body, status in [
        ({"role": "admin", "region": w.street.pk}, 403),
        ({"role": "office", "region": w.county.pk}, 400),
    ]:
        before = User.objects.count()
        response = _json(
            client,
            "post",
            "/api/v1/accounts/",
            {"username": "climber", "password": "Quite-Long-Passphrase-2024", **body},
        )
        assert response.status_code == status, (body, response.content)
        assert User.objects.count() == before


def test_an_office_cannot_touch_an_admin_account_in_its_region(w):
    admin_below = factories.UserFactory(username="admin-below", role=Role.ADMIN, region=w.c1)
    client = _client(w, "office")
    before = _snapshot(User, admin_below.pk)
    for method, body in [
        ("patch", {"first_name": "x"}),
        ("patch", {"password": "Other-Long-Pass-2024"}),
    ]:
        assert _json(client, method, f"/api/v1/accounts/{admin_below.pk}/", body).status_code == 403
    assert client.delete(f"/api/v1/accounts/{admin_below.pk}/").status_code == 403
    assert _snapshot(User, admin_below.pk) == before


def test_authorship_fields_are_set_by_the_server(w):
    """Who filed, imported, requested or checked something comes from the login, never the body."""
    office = w.users["office"]
    client = _client(w, "office")
    forged = w.users["admin"].pk
    patrol = _json(
        client,
        "post",
        "/api/v1/patrols/",
        {
            "uuid": str(uuid_lib.uuid4()),
            "chief": w.inside.chief.pk,
            "reach": w.inside.reach.pk,
            "started_at": PATROL_START,
            "ended_at": PATROL_END,
            "created_by": forged,
        },
    )
    assert patrol.status_code == 201, patrol.content
    assert Patrol.objects.get(pk=patrol.json()["id"]).created_by == office
    report = _json(
        client,
        "post",
        "/api/v1/reports/",
        {"kind": "annual", "year": 2024, "region": w.street.pk, "requested_by": forged},
    )
    assert report.status_code == 202, report.content
    from reports.models import Report

    assert Report.objects.get(pk=report.json()["id"]).requested_by == office
    batch = client.post(
        "/api/v1/map-patch-batches/",
        {"file": ContentFile(CSV, name="p.csv"), "region": w.street.pk, "imported_by": forged},
        format="multipart",
    )
    assert batch.status_code == 201, batch.content
    from map_patches.models import MapPatch, PatchBatch

    assert PatchBatch.objects.get(pk=batch.json()["id"]).imported_by == office
    verify = _client(w, "chief").post(
        f"/api/v1/map-patches/{w.inside.patch.pk}/verify/",
        {"verdict": "not_obstruction", "note": "无", "photos": [_upload()], "checked_by": forged},
        format="multipart",
    )
    assert verify.status_code == 200, verify.content
    assert MapPatch.objects.get(pk=w.inside.patch.pk).checked_by == w.users["chief"]


def test_a_river_seen_through_a_reach_is_not_the_offices_to_change(w):
    """A county river flowing through the street: the office reads it but may not change it."""
    river = factories.RiverFactory(region=w.county, name="县管河")
    factories.ReachFactory(river=river, region=w.c2)
    client = _client(w, "office")
    assert client.get(f"/api/v1/rivers/{river.pk}/").status_code == 200
    before = _snapshot(type(river), river.pk)
    assert _json(client, "patch", f"/api/v1/rivers/{river.pk}/", {"name": "x"}).status_code == 403
    assert client.delete(f"/api/v1/rivers/{river.pk}/").status_code == 403
    assert _snapshot(type(river), river.pk) == before


def test_regions_move_only_inside_the_admins_tree(w):
    client = _client(w, "admin")
    before = _snapshot(Region, w.c1.pk)
    response = _json(client, "patch", f"/api/v1/regions/{w.c1.pk}/", {"parent": w.far_street.pk})
    assert response.status_code == 400, response.content
    assert _snapshot(Region, w.c1.pk) == before


def test_chiefs_and_leaders_cannot_read_the_accounts(w):
    """Usernames, e-mail addresses and last logins are the office's, in the API as on the
    workbench (the API used to list them to every role in the region)."""
    account = w.inside.account
    for user_name in ("leader", "chief"):
        client = _client(w, user_name)
        assert client.get("/api/v1/accounts/").status_code == 403
        assert client.get(f"/api/v1/accounts/{account.pk}/").status_code == 403
    assert _client(w, "office").get(f"/api/v1/accounts/{account.pk}/").status_code == 200
