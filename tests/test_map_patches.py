"""Map-patch verification (图斑复核): import the pushed list, verify on site, export upward."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from PIL import Image

from accounts.models import Role
from issues.models import Issue, IssuePhoto, IssueSource, IssueStatus, PhotoStage
from map_patches.ledger import PatchListRejected
from map_patches.models import MapPatch, PatchBatch, Verdict
from map_patches.services import patch_batch_import

from .conftest import make_account

BATCHES = "/api/v1/map-patch-batches/"
PATCHES = "/api/v1/map-patches/"
GOOD_ROWS = [
    ("TB-001", "23.129163", "113.264435", "河道内疑似违建"),
    ("TB-002", "23.130001", "113.265002", "疑似堆放渣土"),
    ("TB-003", "23.131", "113.266", ""),
]
EXPORT_HEADERS = [
    "图斑编号",
    "纬度",
    "经度",
    "备注",
    "核查结论",
    "核查说明",
    "核查时间",
    "核查人",
    "照片数",
    "问题编号",
    "问题状态",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def csv_bytes(rows, *, headers=("图斑编号", "纬度", "经度", "备注"), encoding="utf-8-sig"):
    lines = [",".join(headers), *(",".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, *, headers=("图斑编号", "纬度", "经度", "备注"), title=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "图斑清单.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def jpeg(name: str = "site.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def import_batch(user, street, rows=GOOD_ROWS) -> PatchBatch:
    return patch_batch_import(
        user=user, region=street.street, file=upload(csv_bytes(rows)), name="2024年第一批"
    )


def post_file(api, user, content: bytes, filename: str = "图斑清单.csv", **data):
    return api.as_user(user).post(
        BATCHES, {"file": upload(content, filename), **data}, format="multipart"
    )


def verify(api, user, patch, verdict, *, note="现场核查", photos=None):
    photos = [jpeg()] if photos is None else photos
    return api.as_user(user).post(
        f"{PATCHES}{patch.pk}/verify/",
        {"verdict": verdict, "note": note, "photos": photos},
        format="multipart",
    )


# --- import ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "headers"),
    [
        ("utf-8-sig", ("图斑编号", "纬度", "经度", "备注")),
        ("utf-8", ("id", "lat", "lon", "note")),
        ("gbk", ("编号", "纬度", "经度", "备注")),
    ],
)
def test_csv_imports_in_utf8_with_bom_and_gbk(api, office_a, street_a, encoding, headers):
    content = csv_bytes(GOOD_ROWS, headers=headers, encoding=encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")

    response = post_file(api, office_a, content, filename="推送图斑.csv")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["source_file"], body["patch_count"]) == (
        "推送图斑",
        "推送图斑.csv",
        3,
    )
    batch = PatchBatch.objects.get()
    assert (batch.region, batch.imported_by) == (street_a.street, office_a)
    patches = list(batch.patches.order_by("id"))
    assert [p.patch_id for p in patches] == ["TB-001", "TB-002", "TB-003"]
    assert (patches[0].lat, patches[0].lon) == (Decimal("23.129163"), Decimal("113.264435"))
    assert patches[0].note == "河道内疑似违建"
    assert {p.region for p in patches} == {street_a.street}
    assert {p.verdict for p in patches} == {Verdict.PENDING}


def test_xlsx_imports_with_a_title_row_and_number_cells(api, office_a, street_a):
    rows = [(440106001, 23.129163, 113.264435, "疑似违建"), ("TB-9", "23.2", "113.3", None)]
    content = xlsx_bytes(rows, title="2024年第一批图斑复核清单")

    response = post_file(api, office_a, content, filename="清单.xlsx", name="第一批")

    assert response.status_code == 201, response.content
    patches = list(MapPatch.objects.order_by("id"))
    assert [p.patch_id for p in patches] == ["440106001", "TB-9"]
    assert patches[0].lat == Decimal("23.129163")
    assert patches[1].note == ""
    assert PatchBatch.objects.get().name == "第一批"


def test_bad_list_imports_nothing_and_names_every_bad_row(api, office_a, street_a):
    rows = [
        ("TB-001", "23.1", "113.2", ""),  # row 2: good, but its id comes back on row 5
        ("TB-002", "北纬23度", "113.2", ""),  # row 3: latitude not a number
        ("", "23.1", "113.2", "没有编号"),  # row 4: no id
        ("TB-001", "23.1", "113.2", ""),  # row 5: duplicate of row 2
        ("TB-003", "113.2", "23.1", ""),  # row 6: latitude and longitude swapped
        ("TB-004", "23.1", "113.2", "好的一行"),  # row 7: good
    ]

    response = post_file(api, office_a, csv_bytes(rows))

    assert response.status_code == 400
    errors = response.json()["rows"]
    assert {(e["row"], e["column"]) for e in errors} == {
        (2, "图斑编号"),
        (3, "纬度"),
        (4, "图斑编号"),
        (5, "图斑编号"),
        (6, "纬度"),
        (6, "经度"),
    }
    duplicate = next(e["message"] for e in errors if e["row"] == 5)
    assert "TB-001" in duplicate
    assert "2" in duplicate
    assert PatchBatch.objects.count() == 0
    assert MapPatch.objects.count() == 0


def test_bad_list_is_reported_by_the_service_too(office_a, street_a):
    with pytest.raises(PatchListRejected) as caught:
        import_batch(office_a, street_a, rows=[("A", "91", "113", ""), ("A", "23", "113", "")])

    assert {(e.row, e.column) for e in caught.value.row_errors} == {
        (2, "纬度"),
        (2, "图斑编号"),
        (3, "图斑编号"),
    }
    assert PatchBatch.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "empty.csv", "空"),
        (b"%PDF-1.4 \x00\x01\x02", "list.pdf", "CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "list.xls", ".xls"),
        ("名称,坐标\r\n甲,23 113\r\n".encode(), "list.csv", "表头"),
        ("图斑编号,纬度,经度\r\n".encode(), "list.csv", "没有"),
        (b"PK\x03\x04 not really a zip", "list.xlsx", "损坏"),
    ],
)
def test_unreadable_files_answer_400_with_why(api, office_a, street_a, content, name, words):
    response = api.as_user(office_a).post(
        BATCHES, {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )

    assert response.status_code == 400
    assert words in str(response.json())
    assert PatchBatch.objects.count() == 0


def test_batch_belongs_to_a_street_or_county(api, office_a, street_a):
    response = post_file(api, office_a, csv_bytes(GOOD_ROWS), region=street_a.communities[0].pk)

    assert response.status_code == 400
    assert "region" in response.json()


@pytest.mark.parametrize("role", [Role.LEADER, Role.CHIEF])
def test_only_the_office_imports(api, street_a, role):
    user = make_account(
        role, street_a.street, chief=street_a.chiefs[0] if role == Role.CHIEF else None
    )

    response = post_file(api, user, csv_bytes(GOOD_ROWS))

    assert response.status_code == 403
    assert PatchBatch.objects.count() == 0


def test_patches_cannot_be_posted_one_by_one(api, office_a, street_a):
    response = api.as_user(office_a).post(PATCHES, {"patch_id": "X"}, format="json")

    assert response.status_code == 405


# --- verification ----------------------------------------------------------------------------


def test_obstruction_opens_exactly_one_issue_even_when_verified_twice(api, office_a, street_a):
    batch = import_batch(office_a, street_a)
    patch = batch.patches.get(patch_id="TB-001")

    first = verify(api, office_a, patch, "obstruction", note="河道内有彩钢棚，阻碍行洪")
    second = verify(api, office_a, patch, "obstruction", note="复核：仍未拆除", photos=[jpeg()])

    assert first.status_code == 200, first.content
    assert second.status_code == 200, second.content
    issue = Issue.objects.get()
    assert issue.source == IssueSource.MAP_PATCH == "map_patch"
    assert issue.category == "flood_obstruction"
    assert issue.region == street_a.street
    assert (issue.lat, issue.lon) == (patch.lat, patch.lon)
    assert issue.title == "图斑TB-001：河道内有彩钢棚，阻碍行洪"
    assert issue.status == IssueStatus.REPORTED
    assert first.json()["issue"] == second.json()["issue"] == issue.pk
    assert second.json()["issue_code"] == issue.code
    assert second.json()["photo_count"] == 2
    patch.refresh_from_db()
    assert (patch.verdict, patch.verdict_note, patch.checked_by) == (
        Verdict.OBSTRUCTION,
        "复核：仍未拆除",
        office_a,
    )
    assert patch.checked_at is not None
    # The site photos are the issue's "before" pictures.
    assert IssuePhoto.objects.filter(issue=issue, stage=PhotoStage.BEFORE).count() == 2


@pytest.mark.parametrize("verdict", ["not_obstruction", "already_fixed"])
def test_other_verdicts_open_no_issue(api, office_a, street_a, verdict):
    patch = import_batch(office_a, street_a).patches.first()

    response = verify(api, office_a, patch, verdict)

    assert response.status_code == 200, response.content
    assert response.json()["verdict"] == verdict
    assert response.json()["issue"] is None
    assert Issue.objects.count() == 0


def test_photos_must_be_images(api, office_a, street_a):
    patch = import_batch(office_a, street_a).patches.first()
    fake = SimpleUploadedFile("site.jpg", b"<html>not a photo</html>", "image/jpeg")

    response = verify(api, office_a, patch, "obstruction", photos=[jpeg(), fake])

    assert response.status_code == 400
    assert "photos" in response.json()
    patch.refresh_from_db()
    assert patch.verdict == Verdict.PENDING
    assert patch.photos.count() == 0
    assert Issue.objects.count() == 0


def test_first_verification_needs_a_photo(api, office_a, street_a):
    patch = import_batch(office_a, street_a).patches.first()

    response = verify(api, office_a, patch, "not_obstruction", photos=[])

    assert response.status_code == 400
    assert "photos" in response.json()


def test_pending_is_not_a_verdict(api, office_a, street_a):
    patch = import_batch(office_a, street_a).patches.first()

    assert verify(api, office_a, patch, "pending").status_code == 400


def test_leader_reads_but_does_not_verify(api, office_a, street_a):
    patch = import_batch(office_a, street_a).patches.first()
    leader = make_account(Role.LEADER, street_a.street)

    assert api.as_user(leader).get(f"{PATCHES}{patch.pk}/").status_code == 200
    assert verify(api, leader, patch, "obstruction").status_code == 403


def test_a_patch_handed_to_a_community_is_verified_by_its_chief(api, office_a, chief_a1, street_a):
    patch = import_batch(office_a, street_a).patches.first()
    community = street_a.communities[0]
    # The community chief does not see the street's patches until one is handed to it.
    assert api.as_user(chief_a1).get(f"{PATCHES}{patch.pk}/").status_code == 404

    handed = api.as_user(office_a).patch(
        f"{PATCHES}{patch.pk}/", {"region": community.pk}, format="json"
    )
    assert handed.status_code == 200, handed.content
    response = verify(api, chief_a1, patch, "obstruction")

    assert response.status_code == 200, response.content
    assert Issue.objects.get().region == community


def test_a_patch_goes_only_to_a_region_under_its_batch(
    api, office_a, admin_user, street_a, street_b
):
    patch = import_batch(office_a, street_a).patches.first()

    response = api.as_user(admin_user).patch(
        f"{PATCHES}{patch.pk}/", {"region": street_b.communities[0].pk}, format="json"
    )

    assert response.status_code == 400
    assert "region" in response.json()


# --- lists, export and scoping ---------------------------------------------------------------


def test_patch_list_filters_by_batch_and_verdict(api, office_a, street_a):
    first = import_batch(office_a, street_a)
    import_batch(office_a, street_a, rows=[("TB-101", "23.1", "113.2", "")])
    verify(api, office_a, first.patches.get(patch_id="TB-002"), "not_obstruction")
    client = api.as_user(office_a)

    in_batch = client.get(PATCHES, {"batch": first.pk}).json()
    checked = client.get(PATCHES, {"batch": first.pk, "verdict": "not_obstruction"}).json()

    assert in_batch["count"] == 3
    assert [row["patch_id"] for row in checked["results"]] == ["TB-002"]
    batches = {row["id"]: row for row in client.get(BATCHES).json()["results"]}
    assert (batches[first.pk]["patch_count"], batches[first.pk]["checked_count"]) == (3, 1)


def test_export_has_verdicts_and_issue_codes(api, office_a, street_a):
    batch = import_batch(office_a, street_a)
    verify(api, office_a, batch.patches.get(patch_id="TB-001"), "obstruction", note="彩钢棚")
    verify(api, office_a, batch.patches.get(patch_id="TB-002"), "not_obstruction", note="农田")
    issue = Issue.objects.get()

    response = api.as_user(office_a).get(f"{BATCHES}{batch.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    # Row 1 is the ledger's title (core.ledgers); the header is row 2.
    assert list(rows[1]) == EXPORT_HEADERS
    assert sheet.freeze_panes == "A3"
    by_id = {row[0]: dict(zip(EXPORT_HEADERS, row, strict=True)) for row in rows[2:]}
    assert set(by_id) == {"TB-001", "TB-002", "TB-003"}
    obstruction = by_id["TB-001"]
    assert obstruction["核查结论"] == "确认为碍洪问题"
    assert obstruction["核查说明"] == "彩钢棚"
    assert obstruction["核查人"] == office_a.username
    assert obstruction["照片数"] == 1
    assert obstruction["问题编号"] == issue.code
    assert obstruction["问题状态"] == "待交办"
    assert obstruction["纬度"] == pytest.approx(23.129163)
    assert obstruction["核查时间"] is not None
    assert (by_id["TB-002"]["核查结论"], by_id["TB-002"]["问题编号"]) == ("非碍洪问题", None)
    assert (by_id["TB-003"]["核查结论"], by_id["TB-003"]["照片数"]) == ("待核查", 0)


def test_another_streets_office_gets_404(api, office_a, office_b, street_a, street_b):
    batch = import_batch(office_a, street_a)
    patch = batch.patches.first()
    client = api.as_user(office_b)

    assert client.get(f"{BATCHES}{batch.pk}/").status_code == 404
    assert client.get(f"{BATCHES}{batch.pk}/export/").status_code == 404
    assert client.get(f"{PATCHES}{patch.pk}/").status_code == 404
    assert verify(api, office_b, patch, "obstruction").status_code == 404
    assert client.get(BATCHES).json()["count"] == 0
    assert client.get(PATCHES).json()["count"] == 0
    assert Issue.objects.count() == 0


def test_import_into_another_street_is_refused(api, office_b, street_a, street_b):
    response = post_file(api, office_b, csv_bytes(GOOD_ROWS), region=street_a.street.pk)

    assert response.status_code == 400
    assert "region" in response.json()
    assert PatchBatch.objects.count() == 0


def test_export_never_turns_pushed_text_into_formulas(api, office_a, street_a):
    batch = import_batch(office_a, street_a, rows=[("TB-1", "23.1", "113.2", "=1+1")])

    response = api.as_user(office_a).get(f"{BATCHES}{batch.pk}/export/")

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert (sheet["D3"].value, sheet["D3"].data_type) == ("=1+1", "s")  # below title and header
