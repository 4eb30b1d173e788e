"""Model pieces several apps share."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadedPhoto(models.Model):
    """A checked photo someone uploaded (see core.photos.check_photo); subclasses add the
    ``image`` field with their own folder and the record the photo belongs to."""

    exif = models.JSONField(_("EXIF 信息"), default=dict, blank=True)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name
