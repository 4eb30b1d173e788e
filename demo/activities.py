"""A year of demo activities for `manage.py seed_demo`: a further stage of
``demo.street.build_demo``, run after the issues.

For each street written in this run, the twelve months up to ``today`` of what the seed reports
count: publicity events (one or two a month: about 30 banners, 200-odd slogans and 2,000-odd
leaflets a year), cleanups (three to five a month, the four-disorders campaign peaking in March to
May and flood-season clearing in June to September: 100-odd tonnes and 800-odd person-times a
year), work meetings and trainings, a dozen inspections, sign updates (every sign at least once,
on the date the sign shows; the signs of a replaced chief again after the successor took over),
outfall checks (every outfall one to four times) and flood-season checks of footbridges, fords
and culverts.

What a report's sentences claim is recorded too: each publicity event names the venues it
reached (most in communities, some at schools and firms), about a third of the cleanups count
volunteers among their participants, and once a quarter a street chief checks the street's
rivers jointly with the police chief (the ``joint`` inspections: livestock farms and
slaughterhouses, sometimes outfalls or dumped garbage). These are drawn from a second
``random.Random`` per street, so the figures the first one draws stay as they were.

A check that found a problem is the one the issues stage already ticketed: the office's own
issues (source ``office``) standing exactly at an outfall, or at a footbridge, ford or culvert in
flood season, are linked to a check of that asset on the day they were reported, so every
timeline stays the one the workflow services wrote. Likewise each issue from an inspection
(source ``inspection``) has an inspection on its day that counts it among the problems found.

Rows are planned from one ``random.Random`` per street and bulk inserted, so a street's
activities do not depend on which other streets were created in the same run.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from accounts.models import Region, Role, User
from activities.models import (
    Campaign,
    Channel,
    CheckResult,
    CheckTopic,
    Cleanup,
    FacilityCheck,
    Inspection,
    Inspector,
    Meeting,
    MeetingKind,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
    Venue,
)
from issues.models import Issue, IssueSource
from rivers.models import Chief, ChiefRole, Facility, FacilityKind, Outfall, Reach, Sign

if TYPE_CHECKING:  # demo.street imports this module: no import back at run time
    from demo.street import StreetPlan

BATCH_SIZE = 500
FLOOD_MONTHS = frozenset({6, 7, 8, 9})
FOUR_DISORDERS_MONTHS = frozenset({3, 4, 5})
CHECKED_FACILITIES = (FacilityKind.FOOTBRIDGE, FacilityKind.FORD, FacilityKind.CULVERT)

# Where events are held, most used first (the reports list them so: "在滨河公园、小游园、居民小区").
PLACES = (("滨河公园", 5), ("小游园", 4), ("居民小区", 4), ("学校", 2), ("企业", 1))
PUBLICITY_TITLES = {
    "滨河公园": ("河长制进公园宣传活动", "“保护母亲河”志愿服务活动", "河湖“清四乱”政策宣传"),
    "小游园": ("河长制知识宣传活动", "“爱河护河”主题宣传活动"),
    "居民小区": ("河长制进社区宣传活动", "垃圾分类与河道保护宣传", "河长公示牌与举报电话宣传"),
    "学校": ("防溺水安全宣传进校园", "“小手拉大手”护河宣传进校园"),
    "企业": ("节约用水、保护水环境进企业", "涉河企业排污管理宣传"),
}
# The venues each place is: a pocket park (小游园) and a residential compound are the
# community's; half the riverside-park events are run with a community (drawn per event).
PLACE_VENUES = {
    "滨河公园": (Venue.PARK,),
    "小游园": (Venue.COMMUNITY, Venue.PARK),
    "居民小区": (Venue.COMMUNITY, Venue.RESIDENTIAL),
    "学校": (Venue.SCHOOL,),
    "企业": (Venue.ENTERPRISE,),
}
PARK_WITH_COMMUNITY = 0.5
ONLINE_TITLES = ("河长制微信公众号专题推送", "“河长制”线上知识问答")
WATER_DAY_TITLE = "“世界水日”“中国水周”宣传活动"

CLEANUP_TITLES = {
    Campaign.FOUR_DISORDERS: "“清四乱”专项行动：{river}垃圾清理",
    Campaign.FLOOD_SEASON: "汛期河道清障：{river}",
    Campaign.ROUTINE: "{community}河道日常清理",
}
CLEANUP_NOTES = {
    Campaign.FOUR_DISORDERS: ("清理陈年垃圾、建筑垃圾", "清理河坡乱堆乱放", "拆除临河违规搭建"),
    Campaign.FLOOD_SEASON: ("清除阻水障碍物", "清理河道漂浮物和淤积", "清理涵洞、过水路面淤堵"),
    Campaign.ROUTINE: ("清理河坡生活垃圾", "打捞水面漂浮物", ""),
}

WORK_MEETINGS = (
    "河长制工作部署会",
    "河长制工作推进会",
    "河湖“清四乱”专项行动推进会",
    "汛前河道安全工作会议",
    "河长制工作半年总结会",
    "河长制年度考核工作会议",
)
TRAININGS = ("河长制业务培训会", "巡河App使用培训")

INSPECTION_TITLES = {
    Inspector.CONGRESS: "人大代表巡河督查",
    Inspector.DISCIPLINE: "纪工委河长制专项督查",
    Inspector.PUBLIC_SUPERVISOR: "社会监督员巡河监督",
    Inspector.OFFICE: "河长办巡河暗访",
}
JOINT_CHECK_TITLE = "街道河长联合河道警长开展河洪道排查"
JOINT_CHECK_TOPICS = (CheckTopic.LIVESTOCK, CheckTopic.SLAUGHTERHOUSE)
JOINT_CHECK_EXTRA_TOPICS = (CheckTopic.OUTFALLS, CheckTopic.GARBAGE, CheckTopic.OCCUPATION)
JOINT_CHECK_NOTES = "对辖区河洪道进行全面排查，重点排查沿河畜禽养殖场户和屠宰企业"
VOLUNTEER_SHARE = 0.35  # of the cleanups that count volunteers among their participants
INSPECTORS = ((Inspector.CONGRESS, 3), (Inspector.DISCIPLINE, 3))
INSPECTORS += ((Inspector.PUBLIC_SUPERVISOR, 4), (Inspector.OFFICE, 2))
# How an inspection issue's title names who found it (demo.issues' casebook).
INSPECTOR_BY_TITLE = (("人大", Inspector.CONGRESS), ("纪工委", Inspector.DISCIPLINE))

SIGN_NOTES = ("年度更新河长姓名、职务和监督电话", "更新河长信息和监督二维码", "更换破损牌面")
SIGN_REPLACEMENT_NOTE = "河长调整，更新公示牌河长姓名和电话"
SECOND_SIGN_UPDATE = 0.15

OUTFALL_NOTES = ("排口标识清晰，无异味、无直排", "雨水排口无污水混排", "排口周边整洁", "")
FACILITY_NOTES = ("汛前排查：结构完好，过水通畅", "雨后排查：无淤堵、无损坏", "设施完好")


def build_activities(*, streets: Sequence[StreetPlan], today: datetime.date, seed: str) -> int:
    """Write a year of activities and checks for ``streets``, which must have just been written
    with their issues; returns how many rows were written."""
    written = 0
    for plan in streets:
        rng = random.Random(f"{seed}-activities-{plan.number}")  # noqa: S311 - repeatable demo  # nosec B311
        evidence = random.Random(f"{seed}-evidence-{plan.number}")  # noqa: S311  # nosec B311
        written += _Street(plan, rng, today=today, evidence=evidence).build()
    return written


def year_days(today: datetime.date) -> list[datetime.date]:
    """The days of the twelve months ending ``today`` (as demo.patrols.year_window)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    first = year_ago + datetime.timedelta(days=1)
    return [first + datetime.timedelta(days=n) for n in range((today - first).days + 1)]


class _Street:
    def __init__(
        self,
        plan: StreetPlan,
        rng: random.Random,
        *,
        today: datetime.date,
        evidence: random.Random,
    ) -> None:
        self.plan, self.rng, self.today = plan, rng, today
        self.evidence = evidence  # draws what the records add for the reports' evidence
        self.days = year_days(today)
        self.months: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
        for day in self.days:
            self.months[day.year, day.month].append(day)
        self.office = (
            User.objects.filter(role=Role.OFFICE, region=plan.street, is_active=True)
            .order_by("pk")
            .first()
        )
        self.issues = list(
            Issue.objects.in_region(plan.street)
            .filter(source__in=[IssueSource.OFFICE, IssueSource.INSPECTION])
            .order_by("reported_at", "pk")
        )

    def build(self) -> int:
        rows: dict[type[models.Model], list[models.Model]] = {
            PublicityEvent: self._publicity(),
            Meeting: self._meetings(),
            Inspection: self._inspections(),
            SignUpdate: self._sign_updates(),
            OutfallCheck: self._outfall_checks(),
            FacilityCheck: self._facility_checks(),
        }
        cleanups, cleanup_reaches = self._cleanups()
        rows[Cleanup] = cleanups
        # The evidence comes from the second generator, after all the first one draws.
        self._add_venues(rows[PublicityEvent])
        self._add_volunteers(cleanups)
        joint_checks, joint_participants = self._joint_checks()
        rows[Inspection] += joint_checks
        # Not the ``*_create`` services, row by row: a check that found a problem would open a
        # second ticket (the issues stage already opened it and it is linked here instead), and
        # each row's entry time is put back to its day afterwards. A sign update falls on the
        # date its sign shows or moves the sign forward (``_sign_updates``), so the signs are as
        # ``sign_update_create`` would leave them.
        for model, objects in rows.items():
            model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
            _entered_on_the_day(model, objects)
        through = Cleanup.reaches.through
        through.objects.bulk_create(
            [
                through(cleanup_id=cleanup.pk, reach_id=reach.pk)
                for cleanup, reaches in zip(cleanups, cleanup_reaches, strict=True)
                for reach in reaches
            ],
            batch_size=BATCH_SIZE,
        )
        joined = Inspection.participants.through
        joined.objects.bulk_create(
            [
                joined(inspection_id=check.pk, chief_id=chief.pk)
                for check, chiefs in zip(joint_checks, joint_participants, strict=True)
                for chief in chiefs
            ],
            batch_size=BATCH_SIZE,
        )
        return sum(len(objects) for objects in rows.values())

    # Helpers.

    def _day_in(
        self,
        days: Sequence[datetime.date],
        *,
        weekdays: bool = True,
        rng: random.Random | None = None,
    ) -> datetime.date:
        working = [day for day in days if day.weekday() < 5] if weekdays else []
        return (rng or self.rng).choice(working or list(days))

    def _activity(self, model: type[models.Model], **fields) -> models.Model:
        return model(created_by=self.office, **fields)

    # Publicity: one or two events a month, the water day in March, schools before summer.

    def _publicity(self) -> list[PublicityEvent]:
        rng, events = self.rng, []
        places, weights = zip(*PLACES, strict=True)
        for (year, month), days in self.months.items():
            count = rng.choices((1, 2), (55, 45))[0] if len(days) > 10 else 1
            for i in range(count):
                place = rng.choices(places, weights)[0]
                title = rng.choice(PUBLICITY_TITLES[place])
                channel = Channel.OFFLINE
                day = self._day_in(days, weekdays=place != "滨河公园")
                if month == 3 and i == 0 and datetime.date(year, 3, 22) in days:
                    title, place, channel = WATER_DAY_TITLE, "滨河公园", Channel.BOTH
                    day = datetime.date(year, 3, 22)
                elif month in (6, 7) and i == 0 and place != "学校" and rng.random() < 0.6:
                    place, title = "学校", PUBLICITY_TITLES["学校"][0]
                elif rng.random() < 0.1:
                    place, title, channel = "", rng.choice(ONLINE_TITLES), Channel.ONLINE
                online = channel == Channel.ONLINE
                events.append(
                    self._activity(
                        PublicityEvent,
                        date=day,
                        title=title,
                        region=self.plan.street,
                        place=place,
                        channel=channel,
                        units=rng.randint(2, 8),
                        participants=rng.randint(300, 900) if online else rng.randint(30, 150),
                        banners=0 if online else rng.randint(1, 3),
                        slogans=0 if online else rng.randint(9, 18),
                        leaflets=0 if online else rng.randint(100, 170),
                    )
                )
        return events

    # Cleanups: three to five a month, more in the four-disorders months.

    def _cleanups(self) -> tuple[list[Cleanup], list[list[Reach]]]:
        rng, plan = self.rng, self.plan
        cleanups: list[Cleanup] = []
        reaches_of: list[list[Reach]] = []
        by_community: dict[int, list[Reach]] = defaultdict(list)
        for reach in plan.reaches:
            by_community[id(reach.region)].append(reach)
        communities = [c for c in plan.communities if by_community[id(c)]]
        for (_year, month), days in self.months.items():
            share = len(days) / 30
            if month in FOUR_DISORDERS_MONTHS:
                campaign, count = Campaign.FOUR_DISORDERS, rng.randint(4, 6)
            elif month in FLOOD_MONTHS:
                campaign, count = Campaign.FLOOD_SEASON, rng.randint(3, 5)
            else:
                campaign, count = Campaign.ROUTINE, rng.randint(3, 4)
            for _ in range(max(1, round(count * share))):
                kind = campaign if rng.random() < 0.75 else Campaign.ROUTINE
                if kind == Campaign.ROUTINE:
                    community = rng.choice(communities)
                    own = by_community[id(community)]
                    reaches = rng.sample(own, min(len(own), rng.randint(1, 2)))
                    region = community
                else:
                    reaches = rng.sample(plan.reaches, rng.randint(1, 3))
                    region = plan.street
                cleanups.append(self._cleanup(kind, self._day_in(days), region, reaches))
                reaches_of.append(reaches)
        return cleanups, reaches_of

    def _cleanup(
        self, campaign: str, day: datetime.date, region: Region, reaches: list[Reach]
    ) -> Cleanup:
        rng = self.rng
        tonnes, people, vehicles = {
            Campaign.FOUR_DISORDERS: ((3.0, 5.5), (22, 35), (1, 4)),
            Campaign.FLOOD_SEASON: ((2.0, 3.8), (15, 26), (1, 3)),
            Campaign.ROUTINE: ((1.0, 2.2), (10, 16), (0, 1)),
        }[campaign]
        garbage_t = Decimal(f"{rng.uniform(*tonnes):.2f}")
        return self._activity(
            Cleanup,
            date=day,
            title=CLEANUP_TITLES[campaign].format(
                river=reaches[0].river.name, community=region.name
            ),
            region=region,
            campaign=campaign,
            points=rng.randint(2, 6),
            garbage_t=garbage_t,
            garbage_m3=(garbage_t * Decimal(f"{rng.uniform(2.2, 3.0):.2f}")).quantize(
                Decimal("0.01")
            ),
            participants=rng.randint(*people),
            vehicles=rng.randint(*vehicles),
            net_m=Decimal(rng.randint(5, 20) * 10) if rng.random() < 0.12 else Decimal(0),
            warning_signs=rng.randint(1, 4) if rng.random() < 0.3 else 0,
            banners=rng.randint(1, 2) if campaign == Campaign.FOUR_DISORDERS else 0,
            notes=rng.choice(CLEANUP_NOTES[campaign]),
        )

    # Meetings: a deployment meeting early in the year, a few more, one or two trainings.

    def _meetings(self) -> list[Meeting]:
        rng, meetings = self.rng, []
        months = list(self.months)
        for title in rng.sample(WORK_MEETINGS, rng.randint(4, 5)):
            days = self.months[rng.choice(months)]
            meetings.append(
                self._activity(
                    Meeting,
                    date=self._day_in(days),
                    title=title,
                    region=self.plan.street,
                    kind=MeetingKind.WORK_MEETING,
                    attendees=rng.randint(20, 40),
                )
            )
        for title in TRAININGS[: rng.randint(1, 2)]:
            meetings.append(
                self._activity(
                    Meeting,
                    date=self._day_in(self.months[rng.choice(months)]),
                    title=title,
                    region=self.plan.street,
                    kind=MeetingKind.TRAINING,
                    attendees=rng.randint(40, 80),
                )
            )
        return meetings

    # Inspections: about one a month, and one on the day of each issue an inspection raised.

    def _inspections(self) -> list[Inspection]:
        rng, inspections = self.rng, []
        ticketed: Counter[tuple[datetime.date, str]] = Counter()
        for issue in self.issues:
            if issue.source == IssueSource.INSPECTION:
                inspector = next(
                    (who for word, who in INSPECTOR_BY_TITLE if word in issue.title),
                    Inspector.OFFICE,
                )
                ticketed[timezone.localdate(issue.reported_at), inspector] += 1
        for (day, inspector), tickets in sorted(ticketed.items()):
            inspections.append(self._inspection(day, inspector, tickets + rng.randint(0, 2)))
        inspectors, weights = zip(*INSPECTORS, strict=True)
        for days in self.months.values():
            if len(days) < 10 or rng.random() < 0.1:
                continue
            inspector = rng.choices(inspectors, weights)[0]
            inspections.append(self._inspection(self._day_in(days), inspector, rng.randint(0, 3)))
        return inspections

    def _inspection(self, day: datetime.date, inspector: str, problems: int) -> Inspection:
        return self._activity(
            Inspection,
            date=day,
            title=INSPECTION_TITLES[inspector],
            region=self.plan.street,
            inspector=inspector,
            problems_found=problems,
        )

    # The evidence the reports' sentences stand on (drawn from ``self.evidence``).

    def _add_venues(self, events: list[PublicityEvent]) -> None:
        """Each event's venues from its place; at least one event at a firm in the year (the
        rarest place), moved from a pocket park (or a second compound) so the year's totals
        stay."""
        rng = self.evidence
        if not any(event.place == "企业" for event in events):
            movable = [e for e in events if e.place == "小游园"]
            compounds = [e for e in events if e.place == "居民小区"]
            movable = movable or (compounds if len(compounds) > 1 else [])
            if movable:
                event = rng.choice(movable)
                event.place, event.title = "企业", rng.choice(PUBLICITY_TITLES["企业"])
        for event in events:
            if event.channel == Channel.ONLINE:
                venues = [Venue.ONLINE]
            else:
                venues = list(PLACE_VENUES.get(event.place, (Venue.OTHER,)))
                if event.place == "滨河公园" and rng.random() < PARK_WITH_COMMUNITY:
                    venues.insert(0, Venue.COMMUNITY)
                if event.channel == Channel.BOTH:
                    venues.append(Venue.ONLINE)
            event.venues = [code for code in Venue.values if code in venues]

    def _add_volunteers(self, cleanups: list[Cleanup]) -> None:
        rng = self.evidence
        for cleanup in cleanups:
            if rng.random() < VOLUNTEER_SHARE:
                cleanup.volunteers = rng.randint(3, max(3, cleanup.participants // 3))

    def _joint_checks(self) -> tuple[list[Inspection], list[list[Chief]]]:
        """Once a quarter a street chief and the police chief check the street's rivers
        together (in the middle month of each quarter the year covers)."""
        rng, checks, participants = self.evidence, [], []
        ids = [chief.pk for chief in self.plan.chiefs]
        roster = Chief.objects.filter(
            pk__in=ids, role__in=[ChiefRole.STREET_CHIEF, ChiefRole.POLICE_CHIEF]
        ).order_by("pk")
        for (_year, month), days in self.months.items():
            if month % 3 != 2 or len(days) < 10:
                continue
            day = self._day_in(days, rng=rng)
            serving = list(roster.serving_on(day))
            street_chiefs = [c for c in serving if c.role == ChiefRole.STREET_CHIEF]
            police = [c for c in serving if c.role == ChiefRole.POLICE_CHIEF]
            if not street_chiefs or not police:
                continue
            extra = [rng.choice(JOINT_CHECK_EXTRA_TOPICS)] if rng.random() < 0.5 else []
            topics = {*JOINT_CHECK_TOPICS, *extra}
            checks.append(
                self._activity(
                    Inspection,
                    date=day,
                    title=JOINT_CHECK_TITLE,
                    region=self.plan.street,
                    inspector=Inspector.JOINT,
                    topics=[code for code in CheckTopic.values if code in topics],
                    problems_found=rng.randint(0, 2),
                    notes=JOINT_CHECK_NOTES,
                )
            )
            participants.append([rng.choice(street_chiefs), police[0]])
        return checks, participants

    # Sign updates: on the date each sign shows, sometimes once before; after a replacement.

    def _sign_updates(self) -> list[SignUpdate]:
        rng, first, updates = self.rng, self.days[0], []
        for sign in self.plan.signs:
            updates.append(
                SignUpdate(sign=sign, date=sign.updated_on, notes=rng.choice(SIGN_NOTES))
            )
            room = (sign.updated_on - first).days - 60
            if room > 0 and rng.random() < SECOND_SIGN_UPDATE:
                earlier = first + datetime.timedelta(days=rng.randrange(room))
                updates.append(SignUpdate(sign=sign, date=earlier, notes=SIGN_NOTES[2]))
        moved = []
        for successor_on, reach_ids in self._replacements():
            day = successor_on + datetime.timedelta(days=rng.randint(5, 20))
            if day > self.today:
                continue
            for sign in self.plan.signs:
                if sign.reach_id in reach_ids and sign.updated_on < day:
                    updates.append(SignUpdate(sign=sign, date=day, notes=SIGN_REPLACEMENT_NOTE))
                    sign.updated_on = day
                    moved.append(sign)
        Sign.objects.bulk_update(moved, ["updated_on"], batch_size=BATCH_SIZE)
        for update in updates:
            update.created_by = self.office
        return updates

    def _replacements(self) -> list[tuple[datetime.date, set[int]]]:
        """(the successor's first day, the reaches) of each chief replaced within the year."""
        ids = [chief.pk for chief in self.plan.chiefs]
        relieved = Chief.objects.filter(pk__in=ids, relieved_on__gte=self.days[0]).prefetch_related(
            "reaches"
        )
        return [
            (
                chief.relieved_on + datetime.timedelta(days=1),
                {reach.pk for reach in chief.reaches.all()},
            )
            for chief in relieved
        ]

    # Checks: the problems are the office's tickets standing exactly at the asset.

    def _tickets_at(self, assets: Sequence[Outfall | Facility]) -> dict[int, list[Issue]]:
        at = {(a.reach_id, a.lat, a.lon): a for a in assets}
        found: dict[int, list[Issue]] = defaultdict(list)
        for issue in self.issues:
            asset = at.get((issue.reach_id, issue.lat, issue.lon))
            if issue.source == IssueSource.OFFICE and asset is not None:
                found[asset.pk].append(issue)
        return found

    def _problem(self, model: type[models.Model], field: str, asset, issue: Issue):
        return model(
            **{field: asset},
            date=timezone.localdate(issue.reported_at),
            result=CheckResult.PROBLEM,
            notes=issue.description,
            issue=issue,
            created_by=self.office,
        )

    def _outfall_checks(self) -> list[OutfallCheck]:
        rng, checks = self.rng, []
        tickets = self._tickets_at(self.plan.outfalls)
        for outfall in self.plan.outfalls:
            problems = tickets.get(outfall.pk, [])
            checks += [self._problem(OutfallCheck, "outfall", outfall, i) for i in problems]
            times = rng.choices((1, 2, 3, 4), (2, 3, 3, 2))[0] - len(problems)
            for day in rng.sample(self.days, max(times, 0)):
                checks.append(
                    OutfallCheck(
                        outfall=outfall,
                        date=day,
                        result=CheckResult.NORMAL,
                        notes=rng.choice(OUTFALL_NOTES),
                        created_by=self.office,
                    )
                )
        return checks

    def _facility_checks(self) -> list[FacilityCheck]:
        rng, checks = self.rng, []
        season = [day for day in self.days if day.month in FLOOD_MONTHS]
        facilities = [f for f in self.plan.facilities if f.kind in CHECKED_FACILITIES]
        tickets = self._tickets_at(facilities)
        for facility in facilities:
            problems = [
                issue
                for issue in tickets.get(facility.pk, [])
                if timezone.localdate(issue.reported_at).month in FLOOD_MONTHS
            ]
            checks += [self._problem(FacilityCheck, "facility", facility, i) for i in problems]
            times = rng.choices((1, 2, 3), (3, 4, 2))[0] - len(problems)
            for day in rng.sample(season, max(times, 0)):
                checks.append(
                    FacilityCheck(
                        facility=facility,
                        date=day,
                        result=CheckResult.NORMAL,
                        notes=rng.choice(FACILITY_NOTES),
                        created_by=self.office,
                    )
                )
        return checks


def _entered_on_the_day(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Entered at the end of the working day it happened, not when the seeder ran."""
    tz, now = timezone.get_current_timezone(), timezone.now()
    for row in rows:
        at = datetime.datetime.combine(row.date, datetime.time(17, 30), tz)
        row.created_at = min(at, now)
    model.objects.bulk_update(rows, ["created_at"], batch_size=BATCH_SIZE)
