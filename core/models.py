"""Model pieces several apps share."""

from django.conf import settings
from django.core.validators import MaxValueValidator
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


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("生成失败")


class Job(models.Model):
    """A row that is also its own background job (a document a worker builds): see core.jobs.

    ``started_at`` doubles as the claim's token: a worker writes to the row only while it
    still holds its claim, so a worker given up for dead can never overwrite its successor.
    """

    status = models.CharField(
        _("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(
        _("进度"), default=0, validators=[MaxValueValidator(100)]
    )
    # How many times a worker has claimed the row: the sweeper gives a stuck row one more try.
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The building worker's last sign of life (a progress step, or its heartbeat thread): a
    # running row silent for JOB_HEARTBEAT_STALE_SECONDS lost its worker and may be taken over.
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)

    class Meta:
        abstract = True


# The fields every job row has: its build's progress, not what the record itself says.
JOB_FIELDS = frozenset(field.name for field in Job._meta.local_fields)
