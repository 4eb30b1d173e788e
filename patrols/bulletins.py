"""The monthly bulletin (月通报) of a street's patrols: requested, built by a worker, published.

"周汇报、月通报": chiefs report their patrols weekly and the office publishes every month who
patrolled as the rules ask and who fell short. A bulletin is a row that is also its own job:
``bulletin_request`` queues it, a worker claims it with a conditional UPDATE, reports progress
and ends it ``done`` with its PDF or ``failed`` with a readable error. Every later write of the
worker is conditional on its claim (status running and the ``started_at`` it set), so a worker
the sweeper has given up on can never overwrite the build that replaced it.
"""

import calendar
import datetime
import logging
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, RegionLevel, User
from accounts.roles import REGION_READERS
from core.documents import DocumentFile, DocumentKind
from core.jobs import Claim, Jobs
from core.pdf import (
    CJK_FONTS_MISSING,
    PDFUnavailable,
    cjk_font_families,
    html_to_pdf,
)
from core.text import join_items
from rivers.models import PATROLLING_ROLES, Chief, ChiefRole

from .models import Bulletin
from .periods import Period
from .rules import RuleBook
from .selectors import ComplianceRow, RankingRow, compliance_ranking, region_patrol_compliance

logger = logging.getLogger(__name__)

# A bulletin is an official Chinese document whatever language the requesting page was in.
DOCUMENT_LANGUAGE = "zh-hans"
VERSION = 1


class BulletinError(Exception):
    """A build cannot succeed as things stand; the message is shown to the office as is."""


# The queueing, claiming, retrying and sweeping are core.jobs'; a bulletin is a kind of document
# of the one pipeline (core.documents: BULLETINS, below, registered by PatrolsConfig.ready).
JOBS: Jobs[Bulletin] = Jobs(
    model=Bulletin,
    kind="bulletin",
    stuck_setting="BULLETIN_STUCK_MINUTES",
    error_message=gettext_lazy("生成通报时出错：%(detail)s。请稍后重试，或联系管理员。"),
    language=DOCUMENT_LANGUAGE,
    readable_errors=(BulletinError,),
)


# --- selectors ----------------------------------------------------------------------------------


def bulletin_streets(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).filter(level=RegionLevel.STREET)


def bulletin_list(*, user: User) -> QuerySet[Bulletin]:
    """Bulletins of the streets in the user's region; others are simply not found (404)."""
    return Bulletin.objects.filter(street__in=bulletin_streets(user=user)).select_related("street")


def bulletin_title(*, street_name: str, month: datetime.date) -> str:
    return _("%(street)s%(year)s年%(month)s月河长巡河情况通报") % {
        "street": street_name,
        "year": month.year,
        "month": month.month,
    }


def bulletin_filename(bulletin: Bulletin) -> str:
    title = bulletin.data.get("title") or bulletin_title(
        street_name=bulletin.street.name, month=bulletin.month
    )
    return f"{title}.pdf"


# --- requesting ---------------------------------------------------------------------------------


def _month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@transaction.atomic
def bulletin_request(
    *,
    street: Region,
    month: datetime.date,
    rebuild: bool = False,
    today: datetime.date | None = None,
) -> Bulletin:
    """Queue the bulletin of ``street`` for ``month``; asking again is harmless.

    A failed bulletin is queued again; a done one only with ``rebuild`` (it then takes in
    corrected patrols, and the published version is replaced when the new one is ready).
    """
    if street.level != RegionLevel.STREET:
        raise ValidationError({"street": [_("只能为街道（镇）生成通报。")]})
    first, last = _month_bounds(month)
    if last >= (today or timezone.localdate()):
        raise ValidationError({"month": [_("只能生成已结束月份的通报。")]})
    return JOBS.request(street=street, month=first, rebuild=rebuild)


def streets_with_chiefs_serving(first: datetime.date, last: datetime.date) -> QuerySet[Region]:
    """The streets that had chiefs serving (of the street or of a community of it) at some
    time from ``first`` to ``last``: those the beat jobs build a document of."""
    serving = Chief.objects.serving_between(first, last).filter(
        Q(region=OuterRef("pk")) | Q(region__parent=OuterRef("pk"))
    )
    return Region.objects.filter(level=RegionLevel.STREET).filter(Exists(serving))


def bulletins_for_last_month(*, today: datetime.date) -> list[Bulletin]:
    """The beat job of the 1st: last month's bulletin of every street that had chiefs serving."""
    first, last = _month_bounds(today.replace(day=1) - datetime.timedelta(days=1))
    streets = streets_with_chiefs_serving(first, last)
    return [bulletin_request(street=street, month=first, today=today) for street in streets]


# --- building -----------------------------------------------------------------------------------


# --- the content --------------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    """4.00 -> "4": patrols owed are whole (whole periods), written without decimals."""
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(rate: Decimal | None) -> str:
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _short(row: ComplianceRow) -> bool:
    """Short only for a whole period of the month that ended below the rule."""
    return row.short


def _rule_texts(rows: Iterable[ComplianceRow], last_day: datetime.date) -> list[str]:
    rule_book = RuleBook.load()
    roles = {row.role for row in rows}
    texts = []
    for role in ChiefRole:
        # The rule in force at the period's end: the one its last periods were counted by.
        rule = rule_book.rule_for(role, last_day) if role in roles else None
        if rule is not None:
            texts.append(
                _("%(role)s%(period)s至少巡河%(count)s次")
                % {
                    "role": role.label,
                    "period": Period(rule.period).label,
                    "count": rule.min_count,
                }
            )
    return texts


def bulletin_data(
    *,
    street: Region,
    month: datetime.date,
    rows: list[ComplianceRow],
    ranking: list[RankingRow],
    date_to: datetime.date | None = None,
    title: str | None = None,
    period_label: str | None = None,
    this_period: str | None = None,
) -> dict[str, Any]:
    """The snapshot a bulletin is published from: figures as strings, labels in Chinese.

    A month by default; another period (the weekly report, reports/weekly.py) passes its last
    day ``date_to``, its ``title``, its ``period_label`` and what "this period" reads as
    (``this_period``: "本周")."""
    date_to = date_to or _month_bounds(month)[1]
    this_period = this_period or _("本月")
    title = title or bulletin_title(street_name=street.name, month=month)
    chiefs = [
        {
            "chief_id": row.chief_id,
            "name": row.name,
            "role": row.role,
            "role_label": str(ChiefRole(row.role).label),
            "region": row.region_name,
            "required": _number(row.required),
            "done": row.done,
            "counted": row.counted,
            "rate": None if row.rate is None else str(row.rate),
            "rate_display": _percent(row.rate),
            "short": _short(row),
        }
        for row in rows
    ]
    short = sorted(
        (chief for chief in chiefs if chief["short"]),
        key=lambda chief: (Decimal(chief["rate"]), chief["region"], chief["name"]),
    )
    communities = [
        {
            "rank": row.rank,
            "region_id": row.region_id,
            "region": row.region_name,
            "chiefs": row.chiefs,
            "required": _number(row.required),
            "counted": row.counted,
            "rate": None if row.rate is None else str(row.rate),
            "rate_display": _percent(row.rate),
            "short_chiefs": row.short_chiefs,
        }
        for row in ranking
    ]
    required = sum((row.required for row in rows), Decimal(0))
    counted = sum(row.counted for row in rows)
    rate = (
        min(Decimal(1), Decimal(counted) / required).quantize(Decimal("0.0001"))
        if required > 0
        else None
    )
    totals = {
        "chiefs": len(rows),
        "required": _number(required),
        "done": sum(row.done for row in rows),
        "counted": counted,
        "rate": None if rate is None else str(rate),
        "rate_display": _percent(rate),
        "short": len(short),
        "idle": sum(1 for row in rows if row.done == 0 and _short(row)),
        "communities": len(communities),
    }
    rules = _rule_texts(rows, date_to)
    today = timezone.localdate()
    return {
        "version": VERSION,
        "title": title,
        "street": street.name,
        "street_id": street.pk,
        "month": f"{month:%Y-%m}",
        "month_label": period_label
        or _("%(year)s年%(month)s月") % {"year": month.year, "month": month.month},
        "this_period": this_period,
        "date_from": month.isoformat(),
        "date_to": date_to.isoformat(),
        "issuer": _("%(street)s河长制办公室") % {"street": street.name},
        "issued_on": _("%(year)s年%(month)s月%(day)s日")
        % {"year": today.year, "month": today.month, "day": today.day},
        "rules": rules,
        "summary": _summary(
            title=title, totals=totals, communities=communities, rules=rules, this=this_period
        ),
        "totals": totals,
        "chiefs": chiefs,
        "ranking": communities,
        "short": short,
    }


def _whole_times(required: str) -> str:
    """Prose counts whole patrols: a pro-rata 241.44 reads "约241" (the tables keep 241.44)."""
    value = Decimal(required)
    whole = value.to_integral_value(ROUND_HALF_UP)
    return _number(whole) if whole == value else _("约%(n)s") % {"n": _number(whole)}


def _summary(
    *, title: str, totals: dict[str, Any], communities: list[dict], rules: list[str], this: str
) -> list[str]:
    """The paragraphs above the tables, in the words the offices use in their own reports."""
    # "现将……通报如下": the title read as a sentence, as the seed reports open.
    opening = _("按照“周汇报、月通报”制度，现将%(title)s如下。") % {"title": title}
    if not totals["chiefs"]:
        return [opening + _("%(this)s无纳入巡河考核的河长。") % {"this": this}]
    if rules:
        opening += _("根据%(rules)s的巡河制度，") % {"rules": join_items(rules)}
    else:
        opening += this
    opening += _(
        "全街道纳入巡河考核的河长共%(chiefs)s名，%(this)s实际巡河%(done)s次，计入考核%(counted)s次，"
        "应巡河%(required)s次，总体巡河率%(rate)s。"
    ) % {
        **totals,
        "this": this,
        "required": _whole_times(totals["required"]),
        "rate": totals["rate_display"],
    }
    paragraphs = [opening]

    done_ok = totals["chiefs"] - totals["short"]
    if totals["short"]:
        standing = _(
            "其中，%(ok)s名河长按规定频次完成巡河，%(short)s名河长未达到巡河要求（名单附后）"
        ) % {"ok": done_ok, "short": totals["short"]}
        if totals["idle"]:
            standing += _("，%(idle)s名河长%(this)s未巡河") % {"idle": totals["idle"], "this": this}
        standing += _("。")
    else:
        standing = _("全部河长均按规定频次完成巡河。")
    rated = [row for row in communities if row["rate"] is not None]
    if rated:
        best, worst = Decimal(rated[0]["rate"]), Decimal(rated[-1]["rate"])
        if best == worst:
            standing += _("%(n)s个社区巡河率均为%(rate)s。") % {
                "n": len(rated),
                "rate": rated[0]["rate_display"],
            }
        else:
            top = [row["region"] for row in rated if Decimal(row["rate"]) == best]
            bottom = [row["region"] for row in rated if Decimal(row["rate"]) == worst]
            standing += _(
                "从各社区看，%(top)s巡河率最高（%(best)s），%(bottom)s巡河率最低（%(worst)s）。"
            ) % {
                "top": join_items(top),
                "best": rated[0]["rate_display"],
                "bottom": join_items(bottom),
                "worst": rated[-1]["rate_display"],
            }
    paragraphs.append(standing)

    if totals["short"]:
        paragraphs.append(
            _(
                "请未达到巡河要求的河长高度重视，对照巡河制度查找原因，切实做到按时巡河、真巡实管；"
                "各社区要加强督促，发现问题及时上报，做到发现一处、整治一处、销号一处。"
            )
        )
    else:
        paragraphs.append(
            _(
                "请各级河长继续保持，按规定频次巡河，发现问题及时上报，"
                "做到发现一处、整治一处、销号一处。"
            )
        )
    return paragraphs


# --- rendering ----------------------------------------------------------------------------------
# The font check, the static-only URL fetcher and the printing itself are core.pdf's, shared with
# the other documents.


def bulletin_html(*, data: dict[str, Any]) -> str:
    return render_to_string("patrols/bulletin_pdf.html", {"data": data})


def render_pdf(*, data: dict[str, Any], on_progress=None) -> bytes:
    try:
        return html_to_pdf(bulletin_html(data=data), on_progress=on_progress)
    except PDFUnavailable as exc:
        # Not transient: the system libraries are missing, and retrying will not install them.
        raise BulletinError(str(exc)) from exc


# --- the kind of document -----------------------------------------------------------------------


class BulletinDocument(DocumentKind[Bulletin]):
    """The monthly bulletins in the document pipeline (core.documents): one street's month,
    printed as a PDF from the compliance figures and kept as a data snapshot for its page."""

    jobs = JOBS
    label = gettext_lazy("巡河月通报")
    files = {"pdf": DocumentFile.pdf(bulletin_filename)}
    # The addresses the bulletin pages had before the pipeline, answered by its views.
    url_names = {"status": "bulletin-status", "pdf": "bulletin-download"}
    not_ready = gettext_lazy("通报尚未生成完成（当前状态：%(status)s）。")
    # Rankings name the chiefs who fell short: for the office and leaders, not the chiefs.
    readers = REGION_READERS
    refusal = gettext_lazy("巡河月通报仅供河长办和领导查看。")

    def build(self, claim: Claim[Bulletin]) -> None:
        bulletin = Bulletin.objects.select_related("street").get(pk=claim.pk)
        fonts = cjk_font_families()
        if not fonts:
            raise BulletinError(CJK_FONTS_MISSING)
        claim.progress(5)

        first, last = _month_bounds(bulletin.month)
        # Patrols (巡河) of the chiefs, never cleaners' rounds (保洁); the month has ended, so
        # every period of it is whole and a chief is short only for a whole period that fell
        # short.
        rows = region_patrol_compliance(
            region=bulletin.street, date_from=first, date_to=last, roles=PATROLLING_ROLES
        )
        claim.progress(30)
        ranking = compliance_ranking(rows, level=RegionLevel.COMMUNITY)
        data = bulletin_data(street=bulletin.street, month=first, rows=rows, ranking=ranking)
        claim.progress(40)

        pdf = render_pdf(data=data, on_progress=claim.progress)
        name = f"bulletins/{bulletin.street.code}-{first:%Y%m}.pdf"
        stored = claim.store(bulletin, "pdf", name, pdf)
        claim.publish(bulletin, files={"pdf": stored}, data=data)

    def rows(self, user: User) -> QuerySet[Bulletin]:
        return bulletin_list(user=user)

    def title(self, bulletin: Bulletin) -> str:
        """东风街道 2024-05 巡河月通报, built or not."""
        return _("%(street)s %(month)s 巡河月通报") % {
            "street": bulletin.street.name,
            "month": f"{bulletin.month:%Y-%m}",
        }

    def detail_url(self, bulletin: Bulletin) -> str:
        return reverse("bulletin-view", args=[bulletin.pk])


BULLETINS = BulletinDocument()
