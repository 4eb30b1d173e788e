"""Stored files (photos, documents) go only to the accounts that see their record.

``MEDIA_ROOT`` is never served as it is: a photo's address would show it to anyone who has the
link. Every kind of stored photo registers here (``register_file_kind``, from its app's
``ready``) with the rows an account may see (the records' own ``visible_to`` scoping), and is
served by one view, ``/api/v1/files/<kind>/<pk>/``, that finds the row in the account's scope
(another region's file answers 404, like its record) and answers the bytes. The API's photo
links point there (``StoredFileField``). Documents with their own scoped download (bulletins,
reports) answer through ``stored_file_response`` too.

The bytes are streamed by Django, or, when ``MEDIA_ACCEL_REDIRECT_PREFIX`` is set, handed to
the proxy: an empty answer whose ``X-Accel-Redirect`` header names the file under an nginx
``internal`` location mapped to ``MEDIA_ROOT`` (README, "Production"). A file on object storage
(``S3_BUCKET``, core.object_storage) is answered by a 302 to a signed URL of a few minutes,
after the same check: the link cannot be guessed, and it dies before it can be passed around.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from .object_storage import is_object_storage, signed_url
from .thumbnails import thumbnail_of

# Browsers may keep a photo for the session's user; shared caches never (it is not public).
CACHE_CONTROL = "private, max-age=3600"
# A redirect to a signed URL is kept by no one: the next request gets a fresh signature (a kept
# one would send the browser to an expired link).
REDIRECT_CACHE_CONTROL = "private, no-store"


@dataclass(frozen=True)
class FileKind:
    """One kind of stored file: ``model``'s ``field``, seen by whoever sees the row."""

    slug: str
    model: type[models.Model]
    field: str
    visible: Callable[..., models.QuerySet]  # a selector: visible(user=...)


_KINDS: dict[str, FileKind] = {}


def register_file_kind(
    *,
    slug: str,
    model: type[models.Model],
    field: str,
    visible: Callable[..., models.QuerySet],
) -> None:
    """Serve ``model.<field>`` at ``/api/v1/files/<slug>/<pk>/`` to the accounts for whom
    the selector ``visible(user=...)`` holds the row."""
    _KINDS[slug] = FileKind(slug=slug, model=model, field=field, visible=visible)


def file_kinds() -> dict[str, FileKind]:
    return dict(_KINDS)


def _kind_of(instance: models.Model) -> FileKind:
    for kind in _KINDS.values():
        if isinstance(instance, kind.model):
            return kind
    raise LookupError(f"no file kind is registered for {type(instance).__name__}")


def stored_file_path(instance: models.Model) -> str:
    """The scoped address of ``instance``'s file (relative to the host)."""
    return reverse("stored-file", args=[_kind_of(instance).slug, instance.pk])


def stored_file_response(
    file: FieldFile,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    as_attachment: bool = False,
    exists: bool = False,
) -> HttpResponse:
    """The bytes of ``file`` (the caller has checked the account may have them): a redirect to
    a signed URL on object storage; streamed, or handed to the proxy by ``X-Accel-Redirect``
    when ``MEDIA_ACCEL_REDIRECT_PREFIX`` is set. 404 when the file is gone from the storage
    (``exists``: the caller has just seen it there, no need to ask the bucket again)."""
    if not file:
        raise Http404(_("文件不存在。"))
    content_type = content_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if is_object_storage(file.storage):
        if not exists and not file.storage.exists(file.name):
            raise Http404(_("文件不存在。"))
        response = HttpResponseRedirect(
            signed_url(
                file.storage,
                file.name,
                content_type=content_type,
                content_disposition=content_disposition_header(as_attachment, filename),
            )
        )
        response["Cache-Control"] = REDIRECT_CACHE_CONTROL
        return response
    if prefix:
        if not file.storage.exists(file.name):
            raise Http404(_("文件不存在。"))
        response = HttpResponse(content_type=content_type)
        # nginx decodes the URI; the stored name is ours (random) but quoted all the same.
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(file.name)}"
        disposition = content_disposition_header(as_attachment, filename)
        if disposition:
            response["Content-Disposition"] = disposition
    else:
        try:
            handle = file.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise Http404(_("文件不存在。")) from exc
        response = FileResponse(
            handle, content_type=content_type, as_attachment=as_attachment, filename=filename or ""
        )
    response["Cache-Control"] = CACHE_CONTROL
    return response


PHOTO_SIZES = ("thumb", "original")


def photo_size(value: str | None) -> str:
    """``?size=``: ``thumb`` (a small JPEG, core.thumbnails) or ``original`` (the default)."""
    if value in (None, ""):
        return "original"
    if value not in PHOTO_SIZES:
        raise serializers.ValidationError(
            {"size": [_("size 只能是 thumb（缩略图）或 original（原图）。")]}
        )
    return value


def photo_response(file: FieldFile, *, size: str = "original") -> HttpResponse:
    """A stored photo (the caller has checked the account may see it), as its thumbnail when
    ``size`` is ``thumb``."""
    if size == "thumb":
        thumb = thumbnail_of(file)
        if thumb.name != file.name:
            return stored_file_response(thumb, content_type="image/jpeg", exists=True)
    return stored_file_response(file)


def serve_stored_file(
    *, user: AbstractBaseUser, slug: str, pk: int, size: str = "original"
) -> HttpResponse:
    """The file of row ``pk`` of kind ``slug``, if ``user`` sees the row; else 404."""
    kind = _KINDS.get(slug)
    if kind is None:
        raise Http404(_("文件不存在。"))
    row = get_object_or_404(kind.visible(user=user), pk=pk)
    return photo_response(getattr(row, kind.field), size=size)


class StoredFileView(APIView):
    """A stored photo, for the accounts that see its record (token or session). ``kind``:
    ``issue-photo`` (a public report's too), ``finding-photo``, ``patch-photo``.
    ``?size=thumb``: a JPEG at most PHOTO_THUMB_MAX_PX on its longer side, upright, without
    EXIF, for lists and phones; the original by default."""

    # The bytes, or a JSON error: a photo has no spreadsheet or browsable form.
    renderer_classes = [JSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "size", OpenApiTypes.STR, enum=list(PHOTO_SIZES), description="默认 original"
            )
        ],
        responses={(200, "*/*"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, kind: str, pk: int) -> HttpResponse:
        size = photo_size(request.query_params.get("size"))
        return serve_stored_file(user=request.user, slug=kind, pk=pk, size=size)


class StoredFileField(serializers.ImageField):
    """An uploaded image in; out, the absolute address of its scoped view (not ``/media/``)."""

    def to_representation(self, value: FieldFile) -> str | None:
        if not value:
            return None
        path = stored_file_path(value.instance)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
