"""Writes of the assessment (考核): schemes, rounds computed from the data, adjustments, publishing.
The scoring rule is reports.assessment's."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, User
from audit.models import AuditAction
from audit.services import audit_record, created, diff, snapshot
from core.exceptions import StateConflict

from .assessment import (
    CRITERIA,
    MIN_SERVED_DAYS,
    breakdowns_of,
    competition_ranks,
    period_bounds,
    subjects_of,
    total_of,
)
from .assessment_documents import JOBS as DOCUMENT_JOBS
from .models import (
    AssessmentAdjustment,
    AssessmentPeriod,
    AssessmentRound,
    AssessmentRoundDocument,
    AssessmentScheme,
    AssessmentScore,
    AssessmentSubject,
    RoundStatus,
)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def clean_criteria(criteria: Any) -> list[dict[str, Any]]:
    """The criteria as stored: each a known key once, a weight and a target above 0; the weights
    add up to 100. Anything else: a ValidationError in Chinese."""
    if not isinstance(criteria, list) or not criteria:
        raise ValidationError({"criteria": _("请至少填写一项考核指标。")})
    cleaned, seen = [], set()
    for item in criteria:
        if not isinstance(item, dict):
            raise ValidationError({"criteria": _("每项考核指标须包含指标、权重和目标值。")})
        key = item.get("key")
        if key not in CRITERIA:
            raise ValidationError({"criteria": _("未知的考核指标：%(key)s。") % {"key": key}})
        if key in seen:
            raise ValidationError({"criteria": _("考核指标不能重复：%(key)s。") % {"key": key}})
        seen.add(key)
        weight, target = _number(item.get("weight")), _number(item.get("target"))
        if weight is None or weight <= 0 or target is None or target <= 0 or target > 100:
            raise ValidationError({"criteria": _("权重须大于0，目标值须在0到100之间（百分比）。")})
        cleaned.append({"key": key, "weight": float(weight), "target": float(target)})
    total = sum(Decimal(str(c["weight"])) for c in cleaned)
    if total != 100:
        raise ValidationError(
            {"criteria": _("各项指标的权重之和须为100，现为%(total)s。") % {"total": total}}
        )
    return cleaned


def _clean_scheme(*, subject: str, period: str) -> None:
    if subject not in AssessmentSubject.values:
        raise ValidationError({"subject": _("考核对象无效。")})
    if period not in AssessmentPeriod.values:
        raise ValidationError({"period": _("考核周期无效。")})


@transaction.atomic
def assessment_scheme_create(
    *, user: User, name: str, subject: str, period: str, criteria: Any
) -> AssessmentScheme:
    _clean_scheme(subject=subject, period=period)
    scheme = AssessmentScheme.objects.create(
        name=name, subject=subject, period=period, criteria=clean_criteria(criteria)
    )
    audit_record(user=user, action=AuditAction.CREATE, obj=scheme, changes=created(scheme))
    return scheme


@transaction.atomic
def assessment_scheme_update(
    *, instance: AssessmentScheme, user: User, **data: Any
) -> AssessmentScheme:
    before = snapshot(instance)
    for field in ("name", "subject", "period"):
        if field in data:
            setattr(instance, field, data[field])
    if "criteria" in data:
        instance.criteria = clean_criteria(data["criteria"])
    _clean_scheme(subject=instance.subject, period=instance.period)
    if instance.rounds.filter(status=RoundStatus.PUBLISHED).exists():
        raise StateConflict(_("该方案已有发布的考核结果，不能修改；请新建方案。"))
    instance.save()
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=instance, changes=diff(before, snapshot(instance))
    )
    return instance


def _adjustments_of(round_: AssessmentRound) -> dict[int, Decimal]:
    return dict(
        round_.adjustments.order_by()
        .values("subject_id")
        .annotate(total=Sum("points"))
        .values_list("subject_id", "total")
    )


def _score(scores: list[AssessmentScore], adjustments: dict[int, Decimal]) -> None:
    """Each score = its breakdown's points + its adjustments, within 0-100; ranks anew (those
    who served under 30 days unranked). In memory: the caller writes them."""
    for score in scores:
        score.adjustment = adjustments.get(score.subject_id, Decimal(0))
        score.score = total_of(score.breakdown, score.adjustment)
    ranks = competition_ranks(
        [score.score if score.served_days >= MIN_SERVED_DAYS else None for score in scores]
    )
    for score, rank in zip(scores, ranks, strict=True):
        score.rank = rank


def _rescore(round_: AssessmentRound) -> None:
    """Score and rank the round's scores anew after its adjustments changed, writing only the
    rows that changed in one UPDATE (bulk_update's CASE per row takes minutes on a county's
    10,000 scores; one adjustment moves one score and the ranks below it)."""
    scores = list(
        round_.scores.order_by().only(
            "id", "subject_id", "served_days", "breakdown", "adjustment", "score", "rank"
        )
    )
    before = {score.pk: (score.adjustment, score.score, score.rank) for score in scores}
    _score(scores, _adjustments_of(round_))
    changed = [s for s in scores if before[s.pk] != (s.adjustment, s.score, s.rank)]
    if not changed:
        return
    table = connection.ops.quote_name(AssessmentScore._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET adjustment = v.adjustment, score = v.score, "  # noqa: S608  # nosec B608
            "rank = v.rank FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::int[]) "
            "AS v(id, adjustment, score, rank) WHERE s.id = v.id",
            [
                [s.pk for s in changed],
                [s.adjustment for s in changed],
                [s.score for s in changed],
                [s.rank for s in changed],
            ],
        )


def _fill(round_: AssessmentRound) -> int:
    """Write the round's scores from the data as it stands: every subject of its scheme in its
    region over its period, with its adjustments. The criteria compute each value for all the
    subjects at once (reports.assessment), so a county round is a few queries."""
    date_from, date_to = period_bounds(round_.year, round_.period)
    subjects = subjects_of(
        subject=round_.scheme.subject, region=round_.region, date_from=date_from, date_to=date_to
    )
    breakdowns = breakdowns_of(round_.scheme.criteria, subjects)
    scores = [
        AssessmentScore(
            round=round_,
            subject_id=subject.id,
            name=subject.name,
            served_days=subject.served_days,
            breakdown=breakdowns[subject.id],
        )
        for subject in subjects
    ]
    _score(scores, _adjustments_of(round_))
    AssessmentScore.objects.bulk_create(scores, batch_size=2000)
    return len(scores)


def _draft(round_: AssessmentRound, message: str) -> AssessmentRound:
    """The round locked for the write, or StateConflict (409) once published."""
    round_ = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
    if round_.status == RoundStatus.PUBLISHED:
        raise StateConflict(message)
    return round_


@transaction.atomic
def assessment_round_compute(
    *, user: User, scheme: AssessmentScheme, region: Region, year: int, period: int | None = None
) -> AssessmentRound:
    """A draft round: every subject of the scheme in the region scored over the period."""
    if scheme.period == AssessmentPeriod.QUARTER:
        if period not in (1, 2, 3, 4):
            raise ValidationError({"period": _("季度考核须填写季度（1-4）。")})
    elif period is not None:
        raise ValidationError({"period": _("年度考核不填季度。")})
    date_from, _date_to = period_bounds(year, period)
    if date_from > timezone.localdate():
        raise ValidationError({"period": _("考核期尚未开始，不能计算。")})
    round_ = AssessmentRound.objects.create(
        scheme=scheme, region=region, year=year, period=period, computed_at=timezone.now()
    )
    _fill(round_)
    audit_record(user=user, action=AuditAction.CREATE, obj=round_, changes=created(round_))
    return round_


@transaction.atomic
def assessment_round_recompute(*, user: User, round_: AssessmentRound) -> AssessmentRound:
    """A draft's scores computed again from today's data (a late patrol, an issue closed, an
    appointment corrected) under its scheme's criteria; its adjustments are kept and count
    again. 409 once published."""
    round_ = _draft(round_, _("该考核结果已发布，不能重新计算。"))
    before = snapshot(round_)
    round_.scores.all().delete()
    round_.computed_at = timezone.now()
    round_.save(update_fields=["computed_at"])
    count = _fill(round_)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=round_,
        changes=diff(before, snapshot(round_)),
        detail={"recomputed": True, "scores": count},
    )
    return round_


@transaction.atomic
def assessment_round_delete(*, instance: AssessmentRound, user: User) -> None:
    """A draft round removed with its scores and adjustments; 409 once published."""
    round_ = _draft(instance, _("该考核结果已发布，不能删除。"))
    before = snapshot(round_)
    pk, name = round_.pk, str(round_)
    adjustments = round_.adjustments.count()
    round_.delete()
    audit_record(
        user=user,
        action=AuditAction.DELETE,
        object_type=AssessmentRound._meta.label_lower,
        object_id=pk,
        object_repr=name,
        changes=diff(before, {}),
        detail={"adjustments": adjustments},
    )


@transaction.atomic
def assessment_round_publish(*, user: User, round_: AssessmentRound) -> AssessmentRound:
    round_ = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
    if round_.status == RoundStatus.PUBLISHED:
        raise StateConflict(_("该考核结果已发布，不能再更改。"))
    before = snapshot(round_)
    round_.status = RoundStatus.PUBLISHED
    round_.published_at = timezone.now()
    round_.save(update_fields=["status", "published_at"])
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=round_, changes=diff(before, snapshot(round_))
    )
    return round_


@transaction.atomic
def assessment_adjustment_create(
    *, user: User, round: AssessmentRound, subject_id: int, points: Decimal, reason: str
) -> AssessmentAdjustment:
    round_ = _draft(round, _("该考核结果已发布，不能再加减分。"))
    if not round_.scores.filter(subject_id=subject_id).exists():
        raise ValidationError({"subject_id": _("该考核对象不在本轮考核中。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写加减分理由。")})
    if not points:
        raise ValidationError({"points": _("分值不能为0。")})
    adjustment = AssessmentAdjustment.objects.create(
        round=round_,
        subject_id=subject_id,
        points=points,
        reason=reason.strip(),
        created_by=user,
    )
    _rescore(round_)
    audit_record(user=user, action=AuditAction.CREATE, obj=adjustment, changes=created(adjustment))
    return adjustment


@transaction.atomic
def assessment_round_documents_request(*, round_: AssessmentRound) -> AssessmentRoundDocument:
    """Queue the Excel ledger and the PDF of a published round (reports.assessment_documents):
    built once, since the round is frozen; asking again returns the same row, and queues a
    failed build again. A draft has none yet (409)."""
    round_ = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
    if round_.status != RoundStatus.PUBLISHED:
        raise StateConflict(_("考核结果尚未发布，发布后才能导出Excel和PDF。"))
    document, made = AssessmentRoundDocument.objects.get_or_create(
        round=round_, defaults={"queued_at": timezone.now()}
    )
    if made:
        DOCUMENT_JOBS.send(document.pk)
    elif DOCUMENT_JOBS.requeue(document.pk):
        document.refresh_from_db()
    return document


@transaction.atomic
def assessment_adjustment_delete(*, instance: AssessmentAdjustment, user: User) -> None:
    """An adjustment of a draft withdrawn, its subject scored and the round ranked again; 409
    once the round is published."""
    round_ = _draft(instance.round, _("该考核结果已发布，不能再删除加减分。"))
    before = snapshot(instance)
    pk, name = instance.pk, str(instance)
    instance.delete()
    _rescore(round_)
    audit_record(
        user=user,
        action=AuditAction.DELETE,
        object_type=AssessmentAdjustment._meta.label_lower,
        object_id=pk,
        object_repr=name,
        changes=diff(before, {}),
    )
