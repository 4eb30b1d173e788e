"""At a county's size: no page lists the roster or the regions whole (searchable pickers ask the
API instead), lists read their default order off an index and count at most 10,000 rows, the
pages' queries stay a handful whatever the rows, and ``stats/`` reads the figures the rollups
hold from them, equal to the live count (a hand-built street, its figures written by hand)."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from accounts.models import Role
from core.pagination import CappedPaginator
from issues.models import Issue
from reports import rollups
from reports.models import TreeMonth
from reports.statistics import ROLLUP_FIGURES, region_statistics
from rivers.models import Chief, ChiefRole

from . import factories
from .conftest import make_account
from .test_patrols import make_patrol

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
OPTION = re.compile(r"<option\b")


def _options(html: str) -> int:
    return len(OPTION.findall(html))


def _crowd(street, n_chiefs=50, n_communities=10):
    """A street grown to county-like lists: more communities, reaches and chiefs."""
    extra = []
    for i in range(n_communities):
        community = factories.CommunityFactory(
            parent=street.street, name=f"新社区{i}", code=f"{street.street.code}9{i:02d}"
        )
        reach = factories.ReachFactory(river=street.reaches[0].river, region=community)
        extra.append((community, reach))
    chiefs = [
        factories.ChiefFactory(
            name=f"众河长{i:02d}",
            region=extra[i % n_communities][0],
            reaches=[extra[i % n_communities][1]],
        )
        for i in range(n_chiefs)
    ]
    return chiefs


# --- pickers instead of lists ------------------------------------------------------------------


def test_the_issue_list_renders_no_option_per_chief_or_community(client, office_a, street_a):
    client.force_login(office_a)
    before = client.get("/issues/").content.decode()
    chiefs = _crowd(street_a)
    after = client.get("/issues/").content.decode()
    # 50 chiefs and 10 communities more: not one option more (status, category... only).
    assert _options(after) == _options(before)
    assert not any(chief.name in after for chief in chiefs)
    assert "新社区" not in after
    # The filter and the bulk-assign form search the chiefs and communities instead.
    assert 'data-picker-url="/api/v1/chiefs/"' in after
    assert 'data-picker-params="level=community"' in after


def test_the_workbench_lists_and_forms_render_no_option_per_chief_reach_or_region(
    client, office_a, street_a
):
    client.force_login(office_a)
    chiefs = _crowd(street_a)
    for path in ("/workbench/patrols/", "/workbench/signs/", "/workbench/chiefs/new/"):
        html = client.get(path).content.decode()
        assert not any(chief.name in html for chief in chiefs), path
        assert "新社区" not in html, path
        assert _options(html) < 40, (path, _options(html))
        assert "data-picker-url=" in html, path
    form = client.get("/workbench/chiefs/new/").content.decode()
    assert (
        'data-picker-url="/api/v1/reaches/" data-picker-params="" data-picker-multiple="true"'
        in form
    )


def test_the_picker_search_finds_only_chiefs_of_the_readers_region(
    client, office_a, street_a, street_b
):
    mine = factories.ChiefFactory(name="本街河长", region=street_a.communities[0])
    factories.ChiefFactory(name="远方河长", region=street_b.communities[0])
    client.force_login(office_a)
    found = client.get("/api/v1/chiefs/", {"search": "河长", "page_size": 20}).json()
    names = {row["name"] for row in found["results"]}
    assert "本街河长" in names
    assert "远方河长" not in names
    assert client.get("/api/v1/chiefs/", {"search": "远方"}).json()["count"] == 0
    regions = client.get("/api/v1/regions/", {"search": "街道2"}).json()
    assert regions["count"] == 0
    assert mine.pk in {row["id"] for row in found["results"]}


def test_a_chosen_chief_keeps_its_label_and_filters_the_issue_list(client, office_a, street_a):
    chief = factories.ChiefFactory(name="本街河长", region=street_a.communities[0])
    theirs = factories.IssueFactory(reach=street_a.reaches[0], assignee_chief=chief, title="甲")
    other = factories.IssueFactory(reach=street_a.reaches[1], title="乙")
    client.force_login(office_a)
    html = client.get("/issues/", {"assignee_chief": chief.pk}).content.decode()
    assert f'value="{chief.pk}"' in html
    assert f'data-id="{chief.pk}">本街河长（社区级河长）</span>' in html
    assert f"/issues/{theirs.pk}/" in html
    assert f"/issues/{other.pk}/" not in html


def test_a_chief_of_another_street_typed_into_the_picker_is_refused(
    client, office_a, street_a, street_b
):
    stranger = factories.ChiefFactory(name="远方河长", region=street_b.communities[0])
    factories.IssueFactory(reach=street_b.reaches[0], assignee_chief=stranger, title="远方问题")
    client.force_login(office_a)
    html = client.get("/issues/", {"assignee_chief": stranger.pk}).content.decode()
    assert "远方河长" not in html
    assert "远方问题" not in html
    assert "field-errors" in html


def test_a_chiefs_reaches_come_from_the_picker_as_one_list_of_ids(client, office_a, street_a):
    client.force_login(office_a)
    response = client.post(
        "/workbench/chiefs/new/",
        {
            "name": "新河长",
            "phone": "13800001111",
            "role": ChiefRole.COMMUNITY_CHIEF,
            "title": "书记",
            "region": street_a.street.pk,
            "reaches": f"{street_a.reaches[0].pk},{street_a.reaches[1].pk}",
            "appointed_on": "2025-01-01",
        },
    )
    assert response.status_code == 302, re.findall(r"<li>[^<]*</li>", response.content.decode())
    chief = Chief.objects.get(name="新河长")
    assert set(chief.reaches.values_list("pk", flat=True)) == {r.pk for r in street_a.reaches}
    # Its edit form shows the two reaches by name, and their ids in the one box.
    html = client.get(f"/workbench/chiefs/{chief.pk}/edit/").content.decode()
    assert f'value="{street_a.reaches[0].pk},{street_a.reaches[1].pk}"' in html
    assert f">{street_a.reaches[1]}</span>" in html


# --- queries and counts ------------------------------------------------------------------------


@pytest.fixture
def busy_street(street_a):
    """40 patrols and 40 issues: a page that asked per row would show it."""
    chief = street_a.chiefs[0]
    for day in range(1, 41):
        make_patrol(chief, street_a.reaches[0], D(2025, 1, 1) + datetime.timedelta(days=day))
        factories.IssueFactory(reach=street_a.reaches[day % 2], assignee_chief=chief)
    return street_a


@pytest.mark.parametrize(
    ("path", "most"),
    [
        ("/api/v1/patrols/", 7),
        ("/api/v1/issues/", 6),
        ("/workbench/patrols/", 8),
        ("/issues/", 7),
        ("/", 13),
    ],
)
def test_the_list_pages_ask_a_handful_of_queries_whatever_the_rows(
    client, office_a, busy_street, django_assert_max_num_queries, path, most
):
    client.force_login(office_a)
    client.get(path)  # sessions, caches and the like warmed once
    with django_assert_max_num_queries(most):
        response = client.get(path)
    assert response.status_code == 200


def test_a_count_past_the_cap_says_so_and_every_page_still_opens(
    client, office_a, street_a, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    issues = [factories.IssueFactory(reach=street_a.reaches[0]) for _ in range(5)]
    client.force_login(office_a)
    first = client.get("/api/v1/issues/", {"page_size": 2}).json()
    assert first["count"] == 3
    assert first["count_capped"] is True
    assert first["next"] is not None
    last = client.get("/api/v1/issues/", {"page_size": 2, "page": 3}).json()
    assert [row["id"] for row in last["results"]] == [issues[0].pk]  # the oldest, last
    assert last["next"] is None
    assert client.get("/api/v1/issues/", {"page_size": 2, "page": 4}).status_code == 404
    exact = client.get("/api/v1/issues/", {"page_size": 2, "status": "closed"}).json()
    assert exact["count"] == 0
    assert "count_capped" not in exact
    import issues.views_web

    monkeypatch.setattr(issues.views_web, "PAGE_SIZE", 2)
    html = client.get("/issues/").content.decode()
    assert "共 3 条以上" in html
    assert "末页" not in html


@pytest.mark.parametrize(
    ("table", "name", "columns"),
    [
        ("patrols_patrol", "patrol_started_desc", ["started_at", "id"]),
        ("issues_issue", "issue_reported_desc", ["reported_at", "id"]),
        ("audit_auditentry", "audit_at_desc", ["at", "id"]),
    ],
)
def test_the_migrations_index_each_lists_default_order(db, table, name, columns):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert constraints[name]["index"] is True
    assert constraints[name]["columns"] == columns
    assert constraints[name]["orders"] == ["DESC", "DESC"]


# --- stats/ from the rollups -------------------------------------------------------------------


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def rolled_world(street_a, street_b):
    """Street 1 in 2025, its figures by hand:
    - 甲 (社区1) patrols validly on 3, 10, 17, 24 and 31 March; 乙 (社区2) on 3 and 17 March,
      and once invalidly on 10 March: March has 7 valid patrols and 1 invalid;
    - issues: A (dumping) found 5 March, closed 2 April; B (garbage) found 6 March, still open;
      C (dumping) found 7 March, voided; D (dumping) found 10 February, closed 12 March.
    Street 2 has a patrol and an issue in March that street 1 never counts. The rollups are
    rebuilt for the year, as the nightly job does."""
    jia, yi = street_a.chiefs
    r1, r2 = street_a.reaches
    for day in (3, 10, 17, 24, 31):
        make_patrol(jia, r1, D(2025, 3, day))
    for day in (3, 17):
        make_patrol(yi, r2, D(2025, 3, day))
    make_patrol(yi, r2, D(2025, 3, 10), valid=False)
    make_patrol(street_b.chiefs[0], street_b.reaches[0], D(2025, 3, 5))

    def issue(reach, category, found, status="reported", closed=None):
        return factories.IssueFactory(
            reach=reach,
            category=category,
            status=status,
            reported_at=_at(found),
            closed_at=_at(closed, 15) if closed else None,
        )

    issue(r1, "dumping", D(2025, 3, 5), "closed", D(2025, 4, 2))
    issue(r2, "garbage", D(2025, 3, 6))
    issue(r1, "dumping", D(2025, 3, 7), "voided")
    issue(r2, "dumping", D(2025, 2, 10), "closed", D(2025, 3, 12))
    issue(street_b.reaches[0], "garbage", D(2025, 3, 8))
    rollups.rebuild(first=D(2025, 1, 1), last=D(2025, 12, 31))
    return street_a


PERIODS = [
    (D(2025, 3, 1), D(2025, 3, 31)),
    (D(2025, 1, 1), D(2025, 3, 31)),
    (D(2025, 1, 1), D(2025, 12, 31)),
]
# Written by hand from the world above: per period, the rollup figures that are not compliance.
BY_HAND = {
    (D(2025, 3, 1), D(2025, 3, 31)): {
        "patrols": 7,
        "patrols_invalid": 1,
        "cleaning_rounds": 0,
        "issues_found": 2,
        "issues_found_closed": 0,
        "issues_closed": 1,
        "dumping": 1,
        "garbage": 1,
    },
    (D(2025, 1, 1), D(2025, 3, 31)): {
        "patrols": 7,
        "patrols_invalid": 1,
        "cleaning_rounds": 0,
        "issues_found": 3,
        "issues_found_closed": 1,
        "issues_closed": 1,
        "dumping": 2,
        "garbage": 1,
    },
    (D(2025, 1, 1), D(2025, 12, 31)): {
        "patrols": 7,
        "patrols_invalid": 1,
        "cleaning_rounds": 0,
        "issues_found": 3,
        "issues_found_closed": 2,
        "issues_closed": 2,
        "dumping": 2,
        "garbage": 1,
    },
}


@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
def test_stats_from_the_rollups_equal_the_live_figures_and_the_hand_count(
    rolled_world, date_from, date_to
):
    street = rolled_world.street
    live = region_statistics(region=street, date_from=date_from, date_to=date_to)
    served = region_statistics(
        region=street, date_from=date_from, date_to=date_to, from_rollups=True
    )
    assert served.as_dict() == live.as_dict()
    hand = BY_HAND[(date_from, date_to)]
    for key in ("patrols", "patrols_invalid", "cleaning_rounds", "issues_found"):
        assert getattr(served, key) == hand[key], key
    assert served.issues_found_closed == hand["issues_found_closed"]
    assert served.issues_closed == hand["issues_closed"]
    assert served.issues_by_category["dumping"] == hand["dumping"]
    assert served.issues_by_category["garbage"] == hand["garbage"]
    # The compliance figures agree too, and are not all nothing.
    assert served.patrols_required > Decimal(0)
    assert (served.patrols_counted, served.chiefs_short) == (
        live.patrols_counted,
        live.chiefs_short,
    )


def test_stats_reads_the_rollups_for_whole_ended_months_only(rolled_world):
    street = rolled_world.street
    TreeMonth.objects.all().delete()  # the rollups now say nothing was patrolled
    march = region_statistics(
        region=street, date_from=D(2025, 3, 1), date_to=D(2025, 3, 31), from_rollups=True
    )
    assert march.patrols == 0  # read from the (emptied) rollups, not counted live
    part = region_statistics(
        region=street, date_from=D(2025, 3, 4), date_to=D(2025, 3, 31), from_rollups=True
    )
    assert part.patrols == 5  # not whole months: counted live (the patrols of 3 March out)


def test_the_stats_api_serves_the_rollups_with_the_live_answer(client, settings, rolled_world):
    office = make_account(Role.OFFICE, rolled_world.street)
    client.force_login(office)
    query = {"date_from": "2025-01-01", "date_to": "2025-12-31"}
    settings.STATS_FROM_ROLLUPS = False
    live = client.get("/api/v1/stats/", query).json()
    settings.STATS_FROM_ROLLUPS = True
    served = client.get("/api/v1/stats/", query).json()
    assert served == live
    assert served["patrols"] == 7
    assert served["issues_found"] == 3
    assert set(served) >= ROLLUP_FIGURES


def test_issue_counts_of_the_world_are_as_written(rolled_world):
    # The oracle's own check: the world holds what its docstring says.
    assert Issue.objects.filter(region__parent=rolled_world.street).count() == 4
