"""A built report's page lists every figure it printed, written as the text writes it, each with
its definition and a link to its records; the records page names the part it lists."""

import datetime
import re
from html import unescape

import pytest

from reports import services
from reports.figures import FIGURES

from .test_figures import world  # noqa: F401  (the hand-built world)


@pytest.fixture
def built(world, django_capture_on_commit_callbacks):  # noqa: F811
    from .conftest import make_account

    office = make_account("office", world.street)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            region=world.street, kind="annual", year=2025, period=None, user=office
        )
    report.refresh_from_db()
    assert report.status == "done", report.error
    return office, report


def test_the_report_page_lists_each_figure_with_its_records(client, built):
    office, report = built
    client.force_login(office)
    html = client.get(f"/reports/{report.pk}/").content.decode()
    for fig in FIGURES.values():
        assert str(fig.label) in html, fig.key
    # Written as the report writes them: 11 ÷ 13 of November is not the year; the year's rate
    # and a decimal figure print without trailing zeros.
    cell = re.search(r'data-figure="cleanups">([^<]+)<', html).group(1)
    assert cell == "3 次"
    garbage = re.search(r'data-figure="garbage_m3">([^<]+)<', html).group(1)
    assert garbage == "42.5 方"
    links = [unescape(url) for url in re.findall(r'href="(/reports/records/\?[^"]+)"', html)]
    assert any("figure=four_disorders_points" in url for url in links)
    # Each part of a breakdown has its own link; its page names the part.
    part = next(url for url in links if "figure=chiefs&" in url and "part=community_chief" in url)
    page = client.get(part).content.decode()
    assert "在任人员：社区级河长" in page
    assert re.search(r'data-role="count">\s*2\s*<', page)


def test_the_records_page_refuses_an_unknown_figure_in_chinese(client, built):
    office, _report = built
    client.force_login(office)
    response = client.get(
        "/reports/records/",
        {"figure": "patrol_rat", "date_from": datetime.date(2025, 1, 1), "date_to": "2025-12-31"},
    )
    assert response.status_code == 400
    assert "没有这个统计数字" in response.content.decode()
