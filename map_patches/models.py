"""Map-patch verification (图斑复核): the ministry pushes suspected obstructions as coordinates,
staff check each one on site with photos and record a verdict; an obstruction becomes an issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.querysets import ScopedQuerySet
from core.models import UploadedPhoto
from rivers.models import LAT_VALIDATORS, LON_VALIDATORS


class Verdict(models.TextChoices):
    PENDING = "pending", _("待核查")
    OBSTRUCTION = "obstruction", _("确认为碍洪问题")
    NOT_OBSTRUCTION = "not_obstruction", _("非碍洪问题")
    ALREADY_FIXED = "already_fixed", _("已整改")


class PatchBatch(models.Model):
    """One pushed list of patches, imported for a street or a county."""

    name = models.CharField(_("批次名称"), max_length=100)
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="patch_batches",
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_file = models.CharField(_("源文件名"), max_length=255, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("图斑批次")
        verbose_name_plural = _("图斑批次")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.name


class MapPatch(models.Model):
    batch = models.ForeignKey(
        PatchBatch, verbose_name=_("图斑批次"), on_delete=models.CASCADE, related_name="patches"
    )
    patch_id = models.CharField(_("图斑编号"), max_length=64)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, validators=LAT_VALIDATORS)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, validators=LON_VALIDATORS)
    note = models.TextField(_("备注"), max_length=2000, blank=True)
    # Who checks it: the batch's region, or a community the office hands the patch to.
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("所在区域"),
        on_delete=models.PROTECT,
        related_name="map_patches",
    )
    verdict = models.CharField(
        _("核查结论"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING
    )
    verdict_note = models.TextField(_("核查说明"), max_length=2000, blank=True)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issue = models.OneToOneField(
        "issues.Issue",
        verbose_name=_("问题"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="map_patch",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("图斑")
        verbose_name_plural = _("图斑")
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "patch_id"],
                name="map_patch_unique_id_in_batch",
                violation_error_message=_("同一批次中图斑编号不能重复。"),
            )
        ]
        indexes = [models.Index(fields=["region", "verdict"], name="map_patch_region_verdict")]

    def __str__(self) -> str:
        return self.patch_id


class PatchPhotoQuerySet(ScopedQuerySet):
    region_lookup = "patch__region"


class PatchPhoto(UploadedPhoto):
    patch = models.ForeignKey(
        MapPatch, verbose_name=_("图斑"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("照片"), upload_to="map_patches/")

    objects = PatchPhotoQuerySet.as_manager()

    class Meta(UploadedPhoto.Meta):
        verbose_name = _("图斑照片")
        verbose_name_plural = _("图斑照片")
