"""The office's workbench: navigation by role, the shared partials, and every record's pages
(parametrised over the registry, so a record added there is covered here)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from activities.models import Cleanup, SignUpdate
from patrols.models import Finding, Patrol, PatrolRule
from rivers.models import Chief, River
from tests import factories
from tests.conftest import Street, make_account
from workbench.registry import RESOURCES

SLUGS = list(RESOURCES)
WRITABLE = [slug for slug, r in RESOURCES.items() if not r.read_only]
# Patrol rules are the portal's policy, the same for every region: nothing to scope.
SCOPED = [slug for slug in SLUGS if slug != "patrol-rules"]
FREE_RULE_ROLES = ("liaison", "public_supervisor", "police_chief")


# --- records of every kind in a street ---------------------------------------------------------


def _patrol(street: Street, i: int) -> Patrol:
    start = timezone.make_aware(datetime.datetime(2024, 5, 1, 8)) + datetime.timedelta(days=i)
    patrol = Patrol.objects.create(
        chief=street.chiefs[0],
        reach=street.reaches[0],
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=40),
        started_on=start.date(),
        distance_km=Decimal("1.8"),
        valid=True,
    )
    Finding.objects.create(patrol=patrol, description=f"岸边垃圾{i}")
    return patrol


def _rule(street: Street, i: int) -> PatrolRule:
    return PatrolRule.objects.create(
        role=FREE_RULE_ROLES[i // 12 % 3],
        period="month",
        min_count=1,
        months=[i % 12 + 1],
        valid_from=datetime.date(2000, 1, 1),
    )


MAKERS = {
    "rivers": lambda s, i: factories.RiverFactory(region=s.street),
    "reaches": lambda s, i: factories.ReachFactory(
        river=s.reaches[0].river, region=s.communities[i % 2]
    ),
    "chiefs": lambda s, i: factories.ChiefFactory(region=s.communities[0], reaches=[s.reaches[0]]),
    "signs": lambda s, i: factories.SignFactory(reach=s.reaches[i % 2]),
    "outfalls": lambda s, i: factories.OutfallFactory(reach=s.reaches[i % 2]),
    "facilities": lambda s, i: factories.FacilityFactory(reach=s.reaches[i % 2]),
    "river-plans": lambda s, i: factories.RiverPlanFactory(
        river=s.reaches[0].river, start_year=2000 + 2 * i, end_year=2001 + 2 * i
    ),
    "patrols": _patrol,
    "patrol-rules": _rule,
    "publicity-events": lambda s, i: factories.PublicityEventFactory(region=s.street),
    "cleanups": lambda s, i: factories.CleanupFactory(region=s.street, reaches=s.reaches),
    "meetings": lambda s, i: factories.MeetingFactory(region=s.street),
    "inspections": lambda s, i: factories.InspectionFactory(region=s.street),
    "sign-updates": lambda s, i: factories.SignUpdateFactory(
        sign=factories.SignFactory(reach=s.reaches[0])
    ),
    "outfall-checks": lambda s, i: factories.OutfallCheckFactory(
        outfall=factories.OutfallFactory(reach=s.reaches[0])
    ),
    "facility-checks": lambda s, i: factories.FacilityCheckFactory(
        facility=factories.FacilityFactory(reach=s.reaches[0])
    ),
    "accounts": lambda s, i: make_account(Role.LEADER, s.street),
    "map-patches": lambda s, i: factories.MapPatchFactory(
        batch__region=s.street, region=s.communities[i % 2]
    ),
}


def _valid_post(slug: str, s: Street) -> dict:
    reach, community = s.reaches[0], s.communities[0]
    return {
        "rivers": {"name": "新开河", "code": "HE-NEW-1", "kind": "river", "length_km": "3.2"},
        "reaches": {
            "river": reach.river_id,
            "region": community.pk,
            "name": "新开段",
            "bank": "both",
            "length_km": "1.5",
        },
        "chiefs": {
            "name": "王新",
            "phone": "13800000001",
            "role": "community_chief",
            "region": community.pk,
            "reaches": [reach.pk],
            "appointed_on": "2024-01-02",
        },
        "signs": {
            "reach": reach.pk,
            "code": "GSP-NEW-1",
            "lat": "34.7",
            "lon": "113.6",
            "updated_on": "2024-05-01",
        },
        "outfalls": {
            "reach": reach.pk,
            "name": "新排口",
            "kind": "rain",
            "lat": "34.7",
            "lon": "113.6",
        },
        "facilities": {
            "reach": reach.pk,
            "name": "新便民桥",
            "kind": "footbridge",
            "lat": "34.7",
            "lon": "113.6",
        },
        "river-plans": {
            "river": reach.river_id,
            "title": "新一河一策方案",
            "start_year": "2030",
            "end_year": "2032",
        },
        "patrol-rules": {
            "role": "liaison",
            "period": "month",
            "min_count": "2",
            "months": ["6", "7"],
        },
        "publicity-events": {"date": "2024-05-01", "title": "新宣传活动", "channel": "offline"},
        "cleanups": {
            "date": "2024-05-02",
            "title": "新清理行动",
            "campaign": "routine",
            "reaches": [reach.pk],
            "garbage_t": "1.5",
        },
        "meetings": {
            "date": "2024-05-03",
            "title": "新会议",
            "kind": "training",
            "attendees": "12",
        },
        "inspections": {"date": "2024-05-04", "title": "新督查", "inspector": "congress"},
        "sign-updates": {"sign": s.reaches[0].signs.first().pk, "date": "2024-05-05"},
        "outfall-checks": {
            "outfall": s.reaches[0].outfalls.first().pk,
            "date": "2024-05-06",
            "result": "normal",
        },
        "facility-checks": {
            "facility": s.reaches[0].facilities.first().pk,
            "date": "2024-05-07",
            "result": "normal",
        },
        "accounts": {
            "username": "new-leader",
            "password": "A-long-enough-passphrase-42",
            "role": "leader",
            "region": s.street.pk,
        },
    }[slug]


def _list(slug: str, **query) -> str:
    url = reverse("workbench:list", args=[slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _detail(slug: str, pk: int) -> str:
    return reverse("workbench:detail", args=[slug, pk])


def _listed_pks(html: str, slug: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'href="/workbench/{slug}/(\d+)/"', html)}


@pytest.fixture
def leader_a(street_a) -> User:
    return make_account(Role.LEADER, street_a.street)


# --- navigation and partials -------------------------------------------------------------------


def _nav(response) -> str:
    html = response.content.decode()
    start = html.index("<nav")
    return html[start : html.index("</nav>", start)]


def test_office_navigation_lists_the_workbench_records_and_ledger_import(client, office_a):
    client.force_login(office_a)
    nav = _nav(client.get("/"))
    for label in ("工作台", "河湖", "河长名录", "巡河记录", "工作活动", "巡河月通报", "台账导入"):
        assert label in nav
    assert 'href="/issues/"' in nav
    assert 'href="/ledgers/roster/import/"' in nav
    assert f'href="{_list("cleanups")}"' in nav


def test_leader_navigation_offers_dashboard_issues_and_reports_but_no_workbench(client, leader_a):
    client.force_login(leader_a)
    nav = _nav(client.get("/"))
    assert 'href="/dashboard/"' in nav and 'href="/issues/"' in nav
    assert "工作报告" in nav and "巡河月通报" in nav
    assert "台账导入" not in nav and "河长名录" not in nav


def test_chief_navigation_offers_my_page_and_the_phone_page(client, chief_a1):
    client.force_login(chief_a1)
    # A chief's home is its own page (/me/): "/" sends it there.
    nav = _nav(client.get("/me/"))
    assert 'href="/me/"' in nav and 'href="/patrols/phone/"' in nav
    assert "台账导入" not in nav and "工作报告" not in nav


def test_the_current_page_is_marked_in_the_navigation(client, office_a):
    client.force_login(office_a)
    nav = _nav(client.get(_list("cleanups")))
    assert f'<a href="{_list("cleanups")}" aria-current="page">' in nav
    assert '<details class="current">' in nav


def test_pagination_links_keep_the_filters_and_search():
    request = RequestFactory().get("/x/", {"search": "河", "region": "3", "page": "1"})
    page = Paginator(list(range(100)), 25).page(2)
    html = Template('{% include "includes/pagination.html" with page=page %}').render(
        Context({"request": request, "page": page})
    )
    assert "region=3" in html and "search=%E6%B2%B3" in html
    assert "page=3" in html and "page=1" in html
    assert "第 2 / 4 页" in html


@pytest.mark.parametrize("has_errors", [True, False])
def test_field_partial_shows_label_widget_and_inline_errors(has_errors):
    from django import forms

    class TitleForm(forms.Form):
        title = forms.CharField(label="标题", help_text="简短的标题")

    form = TitleForm(data={"title": ""} if has_errors else {"title": "a"})
    form.is_valid()
    html = Template('{% include "includes/field.html" with field=form.title %}').render(
        Context({"form": form})
    )
    assert '<label for="id_title">标题' in html and "简短的标题" in html
    assert ("field-errors" in html) is has_errors
    assert ('aria-invalid="true"' in html) is has_errors


# --- home ---------------------------------------------------------------------------------------


def test_home_of_the_office_is_its_to_do_list_with_its_quick_links(
    client, office_a, street_b, django_assert_max_num_queries
):
    """Work, not record counts ("4 巡河规则" is gone); tests/test_home_todos.py checks each
    figure against its list."""
    factories.CleanupFactory(region=office_a.region)
    client.force_login(office_a)
    with django_assert_max_num_queries(15):
        html = client.get("/").content.decode()
    assert 'id="todo-to_assign"' in html and 'id="todo-awaiting_acceptance"' in html
    assert "巡河规则" not in html.split("</header>", 1)[1]
    assert _list("cleanups") + '"' not in html.split("</header>", 1)[1]
    assert 'href="/issues/new/"' in html and reverse("report-index") in html


def test_home_of_a_leader_links_the_dashboard_and_a_chief_is_sent_to_its_page(
    client, leader_a, chief_a1
):
    client.force_login(leader_a)
    html = client.get("/").content.decode()
    assert 'class="button" href="/dashboard/"' in html and _list("accounts") not in html
    client.force_login(chief_a1)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/me/"
    html = client.get("/me/").content.decode()
    assert 'id="start-patrol" href="/patrols/phone/"' in html


# --- every record: pages, scoping, roles, queries ----------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_office_opens_list_and_detail_of_every_record(client, office_a, street_a, slug):
    record = MAKERS[slug](street_a, 0)
    client.force_login(office_a)
    listed = client.get(_list(slug))
    assert listed.status_code == 200
    assert record.pk in _listed_pks(listed.content.decode(), slug)
    detail = client.get(_detail(slug, record.pk))
    assert detail.status_code == 200
    assert str(record) in detail.content.decode()


def _writer(slug: str, office: User, street: Street) -> User:
    """The street's office, or for the portal-wide rules (a viewset narrowing its writers with
    ``write_check``) the county's office, which writes them."""
    if getattr(RESOURCES[slug].viewset, "write_check", None) is None:
        return office
    return make_account(Role.OFFICE, street.street.parent)


@pytest.mark.parametrize("slug", WRITABLE)
def test_office_opens_create_and_edit_forms_with_labels(client, office_a, street_a, slug):
    record = MAKERS[slug](street_a, 0)
    client.force_login(_writer(slug, office_a, street_a))
    new = client.get(reverse("workbench:create", args=[slug]))
    assert new.status_code == 200
    edit = client.get(reverse("workbench:edit", args=[slug, record.pk]))
    assert edit.status_code == 200
    html = edit.content.decode()
    assert "novalidate" in html
    for name in re.findall(r'<(?:input|select|textarea)[^>]* id="(id_[a-z_]+)"', html):
        assert f'for="{name}"' in html, name


@pytest.mark.parametrize("slug", SCOPED)
def test_another_streets_record_is_not_found(client, office_a, street_b, slug):
    record = MAKERS[slug](street_b, 0)
    client.force_login(office_a)
    assert record.pk not in _listed_pks(client.get(_list(slug)).content.decode(), slug)
    assert client.get(_detail(slug, record.pk)).status_code == 404
    if not RESOURCES[slug].read_only:
        assert client.get(reverse("workbench:edit", args=[slug, record.pk])).status_code == 404
        assert client.post(reverse("workbench:edit", args=[slug, record.pk])).status_code == 404


@pytest.mark.parametrize("slug", WRITABLE)
def test_a_leader_cannot_open_create_or_edit(client, leader_a, street_a, slug):
    record = MAKERS[slug](street_a, 0)
    client.force_login(leader_a)
    assert client.get(reverse("workbench:create", args=[slug])).status_code == 403
    assert client.post(reverse("workbench:create", args=[slug]), {}).status_code == 403
    assert client.get(reverse("workbench:edit", args=[slug, record.pk])).status_code == 403


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("who", ["office", "leader", "chief"])
def test_each_role_lists_exactly_the_rows_the_api_gives_it(
    client, api, street_a, street_b, chief_a1, leader_a, office_a, slug, who
):
    for street in (street_a, street_b):
        MAKERS[slug](street, 0)
    user = {"office": office_a, "leader": leader_a, "chief": chief_a1}[who]
    client.force_login(user)
    page = client.get(_list(slug))
    if not RESOURCES[slug].can_read(user):
        assert page.status_code == 403
        return
    body = api.as_user(user).get(
        reverse(f"{RESOURCES[slug].api_basename}-list"), {"page_size": 500}
    )
    expected = {row["id"] for row in body.json()["results"]}
    assert _listed_pks(page.content.decode(), slug) == expected


@pytest.mark.parametrize("slug", SLUGS)
def test_list_and_detail_answer_in_at_most_15_queries_with_many_rows(
    client, admin_user, street_a, slug, django_assert_max_num_queries
):
    records = [MAKERS[slug](street_a, i) for i in range(32)]
    client.force_login(admin_user)
    with django_assert_max_num_queries(15):
        response = client.get(_list(slug))
    assert response.status_code == 200
    assert len(_listed_pks(response.content.decode(), slug)) == 25
    with django_assert_max_num_queries(15):
        response = client.get(_detail(slug, records[0].pk))
    assert response.status_code == 200
    if not RESOURCES[slug].read_only:
        with django_assert_max_num_queries(15):
            assert (
                client.get(reverse("workbench:edit", args=[slug, records[0].pk])).status_code == 200
            )


@pytest.mark.parametrize("slug", WRITABLE)
def test_office_creates_every_record_through_its_service(client, office_a, street_a, slug):
    model = RESOURCES[slug].model
    before = set(model.objects.values_list("pk", flat=True))
    client.force_login(_writer(slug, office_a, street_a))
    response = client.post(reverse("workbench:create", args=[slug]), _valid_post(slug, street_a))
    assert response.status_code == 302, re.findall(
        r"<li>.*?</li>", response.content.decode().split("<main")[1]
    )
    (new_pk,) = set(model.objects.values_list("pk", flat=True)) - before
    assert response["Location"] == _detail(slug, new_pk)
    assert "已新增" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("slug", WRITABLE)
def test_office_edits_every_record(client, office_a, street_a, slug):
    record = MAKERS[slug](street_a, 0)
    data = _valid_post(slug, street_a)
    if slug == "accounts":
        data["username"] = record.username
        del data["password"]  # a leader's password only an admin resets (test_password_reset)
    client.force_login(_writer(slug, office_a, street_a))
    response = client.post(reverse("workbench:edit", args=[slug, record.pk]), data)
    assert response.status_code == 302, re.findall(
        r"<li>.*?</li>", response.content.decode().split("<main")[1]
    )
    # The record shown after saving: the same row, or for an effective-dated patrol rule the
    # row in force from the edit's date (the old one keeps the past).
    record = type(record).objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    field = next(k for k in ("title", "name", "code", "date", "min_count", "username") if k in data)
    value = getattr(record, field)
    assert str(value) == str(data[field])


# --- forms: the serializer's rules, inline --------------------------------------------------------


def test_invalid_create_shows_the_serializers_error_beside_the_field_and_keeps_the_input(
    client, office_a, street_a
):
    data = _valid_post("chiefs", street_a) | {"relieved_on": "2023-01-01"}
    client.force_login(office_a)
    response = client.post(reverse("workbench:create", args=["chiefs"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not Chief.objects.filter(name="王新").exists()
    errors = re.search(
        r'<ul class="field-errors" id="id_relieved_on_errors">(.*?)</ul>', html, re.S
    )
    assert "免职日期不能早于任职日期。" in errors.group(1)
    assert 'value="王新"' in html and 'value="13800000001"' in html
    assert 'role="alert"' in html and 'href="#id_relieved_on"' in html


def test_missing_required_fields_are_reported_per_field(client, office_a):
    client.force_login(office_a)
    html = client.post(
        reverse("workbench:create", args=["cleanups"]), {"title": ""}
    ).content.decode()
    assert 'id="id_date_errors"' in html and 'id="id_title_errors"' in html
    assert not Cleanup.objects.exists()


def test_a_services_refusal_shows_on_the_form(client, office_a, street_a):
    data = _valid_post("sign-updates", street_a) | {"date": "2999-01-01"}
    client.force_login(office_a)
    response = client.post(reverse("workbench:create", args=["sign-updates"]), data)
    assert response.status_code == 200
    assert 'id="id_date_errors"' in response.content.decode()
    assert not SignUpdate.objects.exists()


def test_a_sign_update_created_in_the_form_moves_the_signs_date(client, office_a, street_a):
    data = _valid_post("sign-updates", street_a)
    client.force_login(office_a)
    client.post(reverse("workbench:create", args=["sign-updates"]), data)
    sign = street_a.reaches[0].signs.first()
    assert sign.updated_on == datetime.date(2024, 5, 5)
    assert SignUpdate.objects.get().created_by == office_a


def test_a_river_without_a_region_belongs_to_the_offices_region(client, office_a, street_a):
    client.force_login(office_a)
    client.post(reverse("workbench:create", args=["rivers"]), _valid_post("rivers", street_a))
    assert River.objects.get(code="HE-NEW-1").region == office_a.region


def test_an_account_made_in_the_form_logs_in_with_its_password(client, office_a, street_a):
    client.force_login(office_a)
    client.post(reverse("workbench:create", args=["accounts"]), _valid_post("accounts", street_a))
    account = User.objects.get(username="new-leader")
    assert account.check_password("A-long-enough-passphrase-42")
    edit = client.get(reverse("workbench:edit", args=["accounts", account.pk])).content.decode()
    assert "A-long-enough" not in edit and account.password not in edit


def test_editing_an_account_without_a_password_keeps_it(client, office_a, street_a):
    account = make_account(Role.LEADER, street_a.street)
    client.force_login(office_a)
    data = {"username": account.username, "role": "leader", "region": street_a.street.pk}
    data["first_name"] = "新名字"
    assert (
        client.post(reverse("workbench:edit", args=["accounts", account.pk]), data).status_code
        == 302
    )
    account.refresh_from_db()
    assert account.first_name == "新名字" and account.check_password("correct-horse-battery")


def test_patrol_rule_months_are_checkboxes_and_saved(client, street_a):
    # The portal's policy: the county's office writes it (a street's office is refused).
    client.force_login(make_account(Role.OFFICE, street_a.street.parent))
    form = client.get(reverse("workbench:create", args=["patrol-rules"])).content.decode()
    assert form.count('name="months"') == 12 and "<legend>" in form
    client.post(
        reverse("workbench:create", args=["patrol-rules"]), _valid_post("patrol-rules", street_a)
    )
    assert PatrolRule.objects.get(role="liaison").months == [6, 7]


def test_patrols_have_no_create_or_edit_pages(client, office_a, street_a):
    patrol = MAKERS["patrols"](street_a, 0)
    client.force_login(office_a)
    assert client.get(reverse("workbench:create", args=["patrols"])).status_code == 404
    assert client.get(reverse("workbench:edit", args=["patrols", patrol.pk])).status_code == 404
    html = client.get(_detail("patrols", patrol.pk)).content.decode()
    assert "岸边垃圾0" in html and "40" in html and "有效" in html


# --- lists: filters, search, ordering, pagination, empty state, export --------------------------


def test_filters_and_search_narrow_the_chief_list(client, office_a, street_a):
    factories.ChiefFactory(region=street_a.communities[0], name="张三丰", role="cleaner")
    client.force_login(office_a)
    html = client.get(_list("chiefs", role="cleaner")).content.decode()
    assert "张三丰" in html and street_a.chiefs[0].name not in html
    html = client.get(_list("chiefs", search="三丰")).content.decode()
    assert _listed_pks(html, "chiefs") == {Chief.objects.get(name="张三丰").pk}
    html = client.get(_list("chiefs", search="没有这个人")).content.decode()
    assert "没有符合条件的记录" in html


def test_the_filter_form_offers_only_visible_records(client, office_a, street_a, street_b):
    client.force_login(office_a)
    html = client.get(_list("reaches")).content.decode()
    assert street_a.reaches[0].river.name in html
    assert street_b.reaches[0].river.name not in html


def test_pages_of_a_filtered_list_keep_the_filter(client, office_a, street_a):
    for i in range(30):
        MAKERS["cleanups"](street_a, i)
    client.force_login(office_a)
    html = client.get(_list("cleanups", campaign="routine")).content.decode()
    assert "第 1 / 2 页" in html and "campaign=routine&amp;page=2" in html
    second = client.get(_list("cleanups", campaign="routine", page=2)).content.decode()
    assert len(_listed_pks(second, "cleanups")) == 5


def test_ordering_follows_the_apis_ordering_fields(client, office_a, street_a):
    small = factories.CleanupFactory(region=street_a.street, garbage_t=Decimal("0.5"))
    big = factories.CleanupFactory(region=street_a.street, garbage_t=Decimal("9.5"))
    client.force_login(office_a)
    html = client.get(_list("cleanups", ordering="-garbage_t")).content.decode()
    assert html.index(_detail("cleanups", big.pk)) < html.index(_detail("cleanups", small.pk))


def test_an_empty_list_says_so_and_offers_to_add(client, office_a):
    client.force_login(office_a)
    html = client.get(_list("meetings")).content.decode()
    assert "暂无会议培训" in html and reverse("workbench:create", args=["meetings"]) in html


def test_the_export_link_carries_the_filters_to_the_api(client, office_a, street_a):
    client.force_login(office_a)
    html = client.get(_list("chiefs", role="cleaner", page=1)).content.decode()
    assert f'href="{reverse("chief-list")}?role=cleaner&amp;format=xlsx"' in html


def test_the_roster_links_the_ledger_import_for_writers_only(client, office_a, leader_a):
    client.force_login(office_a)
    assert (
        reverse("ledger-import") in client.get(_list("chiefs")).content.decode().split("<main")[1]
    )
    client.force_login(leader_a)
    html = client.get(_list("chiefs")).content.decode().split("<main")[1]
    assert reverse("ledger-import") not in html
    assert reverse("workbench:create", args=["chiefs"]) not in html


def test_a_rivers_detail_lists_its_reaches(client, office_a, street_a):
    river = street_a.reaches[0].river
    client.force_login(office_a)
    html = client.get(_detail("rivers", river.pk)).content.decode()
    for reach in street_a.reaches:
        assert _detail("reaches", reach.pk) in html
    assert f"{_list('reaches')}?river={river.pk}" in html


# --- delete and the roster's actions ------------------------------------------------------------


def test_delete_asks_first_then_removes(client, office_a, street_a):
    cleanup = MAKERS["cleanups"](street_a, 0)
    client.force_login(office_a)
    url = reverse("workbench:delete", args=["cleanups", cleanup.pk])
    assert "确认删除" in client.get(url).content.decode()
    assert Cleanup.objects.filter(pk=cleanup.pk).exists()
    response = client.post(url)
    assert response["Location"] == _list("cleanups")
    assert not Cleanup.objects.filter(pk=cleanup.pk).exists()


def test_deleting_a_record_still_in_use_is_a_message_not_an_error(client, office_a, street_a):
    river = street_a.reaches[0].river
    client.force_login(office_a)
    response = client.post(reverse("workbench:delete", args=["rivers", river.pk]), follow=True)
    assert response.status_code == 200
    assert "仍有关联的" in response.content.decode() and "不能删除" in response.content.decode()
    assert River.objects.filter(pk=river.pk).exists()


def test_a_chief_is_relieved_and_replaced_from_its_page(client, office_a, street_a):
    chief = street_a.chiefs[0]
    client.force_login(office_a)
    url = reverse("workbench:action", args=["chiefs", chief.pk, "replace"])
    assert client.get(_detail("chiefs", chief.pk)).content.decode().count(url) == 1
    response = client.post(url, {"on": "2024-06-01", "name": "李继任", "phone": "13900000000"})
    successor = Chief.objects.get(name="李继任")
    assert response["Location"] == _detail("chiefs", successor.pk)
    chief.refresh_from_db()
    assert chief.relieved_on == datetime.date(2024, 5, 31)
    assert list(successor.reaches.all()) == list(chief.reaches.all())
    again = client.post(
        reverse("workbench:action", args=["chiefs", chief.pk, "relieve"]), {"on": "2024-07-01"}
    )
    assert again.status_code == 200 and "已于" in again.content.decode()


def test_open_filters_read_all_and_dates_use_a_date_picker(client, office_a):
    client.force_login(office_a)
    html = client.get(_list("chiefs")).content.decode()
    filters = html.split('class="filters"', 1)[1].split("</form>", 1)[0]
    assert "---------" not in filters and "未知" not in filters
    assert '<option value="" selected>全部</option>' in filters
    assert 'type="date" name="date_from"' in filters
