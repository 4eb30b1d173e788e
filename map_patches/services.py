"""Writes for map-patch verification: import a pushed list, hand a patch to a community,
record the on-site verdict (an obstruction opens one issue, however often it is verified)."""

from collections.abc import Sequence
from pathlib import PurePath
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, RegionLevel, User
from core.photos import CheckedPhoto, PhotoError, check_photo
from core.services import model_create, model_update
from issues.models import IssueCategory, IssueSource
from issues.services import issue_photos_share, issue_report

from .ledger import read_patch_list
from .models import MapPatch, PatchBatch, PatchPhoto, Verdict

MAX_PHOTOS = 20
BATCH_LEVELS = frozenset({RegionLevel.STREET, RegionLevel.COUNTY})


def _check_region(*, user: User, region: Region) -> None:
    if region.level not in BATCH_LEVELS:
        raise ValidationError({"region": [_("图斑批次须属于街道或区县。")]})
    if not Region.objects.visible_to(user).filter(pk=region.pk).exists():
        raise ValidationError({"region": [_("所选区域不在您的管辖范围内。")]})


def patch_batch_import(
    *, user: User, region: Region, file: IO[bytes], name: str = ""
) -> PatchBatch:
    """Import a pushed patch list (CSV in UTF-8 or GBK, or .xlsx) as a new batch: all of it or,
    when any row is wrong, none of it (``PatchListRejected`` names every bad cell)."""
    _check_region(user=user, region=region)
    rows = read_patch_list(file)
    source_file = PurePath(getattr(file, "name", "") or "").name[:255]
    name = name.strip() or PurePath(source_file).stem or _("图斑复核")
    with transaction.atomic():
        batch = model_create(
            model=PatchBatch,
            data={
                "name": name[:100],
                "region": region,
                "imported_by": user,
                "source_file": source_file,
            },
        )
        MapPatch.objects.bulk_create(
            MapPatch(
                batch=batch,
                patch_id=row.patch_id,
                lat=row.lat,
                lon=row.lon,
                note=row.note,
                region=region,
            )
            for row in rows
        )
    return batch


def patch_update(*, instance: MapPatch, user: User, region: Region | None = None) -> MapPatch:
    """Hand a patch to a community of the batch's region, whose chiefs then see it."""
    if region is None:
        return instance
    batch_region_id = instance.batch.region_id
    if not Region.objects.subtree(batch_region_id).filter(pk=region.pk).exists():
        raise ValidationError({"region": [_("须为本批次所属区域或其下级区域。")]})
    return model_update(instance=instance, data={"region": region})


def _checked_photos(photos: Sequence[IO[bytes]]) -> list[CheckedPhoto]:
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("一次最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}]})
    checked = []
    for index, photo in enumerate(photos, start=1):
        try:
            checked.append(check_photo(photo))
        except PhotoError as error:
            raise ValidationError(
                {"photos": [_("第%(n)d张：%(error)s") % {"n": index, "error": error}]}
            ) from error
    return checked


def _issue_title(patch: MapPatch, note: str) -> str:
    what = next(
        (line.strip() for text in (note, patch.note) for line in text.splitlines() if line.strip()),
        _("确认为碍洪问题"),
    )
    return (_("图斑%(id)s：%(what)s") % {"id": patch.patch_id, "what": what})[:200]


def _issue_description(patch: MapPatch, note: str) -> str:
    lines = [_("图斑复核批次：%(name)s") % {"name": patch.batch.name}]
    if patch.note:
        lines.append(_("图斑备注：%(note)s") % {"note": patch.note})
    if note:
        lines.append(_("核查说明：%(note)s") % {"note": note})
    return "\n".join(lines)[:5000]


@transaction.atomic
def patch_verify(
    *,
    user: User,
    patch: MapPatch,
    verdict: str,
    note: str = "",
    photos: Sequence[IO[bytes]] = (),
) -> MapPatch:
    """Record what was found on site, with photos. A confirmed obstruction opens an issue (source
    图斑复核, category 阻水障碍) in the patch's region; verifying it again keeps that one issue."""
    if verdict not in Verdict.values or verdict == Verdict.PENDING:
        raise ValidationError({"verdict": [_("请选择核查结论。")]})
    checked = _checked_photos(photos)
    # Locked, so two people verifying at once cannot open two issues.
    patch = MapPatch.objects.select_for_update().select_related("batch").get(pk=patch.pk)
    if not checked and not patch.photos.exists():
        raise ValidationError({"photos": [_("请上传现场照片。")]})
    note = note.strip()
    added = [
        PatchPhoto.objects.create(
            patch=patch,
            image=photo.content,
            exif=photo.exif,
            taken_at=photo.taken_at,
            uploaded_by=user,
        )
        for photo in checked
    ]
    patch.verdict = verdict
    patch.verdict_note = note
    patch.checked_at = timezone.now()
    patch.checked_by = user
    if verdict == Verdict.OBSTRUCTION:
        if patch.issue_id is None:
            patch.issue = issue_report(
                user=user,
                title=_issue_title(patch, note),
                description=_issue_description(patch, note),
                category=IssueCategory.FLOOD_OBSTRUCTION,
                source=IssueSource.MAP_PATCH,
                region=patch.region,
                lat=patch.lat,
                lon=patch.lon,
                reported_at=patch.checked_at,
            )
            added = list(patch.photos.all())
        # The site photos are the issue's "before" pictures; the files are shared, not copied.
        issue_photos_share(issue=patch.issue, photos=added)
    patch.full_clean()
    patch.save()
    return patch
