"""Thumbnails of stored photos: lists, issue pages and phones load a small JPEG, never the
10 MB original (which stays one "查看原图" away, behind the same access check).

A thumbnail is made on its first request and kept as a file beside the originals
(``thumbs/<the original's name>.jpg`` in the same storage: the bucket on object storage, read
and written only through the storage API), so it costs one decode per photo. It
is turned upright by the photo's EXIF orientation (phones store pictures sideways with a tag
saying so), fits in ``PHOTO_THUMB_MAX_PX`` on its longer side, and carries no EXIF (no GPS).
"""

from __future__ import annotations

import io
import posixpath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageOps, UnidentifiedImageError

THUMB_DIR = "thumbs"
THUMB_QUALITY = 80


def thumbnail_name(name: str) -> str:
    """Where the thumbnail of the stored file ``name`` is kept."""
    stem, _ext = posixpath.splitext(name)
    return f"{THUMB_DIR}/{stem}.jpg"


def make_thumbnail(data: bytes, *, max_px: int) -> bytes:
    """A JPEG of ``data`` turned upright, fitting in ``max_px`` by ``max_px``."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (max_px, max_px))  # a JPEG decodes at a fraction of its size
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("RGB", "L"):
            background = Image.new("RGB", upright.size, (255, 255, 255))
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        upright.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        upright.save(out, format="JPEG", quality=THUMB_QUALITY, optimize=True)
        return out.getvalue()


def thumbnail_of(file: FieldFile) -> FieldFile:
    """The thumbnail of a stored photo, made now if it was not yet; the original itself when
    it cannot be read as an image (it was checked when stored: a damaged file is served as is)."""
    if not file:
        return file
    name = thumbnail_name(file.name)
    storage = file.storage
    if not storage.exists(name):
        try:
            with file.open("rb") as handle:
                data = handle.read()
            thumb = make_thumbnail(data, max_px=settings.PHOTO_THUMB_MAX_PX)
        except (FileNotFoundError, UnidentifiedImageError, OSError, ValueError):
            return file
        if not storage.exists(name):  # another request may have made it meanwhile
            name = storage.save(name, ContentFile(thumb))
    return FieldFile(file.instance, file.field, name)
