"""Lists, issue pages and phones load a thumbnail, not the 10 MB original (core.thumbnails):
a JPEG at most 640 px on its longer side, upright by the photo's EXIF orientation, without EXIF,
made once and kept; the original one "查看原图" away; both behind the same access check."""

import io
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import Role

from . import factories
from .conftest import make_account

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
ORIENTATION = 0x0112
GPS_IFD = 0x8825
RED, BLUE = (220, 20, 20), (20, 20, 220)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ""
    return tmp_path


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def _camera_jpeg(width: int, height: int) -> bytes:
    """A phone-sized picture: noise compresses badly, as a riverbank photo does."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (34.0, 45.0, 0.0)}
    image.save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def _sideways_jpeg() -> bytes:
    """Stored 1200 x 600, left half red and right half blue, tagged "turn 90 degrees clockwise"
    (EXIF orientation 6), as a phone held upright stores it."""
    image = Image.new("RGB", (1200, 600), RED)
    image.paste(BLUE, (600, 0, 1200, 600))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def _photo(street, data: bytes):
    issue = factories.IssueFactory(reach=street.reaches[0])
    return factories.IssuePhotoFactory(
        issue=issue, image=ContentFile(data, name="2024/06/field.jpg")
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_thumbnail_is_small_upright_and_without_exif(street_a, office_a):
    original = _camera_jpeg(3000, 2000)
    photo = _photo(street_a, original)
    url = f"/api/v1/files/issue-photo/{photo.pk}/"

    response = _api(office_a).get(url, {"size": "thumb"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    thumb = _body(response)
    assert len(thumb) < len(original) / 10, (len(thumb), len(original))
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG"
        assert image.size == (640, 427)  # 3000 x 2000 scaled to 640 on the longer side
        assert GPS_IFD not in image.getexif()
    # The default, and "original", are the bytes as stored.
    assert _body(_api(office_a).get(url)) == original
    assert _body(_api(office_a).get(url, {"size": "original"})) == original


def test_the_thumbnail_follows_the_exif_orientation(street_a, office_a):
    photo = _photo(street_a, _sideways_jpeg())
    response = _api(office_a).get(f"/api/v1/files/issue-photo/{photo.pk}/", {"size": "thumb"})
    with Image.open(io.BytesIO(_body(response))) as image:
        # Turned clockwise: portrait, the red left half now on top, the blue one below.
        assert image.size == (320, 640)
        top = image.getpixel((160, 20))
        bottom = image.getpixel((160, 620))
    assert top[0] > 180 and top[2] < 70, top
    assert bottom[2] > 180 and bottom[0] < 70, bottom


def test_a_small_photo_is_not_enlarged(street_a, office_a):
    photo = factories.IssuePhotoFactory(issue=factories.IssueFactory(reach=street_a.reaches[0]))
    response = _api(office_a).get(f"/api/v1/files/issue-photo/{photo.pk}/?size=thumb")
    with Image.open(io.BytesIO(_body(response))) as image:
        assert image.format == "JPEG"
        assert image.size == (2, 2)  # the factory's 2 x 2 PNG, as a JPEG


def test_the_thumbnail_is_made_once_and_kept(street_a, office_a, media_root, monkeypatch):
    photo = _photo(street_a, _camera_jpeg(1600, 1200))
    url = f"/api/v1/files/issue-photo/{photo.pk}/?size=thumb"
    first = _body(_api(office_a).get(url))
    kept = list((media_root / "thumbs").rglob("*.jpg"))
    assert len(kept) == 1 and kept[0].stem == Path(photo.image.name).stem

    from core import thumbnails

    def refuse(*args, **kwargs):
        raise AssertionError("the kept thumbnail should have been served")

    monkeypatch.setattr(thumbnails, "make_thumbnail", refuse)
    assert _body(_api(office_a).get(url)) == first


def test_a_thumbnail_is_refused_where_the_original_is(street_a, street_b, office_a, office_b):
    photo = _photo(street_a, _camera_jpeg(800, 600))
    url = f"/api/v1/files/issue-photo/{photo.pk}/?size=thumb"
    assert _api().get(url).status_code == 401
    assert _api(office_b).get(url).status_code == 404
    other_chief = street_a.chiefs[1]
    chief_elsewhere = make_account(Role.CHIEF, other_chief.region, chief=other_chief)
    assert _api(chief_elsewhere).get(url).status_code == 404
    assert _api(office_a).get(url).status_code == 200


def test_an_unknown_size_is_refused_in_chinese(street_a, office_a):
    photo = _photo(street_a, _camera_jpeg(200, 100))
    response = _api(office_a).get(f"/api/v1/files/issue-photo/{photo.pk}/?size=huge")
    assert response.status_code == 400
    assert response.json()["size"] == ["size 只能是 thumb（缩略图）或 original（原图）。"]


def test_the_issue_page_shows_thumbnails_and_links_the_originals(street_a, office_a, office_b):
    photo = _photo(street_a, _camera_jpeg(1600, 1200))
    issue = photo.issue
    client = Client()
    client.post("/accounts/login/", {"username": office_a.username, "password": PASSWORD})
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    original = f"/issues/{issue.pk}/photos/{photo.pk}/"
    assert f'src="{original}?size=thumb"' in page
    assert f'href="{original}"' in page
    assert "查看原图" in page

    thumb = client.get(f"{original}?size=thumb")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(_body(thumb))) as image:
        assert max(image.size) == 640

    outsider = Client()
    outsider.post("/accounts/login/", {"username": office_b.username, "password": PASSWORD})
    assert outsider.get(f"{original}?size=thumb").status_code == 404
