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
