"""Stored files on S3-compatible object storage (core.object_storage), against a real server:
moto's ``moto_server``, which `.ci/run` starts and names in TEST_S3_ENDPOINT_URL.

A photo uploaded through the API is an object in the bucket and nothing on disk; the accounts
that see its record get a 302 to a signed URL that fetches exactly its bytes, the others 404
and no address; documents built by the pipeline and thumbnails are objects too, and the
document's download keeps its Chinese file name. Without TEST_S3_ENDPOINT_URL these tests skip,
unless CI_REQUIRE_SERVERS=1 (set by `.ci/run`) says the server must be there.

moto answers a presigned GET whatever its signature or expiry (it checks neither; only a
request with no signature at all is refused on a private object), so no test here claims a
tampered or expired URL is refused: that is the real object store's part.
"""

import datetime
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from core.documents import build
from core.object_storage import s3_storage
from patrols import bulletins

from . import factories
from .browser import launch, needs_browser, sync_api, wait_until

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT = os.environ.get("TEST_S3_ENDPOINT_URL", "").rstrip("/")
KEY, SECRET = "testing-key", "testing-secret"
SIGNED_SECONDS = 120


def _require_server() -> None:
    if ENDPOINT:
        return
    if os.environ.get("CI_REQUIRE_SERVERS") == "1":
        pytest.fail("CI_REQUIRE_SERVERS=1 but TEST_S3_ENDPOINT_URL is unset: start moto_server")
    pytest.skip("TEST_S3_ENDPOINT_URL is unset: no S3-compatible server (`.ci/run` starts one)")


@pytest.fixture
def bucket(settings, tmp_path):
    """A fresh bucket on the test server, made the default storage; MEDIA_ROOT is an empty
    folder that must stay empty."""
    _require_server()
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    name = f"rc-test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket=name,
            access_key_id=KEY,
            secret_access_key=SECRET,
            endpoint_url=ENDPOINT,
            signed_url_seconds=SIGNED_SECONDS,
            addressing_style="path",
        ),
    }
    try:
        yield SimpleNamespace(client=client, name=name, media=media)
    finally:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=item["Key"])
        client.delete_bucket(Bucket=name)


def _keys(bucket) -> list[str]:
    listed = bucket.client.list_objects_v2(Bucket=bucket.name)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def _on_disk(bucket) -> list[Path]:
    return [path for path in bucket.media.rglob("*") if path.is_file()]


def _fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the test server
            return answer.status, answer.read(), dict(answer.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers.items())


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload_issue_photo(user, issue, data: bytes):
    upload = io.BytesIO(data)
    upload.name = "现场.png"
    response = _api(user).post(
        f"/api/v1/issues/{issue.pk}/photos/",
        {"stage": "before", "image": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return issue.photos.get()


def test_an_uploaded_photo_is_a_private_object_served_by_a_signed_url_in_scope_only(
    bucket, street_a, office_a, office_b
):
    data = _png(3, 2)
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    photo = _upload_issue_photo(office_a, issue, data)

    # In the bucket, byte for byte, and nothing on disk.
    assert photo.image.name.startswith("issues/")
    assert _keys(bucket) == [photo.image.name]
    head = bucket.client.head_object(Bucket=bucket.name, Key=photo.image.name)
    assert head["ContentLength"] == len(data)
    assert _on_disk(bucket) == []

    url = f"/api/v1/files/issue-photo/{photo.pk}/"
    answer = _api(office_a).get(url)
    assert answer.status_code == 302
    assert answer["Cache-Control"] == "private, no-store"
    location = answer["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == ENDPOINT
    assert unquote(parts.path) == f"/{bucket.name}/{photo.image.name}"
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == ["120"]
    assert query["X-Amz-Signature"][0]
    assert query["X-Amz-Credential"][0].startswith(f"{KEY}/")
    status, body, headers = _fetch(location)
    assert status == 200
    assert body == data
    assert headers["content-type"] == "image/png"

    # Another region's account learns nothing, not even where the object is.
    refused = _api(office_b).get(url)
    assert refused.status_code == 404
    assert "Location" not in refused
    # The object is private: its address without a signature is refused by the bucket.
    bare_status, _body, _headers = _fetch(f"{ENDPOINT}/{bucket.name}/{photo.image.name}")
    assert bare_status == 403


def test_a_photo_gone_from_the_bucket_answers_404_not_a_dead_link(bucket, street_a, office_a):
    photo = factories.IssuePhotoFactory(issue=factories.IssueFactory(reach=street_a.reaches[0]))
    assert _keys(bucket) == [photo.image.name]
    bucket.client.delete_object(Bucket=bucket.name, Key=photo.image.name)
    answer = _api(office_a).get(f"/api/v1/files/issue-photo/{photo.pk}/")
    assert answer.status_code == 404
    assert "Location" not in answer


def test_a_finding_photo_is_served_from_the_bucket_to_the_patrol_s_office(
    bucket, street_a, office_a, office_b
):
    patrol = factories.PatrolFactory(chief=street_a.chiefs[0], reach=street_a.reaches[0])
    photo = factories.FindingPhotoFactory(finding=factories.FindingFactory(patrol=patrol))
    assert _keys(bucket) == [photo.image.name]
    url = f"/api/v1/files/finding-photo/{photo.pk}/"
    answer = _api(office_a).get(url)
    assert answer.status_code == 302
    status, body, _headers = _fetch(answer["Location"])
    assert status == 200
    assert body == bucket.client.get_object(Bucket=bucket.name, Key=photo.image.name)["Body"].read()
    assert body.startswith(b"\x89PNG")
    assert _api(office_b).get(url).status_code == 404
    assert _on_disk(bucket) == []


def test_thumbnails_are_made_from_the_bucket_and_kept_there(
    bucket, settings, street_a, office_a, office_b
):
    settings.PHOTO_THUMB_MAX_PX = 300
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    photo = _upload_issue_photo(office_a, issue, _png(1200, 600))
    stem = photo.image.name.rsplit(".", 1)[0]
    thumb_key = f"thumbs/{stem}.jpg"
    url = f"/api/v1/files/issue-photo/{photo.pk}/"

    refused = _api(office_b).get(url, {"size": "thumb"})
    assert refused.status_code == 404
    assert "Location" not in refused
    assert _keys(bucket) == [photo.image.name]  # nothing made for an account that may not see

    answer = _api(office_a).get(url, {"size": "thumb"})
    assert answer.status_code == 302
    assert answer["Cache-Control"] == "private, no-store"
    assert unquote(urlsplit(answer["Location"]).path) == f"/{bucket.name}/{thumb_key}"
    assert _keys(bucket) == sorted([photo.image.name, thumb_key])
    assert _on_disk(bucket) == []
    status, body, headers = _fetch(answer["Location"])
    assert status == 200
    assert headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(body)) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (300, 150))

    # Asked again: the kept one, not a second copy.
    again = _api(office_a).get(url, {"size": "thumb"})
    assert unquote(urlsplit(again["Location"]).path) == f"/{bucket.name}/{thumb_key}"
    assert _keys(bucket) == sorted([photo.image.name, thumb_key])


def test_pages_let_images_come_from_the_object_store(bucket, client, office_a):
    client.force_login(office_a)
    policy = client.get("/").headers["Content-Security-Policy"]
    img_src = next(d for d in policy.split("; ") if d.startswith("img-src "))
    assert img_src == f"img-src 'self' data: blob: {ENDPOINT}"


BROWSER_IMAGES = """Array.from(document.querySelectorAll("ul.thumbs img"))
    .map((img) => [img.complete, img.naturalWidth])"""


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_browser_shows_the_issue_page_s_thumbnail_from_the_bucket(
    bucket, live_server, street_a, office_a
):
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    factories.IssuePhotoFactory(issue=issue, image=ContentFile(_png(40, 20), name="site.png"))
    client = Client()
    client.force_login(office_a)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context()
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            context.add_init_script(
                "window.__csp = []; document.addEventListener('securitypolicyviolation',"
                " (e) => window.__csp.push(e.blockedURI));"
            )
            page = context.new_page()
            page.goto(f"{live_server.url}/issues/{issue.pk}/", wait_until="load")
            # Lazy: loads after the page's load event. Redirected to the bucket, allowed by the
            # page's policy, decoded: 40 px wide.
            try:
                wait_until(page, f"JSON.stringify({BROWSER_IMAGES}) === '[[true,40]]'")
            finally:
                assert page.evaluate(BROWSER_IMAGES) == [[True, 40]]
            assert page.evaluate("window.__csp") == []
        finally:
            browser.close()


def test_a_built_bulletin_is_in_the_bucket_and_downloads_with_its_chinese_name(
    bucket, street_a, office_a, office_b
):
    street = street_a.street
    street.name = "东风街道"
    street.save()
    requested = bulletins.bulletin_request(street=street, month=datetime.date(2024, 5, 1))
    bulletin = build(bulletins.BULLETINS, requested.pk)
    assert bulletin.status == "done", bulletin.error
    assert bulletin.pdf.name.startswith("bulletins/")
    assert _keys(bucket) == [bulletin.pdf.name]
    assert _on_disk(bucket) == []

    url = f"/api/v1/bulletins/{bulletin.pk}/pdf/"
    answer = _api(office_a).get(url)
    assert answer.status_code == 302
    assert answer["Cache-Control"] == "private, no-store"
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert query["X-Amz-Expires"] == ["120"]
    status, body, headers = _fetch(answer["Location"])
    assert status == 200
    assert body.startswith(b"%PDF")
    assert (
        body == bucket.client.get_object(Bucket=bucket.name, Key=bulletin.pdf.name)["Body"].read()
    )
    assert headers["content-type"] == "application/pdf"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "东风街道2024年5月河长巡河情况通报.pdf"

    refused = _api(office_b).get(url)
    assert refused.status_code == 404
    assert "Location" not in refused


def test_copy_media_to_bucket_copies_under_the_same_names_and_resumes(bucket, tmp_path):
    old_media = tmp_path / "old-media"
    files = {
        "issues/2024/05/a.png": b"photo a",
        "bulletins/东风街道通报.pdf": b"%PDF bulletin",
        "thumbs/issues/2024/05/a.jpg": b"thumb a",
        "issues/2024/05/cut.png": b"the whole photo",
    }
    for name, data in files.items():
        path = old_media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # Already copied by an earlier run, and one copy cut short.
    bucket.client.put_object(Bucket=bucket.name, Key="issues/2024/05/a.png", Body=b"photo a")
    bucket.client.put_object(Bucket=bucket.name, Key="issues/2024/05/cut.png", Body=b"the")

    out = io.StringIO()
    call_command("copy_media_to_bucket", source=old_media, workers=2, stdout=out)
    assert "copied 3, already there 1 in" in out.getvalue()
    assert _keys(bucket) == sorted(files)
    for name, data in files.items():
        assert bucket.client.get_object(Bucket=bucket.name, Key=name)["Body"].read() == data

    again = io.StringIO()
    call_command("copy_media_to_bucket", source=old_media, stdout=again)
    assert "copied 0, already there 4 in" in again.getvalue()
    assert _keys(bucket) == sorted(files)


def test_copy_media_to_bucket_refuses_without_object_storage(tmp_path):
    with pytest.raises(CommandError, match="set S3_BUCKET first"):
        call_command("copy_media_to_bucket", source=tmp_path)


# --- settings: no server needed ---------------------------------------------------------------


def _settings_in_subprocess(module: str, extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("S3_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= {"DJANGO_SETTINGS_MODULE": module, **extra}
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default'], sort_keys=True))"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )


PRODUCTION = {
    "SECRET_KEY": "x" * 30 + "-production-check-key-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "portal.example.cn",
}


def test_without_s3_bucket_files_stay_on_the_file_system():
    done = _settings_in_subprocess("config.settings.test", {})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '{"BACKEND": "django.core.files.storage.FileSystemStorage"}'


def test_s3_variables_make_the_bucket_the_default_storage():
    done = _settings_in_subprocess(
        "config.settings.production",
        {
            **PRODUCTION,
            "S3_BUCKET": "river-files",
            "S3_ENDPOINT_URL": "https://oss.example.cn",
            "S3_ACCESS_KEY_ID": "AK1",
            "S3_SECRET_ACCESS_KEY": "SK1",
            "S3_REGION": "cn-east-1",
            "S3_ADDRESSING_STYLE": "virtual",
        },
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "river-files",
            "access_key": "AK1",
            "secret_key": "SK1",
            "endpoint_url": "https://oss.example.cn",
            "region_name": "cn-east-1",
            "addressing_style": "virtual",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"S3_BUCKET": "river-files"}, "S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY missing"),
        (
            {"S3_ENDPOINT_URL": "https://oss.example.cn", "S3_ACCESS_KEY_ID": "AK1"},
            "S3_BUCKET, S3_SECRET_ACCESS_KEY missing",
        ),
        (
            {
                "S3_BUCKET": "b",
                "S3_ACCESS_KEY_ID": "AK1",
                "S3_SECRET_ACCESS_KEY": "SK1",
                "S3_ADDRESSING_STYLE": "sideways",
            },
            "S3_ADDRESSING_STYLE must be one of auto, path, virtual",
        ),
    ],
)
def test_production_refuses_half_an_object_storage_configuration(variables, named):
    done = _settings_in_subprocess("config.settings.production", {**PRODUCTION, **variables})
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert named in done.stderr
