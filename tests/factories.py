import datetime
from decimal import Decimal

import factory

from accounts.models import Region, RegionLevel, Role, User
from rivers.models import (
    Bank,
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    Outfall,
    OutfallKind,
    Reach,
    River,
    RiverKind,
    RiverPlan,
    RiverPlanTask,
    Sign,
    TaskStatus,
)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"测试区{n}")
    code = factory.Sequence(lambda n: f"41{n:04d}")
    level = RegionLevel.COUNTY
    parent = None


class StreetFactory(CountyFactory):
    name = factory.Sequence(lambda n: f"测试街道{n}")
    code = factory.Sequence(lambda n: f"41{n:04d}001")
    level = RegionLevel.STREET
    parent = factory.SubFactory(CountyFactory)


class CommunityFactory(CountyFactory):
    name = factory.Sequence(lambda n: f"测试社区{n}")
    code = factory.Sequence(lambda n: f"41{n:04d}001001")
    level = RegionLevel.COMMUNITY
    parent = factory.SubFactory(StreetFactory)


class RiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = River

    name = factory.Sequence(lambda n: f"测试河{n}")
    code = factory.Sequence(lambda n: f"HE{n:05d}")
    kind = RiverKind.RIVER
    length_km = Decimal("12.5")
    region = factory.SubFactory(StreetFactory)


class ReachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reach

    river = factory.SubFactory(RiverFactory)
    region = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}段")
    bank = Bank.BOTH
    length_km = Decimal("2.4")


class RiverPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiverPlan

    river = factory.SubFactory(RiverFactory)
    title = factory.Sequence(lambda n: f"一河一策方案{n}")
    start_year = 2024
    end_year = 2026
    problems = "岸线乱占，生活污水直排。"
    goals = "2026年底前消除劣V类水体。"


class RiverPlanTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiverPlanTask

    plan = factory.SubFactory(RiverPlanFactory)
    title = factory.Sequence(lambda n: f"整治任务{n}")
    responsible_unit = "区水利局"
    due = datetime.date(2025, 6, 30)
    status = TaskStatus.PLANNED


class ChiefFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chief
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"河长{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    role = ChiefRole.COMMUNITY_CHIEF
    title = "社区党支部书记"
    region = factory.SubFactory(CommunityFactory)
    appointed_on = datetime.date(2023, 1, 1)

    @factory.post_generation
    def reaches(self, create, extracted, **kwargs):
        if create and extracted:
            self.reaches.set(extracted)


class PositionedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    reach = factory.SubFactory(ReachFactory)
    lat = Decimal("34.750000")
    lon = Decimal("113.620000")


class SignFactory(PositionedFactory):
    class Meta:
        model = Sign

    code = factory.Sequence(lambda n: f"GSP-{n:05d}")
    updated_on = datetime.date(2023, 3, 1)


class OutfallFactory(PositionedFactory):
    class Meta:
        model = Outfall

    name = factory.Sequence(lambda n: f"排口{n}")
    kind = OutfallKind.RAIN


class FacilityFactory(PositionedFactory):
    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"便民桥{n}")
    kind = FacilityKind.FOOTBRIDGE


class MonitoringPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rivers.MonitoringPoint"

    name = factory.Sequence(lambda n: f"断面{n}")
    code = factory.Sequence(lambda n: f"DM{n:05d}")
    reach = factory.SubFactory(ReachFactory)
    river = factory.LazyAttribute(lambda o: o.reach.river if o.reach else RiverFactory())
    lat = Decimal("34.750000")
    lon = Decimal("113.620000")
    level = "county"
    water_body = "river"
    target_grade = "III"


class WaterReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rivers.WaterReading"

    point = factory.SubFactory(MonitoringPointFactory)
    sampled_on = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(n))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OFFICE
    region = factory.SubFactory(StreetFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


# --- Activities ----------------------------------------------------------------------------------


class PublicityEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.PublicityEvent"

    date = datetime.date(2024, 5, 10)
    title = factory.Sequence(lambda n: f"河长制宣传活动{n}")
    region = factory.SubFactory(StreetFactory)
    place = "滨河公园"
    banners = 2
    slogans = 10
    leaflets = 150


class CleanupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Cleanup"
        skip_postgeneration_save = True

    date = datetime.date(2024, 4, 12)
    title = factory.Sequence(lambda n: f"河道清理{n}")
    region = factory.SubFactory(StreetFactory)
    campaign = "routine"
    points = 3
    garbage_t = Decimal("2.50")
    garbage_m3 = Decimal("6.00")
    participants = 20
    vehicles = 2

    @factory.post_generation
    def reaches(self, create, extracted, **kwargs):
        if create and extracted:
            self.reaches.set(extracted)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Meeting"

    date = datetime.date(2024, 3, 5)
    title = factory.Sequence(lambda n: f"河长制工作会议{n}")
    region = factory.SubFactory(StreetFactory)
    kind = "work_meeting"
    attendees = 25


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Inspection"

    date = datetime.date(2024, 6, 18)
    title = factory.Sequence(lambda n: f"人大代表督查{n}")
    region = factory.SubFactory(StreetFactory)
    inspector = "congress"
    problems_found = 2


class SignUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.SignUpdate"

    sign = factory.SubFactory(SignFactory)
    date = datetime.date(2024, 7, 8)
    notes = "更新河长姓名和电话"


class OutfallCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.OutfallCheck"

    outfall = factory.SubFactory(OutfallFactory)
    date = datetime.date(2024, 5, 20)
    result = "normal"


class FacilityCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.FacilityCheck"

    facility = factory.SubFactory(FacilityFactory)
    date = datetime.date(2024, 7, 15)
    result = "normal"


# --- Patrols, issues, notifications, calendars, map patches, public reports, work reports ----


class PatrolRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patrols.PatrolRule"

    role = ChiefRole.CLEANER
    period = "day"
    min_count = 1
    valid_from = datetime.date(2000, 1, 1)  # as the rules written before rules were dated


class PatrolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patrols.Patrol"

    chief = factory.SubFactory(ChiefFactory)
    reach = factory.SubFactory(ReachFactory)
    started_at = factory.LazyFunction(
        lambda: datetime.datetime(2024, 5, 6, 9, 0, tzinfo=datetime.UTC)
    )
    ended_at = factory.LazyAttribute(lambda o: o.started_at + datetime.timedelta(minutes=40))
    started_on = factory.LazyAttribute(lambda o: o.started_at.date())
    distance_km = Decimal("1.20")
    valid = True


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patrols.Finding"

    patrol = factory.SubFactory(PatrolFactory)
    description = factory.Sequence(lambda n: f"岸边垃圾{n}")
    lat = Decimal("34.750000")
    lon = Decimal("113.620000")


class BulletinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patrols.Bulletin"

    street = factory.SubFactory(StreetFactory)
    month = datetime.date(2024, 5, 1)
    status = "pending"


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.Issue"

    code = factory.Sequence(lambda n: f"WT-2024-{n:05d}")
    title = factory.Sequence(lambda n: f"河道垃圾{n}")
    category = "dumping"
    source = "office"
    urgency = "normal"
    status = "reported"
    reach = factory.SubFactory(ReachFactory)
    region = factory.LazyAttribute(lambda o: o.reach.region if o.reach else None)
    reported_at = factory.LazyFunction(
        lambda: datetime.datetime(2024, 5, 6, 10, 0, tzinfo=datetime.UTC)
    )


class IssueEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.IssueEvent"

    issue = factory.SubFactory(IssueFactory)
    action = "report"
    to_status = "reported"


class SupervisionOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.SupervisionOrder"

    issue = factory.SubFactory(IssueFactory)
    street = factory.LazyAttribute(lambda o: o.issue.region.parent or o.issue.region)
    year = 2024
    serial = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"督办〔{o.year}〕{o.serial}号")
    deadline = datetime.date(2024, 6, 30)
    reason = "超期未整改"
    issued_at = factory.LazyFunction(
        lambda: datetime.datetime(2024, 6, 1, 9, 0, tzinfo=datetime.UTC)
    )


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "remind"
    title = factory.Sequence(lambda n: f"催办通知{n}")
    dedup_key = factory.Sequence(lambda n: f"test-{n}")


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "calendars.CalendarDay"

    date = factory.Sequence(lambda n: datetime.date(2090, 1, 1) + datetime.timedelta(days=n))
    is_workday = False
    name = "测试假日"
    source = "manual"


class DeadlineRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "calendars.DeadlineRule"
        django_get_or_create = ("category", "urgency")

    category = "dumping"
    urgency = "normal"
    working_days = 10


class PatchBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "map_patches.PatchBatch"

    name = factory.Sequence(lambda n: f"图斑批次{n}")
    region = factory.SubFactory(StreetFactory)
    source_file = "patches.csv"


class MapPatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "map_patches.MapPatch"

    batch = factory.SubFactory(PatchBatchFactory)
    patch_id = factory.Sequence(lambda n: f"TB{n:05d}")
    lat = Decimal("34.750000")
    lon = Decimal("113.620000")
    region = factory.LazyAttribute(lambda o: o.batch.region)


class PublicReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "public_reports.PublicReport"

    issue = factory.SubFactory(IssueFactory, source="public")
    tracking_code = factory.Sequence(lambda n: f"TRK{n:07d}")
    reporter_phone = factory.Sequence(lambda n: f"139{n:08d}")
    client_hash = factory.Sequence(lambda n: f"{n:064x}")


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.Report"

    region = factory.SubFactory(StreetFactory)
    kind = "quarterly"
    year = 2024
    period = 2
    status = "pending"


class IssueDeadlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.IssueDeadline"

    issue = factory.SubFactory(IssueFactory)
    deadline = datetime.date(2024, 5, 20)
    set_at = factory.LazyAttribute(lambda o: o.issue.reported_at)
    action = "assign"


def _png_file(name: str = "photo.png"):
    """A real 2x2 PNG, as the photo checks would have kept it."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


class IssuePhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.IssuePhoto"

    issue = factory.SubFactory(IssueFactory)
    stage = "before"
    image = factory.LazyFunction(_png_file)


class FindingPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patrols.FindingPhoto"

    finding = factory.SubFactory(FindingFactory)
    image = factory.LazyFunction(_png_file)


class PatchPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "map_patches.PatchPhoto"

    patch = factory.SubFactory(MapPatchFactory)
    image = factory.LazyFunction(_png_file)
