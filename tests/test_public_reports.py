"""Public reports (群众举报): a citizen scans a sign's QR code, reports with no login, and
follows the report by its tracking code; the office sees the phone number, nobody else does.

The last test files a report in headless Chromium on a phone-sized page (the system Chromium;
skipped without it or without Playwright).
"""

import datetime
import io
import math
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from issues import services as issue_services
from issues.models import Issue, IssuePhoto, IssueSource, IssueStatus, PhotoStage
from public_reports import qr, selectors, services
from public_reports.models import (
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    PublicReport,
    tracking_code_new,
)

from . import factories
from .browser import ARTIFACTS, launch, needs_browser, sync_api
from .conftest import make_account

TIMEOUT_MS = 20_000
PHONE = "13912345678"
CITIZEN_IP = "203.0.113.5"
METRES_PER_DEGREE_LAT = math.pi * 6_371_008.8 / 180


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sign(street_a):
    return street_a.reaches[0].signs.get()


def jpeg_bytes(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


def report_data(**extra) -> dict:
    return {"description": "桥下河道内漂着很多塑料瓶和泡沫箱", "phone": "", **extra}


def post_report(client, sign, *, ip=CITIZEN_IP, forwarded_for=None, **data):
    meta = {"REMOTE_ADDR": ip}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(f"/r/{sign.code}/", report_data(**data), **meta)


def nothing_saved() -> bool:
    return not (
        Issue.objects.exists() or PublicReport.objects.exists() or IssuePhoto.objects.exists()
    )


def north_of(sign, metres: float) -> tuple[Decimal, Decimal]:
    lat = Decimal(f"{float(sign.lat) + metres / METRES_PER_DEGREE_LAT:.6f}")
    return lat, sign.lon


def open_issue(street, *, lat, lon, category="dumping", status=IssueStatus.REPORTED) -> Issue:
    issue = issue_services.issue_report(
        user=None,
        title="巡河发现",
        category=category,
        source=IssueSource.PATROL,
        reach=street.reaches[0],
        lat=lat,
        lon=lon,
    )
    Issue.objects.filter(pk=issue.pk).update(status=status)
    return issue


# --- filing ---------------------------------------------------------------------------------


def test_filing_a_report_creates_one_public_issue_with_the_reach_and_a_before_photo(client, sign):
    photo = SimpleUploadedFile("spot.jpg", jpeg_bytes(), "image/jpeg")
    response = post_report(client, sign, photo=photo, phone=PHONE)

    report = PublicReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/r/track/{report.tracking_code}/?new=1"
    issue = Issue.objects.get()
    assert report.issue == issue
    assert issue.source == IssueSource.PUBLIC
    assert issue.category == "other"
    assert issue.status == IssueStatus.REPORTED
    assert issue.reach == sign.reach
    assert issue.region == sign.reach.region
    assert issue.created_by is None
    assert (issue.lat, issue.lon) == (sign.lat, sign.lon)
    assert issue.description == "桥下河道内漂着很多塑料瓶和泡沫箱"
    assert issue.title == "桥下河道内漂着很多塑料瓶和泡沫箱"
    assert [event.to_status for event in issue.events.all()] == [IssueStatus.REPORTED]
    (saved,) = issue.photos.all()
    assert saved.stage == PhotoStage.BEFORE
    assert saved.uploaded_by is None
    assert saved.image.name.endswith(".jpg")
    assert report.reporter_phone == PHONE
    # The address is kept only as a keyed hash.
    assert re.fullmatch(r"[0-9a-f]{64}", report.client_hash)
    assert CITIZEN_IP not in report.client_hash


def test_a_report_needs_no_photo_and_its_first_sentence_is_the_title(client, sign):
    # The title was once cut at 30 characters ("河" * 29 + "…"); it is now the first sentence,
    # whole, and the description keeps every word.
    description = "桥下河道内漂着大量塑料瓶和泡沫箱，已经发臭。请尽快派人清理，谢谢！"
    assert post_report(client, sign, description=description).status_code == 302
    issue = Issue.objects.get()
    assert issue.title == "桥下河道内漂着大量塑料瓶和泡沫箱，已经发臭"
    assert issue.description == description
    assert not issue.photos.exists()


def test_one_sentence_longer_than_a_title_is_cut_at_the_titles_length(client, sign):
    description = "河" * 250
    assert post_report(client, sign, description=description).status_code == 302
    issue = Issue.objects.get()
    assert issue.title == "河" * 199 + "…"
    assert len(issue.title) == 200
    assert issue.description == description


def test_the_browser_position_is_used_near_the_sign_and_ignored_far_from_it(client, sign):
    near_lat, near_lon = north_of(sign, 80)
    post_report(client, sign, lat=str(near_lat), lon=str(near_lon))
    far_lat, far_lon = north_of(sign, 20_000)
    post_report(client, sign, lat=str(far_lat), lon=str(far_lon))
    post_report(client, sign, lat="not a number", lon="113.6")
    positions = list(Issue.objects.order_by("id").values_list("lat", "lon"))
    assert positions == [(near_lat, near_lon), (sign.lat, sign.lon), (sign.lat, sign.lon)]


def test_tracking_codes_are_short_readable_and_unique():
    codes = {tracking_code_new() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == TRACKING_LENGTH
        assert set(code) <= set(TRACKING_ALPHABET)
    assert not set("01OI") & set(TRACKING_ALPHABET)


def test_the_report_page_names_the_reach_and_has_no_inline_script(client, sign):
    response = client.get(f"/r/{sign.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert sign.reach.river.name in html
    assert sign.reach.name in html
    assert 'accept="image/*"' in html
    assert 'capture="environment"' in html
    assert "csrfmiddlewaretoken" in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"


def test_an_unknown_sign_is_a_chinese_404(client, db):
    response = client.get("/r/NO-SUCH-SIGN/")
    assert response.status_code == 404
    assert "未找到编号为“NO-SUCH-SIGN”的公示牌" in response.content.decode()


def test_the_form_is_csrf_protected(sign):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(f"/r/{sign.code}/", report_data())
    assert response.status_code == 403
    assert nothing_saved()


# --- refused input --------------------------------------------------------------------------


def test_a_file_that_is_not_an_image_is_refused_with_400_and_nothing_saved(client, sign):
    fake = SimpleUploadedFile("spot.jpg", b"%PDF-1.4 not a picture at all", "image/jpeg")
    response = post_report(client, sign, photo=fake, phone=PHONE)
    assert response.status_code == 400
    assert "文件不是有效的图片" in response.content.decode()
    assert nothing_saved()


def test_a_photo_over_the_size_cap_is_refused(client, sign, settings):
    settings.PHOTO_MAX_BYTES = 1000
    photo = SimpleUploadedFile("big.jpg", jpeg_bytes((400, 300)), "image/jpeg")
    response = post_report(client, sign, photo=photo)
    assert response.status_code == 400
    assert "照片不能超过" in response.content.decode()
    assert nothing_saved()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": "   "}, "请描述您看到的问题"),
        ({"description": "垃" * 1001}, "1000"),
        ({"phone": "12345"}, "请输入有效的手机号"),
        ({"website": "http://spam.example"}, "提交未通过"),
    ],
    ids=["empty", "too-long", "bad-phone", "honeypot"],
)
def test_bad_input_is_a_form_error_with_400_and_nothing_saved(client, sign, data, message):
    response = post_report(client, sign, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_saved()


def test_the_service_refuses_bad_input_by_field(sign):
    with pytest.raises(services.ValidationError) as error:
        services.public_report_file(
            sign=sign,
            description="河里有垃圾",
            photo=None,
            phone="not-a-phone",
            lat=None,
            lon=None,
            client_ip=CITIZEN_IP,
        )
    assert list(error.value.message_dict) == ["phone"]
    assert nothing_saved()


# --- limits per sender ----------------------------------------------------------------------


def test_the_hourly_limit_holds_per_address(client, sign, settings):
    settings.PUBLIC_REPORT_MAX_PER_HOUR = 5
    for _ in range(5):
        assert post_report(client, sign).status_code == 302
    response = post_report(client, sign, photo=SimpleUploadedFile("a.jpg", jpeg_bytes()))
    assert response.status_code == 429
    assert "同一网络每小时最多提交 5 条举报" in response.content.decode()
    assert PublicReport.objects.count() == Issue.objects.count() == 5
    assert not IssuePhoto.objects.exists()
    assert post_report(client, sign, ip="198.51.100.7").status_code == 302
    assert PublicReport.objects.count() == 6


def test_the_daily_limit_counts_the_last_24_hours(client, sign, settings):
    settings.PUBLIC_REPORT_MAX_PER_HOUR = 2
    settings.PUBLIC_REPORT_MAX_PER_DAY = 3
    for _ in range(2):
        assert post_report(client, sign).status_code == 302
    # Two hours later the hourly count is clear, the daily one is not.
    PublicReport.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
    assert post_report(client, sign).status_code == 302
    response = post_report(client, sign)
    assert response.status_code == 429
    assert "每天最多提交 3 条" in response.content.decode()
    # A day later it is open again.
    PublicReport.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert post_report(client, sign).status_code == 302


def test_one_ipv6_network_counts_as_one_sender(client, sign, settings):
    settings.PUBLIC_REPORT_MAX_PER_HOUR = 1
    assert post_report(client, sign, ip="2001:db8:1:2::10").status_code == 302
    assert post_report(client, sign, ip="2001:db8:1:2:aaaa::99").status_code == 429
    assert post_report(client, sign, ip="2001:db8:1:3::10").status_code == 302


def test_x_forwarded_for_counts_only_when_trusted(client, sign, settings):
    settings.PUBLIC_REPORT_MAX_PER_HOUR = 1
    proxy = "10.0.0.2"
    # Not trusted (the default): every sender behind the header is the proxy itself.
    assert post_report(client, sign, ip=proxy, forwarded_for="198.51.100.1").status_code == 302
    assert post_report(client, sign, ip=proxy, forwarded_for="198.51.100.2").status_code == 429
    settings.TRUSTED_PROXIES = [proxy]
    # Trusted: the last entry (the one our proxy added) is the sender, whatever came before.
    sent = post_report(client, sign, ip=proxy, forwarded_for="1.2.3.4, 198.51.100.1")
    assert sent.status_code == 302
    again = post_report(client, sign, ip=proxy, forwarded_for="5.6.7.8, 198.51.100.1")
    assert again.status_code == 429
    assert post_report(client, sign, ip=proxy, forwarded_for="198.51.100.2").status_code == 302
    # A header that is not an address falls back to the proxy's, which is over its limit.
    assert post_report(client, sign, ip=proxy, forwarded_for="garbage").status_code == 429


# --- the nearby hint ------------------------------------------------------------------------


def test_the_hint_lists_open_issues_within_200_m_only(client, street_a, sign):
    open_issue(street_a, lat=north_of(sign, 150)[0], lon=sign.lon, category="dumping")
    open_issue(street_a, lat=north_of(sign, 300)[0], lon=sign.lon, category="mining")
    open_issue(
        street_a,
        lat=north_of(sign, 50)[0],
        lon=sign.lon,
        category="pollution",
        status=IssueStatus.CLOSED,
    )
    nearby = selectors.open_issues_near(lat=sign.lat, lon=sign.lon)
    assert [(item.category, item.status) for item in nearby] == [("乱堆", "待交办")]
    assert 145 <= nearby[0].distance_m <= 155

    html = client.get(f"/r/{sign.code}/").content.decode()
    assert "附近200米内已有1条正在处理的问题" in html
    assert "乱堆 · 待交办" in html
    assert "乱采" not in html
    assert "水污染" not in html
    assert "巡河发现" not in html  # titles are not shown: a public report's is the citizen's text


def test_no_hint_when_nothing_is_open_nearby(client, sign):
    assert "正在处理的问题" not in client.get(f"/r/{sign.code}/").content.decode()


def test_the_hint_box_also_looks_east_and_west(street_a, sign):
    # 150 m east at this latitude is about 0.00164 degrees of longitude, not 0.00135.
    lon = Decimal(
        f"{float(sign.lon) + 150 / (METRES_PER_DEGREE_LAT * math.cos(math.radians(34.75))):.6f}"
    )
    open_issue(street_a, lat=sign.lat, lon=lon)
    assert len(selectors.open_issues_near(lat=sign.lat, lon=sign.lon)) == 1


# --- tracking -------------------------------------------------------------------------------


def test_the_tracking_page_shows_progress_and_no_personal_data(client, street_a, sign):
    post_report(client, sign, phone=PHONE)
    report = PublicReport.objects.get()
    office = make_account(Role.OFFICE, street_a.street)
    office.first_name = "王办事员"
    office.save()
    chief = street_a.chiefs[0]
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    issue_services.issue_act(
        issue_id=report.issue_id,
        user=office,
        action="assign",
        comment="请联系举报人核实",
        deadline=deadline,
        assignee={"chief": chief},
    )

    response = client.get(f"/r/track/{report.tracking_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong id="issue-status" class="status">已交办</strong>' in html
    today = timezone.localdate().isoformat()
    timeline = re.findall(r"<time[^>]*>([^<]+)</time> ([^<]+)</li>", html)
    assert timeline == [(today, "待交办"), (today, "已交办")]
    assert deadline.isoformat() in html
    for secret in (
        PHONE,
        office.username,
        "王办事员",
        chief.name,
        chief.phone,
        "请联系举报人核实",
        "塑料瓶",  # the description may name people or places; the office reads it, not the web
    ):
        assert secret not in html, secret
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_a_new_report_page_shows_the_code_to_keep(client, sign):
    response = post_report(client, sign)
    html = client.get(response["Location"]).content.decode()
    code = PublicReport.objects.get().tracking_code
    assert f'<p class="tracking-code" id="tracking-code">{code}</p>' in html
    assert "待交办" in html


def test_the_tracking_form_takes_the_code_as_typed(client, sign):
    post_report(client, sign)
    code = PublicReport.objects.get().tracking_code
    typed = f" {code[:5].lower()}-{code[5:]} "
    response = client.get("/r/track/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/r/track/{code}/"
    assert client.get("/r/track/").status_code == 200


def test_a_malformed_code_is_a_form_error(client, db):
    response = client.get("/r/track/", {"code": "0OI1"})
    assert response.status_code == 400
    assert "查询码是 10 位字母和数字" in response.content.decode()


def test_an_unknown_code_is_a_chinese_404(client, db):
    response = client.get("/r/track/ABCDEFGHJK/")
    assert response.status_code == 404
    assert "未找到该查询码对应的举报" in response.content.decode()


# --- QR codes and the print sheet -----------------------------------------------------------


def test_report_url_uses_the_public_base_url_or_the_request_host(sign, settings):
    request = RequestFactory().get("/", HTTP_HOST="localhost:8000")
    settings.PUBLIC_BASE_URL = ""
    assert (
        qr.report_url(sign_code=sign.code, request=request)
        == f"http://localhost:8000/r/{sign.code}/"
    )
    settings.PUBLIC_BASE_URL = "https://hz.example.cn/"
    assert qr.report_url(sign_code=sign.code, request=request) == (
        f"https://hz.example.cn/r/{sign.code}/"
    )
    assert qr.report_url(sign_code="牌 1", request=None) == "https://hz.example.cn/r/%E7%89%8C%201/"


def test_qr_codes_answer_svg_and_png_of_the_report_url(client, sign, settings):
    settings.PUBLIC_BASE_URL = "https://hz.example.cn"
    svg = client.get(f"/r/{sign.code}/qr.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    body = svg.content.decode()
    assert body.startswith("<?xml")
    assert "<svg" in body
    assert f"<title>https://hz.example.cn/r/{sign.code}/</title>" in body

    png = client.get(f"/r/{sign.code}/qr.png")
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as image:
        assert image.format == "PNG"
        assert image.width == image.height >= 200

    assert client.get("/r/NO-SUCH-SIGN/qr.svg").status_code == 404


def test_the_qr_encodes_the_url(sign):
    url = f"https://hz.example.cn/r/{sign.code}/"
    encoded = qr._code(url)
    # Byte mode holds the URL as is; a longer URL would need a larger code.
    assert encoded.mode == "byte"
    assert qr._code(url + "x" * 200).version > encoded.version


def test_the_signs_list_links_the_print_sheet_for_the_office_only(client, chief_a1, office_a):
    client.force_login(office_a)
    assert 'href="/r/signs/print/"' in client.get("/workbench/signs/").content.decode()
    client.force_login(chief_a1)
    assert "/r/signs/print/" not in client.get("/workbench/signs/").content.decode()


def test_the_print_sheet_is_for_the_office(client, street_a, street_b, chief_a1, office_a):
    response = client.get("/r/signs/print/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    client.force_login(chief_a1)
    assert client.get("/r/signs/print/").status_code == 403

    client.force_login(office_a)
    response = client.get("/r/signs/print/")
    assert response.status_code == 200
    html = response.content.decode()
    own = [reach.signs.get().code for reach in street_a.reaches]
    other = [reach.signs.get().code for reach in street_b.reaches]
    assert all(code in html for code in own)
    assert not any(code in html for code in other)
    assert html.count('<li class="qr-label">') == 2
    assert html.count("<svg") == 2
    assert f"http://testserver/r/{own[0]}/" in html

    community = street_a.communities[0]
    html = client.get("/r/signs/print/", {"region": community.pk}).content.decode()
    assert html.count('<li class="qr-label">') == 1
    assert own[0] in html
    assert own[1] not in html
    assert client.get("/r/signs/print/", {"region": street_b.street.pk}).status_code == 400


# --- the office's list ----------------------------------------------------------------------


def test_the_office_lists_its_region_s_reports_with_the_phone(
    api, client, street_a, street_b, office_a, office_b, chief_a1
):
    post_report(client, street_a.reaches[0].signs.get(), phone=PHONE)
    post_report(client, street_b.reaches[0].signs.get(), ip="198.51.100.9")
    own = PublicReport.objects.get(issue__region__parent=street_a.street)

    response = api.as_user(office_a).get("/api/v1/public-reports/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["tracking_code"] == own.tracking_code
    assert row["issue"] == own.issue_id
    assert row["issue_code"] == own.issue.code
    assert row["reporter_phone"] == PHONE
    assert "client_hash" not in row
    assert api.as_user(office_b).get(f"/api/v1/public-reports/{own.pk}/").status_code == 404
    assert api.as_user(chief_a1).get("/api/v1/public-reports/").status_code == 403
    leader = make_account(Role.LEADER, street_a.street)
    assert api.as_user(leader).get("/api/v1/public-reports/").status_code == 403
    assert api.as_user(office_a).post("/api/v1/public-reports/", {}).status_code == 405


def test_the_office_list_needs_credentials(client, db):
    assert client.get("/api/v1/public-reports/").status_code == 401


# --- in a phone's browser -------------------------------------------------------------------


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_citizen_reports_from_a_phone_and_follows_it_by_its_code(live_server, request):
    reach = factories.ReachFactory(name="城区段")
    sign = factories.SignFactory(reach=reach)
    spot_lat, spot_lon = north_of(sign, 60)

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 740},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            geolocation={"latitude": float(spot_lat), "longitude": float(spot_lon), "accuracy": 8},
            permissions=["geolocation"],
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        failed: list[str] = []
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and failed.append(f"{response.status} {response.url}")
            ),
        )
        try:
            page.goto(f"{live_server.url}/r/{sign.code}/")  # no login
            assert page.locator("#river-name").inner_text() == reach.river.name
            assert page.locator("#reach-name").inner_text() == "城区段"
            assert page.evaluate("document.documentElement.scrollWidth") <= 360

            page.fill("#id_description", "桥下有人往河里倒建筑垃圾")
            page.set_input_files(
                "#id_photo",
                files=[{"name": "spot.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
            )
            page.wait_for_selector("#photo-note:has-text('spot.jpg')")
            page.click("#use-location")
            page.wait_for_selector("#position-status:has-text('已使用您的当前位置')")
            page.click("#report-submit")
            page.wait_for_url("**/r/track/*/?new=1")
            code = page.locator("#tracking-code").inner_text().strip()
            assert re.fullmatch(rf"[{TRACKING_ALPHABET}]{{{TRACKING_LENGTH}}}", code), code
            assert page.evaluate("document.documentElement.scrollWidth") <= 360

            page.goto(f"{live_server.url}/r/track/")
            page.fill("#id_code", code.lower())
            page.click("#track-submit")
            page.wait_for_url(f"**/r/track/{code}/")
            assert page.locator("#issue-status").inner_text() == "待交办"
            assert "桥下有人" not in page.content()
            assert failed == []
            assert not [line for line in console if line.startswith("pageerror")]
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            (ARTIFACTS / f"{request.node.name}.console.txt").write_text(
                "\n".join(console), encoding="utf-8"
            )
            raise
        finally:
            context.close()
            browser.close()

    # After the browser has closed: Playwright's sync API keeps an event loop that the ORM's
    # async-safety check would object to.
    report = PublicReport.objects.select_related("issue").get()
    assert report.tracking_code == code
    issue = report.issue
    assert issue.source == IssueSource.PUBLIC
    assert issue.reach == reach
    assert (issue.lat, issue.lon) == (spot_lat, spot_lon)
    assert issue.description == "桥下有人往河里倒建筑垃圾"
    assert issue.photos.get().stage == PhotoStage.BEFORE
