"""The river file of a demo river (#17, "Done when": the page and its PDF for a demo river hold
every part): `seed_demo`'s 贾鲁河, as 东风街道's office reads it, holds its basics, its four
reaches with their chiefs and the community chief replaced on 1 July among the past ones, its
signs, outfalls and facilities, its two monitoring sections graded, the year's patrols and
issues, and its river plan with the four tasks; the PDF says the same. The demo is built once for
the module (without the activities and the assessment, which the file does not read) and rolled
back after."""

import datetime
import shutil
import subprocess

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import User
from core.documents import build
from core.pdf import cjk_font_families
from demo.street import build_demo
from reports.models import RiverFile
from reports.river_file_documents import RIVER_FILES
from rivers.models import River

TODAY = datetime.date(2026, 11, 22)
YEAR = 2026


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    skipped = ("build_activities", "build_assessment")
    mp = pytest.MonkeyPatch()
    for name in skipped:
        mp.setattr(f"demo.street.{name}", lambda **kwargs: 0)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield build_demo(today=TODAY)
            transaction.set_rollback(True)
    finally:
        mp.undo()


@pytest.fixture
def demo(seeded, db):
    return River.objects.get(name="贾鲁河")


def test_the_demo_rivers_file_holds_every_part(demo, api):
    office = User.objects.get(username="office")
    data = api.as_user(office).get(f"/api/v1/rivers/{demo.pk}/file/", {"year": YEAR}).json()
    assert (data["river"]["name"], data["river"]["code"]) == ("贾鲁河", "DF-R01")
    assert len(data["reaches"]) == 4
    assert all(reach["chiefs"] for reach in data["reaches"])
    past = [c["name"] for reach in data["reaches"] for c in reach["past_chiefs"]]
    assert len(past) == 1  # the community chief replaced on 1 July
    (replaced,) = [reach for reach in data["reaches"] if reach["past_chiefs"]]
    assert replaced["past_chiefs"][0]["relieved_on"] == f"{YEAR}-06-30"
    assert data["signs"] and data["outfalls"] and data["facilities"]
    points = {p["code"]: p for p in data["monitoring_points"]}
    assert list(points) == ["DF-SZ-01", "DF-SZ-02"]
    assert all(p["latest"] and p["latest"]["grade"] for p in points.values())
    assert data["patrols"]["patrols"] > 0 and data["patrols"]["cleaning_rounds"] > 0
    assert {row["role_label"] for row in data["patrols"]["by_chief"]} <= {
        "总河长",
        "街级河长",
        "社区级河长",
    }
    assert data["issues"]["found"] > 0
    assert data["plan"]["title"] == "贾鲁河“一河一策”实施方案（2025—2027年）"
    assert len(data["plan"]["tasks"]) == 4

    client = Client()
    client.force_login(office)
    page = client.get(f"/rivers/{demo.pk}/file/", {"year": YEAR}).content.decode()
    for text in (
        "贾鲁河 一河一档",
        "一、基本情况",
        "二、河段与河长",
        past[0],
        "三、公示牌、排污口和涉河设施",
        "四、监测断面与水质",
        "贾鲁河庙李桥断面",
        "贾鲁河张家村桥断面",
        f"五、{YEAR}年巡河和问题",
        "六、未销号问题",
        "七、一河一策",
        "贾鲁河“一河一策”实施方案（2025—2027年）",
        "导出PDF",
    ):
        assert text in page, text


@pytest.mark.skipif(not cjk_font_families(), reason="no Chinese font installed")
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
@pytest.mark.usefixtures("media_root")
def test_the_demo_rivers_pdf_holds_every_part(demo, tmp_path):
    office = User.objects.get(username="office")
    client = Client()
    client.force_login(office)
    client.post(f"/rivers/{demo.pk}/file/pdf/?year={YEAR}")
    document = RiverFile.objects.get(river=demo)
    assert build(RIVER_FILES, document.pk).status == "done"
    response = client.get(f"/documents/river-file/{document.pk}/pdf/")
    path = tmp_path / "file.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(  # noqa: S603
        [shutil.which("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = "".join(text.split())
    for part in (
        "贾鲁河一河一档",
        "一、基本情况",
        "DF-R01",
        "二、河段与河长",
        "三、公示牌、排污口和涉河设施",
        "四、监测断面与水质",
        "贾鲁河庙李桥断面",
        f"五、{YEAR}年巡河和问题",
        "六、未销号问题",
        "七、一河一策",
        "贾鲁河“一河一策”实施方案（2025—2027年）：任务4项",
        "生成日期：",
    ):
        assert part in flat, part
