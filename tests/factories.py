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


# --- rectifications ---
import datetime as _dt  # noqa: E402

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
    deadline = factory.LazyFunction(lambda: _dt.date.today() + _dt.timedelta(days=60))
    measures = "清理垃圾，建立长效保洁机制"
    closed_on = factory.LazyAttribute(lambda o: _dt.date.today() if o.status == "closed" else None)
    status = "open"
