"""Hostile photo uploads on every endpoint that takes photos (all go through core.photos).

Patrol findings, issue photos, map-patch verifications and public reports each get: a file over
PHOTO_MAX_BYTES, plain text, an HTML and an SVG file named .jpg, a decompression bomb (a tiny PNG
declaring more than PHOTO_MAX_PIXELS) — each refused with 400, a Chinese message and nothing
saved — and a real JPEG named ``../../etc/passwd.jpg`` or ``/etc/passwd.jpg``, stored under a
random name inside its upload folder. Nothing is ever written outside MEDIA_ROOT.
"""

import datetime
import re
import struct
import uuid
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from issues import services as issue_services
from issues.models import IssuePhoto, IssueSource
from map_patches.models import MapPatch, PatchPhoto
from map_patches.services import patch_batch_import
from patrols.models import FindingPhoto

CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_BYTES = 20_000


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PHOTO_MAX_BYTES = MAX_BYTES
    return settings.MEDIA_ROOT


def jpeg(size=(64, 48)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def noisy_jpeg() -> bytes:
    """A real photo over MAX_BYTES: noise does not compress."""
    buffer = BytesIO()
    Image.frombytes("RGB", (200, 200), bytes(range(256)) * 468 + bytes(192)).save(
        buffer, "JPEG", quality=100
    )
    data = buffer.getvalue()
    assert len(data) > MAX_BYTES
    return data


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A 1x1 PNG whose header claims width x height pixels (10 gigapixels)."""
    buffer = BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # IHDR follows the 8-byte signature: length (4), type (4), width (4), height (4), ...
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29]))
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b'<image href="file:///etc/passwd"/></svg>'
)
REFUSED = {
    "over_size_cap": ("photo.jpg", noisy_jpeg),
    "plain_text": ("photo.jpg", lambda: b"just some text, not a picture"),
    "html_named_jpg": ("photo.jpg", lambda: HTML),
    "svg_named_jpg": ("photo.jpg", lambda: SVG),
    "decompression_bomb": ("photo.png", png_bomb),
}
HOSTILE_NAMES = ["../../etc/passwd.jpg", "/etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg"]


@dataclass
class Endpoint:
    """Posts one file to an upload endpoint; knows the rows it saves and its upload folder."""

    post: object  # (file) -> response
    saved: object  # () -> queryset of photo rows
    folder: str


def _patrol(api, chief_a1, street_a) -> Endpoint:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    def post(file):
        return api.as_user(chief_a1).post(
            "/api/v1/patrols/",
            {
                "uuid": str(uuid.uuid4()),
                "reach": street_a.reaches[0].pk,
                # Yesterday (a chief files only recent patrols), with no track: the photo counts.
                "started_at": f"{yesterday.isoformat()}T09:30:00+08:00",
                "ended_at": f"{yesterday.isoformat()}T09:54:00+08:00",
                "findings": '[{"description": "排口异味", "lat": 34.7830, "lon": 113.6513}]',
                "finding_0_photos": file,
            },
            format="multipart",
        )

    return Endpoint(post, FindingPhoto.objects.all, "patrols")


def _issue(api, office_a, street_a) -> Endpoint:
    issue = issue_services.issue_report(
        user=office_a,
        title="河面漂浮物",
        category="dumping",
        source=IssueSource.OFFICE,
        reach=street_a.reaches[0],
    )

    def post(file):
        return api.as_user(office_a).post(
            f"/api/v1/issues/{issue.pk}/photos/",
            {"image": file, "stage": "before"},
            format="multipart",
        )

    return Endpoint(post, IssuePhoto.objects.all, "issues")


def _map_patch(api, office_a, street_a) -> Endpoint:
    rows = "图斑编号,纬度,经度,备注\r\nTB-001,23.129163,113.264435,河道内疑似违建\r\n"
    patch_batch_import(
        user=office_a,
        region=street_a.street,
        file=SimpleUploadedFile("图斑.csv", rows.encode("utf-8-sig")),
        name="第一批",
    )
    patch = MapPatch.objects.get()

    def post(file):
        return api.as_user(office_a).post(
            f"/api/v1/map-patches/{patch.pk}/verify/",
            {"verdict": "not_obstruction", "note": "现场核查", "photos": [file]},
            format="multipart",
        )

    return Endpoint(post, PatchPhoto.objects.all, "map_patches")


def _public_report(client, street_a) -> Endpoint:
    sign = street_a.reaches[0].signs.get()

    def post(file):
        return client.post(
            f"/r/{sign.code}/",
            {"description": "桥下河道内漂着很多塑料瓶", "phone": "", "photo": file},
            REMOTE_ADDR="203.0.113.5",
        )

    # A citizen's photo becomes the public issue's "before" photo.
    return Endpoint(post, IssuePhoto.objects.all, "issues")


@pytest.fixture(params=["patrol_finding", "issue_photo", "map_patch_verify", "public_report"])
def endpoint(request, api, client, street_a, office_a, chief_a1) -> Endpoint:
    if request.param == "patrol_finding":
        return _patrol(api, chief_a1, street_a)
    if request.param == "issue_photo":
        return _issue(api, office_a, street_a)
    if request.param == "map_patch_verify":
        return _map_patch(api, office_a, street_a)
    return _public_report(client, street_a)


def _text(response) -> str:
    return response.content.decode("utf-8", errors="replace")


def _files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _nothing_outside_media(tmp_path: Path, media: Path) -> None:
    outside = [p for p in _files_under(tmp_path) if media not in p.parents]
    assert outside == []
    assert not (media.parent / "etc").exists() and not Path("/etc/passwd.jpg").exists()


@pytest.mark.parametrize("attack", list(REFUSED))
def test_a_hostile_file_is_refused_with_400_a_chinese_message_and_nothing_saved(
    endpoint, attack, media, tmp_path
):
    name, content = REFUSED[attack]
    response = endpoint.post(SimpleUploadedFile(name, content(), "image/jpeg"))
    assert response.status_code == 400, _text(response)
    assert CJK.search(_text(response)), _text(response)
    assert not endpoint.saved().exists()
    assert _files_under(media) == []
    _nothing_outside_media(tmp_path, media)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_photo_with_a_path_in_its_name_is_stored_under_a_random_name_in_its_folder(
    endpoint, name, media, tmp_path
):
    response = endpoint.post(SimpleUploadedFile(name, jpeg(), "image/jpeg"))
    assert response.status_code in (200, 201, 302), _text(response)
    (photo,) = endpoint.saved()
    stored = photo.image.name
    assert re.fullmatch(rf"{endpoint.folder}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.jpg", stored), stored
    assert "passwd" not in stored and "win.ini" not in stored
    path = Path(photo.image.path).resolve()
    assert media.resolve() / endpoint.folder in path.parents
    assert _files_under(media) == [media / stored]
    _nothing_outside_media(tmp_path, media)
