"""Stored files on S3-compatible object storage (README, "Object storage (S3-compatible)").

With ``S3_BUCKET`` set, the default storage is django-storages' ``S3Storage`` on that bucket:
photos, their thumbnails and the built documents are objects there, private (no ACL is sent, so
the bucket's own private default holds), never overwritten (a second file of the same name gets
a new one). The portal still decides who may have a file (core.media's scope check); once it
has, the browser is sent to a signed URL that lives ``S3_SIGNED_URL_SECONDS`` and fetches the
bytes from the bucket itself, so no gunicorn worker streams a 10 MB photo.

This module has no model imports: settings call ``s3_storage`` and ``half_configuration``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"
DEFAULT_SIGNED_URL_SECONDS = 300
DEFAULT_REGION = "us-east-1"  # what boto3 signs with when the server does not care (MinIO)
ADDRESSING_STYLES = ("auto", "path", "virtual")

# Every variable of the configuration: set together, or none of them.
REQUIRED = ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
OPTIONAL = ("S3_ENDPOINT_URL", "S3_REGION", "S3_SIGNED_URL_SECONDS", "S3_ADDRESSING_STYLE")


def s3_storage(
    *,
    bucket: str,
    access_key_id: str,
    secret_access_key: str,
    endpoint_url: str = "",
    region: str = "",
    signed_url_seconds: int = DEFAULT_SIGNED_URL_SECONDS,
    addressing_style: str = "",
) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry for ``bucket``."""
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "access_key": access_key_id,
            "secret_key": secret_access_key,
            "endpoint_url": endpoint_url or None,
            "region_name": region or DEFAULT_REGION,
            "addressing_style": addressing_style or None,
            "signature_version": "s3v4",
            # No ACL header: objects are as private as the bucket (a public-read ACL would let
            # anyone with the bare object URL read a photo, past the region check).
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": signed_url_seconds,
            "file_overwrite": False,
        },
    }


def half_configuration(environ: Mapping[str, str]) -> str | None:
    """What is wrong with the S3_* variables of ``environ``, or None when they are either all
    unset or complete and valid."""
    given = {name for name in (*REQUIRED, *OPTIONAL) if environ.get(name, "").strip()}
    if not given:
        return None
    missing = [name for name in REQUIRED if name not in given]
    if missing:
        return (
            f"Object storage is half configured: {', '.join(sorted(given))} set but "
            f"{', '.join(missing)} missing. Set all of {', '.join(REQUIRED)} to keep stored "
            "files in the bucket, or none of the S3_* variables to keep them in MEDIA_ROOT."
        )
    style = environ.get("S3_ADDRESSING_STYLE", "").strip()
    if style and style not in ADDRESSING_STYLES:
        return f"S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)} (got {style!r})."
    seconds = environ.get("S3_SIGNED_URL_SECONDS", "").strip()
    if seconds and (not seconds.isdigit() or not 1 <= int(seconds) <= 7 * 24 * 3600):
        return (
            "S3_SIGNED_URL_SECONDS must be a number of seconds from 1 to 604800 (a week, the "
            f"longest a signature may live; got {seconds!r})."
        )
    return None


def is_object_storage(storage: Any) -> bool:
    """Whether ``storage`` keeps its files in a bucket (served by signed URL)."""
    # Not imported here: a deployment on disk never loads boto3. A storage that is an S3Storage
    # has imported its module, once the lazy default storage is set up (``__class__`` does).
    cls = storage.__class__
    s3 = sys.modules.get("storages.backends.s3")
    return s3 is not None and issubclass(cls, s3.S3Storage)


def signed_url(
    storage: Any, name: str, *, content_type: str, content_disposition: str | None = None
) -> str:
    """A GET URL of object ``name`` signed for the storage's ``querystring_expire`` seconds; the
    bucket answers it with ``content_type`` and, if given, ``content_disposition`` (a document's
    download keeps its Chinese file name: the header is ours, RFC 6266-encoded)."""
    parameters = {"ResponseContentType": content_type}
    if content_disposition:
        parameters["ResponseContentDisposition"] = content_disposition
    return storage.url(name, parameters=parameters)


def signed_url_origin() -> str | None:
    """The origin (``scheme://host[:port]``) the default storage's signed URLs point to, for
    the pages' Content-Security-Policy (a photo's <img> is redirected there); None on disk."""
    from django.conf import settings

    if settings.STORAGES["default"]["BACKEND"] != S3_BACKEND:
        return None  # no boto3 import for a deployment on disk
    from django.core.files.storage import default_storage

    # Kept on the storage object: a settings change (tests) makes a new one.
    origin = getattr(default_storage, "_signed_url_origin", None)
    if origin is None:
        parts = urlsplit(default_storage.url("origin"))
        origin = f"{parts.scheme}://{parts.netloc}"
        default_storage._signed_url_origin = origin
    return origin
