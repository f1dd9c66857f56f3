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


# --- targets ---
class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "targets.Indicator"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ind_{n}")
    name = factory.Sequence(lambda n: f"指标{n}")
    measure = "%"
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
