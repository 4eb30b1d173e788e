"""一河一策 (issue #17, point 5): a plan per river for a span of years, tasks with who answers for
them, a due date, a status and a dated trail of progress notes; overdue tasks on the office's
to-do; ``river_plan_open_tasks`` for the annual report's next steps."""

import datetime
import html as html_lib
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from core.exceptions import StateConflict
from rivers.models import RiverPlanTask, TaskStatus
from rivers.selectors import river_plan_open_tasks
from rivers.services_plans import (
    river_plan_create,
    river_plan_task_done,
    river_plan_task_note_add,
    river_plan_task_update,
)

from . import factories
from .conftest import make_account

TODAY = datetime.date(2025, 3, 14)
URL = "/api/v1/river-plans/"


@pytest.fixture
def on_today(monkeypatch, db):
    real = timezone.localdate
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, tz=None: real(value, tz) if value else TODAY
    )
    return TODAY


def _task(title, due, status=TaskStatus.PLANNED, **extra):
    return {"title": title, "due": due, "status": status, "responsible_unit": "区水利局", **extra}


@pytest.fixture
def plans(on_today, office_a, office_b, street_a, street_b):
    """Street A's river: two tasks overdue on 14 March 2025, one done late, one due that very
    day, one due in December; street B's river: one overdue task."""
    river_a = street_a.reaches[0].river
    plan_a = river_plan_create(
        user=office_a,
        river=river_a,
        title="街道1河一河一策（2024—2026年）",
        start_year=2024,
        end_year=2026,
        problems="岸线垃圾堆放；两处生活污水直排口。",
        goals="2025年底前消除直排口。",
        tasks=[
            _task("清理岸线垃圾", datetime.date(2025, 3, 1)),
            _task("截污纳管", datetime.date(2025, 3, 13), TaskStatus.IN_PROGRESS),
            _task("拆除违建", datetime.date(2025, 2, 1), TaskStatus.DONE),
            _task("设置公示牌", datetime.date(2025, 3, 14)),
            _task(
                "生态补水",
                datetime.date(2025, 12, 31),
                responsible_unit="",
                responsible_region=street_a.communities[0],
            ),
        ],
    )
    plan_b = river_plan_create(
        user=office_b,
        river=street_b.reaches[0].river,
        title="街道2河一河一策",
        start_year=2025,
        end_year=2027,
        tasks=[_task("乙街道清淤", datetime.date(2025, 1, 10))],
    )
    return plan_a, plan_b


def _todo(html: str, key: str) -> tuple[int, str]:
    match = re.search(
        rf'<a class="todo[^"]*" id="todo-{key}" href="([^"]+)">\s*<span class="n">(\d+)</span>',
        html,
    )
    assert match, key
    return int(match.group(2)), html_lib.unescape(match.group(1))


# --- the office's to-do ----------------------------------------------------------------------


def test_overdue_plan_tasks_show_on_the_office_todo_with_their_count(client, office_a, plans):
    client.force_login(office_a)
    count, url = _todo(client.get("/").content.decode(), "river_plan_overdue")
    assert count == 2
    listed = client.get(url)
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == 2
    assert [task.title for task in listed.context["page"].object_list] == [
        "清理岸线垃圾",
        "截污纳管",
    ]


def test_another_streets_office_counts_only_its_own_overdue_tasks(client, office_b, plans):
    client.force_login(office_b)
    assert _todo(client.get("/").content.decode(), "river_plan_overdue")[0] == 1


def test_the_county_admin_counts_every_streets_overdue_tasks(client, admin_user, plans):
    client.force_login(admin_user)
    assert _todo(client.get("/").content.decode(), "river_plan_overdue")[0] == 3


def test_a_task_done_leaves_the_todo(client, office_a, plans):
    task = RiverPlanTask.objects.get(title="截污纳管")
    river_plan_task_done(user=office_a, task=task, note="已完成管网接驳")
    client.force_login(office_a)
    assert _todo(client.get("/").content.decode(), "river_plan_overdue")[0] == 1


# --- the selector the annual report's next steps cite ---------------------------------------


def test_open_tasks_of_a_region_for_a_year_soonest_due_first(plans, street_a):
    tasks = river_plan_open_tasks(region=street_a.street, year=2025)
    assert [t.title for t in tasks] == ["清理岸线垃圾", "截污纳管", "设置公示牌", "生态补水"]
    assert list(river_plan_open_tasks(region=street_a.street, year=2024)) == []


def test_open_tasks_overdue_on_a_day_for_a_user(plans, office_b):
    tasks = river_plan_open_tasks(user=office_b, overdue_on=TODAY)
    assert [t.title for t in tasks] == ["乙街道清淤"]


# --- services: rules and the trail -------------------------------------------------------------


def test_marking_done_stamps_completion_and_a_second_time_is_a_conflict(plans, office_a):
    task = RiverPlanTask.objects.get(title="清理岸线垃圾")
    task = river_plan_task_done(user=office_a, task=task)
    assert task.status == "done" and task.completed_at is not None
    with pytest.raises(StateConflict, match="该任务已完成。"):
        river_plan_task_done(user=office_a, task=task)
    # Reopened: no longer completed.
    task = river_plan_task_update(user=office_a, task=task, status=TaskStatus.IN_PROGRESS)
    assert task.completed_at is None


def test_progress_notes_are_a_dated_trail_and_audited(plans, office_a):
    task = RiverPlanTask.objects.get(title="截污纳管")
    river_plan_task_note_add(user=office_a, task=task, text="完成管网设计")
    river_plan_task_note_add(user=office_a, task=task, text="开工建设")
    assert [n.text for n in task.notes.all()] == ["完成管网设计", "开工建设"]
    assert task.progress == "开工建设"
    assert all(n.by == office_a and n.at is not None for n in task.notes.all())
    assert (
        AuditEntry.objects.filter(object_type="rivers.riverplantasknote", user=office_a).count()
        == 2
    )
    with pytest.raises(ValidationError) as error:
        river_plan_task_note_add(user=office_a, task=task, text="  ")
    assert error.value.message_dict == {"text": ["请填写进展情况。"]}


def test_creating_a_plan_audits_the_plan_and_each_task(plans):
    plan_a, _plan_b = plans
    assert AuditEntry.objects.filter(object_type="rivers.riverplan", action="create").count() == 2
    assert AuditEntry.objects.filter(object_type="rivers.riverplantask").count() == 6
    assert plan_a.tasks.count() == 5


# --- the API ---------------------------------------------------------------------------------


def _payload(river, **extra):
    return {
        "river": river.pk,
        "title": "新方案",
        "start_year": 2027,
        "end_year": 2029,
        "problems": "水质不达标",
        "goals": "2029年达到III类",
        **extra,
    }


def test_api_creates_a_plan_with_its_tasks_nested(api, office_a, street_a, plans):
    river = street_a.reaches[0].river
    tasks = [
        {
            "title": "建设污水管网",
            "responsible": {"unit": "区住建局", "region": street_a.communities[1].pk},
            "due": "2027-10-31",
            "progress": "已完成可研",
        },
        {"title": "河道清淤", "responsible": {"unit": "区水利局"}, "due": "2028-04-30"},
    ]
    response = api.as_user(office_a).post(URL, _payload(river, tasks=tasks), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["river_name"] == "街道1河"
    assert body["task_count"] == 2 and body["open_tasks"] == 2 and body["overdue_tasks"] == 0
    first = body["tasks"][0]
    assert first["title"] == "建设污水管网"
    assert first["responsible"] == {
        "region": street_a.communities[1].pk,
        "unit": "区住建局",
        "name": "区住建局、街道1社区2",
    }
    assert first["status"] == "planned" and first["due"] == "2027-10-31"
    assert first["progress"] == "已完成可研"
    assert [note["text"] for note in first["notes"]] == ["已完成可研"]
    assert body["tasks"][1]["progress"] == ""


def test_api_updates_a_task_in_the_plans_payload_and_appends_its_progress(api, office_a, plans):
    plan_a, _ = plans
    task = plan_a.tasks.get(title="截污纳管")
    change = {"tasks": [{"id": task.pk, "status": "done", "progress": "管网已接驳"}]}
    response = api.as_user(office_a).patch(f"{URL}{plan_a.pk}/", change, format="json")
    assert response.status_code == 200, response.content
    row = next(t for t in response.json()["tasks"] if t["id"] == task.pk)
    assert row["status"] == "done" and row["completed_at"] is not None
    assert row["progress"] == "管网已接驳"
    assert row["overdue"] is False
    # Five tasks kept (the ones left out of the payload too), one more done.
    assert response.json()["task_count"] == 5
    assert response.json()["open_tasks"] == 3
    assert response.json()["overdue_tasks"] == 1


def test_api_adds_a_task_to_an_existing_plan(api, office_a, plans):
    plan_a, _ = plans
    change = {
        "tasks": [
            {"title": "增设监测断面", "responsible": {"unit": "生态环境分局"}, "due": "2026-06-30"}
        ]
    }
    response = api.as_user(office_a).patch(f"{URL}{plan_a.pk}/", change, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["task_count"] == 6


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"start_year": 2029, "end_year": 2027},
            {"end_year": ["截止年度不能早于起始年度。"]},
        ),
        (
            {"start_year": 2027, "end_year": 2040},
            {"end_year": ["方案年限不能超过10年。"]},
        ),
        (
            {
                "tasks": [
                    {"title": "清淤", "responsible": {"unit": "区水利局"}, "due": "2031-01-01"}
                ]
            },
            {
                "tasks": [
                    "第1项任务：完成时限（2031-01-01）应在方案年度2027—2029年内，最迟不超过2030年底。"
                ]
            },
        ),
        (
            {"tasks": [{"title": "清淤", "due": "2028-01-01"}]},
            {"tasks": ["第1项任务：请填写责任区域或责任单位。"]},
        ),
        (
            {"tasks": [{"responsible": {"unit": "区水利局"}}]},
            {"tasks": {"0": {"title": ["新增任务须填写此项。"], "due": ["新增任务须填写此项。"]}}},
        ),
        (
            {"start_year": 2026, "end_year": 2028},
            {
                "start_year": [
                    "街道1河在2024—2026年已有方案《街道1河一河一策（2024—2026年）》，年度不能重叠。"
                ]
            },
        ),
    ],
)
def test_api_refuses_bad_plans_in_chinese(api, office_a, street_a, plans, change, errors):
    river = street_a.reaches[0].river
    before = RiverPlanTask.objects.count()
    response = api.as_user(office_a).post(URL, _payload(river, **change), format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert RiverPlanTask.objects.count() == before


def test_api_refuses_a_task_of_another_plan(api, office_a, plans):
    plan_a, plan_b = plans
    other = plan_b.tasks.get()
    change = {"tasks": [{"id": other.pk, "status": "done"}]}
    response = api.as_user(office_a).patch(f"{URL}{plan_a.pk}/", change, format="json")
    assert response.status_code == 400
    assert response.json() == {"tasks": [f"第1项任务：任务 {other.pk} 不属于该方案。"]}
    other.refresh_from_db()
    assert other.status == "planned"


def test_api_narrowing_the_years_keeps_every_task_inside(api, office_a, plans):
    plan_a, _ = plans
    response = api.as_user(office_a).patch(
        f"{URL}{plan_a.pk}/", {"start_year": 2026, "end_year": 2026}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["end_year"][0].startswith("完成时限（2025-")


def test_api_scope_another_street_sees_nothing_of_the_plan(api, office_b, plans):
    plan_a, plan_b = plans
    client = api.as_user(office_b)
    assert client.get(f"{URL}{plan_a.pk}/").status_code == 404
    assert client.patch(f"{URL}{plan_a.pk}/", {"title": "改"}, format="json").status_code == 404
    ids = [row["id"] for row in client.get(URL).json()["results"]]
    assert ids == [plan_b.pk]


def test_api_readers_of_the_region_read_and_only_the_office_writes(api, street_a, plans):
    plan_a, _ = plans
    leader = make_account(Role.LEADER, street_a.street)
    client = api.as_user(leader)
    assert client.get(f"{URL}{plan_a.pk}/").status_code == 200
    assert client.patch(f"{URL}{plan_a.pk}/", {"title": "改"}, format="json").status_code == 403
    chief = make_account(Role.CHIEF, street_a.communities[0], chief=street_a.chiefs[0])
    assert api.as_user(chief).get(URL).status_code == 403


def test_api_a_river_flowing_through_is_read_but_planned_only_by_its_manager(
    api, county, office_a, admin_user, street_a, on_today
):
    """A county river with a reach in street A: street A's office reads its plan, the county
    writes it."""
    river = factories.RiverFactory(region=county, name="县管河")
    factories.ReachFactory(river=river, region=street_a.communities[0])
    client = api.as_user(office_a)
    response = client.post(URL, _payload(river), format="json")
    assert response.status_code == 400
    assert response.json() == {"river": ["只能为本区域管理的河流制定方案。"]}
    created = api.as_user(admin_user).post(URL, _payload(river), format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    client = api.as_user(office_a)
    assert client.get(f"{URL}{pk}/").status_code == 200
    assert client.patch(f"{URL}{pk}/", {"title": "改"}, format="json").status_code == 403


def test_api_filters_by_river_year_and_task_status(api, admin_user, street_a, plans):
    plan_a, plan_b = plans
    client = api.as_user(admin_user)

    def ids(**params):
        return sorted(row["id"] for row in client.get(URL, params).json()["results"])

    assert ids(river=street_a.reaches[0].river.pk) == [plan_a.pk]
    assert ids(year=2024) == [plan_a.pk]
    assert ids(year=2027) == [plan_b.pk]
    assert ids(year=2025) == sorted([plan_a.pk, plan_b.pk])
    assert ids(status="done") == [plan_a.pk]
    assert ids(status="in_progress") == [plan_a.pk]
    assert ids(overdue="true") == sorted([plan_a.pk, plan_b.pk])
    assert ids(region=street_a.street.pk) == [plan_a.pk]


def test_api_list_reads_in_bounded_queries_however_many_plans(
    api, admin_user, county, on_today, django_assert_max_num_queries
):
    for _ in range(8):
        street = factories.StreetFactory(parent=county)
        plan = factories.RiverPlanFactory(river__region=street)
        for m in range(4):
            task = factories.RiverPlanTaskFactory(plan=plan, responsible_region=street)
            task.notes.create(text=f"进展{m}", by=admin_user)
    client = api.as_user(admin_user)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.json()["count"] == 8
    assert all(len(row["tasks"]) == 4 for row in response.json()["results"])


# --- the office's pages ---------------------------------------------------------------------


def test_plan_list_page_reads_in_bounded_queries(
    client, admin_user, county, on_today, django_assert_max_num_queries
):
    for _ in range(10):
        plan = factories.RiverPlanFactory(river__region=factories.StreetFactory(parent=county))
        factories.RiverPlanTaskFactory.create_batch(3, plan=plan)
    client.force_login(admin_user)
    with django_assert_max_num_queries(14):
        response = client.get("/workbench/river-plans/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 10


def test_plan_page_shows_problems_goals_and_the_task_table(client, office_a, plans):
    plan_a, _ = plans
    client.force_login(office_a)
    html = client.get(f"/workbench/river-plans/{plan_a.pk}/").content.decode()
    assert "岸线垃圾堆放；两处生活污水直排口。" in html
    assert "2025年底前消除直排口。" in html
    assert html.count('class="overdue"') == 2
    assert "街道1社区1" in html  # 生态补水's responsible region
    assert "新增任务" in html


def test_the_rivers_page_links_its_plan(client, office_a, street_a, plans):
    plan_a, _ = plans
    client.force_login(office_a)
    html = client.get(f"/workbench/rivers/{street_a.reaches[0].river.pk}/").content.decode()
    assert f'href="/workbench/river-plans/{plan_a.pk}/"' in html


def test_office_changes_a_tasks_status_and_records_progress_on_the_page(client, office_a, plans):
    plan_a, _ = plans
    task = plan_a.tasks.get(title="清理岸线垃圾")
    client.force_login(office_a)
    response = client.post(
        f"/workbench/river-plans/{plan_a.pk}/tasks/{task.pk}/status/", {"status": "in_progress"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/river-plans/{plan_a.pk}/#task-{task.pk}"
    client.post(f"/workbench/river-plans/{plan_a.pk}/tasks/{task.pk}/note/", {"text": "已清运12吨"})
    task.refresh_from_db()
    assert task.status == "in_progress"
    assert task.progress == "已清运12吨"
    html = client.get(f"/workbench/river-plans/{plan_a.pk}/").content.decode()
    assert "已清运12吨" in html


def test_adding_a_task_outside_the_years_shows_the_message_on_the_form(client, office_a, plans):
    plan_a, _ = plans
    client.force_login(office_a)
    response = client.post(
        f"/workbench/river-plans/{plan_a.pk}/tasks/new/",
        {
            "title": "远期任务",
            "responsible_unit": "区水利局",
            "due": "2030-01-01",
            "status": "planned",
        },
    )
    assert response.status_code == 400
    assert "完成时限（2030-01-01）应在方案年度2024—2026年内，最迟不超过2027年底。" in (
        response.content.decode()
    )
    response = client.post(
        f"/workbench/river-plans/{plan_a.pk}/tasks/new/",
        {
            "title": "近期任务",
            "responsible_unit": "区水利局",
            "due": "2026-01-01",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    assert plan_a.tasks.filter(title="近期任务").exists()


def test_a_leader_reads_the_plan_page_but_cannot_change_a_task(client, street_a, plans):
    plan_a, _ = plans
    task = plan_a.tasks.get(title="清理岸线垃圾")
    client.force_login(make_account(Role.LEADER, street_a.street))
    html = client.get(f"/workbench/river-plans/{plan_a.pk}/").content.decode()
    assert "清理岸线垃圾" in html and "更新状态" not in html
    response = client.post(
        f"/workbench/river-plans/{plan_a.pk}/tasks/{task.pk}/status/", {"status": "done"}
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "planned"


def test_another_streets_office_finds_no_plan_page(client, office_b, plans):
    plan_a, _ = plans
    client.force_login(office_b)
    assert client.get(f"/workbench/river-plans/{plan_a.pk}/").status_code == 404
    task = plan_a.tasks.first()
    response = client.post(
        f"/workbench/river-plans/{plan_a.pk}/tasks/{task.pk}/note/", {"text": "x"}
    )
    assert response.status_code == 404


def test_plans_have_no_spreadsheet_and_their_list_page_offers_none(api, client, office_a, plans):
    """A plan's ledger is to be printed with the river file, not as a row of counts."""
    response = api.as_user(office_a).get(URL, {"format": "xlsx"})
    assert response.status_code == 404
    client.force_login(office_a)
    html = client.get("/workbench/river-plans/").content.decode()
    assert "format=xlsx" not in html
    assert "format=xlsx" in client.get("/workbench/rivers/").content.decode()
