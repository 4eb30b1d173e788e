"""The audit log: logins, refusals and every change to issues, patrols and the roster, with who,
when, where from and what changed; nobody can change it; no password or token reaches a log."""

import datetime
import json
import logging

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from issues import services as issue_services
from issues.models import Issue, IssueStatus, SupervisionOrder
from patrols.models import Patrol
from rivers.ledger import roster_import
from rivers.models import Chief, ChiefRole

from .conftest import make_account
from .test_issues import jpeg, make_issue
from .test_ledger import good_rows, ledger_file
from .test_patrols import _payload as patrol_payload

PASSWORD = "Audit-Pass-2024-Secret!"
AGENT = "AuditTest/1.0 (phone)"


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("pk"))


def only(**filters) -> AuditEntry:
    found = entries(**filters)
    assert len(found) == 1, [(e.action, e.object_type, e.object_id) for e in found]
    return found[0]


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


# logins


def test_login_failed_login_and_logout_are_recorded_with_address_and_client(office_a):
    with_password(office_a)
    client = Client(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT=AGENT)
    bad = client.post("/accounts/login/", {"username": office_a.username, "password": "wrong"})
    assert bad.status_code == 200
    failed = only(action="login_failed")
    assert failed.user is None and failed.username == office_a.username
    assert failed.ip == "10.1.2.3" and failed.user_agent == AGENT
    assert failed.path == "/accounts/login/" and failed.method == "POST"

    good = client.post("/accounts/login/", {"username": office_a.username, "password": PASSWORD})
    assert good.status_code == 302
    login = only(action="login")
    assert login.user == office_a and login.ip == "10.1.2.3"

    client.post("/accounts/logout/")
    logout = only(action="logout")
    assert logout.user == office_a and logout.username == office_a.username


def test_a_failed_token_login_is_recorded(api, office_a):
    with_password(office_a)
    response = api.post(
        "/api/v1/auth/token/",
        {"username": office_a.username, "password": "not-the-password"},
        format="json",
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 400
    failed = only(action="login_failed")
    assert failed.username == office_a.username and failed.ip == "10.9.9.9"


def test_the_address_comes_from_the_proxy_header_only_when_configured(settings, office_a):
    with_password(office_a)
    form = {"username": office_a.username, "password": "wrong"}
    spoofing = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.TRUSTED_PROXIES = []
    spoofing.post("/accounts/login/", form)
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").post(
        "/accounts/login/", form
    )
    assert [e.ip for e in entries(action="login_failed")] == ["10.0.0.5", "203.0.113.7"]


# refusals


def test_a_refused_api_call_is_recorded_once(api, street_a):
    leader = make_account(Role.LEADER, street_a.street)
    response = api.as_user(leader).post("/api/v1/chiefs/", {}, format="json")
    assert response.status_code == 403
    denied = only(action="denied")
    assert denied.user == leader
    assert denied.path == "/api/v1/chiefs/" and denied.method == "POST"
    assert denied.detail["reason"]


def test_a_refused_page_and_a_csrf_refusal_are_recorded(client, street_a, office_a):
    leader = make_account(Role.LEADER, street_a.street)
    client.force_login(leader)
    assert client.get("/issues/new/").status_code == 403
    page = only(action="denied")
    assert page.user == leader and page.path == "/issues/new/" and page.method == "GET"

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(office_a)
    assert strict.post("/issues/new/", {"title": "x"}).status_code == 403
    csrf = entries(action="denied")[-1]
    assert csrf.user == office_a and csrf.method == "POST"


# issues


def test_reporting_editing_and_moving_an_issue_are_recorded_with_old_and_new(
    api, settings, tmp_path, office_a, chief_a1, street_a
):
    settings.MEDIA_ROOT = tmp_path
    reach = street_a.reaches[0]
    created = api.as_user(office_a).post(
        "/api/v1/issues/",
        {"title": "河面漂浮物", "category": "dumping", "source": "office", "reach": reach.pk},
        format="json",
        HTTP_USER_AGENT=AGENT,
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    entry = only(action="create", object_type="issues.issue")
    assert entry.user == office_a and entry.object_id == str(pk)
    assert entry.changes["title"] == [None, "河面漂浮物"]
    assert entry.changes["status"] == [None, IssueStatus.REPORTED]
    assert entry.user_agent == AGENT and entry.ip == "127.0.0.1"

    edited = api.patch(f"/api/v1/issues/{pk}/", {"title": "河面大量漂浮物"}, format="json")
    assert edited.status_code == 200
    update = only(action="update", object_type="issues.issue")
    assert update.changes == {"title": ["河面漂浮物", "河面大量漂浮物"]}
    assert update.method == "PATCH" and update.path == f"/api/v1/issues/{pk}/"

    deadline = timezone.localdate() + datetime.timedelta(days=9)
    assigned = api.post(
        f"/api/v1/issues/{pk}/actions/",
        {
            "action": "assign",
            "assignee": {"chief": chief_a1.chief_id},
            "deadline": deadline.isoformat(),
            "comment": "请三日内清理",
        },
        format="json",
    )
    assert assigned.status_code == 200, assigned.json()
    assign = only(action="assign")
    assert assign.changes["status"] == [IssueStatus.REPORTED, IssueStatus.ASSIGNED]
    assert assign.changes["assignee_chief"] == [None, chief_a1.chief_id]
    assert assign.changes["deadline"] == [None, deadline.isoformat()]
    assert assign.detail == {"comment": "请三日内清理"}

    photo = api.as_user(chief_a1).post(
        f"/api/v1/issues/{pk}/photos/", {"image": jpeg(), "stage": "after"}, format="multipart"
    )
    assert photo.status_code == 201
    added = only(action="photo_add")
    assert added.user == chief_a1 and added.object_id == str(pk)
    assert added.detail["stage"] == "after" and added.detail["photo"] == photo.json()["id"]

    later = deadline + datetime.timedelta(days=5)
    escalated = api.as_user(office_a).post(
        f"/api/v1/issues/{pk}/actions/",
        {"action": "escalate", "deadline": later.isoformat(), "comment": "督办"},
        format="json",
    )
    assert escalated.status_code == 200, escalated.json()
    escalate = only(action="escalate")
    assert escalate.changes["supervised"] == [False, True]
    assert escalate.changes["deadline"] == [deadline.isoformat(), later.isoformat()]
    order = SupervisionOrder.objects.get(issue_id=pk)
    order_entry = only(object_type="issues.supervisionorder")
    assert order_entry.action == "create" and order_entry.object_id == str(order.pk)
    assert order_entry.changes["number"] == [None, order.number]


def test_a_refused_workflow_action_leaves_no_change_entry(api, chief_a1, street_a):
    issue = make_issue(street_a)
    response = api.as_user(chief_a1).post(
        f"/api/v1/issues/{issue.pk}/actions/", {"action": "accept"}, format="json"
    )
    assert response.status_code == 403
    assert [e.action for e in entries(object_type="issues.issue")] == ["create"]
    assert only(action="denied").user == chief_a1


def test_bulk_assign_records_each_issue(client, office_a, street_a):
    first, second = make_issue(street_a), make_issue(street_a)
    chief = street_a.chiefs[1]
    client.force_login(office_a)
    response = client.post(
        "/issues/?status=reported",
        {"issue": [first.pk, second.pk], "bulk-assignee_chief": chief.pk},
        REMOTE_ADDR="10.3.3.3",
    )
    assert response.status_code == 302
    assigns = entries(action="assign")
    assert sorted(int(e.object_id) for e in assigns) == sorted([first.pk, second.pk])
    for entry in assigns:
        assert entry.user == office_a and entry.ip == "10.3.3.3" and entry.path == "/issues/"
        assert entry.changes["assignee_chief"] == [None, chief.pk]


def test_the_morning_jobs_supervision_is_recorded_as_the_system(street_a):
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    overdue = timezone.localdate() - datetime.timedelta(days=30)
    Issue.objects.filter(pk=issue.pk).update(
        reported_at=timezone.now() - datetime.timedelta(days=40), deadline=overdue
    )
    assert issue_services.issue_auto_escalate(issue_id=issue.pk, overdue_deadline=overdue)
    escalate = only(action="escalate")
    assert escalate.user is None and escalate.username == ""
    assert escalate.detail["automatic"] is True
    assert escalate.changes["supervised"] == [False, True]
    assert only(object_type="issues.supervisionorder").user is None


# patrols


def test_a_filed_patrol_is_recorded_once_even_when_sent_twice(api, chief_a1, street_a):
    payload = patrol_payload(street_a.reaches[0])
    client = api.as_user(chief_a1)
    assert client.post("/api/v1/patrols/", payload, format="json").status_code == 201
    assert client.post("/api/v1/patrols/", payload, format="json").status_code == 200
    entry = only(object_type="patrols.patrol")
    patrol = Patrol.objects.get()
    assert entry.action == "create" and entry.object_id == str(patrol.pk)
    assert entry.user == chief_a1
    assert entry.changes["uuid"] == [None, payload["uuid"]]
    assert entry.changes["chief"] == [None, chief_a1.chief_id]
    assert "track" not in entry.changes and "track_raw" not in entry.changes
    assert entry.detail["points"] == len(payload["track"]["coordinates"])


def test_patrol_rule_changes_are_recorded(api, admin_user):
    rule = api.as_user(admin_user).get("/api/v1/patrol-rules/").json()["results"][0]
    response = api.patch(
        f"/api/v1/patrol-rules/{rule['id']}/", {"min_count": rule["min_count"] + 1}, format="json"
    )
    assert response.status_code == 200
    # Effective-dated: the rule in force ends yesterday, a new row carries the change from today.
    today = timezone.localdate()
    ended, started = AuditEntry.objects.filter(object_type="patrols.patrolrule").order_by("pk")
    assert (ended.action, ended.object_id) == ("update", str(rule["id"]))
    assert ended.changes == {"valid_to": [None, str(today - datetime.timedelta(days=1))]}
    assert (started.action, started.object_id) == ("create", str(response.json()["id"]))
    assert started.changes["min_count"] == [None, rule["min_count"] + 1]
    assert started.changes["valid_from"] == [None, str(today)]


# the roster


def test_every_roster_change_is_recorded(api, office_a, street_a):
    reach_1 = street_a.reaches[0]
    client = api.as_user(office_a)
    made = client.post(
        "/api/v1/chiefs/",
        {
            "name": "钱七",
            "phone": "13800001234",
            "role": ChiefRole.COMMUNITY_CHIEF,
            "region": reach_1.region_id,
            "reaches": [reach_1.pk],
            "appointed_on": "2024-01-01",
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    create = only(action="create", object_type="rivers.chief")
    assert create.changes["name"] == [None, "钱七"] and create.changes["reaches"] == [
        None,
        [reach_1.pk],
    ]

    assert (
        client.patch(
            f"/api/v1/chiefs/{pk}/", {"title": "主任", "reaches": [reach_1.pk]}, format="json"
        ).status_code
        == 200
    )
    update = only(action="update", object_type="rivers.chief")
    assert update.changes == {"title": ["", "主任"]}

    replaced = client.post(
        f"/api/v1/chiefs/{pk}/replace/",
        {"on": "2024-07-01", "name": "孙八", "phone": "13800005678"},
        format="json",
    )
    assert replaced.status_code == 201
    successor = replaced.json()["id"]
    relieve = only(action="relieve")
    assert relieve.user == office_a and relieve.object_id == str(pk)
    assert relieve.changes == {"relieved_on": [None, "2024-06-30"]}
    replace = only(action="replace")
    assert replace.detail["successor"] == successor and replace.user == office_a
    assert only(action="create", object_id=str(successor)).changes["name"] == [None, "孙八"]

    assert client.delete(f"/api/v1/chiefs/{successor}/").status_code == 204
    deleted = only(action="delete")
    assert deleted.object_type == "rivers.chief" and deleted.object_id == str(successor)
    assert deleted.object_repr and deleted.changes["name"] == ["孙八", None]
    assert not Chief.objects.filter(pk=successor).exists()


def test_a_ledger_import_records_the_whole_file_and_each_chief(office_a, street_a):
    result = roster_import(user=office_a, file=ledger_file(good_rows()))
    assert result.ok, result.row_errors
    bulk = only(action="bulk_import")
    assert bulk.user == office_a
    assert bulk.detail["rows"] == len(good_rows())
    assert bulk.detail["file"] == "河长名录.xlsx"
    new_chiefs = sorted(
        Chief.objects.filter(name__in=["张三", "李四", "王五", "赵六"]).values_list("pk", flat=True)
    )
    assert sorted(bulk.detail["created"]["chiefs"]) == new_chiefs
    assert len(bulk.detail["created"]["reaches"]) == result.created["reaches"]
    per_chief = entries(action="create", object_type="rivers.chief")
    assert sorted(int(e.object_id) for e in per_chief) == new_chiefs


def test_a_refused_ledger_import_records_nothing_but_the_refusal(office_b, street_a, street_b):
    result = roster_import(user=office_b, file=ledger_file(good_rows()))
    assert not result.ok
    assert not entries(action="bulk_import") and not entries(object_type="rivers.chief")


# accounts


def test_account_changes_are_recorded_and_a_password_change_only_as_changed(
    api, admin_user, street_a
):
    client = api.as_user(admin_user)
    made = client.post(
        "/api/v1/accounts/",
        {
            "username": "new-office",
            "password": PASSWORD,
            "role": "office",
            "region": street_a.street.pk,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    create = only(action="create", object_type="accounts.user")
    assert create.changes["username"] == [None, "new-office"]
    assert "password" not in create.changes
    client.patch(
        f"/api/v1/accounts/{made.json()['id']}/", {"password": PASSWORD + "x"}, format="json"
    )
    update = only(action="update", object_type="accounts.user")
    assert update.changes == {"password": ["***", "***"]}


# reading the log; nobody writes it


def test_admins_read_and_filter_the_log_and_others_may_not(api, admin_user, office_a, street_a):
    issue = make_issue(street_a)
    issue_services.issue_act(
        issue_id=issue.pk, user=office_a, action="assign", assignee={"unit": "城管局"}
    )
    client = api.as_user(admin_user)
    every = client.get("/api/v1/audit-entries/").json()
    assert every["count"] == AuditEntry.objects.count() >= 2
    assigned = client.get("/api/v1/audit-entries/", {"action": "assign"}).json()["results"]
    assert [row["object_id"] for row in assigned] == [str(issue.pk)]
    assert assigned[0]["username"] == office_a.username
    by_object = client.get(
        "/api/v1/audit-entries/", {"object_type": "issues.issue", "object_id": issue.pk}
    ).json()["results"]
    assert sorted(row["action"] for row in by_object) == ["assign", "create"]
    by_user = client.get("/api/v1/audit-entries/", {"user": office_a.pk}).json()["results"]
    assert {row["action"] for row in by_user} == {"assign"}
    today = timezone.localdate()
    assert (
        client.get(
            "/api/v1/audit-entries/", {"date_from": today + datetime.timedelta(days=1)}
        ).json()["count"]
        == 0
    )
    assert (
        client.get("/api/v1/audit-entries/", {"date_from": today, "date_to": today}).json()["count"]
        == every["count"]
    )

    assert api.as_user(office_a).get("/api/v1/audit-entries/").status_code == 403


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_nobody_changes_an_entry_through_the_api(api, admin_user, office_a, street_a, method):
    make_issue(street_a)
    entry = AuditEntry.objects.get()
    before = {f.name: getattr(entry, f.name) for f in AuditEntry._meta.fields}
    url = f"/api/v1/audit-entries/{entry.pk}/"
    assert (
        getattr(api.as_user(admin_user), method)(url, {"action": "x"}, format="json").status_code
        == 405
    )
    assert (
        getattr(api.as_user(office_a), method)(url, {"action": "x"}, format="json").status_code
        == 403
    )
    assert (
        api.as_user(admin_user).post("/api/v1/audit-entries/", {}, format="json").status_code == 405
    )
    entry.refresh_from_db()
    assert {f.name: getattr(entry, f.name) for f in AuditEntry._meta.fields} == before


def test_the_admin_shows_the_log_read_only_even_to_superusers(client, county):
    root = make_account(Role.ADMIN, county)
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    entry = AuditEntry.objects.filter(action="login").get()
    model_admin = admin_site._registry[AuditEntry]
    request = type("R", (), {"user": root})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert (
        client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_an_entry(street_a, office_a):
    make_issue(street_a)
    entry = AuditEntry.objects.get()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET user_id = NULL, action = 'x'")
    assert AuditEntry.objects.get().action == "create"


def test_deleting_an_account_keeps_its_entries_and_name(api, office_a, street_a):
    issue = make_issue(street_a)
    issue_services.issue_act(
        issue_id=issue.pk, user=office_a, action="assign", assignee={"unit": "城管局"}
    )
    name = office_a.username
    office_a.delete()
    entry = AuditEntry.objects.get(action="assign")
    assert entry.user is None and entry.username == name


# no secret in any log


@pytest.fixture
def every_log_line():
    """Everything any logger says at DEBUG, propagating or not, as text."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is logging.getLogger() or not logger.propagate:
            logger.addHandler(handler)
    try:
        yield lambda: "\n".join(
            f"{r.name} {r.getMessage()} {r.args!r} {r.__dict__!r}" for r in records
        )
    finally:
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled
            logger.removeHandler(handler)


def test_no_password_or_token_reaches_a_log_or_the_audit_table(
    every_log_line, api, admin_user, office_a, street_a
):
    with_password(office_a)
    client = Client(REMOTE_ADDR="10.7.7.7")
    client.post(
        "/accounts/login/", {"username": office_a.username, "password": "Wrong-" + PASSWORD}
    )
    client.post("/accounts/login/", {"username": office_a.username, "password": PASSWORD})

    from rest_framework.test import APIClient

    anonymous = APIClient()
    anonymous.post(
        "/api/v1/auth/token/",
        {"username": office_a.username, "password": "Bad-" + PASSWORD},
        format="json",
    )
    token = anonymous.post(
        "/api/v1/auth/token/", {"username": office_a.username, "password": PASSWORD}, format="json"
    ).json()["token"]
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert with_token.get("/api/v1/issues/").status_code == 200
    assert with_token.delete("/api/v1/auth/token/").status_code == 204
    assert with_token.get("/api/v1/issues/").status_code == 401
    revoked = only(action="token_revoked")
    assert revoked.user == office_a and revoked.path == "/api/v1/auth/token/"
    assert revoked.method == "DELETE"

    admin = api.as_user(admin_user)
    new_password = "Brand-New-" + PASSWORD
    made = admin.post(
        "/api/v1/accounts/",
        {
            "username": "audited",
            "password": new_password,
            "role": "leader",
            "region": street_a.street.pk,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    changed_password = "Changed-" + PASSWORD
    assert (
        admin.patch(
            f"/api/v1/accounts/{made.json()['id']}/", {"password": changed_password}, format="json"
        ).status_code
        == 200
    )
    # Refused (short and common); not digits, which a record's id could spell in the table.
    weak = admin.patch(
        f"/api/v1/accounts/{made.json()['id']}/", {"password": "qwerty12"}, format="json"
    )
    assert weak.status_code == 400

    logs = every_log_line()
    table = json.dumps(list(AuditEntry.objects.values()), ensure_ascii=False, default=str)
    assert {"login", "login_failed", "create", "update"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    assert "10.7.7.7" in table  # the table was read, and holds what it should
    for secret in (
        PASSWORD,
        "Wrong-" + PASSWORD,
        "Bad-" + PASSWORD,
        new_password,
        changed_password,
        token,
    ):
        assert secret not in logs
        assert secret not in table
    assert "qwerty12" not in logs
    assert "qwerty12" not in table
