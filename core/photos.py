"""Field photos: only real images within the size limit are kept, under a random name."""

import datetime
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

# What phones produce; anything else (SVG, HTML, PDFs named .jpg) is refused.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
EXIF_DATETIME = 36867  # DateTimeOriginal


class PhotoError(ValueError):
    pass


@dataclass(frozen=True)
class CheckedPhoto:
    content: ContentFile
    exif: dict[str, str]
    taken_at: datetime.datetime | None


def _exif(image: Image.Image) -> tuple[dict[str, str], datetime.datetime | None]:
    raw = image.getexif()
    tags = dict(raw)
    tags.update(raw.get_ifd(ExifTags.IFD.Exif))
    gps = raw.get_ifd(ExifTags.IFD.GPSInfo)
    exif = {
        ExifTags.TAGS.get(key, str(key)): str(value)[:200]
        for key, value in tags.items()
        if not isinstance(value, bytes)
    }
    if gps:
        exif.update({f"GPS{ExifTags.GPSTAGS.get(k, k)}": str(v)[:200] for k, v in gps.items()})
    taken_at = None
    stamp = tags.get(EXIF_DATETIME)
    if isinstance(stamp, str):
        try:
            naive = datetime.datetime.strptime(stamp.strip(), "%Y:%m:%d %H:%M:%S")
            taken_at = timezone.make_aware(naive)  # cameras record local time
        except ValueError:
            taken_at = None
    return exif, taken_at


def check_photo(file: IO[bytes]) -> CheckedPhoto:
    size = getattr(file, "size", None)
    if size is not None and size > settings.PHOTO_MAX_BYTES:
        raise PhotoError(
            _("照片不能超过 %(mb)d MB。") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    data = file.read(settings.PHOTO_MAX_BYTES + 1)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise PhotoError(
            _("照片不能超过 %(mb)d MB。") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    try:
        with Image.open(ContentFile(data)) as image:
            image_format = image.format
            if image.width * image.height > settings.PHOTO_MAX_PIXELS:
                raise PhotoError(_("照片像素过多。"))
            image.verify()
        with Image.open(ContentFile(data)) as image:
            exif, taken_at = _exif(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise PhotoError(_("文件不是有效的图片（支持 JPEG、PNG、WebP）。")) from error
    if image_format not in ALLOWED_FORMATS:
        raise PhotoError(_("文件不是有效的图片（支持 JPEG、PNG、WebP）。"))
    name = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ALLOWED_FORMATS[image_format]}"
    return CheckedPhoto(content=ContentFile(data, name=name), exif=exif, taken_at=taken_at)
