"""Stored files are served only through views that check the region (core.media): every photo
kind and document inside the account's region answers its bytes, outside 404, anonymous refused;
with MEDIA_ACCEL_REDIRECT_PREFIX the proxy gets an X-Accel-Redirect and no body; the API's
photo links lead to those views; /media/ is not routed, in production least of all."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from accounts.models import Role

from . import factories
from .conftest import make_account

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4 a stored bulletin"
ACCEL = "/protected-media/"


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


def _issue_photo(street):
    issue = factories.IssueFactory(reach=street.reaches[0])
    return factories.IssuePhotoFactory(issue=issue)


def _public_report_photo(street):
    report = factories.PublicReportFactory(issue__reach=street.reaches[0])
    return factories.IssuePhotoFactory(issue=report.issue)


def _finding_photo(street):
    patrol = factories.PatrolFactory(chief=street.chiefs[0], reach=street.reaches[0])
    finding = factories.FindingFactory(patrol=patrol)
    return factories.FindingPhotoFactory(finding=finding)


def _patch_photo(street):
    batch = factories.PatchBatchFactory(region=street.street)
    patch = factories.MapPatchFactory(batch=batch, region=street.communities[0])
    return factories.PatchPhotoFactory(patch=patch)


PHOTOS = {
    "issue-photo": _issue_photo,
    "public-report-photo": _public_report_photo,
    "finding-photo": _finding_photo,
    "patch-photo": _patch_photo,
}
# A public report's photo is an issue photo: it is served as one.
KIND = {"public-report-photo": "issue-photo"}


def _file_url(name, photo) -> str:
    return f"/api/v1/files/{KIND.get(name, name)}/{photo.pk}/"


@pytest.mark.parametrize("name", PHOTOS)
def test_a_photo_answers_its_bytes_inside_the_region_and_404_outside(
    name, street_a, office_a, office_b
):
    photo = PHOTOS[name](street_a)
    stored = Path(photo.image.path).read_bytes()
    assert stored.startswith(b"\x89PNG")

    inside = _api(office_a).get(_file_url(name, photo))
    assert inside.status_code == 200
    assert b"".join(inside.streaming_content) == stored
    assert inside["Content-Type"] == "image/png"
    assert inside["Cache-Control"] == "private, max-age=3600"

    assert _api(office_b).get(_file_url(name, photo)).status_code == 404
    assert _api().get(_file_url(name, photo)).status_code == 401


@pytest.mark.parametrize("name", PHOTOS)
def test_with_the_accel_prefix_the_proxy_sends_the_photo(name, settings, street_a, office_a):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ACCEL
    photo = PHOTOS[name](street_a)
    response = _api(office_a).get(_file_url(name, photo))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == ACCEL + photo.image.name
    assert response["Content-Type"] == "image/png"
    assert response.content == b""
    # Outside the region the view answers before the proxy is told anything.
    office_b = make_account(Role.OFFICE, factories.StreetFactory(parent=street_a.street.parent))
    refused = _api(office_b).get(_file_url(name, photo))
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused


def test_finding_photos_are_seen_by_those_who_see_the_patrol(street_a, street_b, office_a):
    photo = _finding_photo(street_a)
    filer = street_a.chiefs[0]
    url = _file_url("finding-photo", photo)
    allowed = [
        office_a,
        make_account(Role.LEADER, street_a.street),
        make_account(Role.CHIEF, filer.region, chief=filer),
    ]
    for user in allowed:
        assert _api(user).get(url).status_code == 200, user.role
    refused = [
        make_account(Role.LEADER, street_b.street),
        make_account(Role.CHIEF, street_b.chiefs[0].region, chief=street_b.chiefs[0]),
    ]
    for user in refused:
        assert _api(user).get(url).status_code == 404, user.role


def test_an_unknown_kind_or_a_missing_file_answers_404(street_a, office_a):
    photo = _issue_photo(street_a)
    assert _api(office_a).get(f"/api/v1/files/secrets/{photo.pk}/").status_code == 404
    Path(photo.image.path).unlink()
    assert _api(office_a).get(_file_url("issue-photo", photo)).status_code == 404


def test_the_issue_page_photo_is_scoped_and_redirects_the_anonymous(
    client, settings, street_a, office_a, office_b
):
    photo = _issue_photo(street_a)
    url = f"/issues/{photo.issue_id}/photos/{photo.pk}/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    client.force_login(office_b)
    assert client.get(url).status_code == 404
    client.force_login(office_a)
    served = client.get(url)
    assert b"".join(served.streaming_content) == Path(photo.image.path).read_bytes()
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ACCEL
    handed = client.get(url)
    assert handed["X-Accel-Redirect"] == ACCEL + photo.image.name
    assert handed.content == b""


# --- The API's photo links lead to the scoped views.


def _fetch(client: APIClient, link: str):
    path = urlparse(link).path
    assert resolve(path).url_name == "stored-file"
    return client.get(path)


def test_api_photo_links_resolve_to_the_scoped_views(street_a, office_a):
    client = _api(office_a)
    issue_photo = _issue_photo(street_a)
    finding_photo = _finding_photo(street_a)
    patch_photo = _patch_photo(street_a)

    listed = client.get(f"/api/v1/issues/{issue_photo.issue_id}/photos/").json()
    link = listed[0]["image"] if isinstance(listed, list) else listed["results"][0]["image"]
    assert link == f"http://testserver/api/v1/files/issue-photo/{issue_photo.pk}/"
    response = _fetch(client, link)
    assert b"".join(response.streaming_content) == Path(issue_photo.image.path).read_bytes()

    patrol = client.get(f"/api/v1/patrols/{finding_photo.finding.patrol_id}/").json()
    link = patrol["findings"][0]["photos"][0]["image"]
    assert link == f"http://testserver/api/v1/files/finding-photo/{finding_photo.pk}/"
    assert _fetch(client, link).status_code == 200

    photos = client.get(f"/api/v1/map-patches/{patch_photo.patch_id}/photos/").json()
    link = photos[0]["image"] if isinstance(photos, list) else photos["results"][0]["image"]
    assert link == f"http://testserver/api/v1/files/patch-photo/{patch_photo.pk}/"
    assert _fetch(client, link).status_code == 200


def test_the_workbench_patrol_page_shows_finding_photos_through_the_scoped_view(
    client, street_a, office_a
):
    photo = _finding_photo(street_a)
    client.force_login(office_a)
    page = client.get(f"/workbench/patrols/{photo.finding.patrol_id}/")
    assert page.status_code == 200
    link = f"http://testserver/api/v1/files/finding-photo/{photo.pk}/"
    # The list shows the thumbnail (core.thumbnails) and links the original.
    assert f'src="{link}?size=thumb"' in page.content.decode()
    assert f'href="{link}"' in page.content.decode()
    # The session is enough: the page's <img> loads.
    assert client.get(urlparse(link).path, {"size": "thumb"}).status_code == 200
    assert client.get(urlparse(link).path).status_code == 200


def test_an_uploaded_issue_photo_is_answered_with_its_scoped_link(street_a, office_a):
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    upload = factories._png_file("site.png")
    response = _api(office_a).post(
        f"/api/v1/issues/{issue.pk}/photos/",
        {"stage": "before", "image": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photo = issue.photos.get()
    assert response.json()["image"] == f"http://testserver/api/v1/files/issue-photo/{photo.pk}/"


# --- Documents: bulletins and reports go through the same response.


def _bulletin(street):
    return factories.BulletinFactory(
        street=street.street, status="done", pdf=ContentFile(PDF, name="b.pdf")
    )


def _report(street):
    return factories.ReportFactory(
        region=street.street,
        status="done",
        pdf=ContentFile(PDF, name="r.pdf"),
        docx=ContentFile(b"PK a report", name="r.docx"),
    )


DOCUMENTS = {
    "bulletin-api": (_bulletin, "/api/v1/bulletins/{pk}/pdf/", PDF),
    "report-pdf": (_report, "/api/v1/reports/{pk}/pdf/", PDF),
    "report-docx": (_report, "/api/v1/reports/{pk}/docx/", b"PK a report"),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_documents_are_scoped_and_handed_to_the_proxy(name, settings, street_a, office_a, office_b):
    make, pattern, content = DOCUMENTS[name]
    record = make(street_a)
    url = pattern.format(pk=record.pk)
    served = _api(office_a).get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == content
    assert served["Content-Disposition"].startswith("attachment;")
    assert _api(office_b).get(url).status_code == 404
    assert _api().get(url).status_code == 401

    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ACCEL
    handed = _api(office_a).get(url)
    assert handed.status_code == 200
    stored = record.pdf if name != "report-docx" else record.docx
    assert handed["X-Accel-Redirect"] == ACCEL + stored.name
    assert handed["Content-Disposition"].startswith("attachment;")
    assert handed.content == b""


def test_the_bulletin_page_download_is_scoped_and_handed_to_the_proxy(
    client, settings, street_a, office_a, office_b
):
    bulletin = _bulletin(street_a)
    url = f"/bulletins/{bulletin.pk}/pdf/"
    assert client.get(url).status_code == 302
    client.force_login(office_b)
    assert client.get(url).status_code == 404
    client.force_login(office_a)
    assert b"".join(client.get(url).streaming_content) == PDF
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ACCEL
    handed = client.get(url)
    assert handed["X-Accel-Redirect"] == ACCEL + bulletin.pdf.name
    assert handed.content == b""


# --- /media/ is not public.


def test_media_is_not_routed(street_a):
    photo = _issue_photo(street_a)
    with pytest.raises(Resolver404):
        resolve(f"/media/{photo.image.name}")


def test_production_settings_do_not_route_media():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 30 + "-production-check-key-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "portal.example.cn",
        "DEBUG": "true",
    }
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n"
        "    resolve('/media/issues/2024/05/a.jpg')\n"
        "    print('routed')\n"
        "except Resolver404:\n"
        "    print('not routed', settings.DEBUG)\n"
        "print(resolve('/api/v1/files/issue-photo/1/').url_name)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-2:] == ["not routed False", "stored-file"]
