"""Factories for the core rows. App-specific factories live beside them in this module's siblings."""

import factory

from tracker.choices import Role, UnitKind
from tracker.models import Unit, User, WarZone
from tracker.services import user_set_role


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"5199{n:02d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    kind = UnitKind.COUNTY


class WarZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarZone
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"zone{n}")
    name = factory.Sequence(lambda n: f"测试战区{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a role. Pass `role=` (a Role) and, for officials, `unit=`."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password("Test-pass-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            user_set_role(user=self, role=Role(extracted), unit=self.unit)


# --- projects ---
from datetime import date as _date  # noqa: E402
from decimal import Decimal as _Decimal  # noqa: E402

from projects.choices import FundArea, FundLevel, Stage  # noqa: E402
from projects.models import Fund, Payment, Project  # noqa: E402


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund
        django_get_or_create = ("name",)

    level = FundLevel.CENTRAL
    year = 2020
    area = FundArea.WATER
    name = factory.Sequence(lambda n: f"测试专项资金{n}")
    amount = _Decimal("1000000.00")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A funded project under construction by default; pass `unit=`."""

    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"XM-T-{n:04d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    unit = factory.SubFactory(UnitFactory)
    fund = factory.SubFactory(FundFactory)
    stage = Stage.STARTED
    allocated_amount = _Decimal("100000.00")
    investment = _Decimal("150000.00")
    planned_start = _date(2022, 1, 1)
    planned_completion = _date(2022, 12, 31)


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment written directly (bypassing the service) to set up figures in tests; pass `entered_by=`."""

    class Meta:
        model = Payment

    project = factory.SubFactory(ProjectFactory)
    amount = _Decimal("1000.00")
    paid_on = _date(2022, 6, 1)
    voucher_no = factory.Sequence(lambda n: f"PZ-{n:05d}")


# --- water ---
import datetime as _dt  # noqa: E402

from tracker.choices import OutletStep, OutletType, SectionLevel, SourceLevel  # noqa: E402
from tracker.models import (  # noqa: E402
    DrinkingWaterSource,
    OutletStepChange,
    River,
    SewageOutlet,
    WaterMonthlyReading,
    WaterSection,
)


class RiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = River
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试河{n}")


class WaterSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaterSection

    code = factory.Sequence(lambda n: f"WS-{n:03d}")
    name = factory.Sequence(lambda n: f"测试断面{n}")
    river = factory.SubFactory(RiverFactory)
    level = SectionLevel.PROVINCIAL
    unit = factory.SubFactory(UnitFactory)
    target_class = 3


class WaterMonthlyReadingFactory(factory.django.DjangoModelFactory):
    """A reading; pass water_class/compliant explicitly (the factory does not run the standard)."""

    class Meta:
        model = WaterMonthlyReading

    section = factory.SubFactory(WaterSectionFactory)
    month = _dt.date(2025, 1, 1)
    do = 7
    water_class = 2
    compliant = True


class SewageOutletFactory(factory.django.DjangoModelFactory):
    """An outlet at `step` with a registration history row at 排查 (history starts with the outlet)."""

    class Meta:
        model = SewageOutlet
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"RHPWK-T{n:04d}")
    name = factory.Sequence(lambda n: f"测试排口{n}")
    river = factory.SubFactory(RiverFactory)
    unit = factory.SubFactory(UnitFactory)
    outlet_type = OutletType.INDUSTRIAL
    step = OutletStep.SURVEY
    deadline = _dt.date(2030, 12, 31)

    @factory.post_generation
    def registered(self, create, extracted, **kwargs):
        if create and extracted is not False:
            from django.utils import timezone

            OutletStepChange.objects.create(
                outlet=self,
                from_step="",
                to_step=OutletStep.SURVEY,
                created_at=timezone.now(),
                work_date=extracted or _dt.date(2025, 1, 2),
                note="登记",
            )


class DrinkingWaterSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DrinkingWaterSource

    name = factory.Sequence(lambda n: f"测试水源地{n}")
    unit = factory.SubFactory(UnitFactory)
    level = SourceLevel.COUNTY_AND_ABOVE
    protection_status = "delineated"


# --- rectifications ---
import datetime as _dt  # noqa: E402

from django.utils import timezone  # noqa: E402

from rectifications.models import Inspection, RectificationItem  # noqa: E402


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection
        django_get_or_create = ("name",)

    kind = "central"
    name = factory.Sequence(lambda n: f"测试督察批次{n}")
    date = _dt.date(2026, 1, 10)


class RectificationItemFactory(factory.django.DjangoModelFactory):
    """An item of `unit` (required); pass `status=` and friends for a given state."""

    class Meta:
        model = RectificationItem

    code = factory.Sequence(lambda n: f"T-{n:04d}")
    inspection = factory.SubFactory(InspectionFactory)
    description = factory.Sequence(lambda n: f"测试问题{n}：河道两岸生活垃圾堆放")
    area = "water"
    unit = factory.SubFactory(UnitFactory)
    responsible_person = "张三"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + _dt.timedelta(days=60))
    measures = "清理垃圾，建立长效保洁机制"
    closed_on = factory.LazyAttribute(lambda o: timezone.localdate() if o.status == "closed" else None)
    status = "open"


# --- air ---
def _days_from_today(days: int):
    import datetime

    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=days)


class AirStationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tracker.AirStation"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ST{n:04d}")
    name = factory.Sequence(lambda n: f"测试站点{n}")
    level = "provincial"
    unit = factory.SubFactory(UnitFactory)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tracker.Measure"

    code = factory.Sequence(lambda n: f"M-{n:04d}")
    title = factory.Sequence(lambda n: f"测试攻坚任务{n}")
    area = "air"
    source_type = "dust"
    unit = factory.SubFactory(UnitFactory)
    responsible_person = "张伟"
    deadline = factory.LazyFunction(lambda: _days_from_today(60))
    progress = 0


# --- targets ---
class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "targets.Indicator"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ind_{n}")
    name = factory.Sequence(lambda n: f"指标{n}")
    unit_of_measure = "%"
    direction = "higher"
    area = "wastefree"
    source = "entered"


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "targets.AssessmentScheme"

    year = 2026
    name = factory.Sequence(lambda n: f"考核方案{n}")
    published = True


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "targets.AssessmentItem"

    scheme = factory.SubFactory(SchemeFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    max_points = 10.0
    rule = "proportional"
    params = factory.LazyFunction(dict)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "targets.Target"

    year = 2026
    value = 90.0


# --- people register (责任人名册) ---
class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tracker.Person"

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"张{n}")
    post = "分管副县长"
