"""The dashboard's rollups: monthly summary rows kept in step with the records they count.

Three small tables (reports.models): ``RegionMonth`` (patrols, valid patrols, issues found,
cleanups, garbage per region and month), ``IssueMonth`` (issues reported per region and month by
category, status and closing month) and ``ChiefMonth`` (each chief's required, done and counted
patrols per month, exactly as ``patrols.selectors.compliance_of`` counts them for that month).
From these, the Tree* tables hold the same figures summed over each region's subtree (region,
children, grandchildren), which is what the dashboard reads: a county's year is 12 rows.

How they stay current:
- every save and delete of a patrol, an issue or a cleanup, however made (service, API, admin,
  shell), is announced by its app (``patrols.signals``, ``issues.signals``,
  ``activities.signals``; see ``core.signals``) and ``reports.receivers`` calls ``touch`` with
  the row before and after: the cells it counted in and counts in are refreshed by the task
  ``reports.tasks.refresh_rollups`` queued on commit (inline when Celery runs eagerly). Touches
  are gathered per thread, so one transaction that writes many records queues the cells once;
- a patrol rule or roster change (``patrol_rules_changed``, ``roster_changed``) calls
  ``touch_chiefs``: the chief cells from the first day it can move are recomputed on commit;
- ``rebuild()`` recomputes whole months (``manage.py rebuild_rollups``; the nightly beat job
  rebuilds the last two months, which catches any lost message).

Each refresh recomputes its cells from the records (never adds or subtracts), under one
advisory lock, so running it twice or out of order leaves the same rows.
"""

from __future__ import annotations

import calendar
import datetime
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import Count, DateField, DateTimeField, F, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Region
from activities.models import Cleanup
from core.broker import send_now
from issues.models import Issue, IssueDeadline, IssueEvent, IssueStatus
from patrols.models import Patrol
from patrols.selectors import compliance_of
from rivers.models import PATROLLING_ROLES, Chief

from .figures import Scope, _while_serving, figure
from .models import (
    ChiefMonth,
    IssueMonth,
    IssueSourceMonth,
    OverdueSpan,
    RegionMonth,
    TreeClosedMonth,
    TreeIssueMonth,
    TreeIssueSourceMonth,
    TreeMonth,
    TreeOverdue,
)

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key: one refresh at a time, so delete-and-insert never interleave.
LOCK_KEY = 7_305_118_001
BATCH_SIZE = 2000

Key = tuple[int, datetime.date]  # (region or chief id, first day of the month)


# --- months -------------------------------------------------------------------------------------


def month_of(day: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = (month_end(month) + datetime.timedelta(days=1)).replace(day=1)
    return months


# --- marking cells stale ------------------------------------------------------------------------


@dataclass
class _Cells:
    regions: set[Key]
    chiefs: set[Key]
    # Issues whose overdue spans (and cells, looked up when refreshed) are stale.
    issues: set[int] = field(default_factory=set)


def cells_of(record) -> _Cells:
    """The rollup cells a patrol, an issue or a cleanup counts in, as the record now stands.
    A deadline setting or a timeline line names its issue (read when the cells are refreshed,
    so that announcing them costs the write no query)."""
    cells = _Cells(set(), set())
    if isinstance(record, Patrol):
        cells.regions.add((record.reach.region_id, month_of(record.started_on)))
        cells.chiefs.add((record.chief_id, month_of(record.started_on)))
    elif isinstance(record, Issue):
        cells.regions.add((record.region_id, month_of(record.reported_at)))
        if record.voided_at is not None:
            cells.regions.add((record.region_id, month_of(record.voided_at)))
        if record.pk is not None:
            cells.issues.add(record.pk)
    elif isinstance(record, IssueDeadline | IssueEvent):
        if record.issue_id is not None:
            cells.issues.add(record.issue_id)
    elif isinstance(record, Cleanup):
        cells.regions.add((record.region_id, month_of(record.date)))
    return cells


_pending = threading.local()


def touch(*records) -> None:
    """Mark the cells of ``records`` stale: those they count in now and, read again when the
    transaction commits, those they count in then (an edit may move a record to another
    month or region). Call it once per write, before or after the change."""
    pending = getattr(_pending, "records", None)
    if pending is None:
        pending = _pending.records = []
        _pending.cells = _Cells(set(), set())
    for record in records:
        try:
            now = cells_of(record)
        except ObjectDoesNotExist:
            continue
        if now.regions or now.chiefs or now.issues:
            pending.append(record)
            _pending.cells.regions |= now.regions
            _pending.cells.chiefs |= now.chiefs
            _pending.cells.issues |= now.issues
    if records:
        # Every touch registers a flush; the first to run after a commit sends everything
        # gathered so far and the rest find nothing. Cells of a rolled-back transaction ride
        # along with the next commit: a refresh too many is harmless.
        transaction.on_commit(_flush, robust=True)


def _flush() -> None:
    records = getattr(_pending, "records", None)
    if not records:
        return
    cells = _pending.cells
    # Taken first: whatever happens below, the next commit starts from nothing.
    _pending.records, _pending.cells = None, None
    for record in records:
        try:
            later = cells_of(record)
        except ObjectDoesNotExist:
            # Gone with a rolled-back transaction or a cascade: its earlier cells are known.
            continue
        cells.regions |= later.regions
        cells.chiefs |= later.chiefs
        cells.issues |= later.issues
    from .tasks import refresh_rollups

    # Fail-fast and logged (core.broker): a refresh lost to a hung broker waits for the
    # nightly rebuild; it must never fail or stall the write that caused it.
    send_now(
        refresh_rollups,
        region_months=sorted([pk, month.isoformat()] for pk, month in cells.regions),
        chief_months=sorted([pk, month.isoformat()] for pk, month in cells.chiefs),
        issue_ids=sorted(cells.issues),
    )


def touch_chiefs(*, since: datetime.date, chief_ids: Iterable[int] | None = None) -> None:
    """Mark the chief cells from ``since``'s month to the current month stale (of ``chief_ids``,
    or every chief): a rule or a roster change moves what chiefs owe in every month after it.
    Sent on commit, as ``touch``."""

    def send() -> None:
        from .tasks import refresh_chief_rollups

        send_now(
            refresh_chief_rollups,
            since=since.isoformat(),
            chief_ids=None if chief_ids is None else sorted(set(chief_ids)),
        )

    transaction.on_commit(send, robust=True)


def refresh_chiefs_since(*, since: datetime.date, chief_ids: Iterable[int] | None = None) -> int:
    """Recompute the chief cells (and the subtree sums above them) of the months from
    ``since`` (no earlier than the oldest record) to the current month."""
    oldest = _oldest_month()
    if oldest is None:
        return 0
    first = max(month_of(since), oldest)
    months = months_between(first, month_of(timezone.localdate()))
    ids = None if chief_ids is None else set(chief_ids)
    written = 0
    with transaction.atomic():
        _lock()
        regions: set[int] = set()
        if ids is not None:
            # Their patrols count (as patrols, invalid ones or cleaning rounds) only while they
            # hold the post in their role: a relief or a new role moves their reaches' cells.
            patrolled = (
                Patrol.objects.filter(chief_id__in=ids, started_on__gte=first)
                .values_list("reach__region_id", TruncMonth("started_on"))
                .distinct()
                .order_by()
            )
            for month, region_ids in sorted(_group_by_month(patrolled).items()):
                written += _refresh_regions(first=month, last=month, region_ids=region_ids)
                regions |= region_ids
        for month in months:
            touched = _refresh_chiefs(month=month, chief_ids=ids)
            written += len(touched)
            regions |= set(touched)
        written += _refresh_tree(months=months, region_ids=None if ids is None else regions)
    return written


# --- recomputing --------------------------------------------------------------------------------


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _group_by_month(keys: Iterable[Key]) -> dict[datetime.date, set[int]]:
    grouped: dict[datetime.date, set[int]] = defaultdict(set)
    for pk, month in keys:
        grouped[month_of(month)].add(pk)
    return grouped


def refresh(
    *,
    region_months: Iterable[Key] = (),
    chief_months: Iterable[Key] = (),
    issue_ids: Iterable[int] = (),
) -> int:
    """Recompute the given cells, and the overdue spans and the region cells of ``issue_ids``;
    returns the rows written."""
    written = 0
    touched: dict[datetime.date, set[int]] = defaultdict(set)
    issue_ids = set(issue_ids)
    with transaction.atomic():
        _lock()
        if issue_ids:
            spans, span_regions = _refresh_spans(issue_ids=issue_ids)
            written += spans + _refresh_overdue_tree(region_ids=span_regions)
            region_months = set(region_months) | _issue_cells(issue_ids)
        for month, region_ids in sorted(_group_by_month(region_months).items()):
            written += _refresh_regions(first=month, last=month, region_ids=region_ids)
            touched[month] |= region_ids
        for month, chief_ids in sorted(_group_by_month(chief_months).items()):
            regions = _refresh_chiefs(month=month, chief_ids=chief_ids)
            written += len(regions)
            touched[month] |= set(regions)
        for month, region_ids in sorted(touched.items()):
            written += _refresh_tree(months=[month], region_ids=region_ids)
    return written


@dataclass(frozen=True)
class RebuildResult:
    first: datetime.date | None
    last: datetime.date | None
    months: int
    rows: int


def rebuild(
    *, first: datetime.date | None = None, last: datetime.date | None = None
) -> RebuildResult:
    """Recompute every cell of the months from ``first`` to ``last`` (default: from the oldest
    record to the current month)."""
    last = month_of(last or timezone.localdate())
    first = month_of(first) if first is not None else _oldest_month()
    if first is None or first > last:
        return RebuildResult(first=first, last=last, months=0, rows=0)
    with transaction.atomic():
        _lock()
        rows = _refresh_regions(first=first, last=last, region_ids=None)
        months = months_between(first, last)
        for month in months:
            rows += len(_refresh_chiefs(month=month, chief_ids=None))
        rows += _refresh_tree(months=months, region_ids=None)
        # Spans are not monthly: every issue's, whatever the months rebuilt.
        rows += _refresh_spans(issue_ids=None)[0]
        rows += _refresh_overdue_tree(region_ids=None)
    return RebuildResult(first=first, last=last, months=len(months), rows=rows)


# --- overdue spans ------------------------------------------------------------------------------

DAY = datetime.timedelta(days=1)
Span = tuple[datetime.date, datetime.date | None]


def overdue_spans(
    *,
    reported_on: datetime.date,
    closed_on: datetime.date | None,
    deadline: datetime.date | None,
    history: list[tuple[datetime.date, datetime.date]],
) -> list[Span]:
    """The runs of days on which an issue was overdue, as ``IssueQuerySet.overdue_during``
    decides a day t: open on t (``reported_on`` <= t <= ``closed_on``) and past the deadline in
    force on t (deadline < t). ``history``: the deadline settings as (local day set, deadline),
    in the order they were set; each holds from its day to the day before the next one's (a
    later setting the same day replaces it); before the first (or with none), the issue's own
    ``deadline``. Runs are sorted, apart and not adjacent; a last day of None runs on."""
    steps: list[tuple[datetime.date | None, datetime.date | None, datetime.date]] = []
    first_on = history[0][0] if history else None
    if deadline is not None:
        steps.append((None, first_on - DAY if first_on else None, deadline))
    for i, (on, set_deadline) in enumerate(history):
        following = history[i + 1][0] if i + 1 < len(history) else None
        steps.append((on, following - DAY if following else None, set_deadline))
    runs: list[Span] = []
    for start, end, due in steps:
        low = max(day for day in (reported_on, start, due + DAY) if day is not None)
        ends = [day for day in (closed_on, end) if day is not None]
        high = min(ends) if ends else None
        if high is None or low <= high:
            runs.append((low, high))
    runs.sort(key=lambda run: run[0])
    merged: list[Span] = []
    for low, high in runs:
        if merged:
            last_low, last_high = merged[-1]
            if last_high is None or low <= last_high + DAY:
                if last_high is not None and (high is None or high > last_high):
                    merged[-1] = (last_low, high)
                continue
        merged.append((low, high))
    return merged


def _previous_month(month: datetime.date) -> datetime.date:
    return (month - DAY).replace(day=1)


def _span(
    issue_id: int,
    region_id: int,
    run: Span,
    *,
    closed_on: datetime.date | None,
    previous: datetime.date | None,
) -> OverdueSpan:
    """One run as a row, with the month keys TreeOverdue groups by (see OverdueSpan)."""
    first_day, last_day = run
    # The last day it is still open at the day's end: not its closing day.
    last_open = last_day - DAY if last_day is not None and last_day == closed_on else last_day
    if last_open is None:
        end_month = None
    elif last_open == month_end(last_open):
        end_month = month_of(last_open)
    else:
        end_month = _previous_month(month_of(last_open))
    return OverdueSpan(
        issue_id=issue_id,
        region_id=region_id,
        first_day=first_day,
        last_day=last_day,
        closed_on=closed_on,
        first_month=month_of(first_day),
        last_month=month_of(last_day) if last_day is not None else None,
        previous_month=month_of(previous) if previous is not None else None,
        end_month=end_month,
    )


def _refresh_spans(*, issue_ids: set[int] | None) -> tuple[int, set[int]]:
    """The overdue spans of ``issue_ids`` (every issue when None), from the issues as they
    stand and their deadline history; a voided or deleted issue has none. Returns the rows
    written and the regions whose spans changed (before and after)."""
    issues = Issue.objects.exclude(status=IssueStatus.VOIDED).order_by()
    history_rows = IssueDeadline.objects.order_by("issue_id", "set_at", "pk")
    old = OverdueSpan.objects.all()
    if issue_ids is not None:
        issues = issues.filter(pk__in=issue_ids)
        history_rows = history_rows.filter(issue_id__in=issue_ids)
        old = old.filter(issue_id__in=issue_ids)
    history: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for issue_id, set_at, deadline in history_rows.values_list("issue_id", "set_at", "deadline"):
        history[issue_id].append((timezone.localdate(set_at), deadline))
    spans = []
    for pk, region_id, reported_at, closed_at, deadline in issues.values_list(
        "pk", "region_id", "reported_at", "closed_at", "deadline"
    ).iterator(chunk_size=BATCH_SIZE):
        closed_on = timezone.localdate(closed_at) if closed_at else None
        previous = None
        for run in overdue_spans(
            reported_on=timezone.localdate(reported_at),
            closed_on=closed_on,
            deadline=deadline,
            history=history.get(pk, []),
        ):
            spans.append(_span(pk, region_id, run, closed_on=closed_on, previous=previous))
            previous = run[1]
    regions = {span.region_id for span in spans}
    if issue_ids is not None:
        regions |= set(old.values_list("region_id", flat=True).distinct())
    old.delete()
    OverdueSpan.objects.bulk_create(spans, batch_size=BATCH_SIZE)
    return len(spans), regions


SPAN_KEYS = ("first_month", "last_month", "previous_month", "end_month")


def _refresh_overdue_tree(*, region_ids: set[int] | None) -> int:
    """The subtree counts (TreeOverdue) of ``region_ids`` and their ancestors (every region
    when None), from the spans: a run counts in its region, the parent and the grandparent."""
    if region_ids is not None and not region_ids:
        return 0
    parents = dict(Region.objects.values_list("pk", "parent_id"))

    def chain(region_id: int) -> list[int]:
        up = []
        while region_id is not None and len(up) < 4:
            up.append(region_id)
            region_id = parents.get(region_id)
        return up

    counts: dict[tuple, int] = defaultdict(int)
    if region_ids is None:
        old = TreeOverdue.objects.all()
        rows = OverdueSpan.objects.values("region_id", *SPAN_KEYS).annotate(n=Count("*"))
        for row in rows.order_by():
            keys = tuple(row[key] for key in SPAN_KEYS)
            for target in chain(row["region_id"]):
                counts[(target, *keys)] += row["n"]
    else:
        targets = {ancestor for pk in region_ids for ancestor in chain(pk)}
        old = TreeOverdue.objects.filter(region_id__in=targets)
        for target in targets:
            for row in (
                OverdueSpan.objects.filter(region__in=Region.objects.subtree(target))
                .values(*SPAN_KEYS)
                .annotate(n=Count("*"))
                .order_by()
            ):
                counts[(target, *(row[key] for key in SPAN_KEYS))] += row["n"]
    old.delete()
    TreeOverdue.objects.bulk_create(
        (
            TreeOverdue(region_id=region_id, **dict(zip(SPAN_KEYS, keys, strict=True)), spans=n)
            for (region_id, *keys), n in counts.items()
        ),
        batch_size=BATCH_SIZE,
    )
    return len(counts)


def _issue_cells(issue_ids: set[int]) -> set[Key]:
    """The region cells the issues count in as they stand (reported, voided)."""
    cells: set[Key] = set()
    for region_id, reported_at, voided_at in Issue.objects.filter(pk__in=issue_ids).values_list(
        "region_id", "reported_at", "voided_at"
    ):
        cells.add((region_id, month_of(reported_at)))
        if voided_at is not None:
            cells.add((region_id, month_of(voided_at)))
    return cells


def _oldest_month() -> datetime.date | None:
    candidates = [
        Patrol.objects.aggregate(first=Min("started_on"))["first"],
        Issue.objects.aggregate(first=Min("reported_at"))["first"],
        Cleanup.objects.aggregate(first=Min("date"))["first"],
    ]
    found = [month_of(day) for day in candidates if day is not None]
    return min(found) if found else None


def _refresh_regions(
    *, first: datetime.date, last: datetime.date, region_ids: set[int] | None
) -> int:
    """Region cells of the months ``first``..``last`` (all regions when ``region_ids`` is None):
    the old rows go, the computed ones (cells with anything in them) come in. Each column is
    the registered figure of its name, counted by the figure's own rows (reports.figures)."""
    last_day = month_end(last)
    scope = Scope.of(region=None, date_from=first, date_to=last_day)
    patrols = Patrol.objects.filter(scope.dates("started_on"))
    issues = figure("issues_found").rows(scope).select_related(None)
    voided = figure("issues_voided").rows(scope).select_related(None)
    cleanups = figure("cleanups").rows(scope)
    old_regions = RegionMonth.objects.filter(month__gte=first, month__lte=last)
    old_issues = IssueMonth.objects.filter(month__gte=first, month__lte=last)
    old_sources = IssueSourceMonth.objects.filter(month__gte=first, month__lte=last)
    if region_ids is not None:
        patrols = patrols.filter(reach__region_id__in=region_ids)
        issues = issues.filter(region_id__in=region_ids)
        voided = voided.filter(region_id__in=region_ids)
        old_sources = old_sources.filter(region_id__in=region_ids)
        cleanups = cleanups.filter(region_id__in=region_ids)
        old_regions = old_regions.filter(region_id__in=region_ids)
        old_issues = old_issues.filter(region_id__in=region_ids)

    cells: dict[Key, RegionMonth] = {}

    def cell(region_id: int, month: datetime.date) -> RegionMonth:
        key = (region_id, month)
        if key not in cells:
            cells[key] = RegionMonth(region_id=region_id, month=month)
        return cells[key]

    counted = {key: figure(key).condition(scope) for key in PATROL_COLUMNS}
    for row in (
        patrols.values(region=F("reach__region_id"), m=TruncMonth("started_on"))
        .annotate(**{key: Count("pk", filter=condition) for key, condition in counted.items()})
        .order_by()
    ):
        target = cell(row["region"], row["m"])
        for key in PATROL_COLUMNS:
            setattr(target, key, row[key])
    issue_rows = []
    for row in (
        issues.values(
            "region_id",
            "category",
            "status",
            m=TruncMonth("reported_at", output_field=DateField()),
            closed=TruncMonth("closed_at", output_field=DateField()),
        )
        .annotate(n=Count("*"))
        .order_by()
    ):
        cell(row["region_id"], row["m"]).issues_found += row["n"]
        issue_rows.append(
            IssueMonth(
                region_id=row["region_id"],
                month=row["m"],
                category=row["category"],
                status=row["status"],
                closed_month=row["closed"],
                issues=row["n"],
            )
        )
    # "Assigned by the period's end": the first 交办's month, no later than the period's last.
    first_assign = Subquery(
        IssueEvent.objects.filter(issue=OuterRef("pk"), action="assign")
        .order_by("at")
        .values("at")[:1],
        output_field=DateTimeField(),
    )
    source_rows = [
        IssueSourceMonth(
            region_id=row["region_id"],
            month=row["m"],
            source=row["source"],
            supervised=row["supervised"],
            assigned_month=row["assigned"],
            issues=row["n"],
        )
        for row in issues.annotate(first_assign=first_assign)
        .values(
            "region_id",
            "source",
            "supervised",
            m=TruncMonth("reported_at", output_field=DateField()),
            assigned=TruncMonth("first_assign", output_field=DateField()),
        )
        .annotate(n=Count("*"))
        .order_by()
    ]
    for row in (
        voided.values("region_id", m=TruncMonth("voided_at", output_field=DateField()))
        .annotate(n=Count("*"))
        .order_by()
    ):
        cell(row["region_id"], row["m"]).issues_voided = row["n"]
    for row in (
        cleanups.values("region_id", m=TruncMonth("date"))
        .annotate(n=Count("*"), garbage=Sum("garbage_t"))
        .order_by()
    ):
        target = cell(row["region_id"], row["m"])
        target.cleanups, target.garbage_t = row["n"], row["garbage"] or Decimal(0)

    old_regions.delete()
    old_issues.delete()
    old_sources.delete()
    RegionMonth.objects.bulk_create(
        (c for c in cells.values() if _filled(c)), batch_size=BATCH_SIZE
    )
    IssueMonth.objects.bulk_create(issue_rows, batch_size=BATCH_SIZE)
    IssueSourceMonth.objects.bulk_create(source_rows, batch_size=BATCH_SIZE)
    return len(cells) + len(issue_rows) + len(source_rows)


# The patrol columns of RegionMonth and TreeMonth: registered figures of the same names.
PATROL_COLUMNS = ("patrols", "patrols_invalid", "cleaning_rounds")


def _filled(cell: RegionMonth) -> bool:
    return any(
        getattr(cell, name)
        for name in (*PATROL_COLUMNS, "issues_found", "issues_voided", "cleanups", "garbage_t")
    )


def _refresh_chiefs(*, month: datetime.date, chief_ids: set[int] | None) -> list[int]:
    """Chief cells of one month, from compliance_of over that month (the rule logic lives
    there and only there); returns the regions of the rows removed and written."""
    old = ChiefMonth.objects.filter(month=month)
    if chief_ids is None:
        chiefs = Chief.objects.all()
    else:
        # The named chiefs, and every chief of the month not rolled up yet: a chief who files
        # nothing owes patrols all the same, and must not wait for the nightly rebuild.
        old = old.filter(chief_id__in=chief_ids)
        chiefs = Chief.objects.filter(
            Q(pk__in=chief_ids)
            | ~Q(pk__in=ChiefMonth.objects.filter(month=month).values("chief_id"))
        )
    # The chiefs' (not the cleaners') rule periods that ended in the month, as the reports
    # count them: the months of a longer range add up to it.
    rows = compliance_of(
        chiefs=chiefs, date_from=month, date_to=month_end(month), roles=PATROLLING_ROLES
    )
    # The valid patrols each chief made in the month while holding the post ("chiefs who
    # patrolled", reports.figures' patrolling_chiefs), whatever the rules owe.
    patrolled = {
        row["chief_id"]: row
        for row in Patrol.objects.filter(
            _while_serving(),
            started_on__gte=month,
            started_on__lte=month_end(month),
            valid=True,
            chief__in=chiefs,
            chief__role__in=PATROLLING_ROLES,
        )
        .values("chief_id", region_id=F("chief__region_id"))
        .annotate(n=Count("pk"))
        .order_by()
    }
    cells = [
        ChiefMonth(
            chief_id=row.chief_id,
            region_id=row.region_id,
            month=month,
            required=row.required,
            done=row.done,
            counted=row.counted,
            patrolled=patrolled.pop(row.chief_id, {}).get("n", 0),
        )
        for row in rows
    ]
    cells += [
        ChiefMonth(chief_id=pk, region_id=row["region_id"], month=month, patrolled=row["n"])
        for pk, row in patrolled.items()
    ]
    regions = set(old.values_list("region_id", flat=True).distinct())
    old.delete()
    ChiefMonth.objects.bulk_create(cells, batch_size=BATCH_SIZE)
    return sorted(regions | {cell.region_id for cell in cells})


def _refresh_tree(*, months: list[datetime.date], region_ids: set[int] | None) -> int:
    """The subtree sums (Tree* rows) of ``region_ids`` and all their ancestors (every region
    when None) for ``months``, from the regions' own rows: a record counts in its region, the
    parent and the grandparent."""
    parents = dict(Region.objects.values_list("pk", "parent_id"))

    def chain(region_id: int) -> list[int]:
        up = []
        while region_id is not None and len(up) < 4:
            up.append(region_id)
            region_id = parents.get(region_id)
        return up

    targets = None
    sources = RegionMonth.objects.filter(month__in=months)
    issue_sources = IssueMonth.objects.filter(month__in=months)
    source_sources = IssueSourceMonth.objects.filter(month__in=months)
    chief_sources = ChiefMonth.objects.filter(month__in=months)
    old = [
        model.objects.filter(month__in=months)
        for model in (TreeMonth, TreeIssueMonth, TreeClosedMonth, TreeIssueSourceMonth)
    ]
    if region_ids is not None:
        targets = {ancestor for pk in region_ids for ancestor in chain(pk)}
        below = [pk for pk in parents if targets.intersection(chain(pk))]
        sources = sources.filter(region_id__in=below)
        issue_sources = issue_sources.filter(region_id__in=below)
        source_sources = source_sources.filter(region_id__in=below)
        chief_sources = chief_sources.filter(region_id__in=below)
        old = [rows.filter(region_id__in=targets) for rows in old]

    def into(region_id: int) -> list[int]:
        return [t for t in chain(region_id) if targets is None or t in targets]

    trees: dict[Key, TreeMonth] = {}

    def tree(region_id: int, month: datetime.date) -> TreeMonth:
        if (region_id, month) not in trees:
            trees[(region_id, month)] = TreeMonth(region_id=region_id, month=month)
        return trees[(region_id, month)]

    for row in sources.values_list(
        "region_id",
        "month",
        *PATROL_COLUMNS,
        "issues_found",
        "issues_voided",
        "cleanups",
        "garbage_t",
    ):
        region_id, month, *patrol_counts, found, voided, cleanups, garbage = row
        for target in into(region_id):
            cell = tree(target, month)
            for name, n in zip(PATROL_COLUMNS, patrol_counts, strict=True):
                setattr(cell, name, getattr(cell, name) + n)
            cell.issues_found += found
            cell.issues_voided += voided
            cell.cleanups += cleanups
            cell.garbage_t += garbage
    for region_id, month, required, done, counted in (
        chief_sources.values("region_id", "month")
        .annotate(required=Sum("required"), done=Sum("done"), counted=Sum("counted"))
        .values_list("region_id", "month", "required", "done", "counted")
        .order_by()
    ):
        for target in into(region_id):
            cell = tree(target, month)
            cell.required += required
            cell.done += done
            cell.counted += counted
    by_status: dict[tuple, int] = defaultdict(int)
    by_closing: dict[tuple, int] = defaultdict(int)
    for region_id, month, category, status, closed_month, n in issue_sources.values_list(
        "region_id", "month", "category", "status", "closed_month", "issues"
    ):
        for target in into(region_id):
            by_status[(target, month, category, status)] += n
            if closed_month is not None:
                by_closing[(target, month, closed_month)] += n

    by_source: dict[tuple, int] = defaultdict(int)
    for region_id, month, source, supervised, assigned_month, n in source_sources.values_list(
        "region_id", "month", "source", "supervised", "assigned_month", "issues"
    ):
        for target in into(region_id):
            by_source[(target, month, source, supervised, assigned_month)] += n

    for rows in old:
        rows.delete()
    TreeMonth.objects.bulk_create(trees.values(), batch_size=BATCH_SIZE)
    TreeIssueMonth.objects.bulk_create(
        (
            TreeIssueMonth(region_id=r, month=m, category=c, status=s, issues=n)
            for (r, m, c, s), n in by_status.items()
        ),
        batch_size=BATCH_SIZE,
    )
    TreeClosedMonth.objects.bulk_create(
        (
            TreeClosedMonth(region_id=r, month=m, closed_month=c, issues=n)
            for (r, m, c), n in by_closing.items()
        ),
        batch_size=BATCH_SIZE,
    )
    TreeIssueSourceMonth.objects.bulk_create(
        (
            TreeIssueSourceMonth(
                region_id=r, month=m, source=s, supervised=v, assigned_month=a, issues=n
            )
            for (r, m, s, v, a), n in by_source.items()
        ),
        batch_size=BATCH_SIZE,
    )
    return len(trees) + len(by_status) + len(by_closing) + len(by_source)
