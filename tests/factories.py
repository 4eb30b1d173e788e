import datetime
from decimal import Decimal

import factory

from accounts.models import Role, User
from rivers.models import (
    Bank,
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    Outfall,
    OutfallKind,
    Reach,
    Region,
    RegionLevel,
    River,
    RiverKind,
    Sign,
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
