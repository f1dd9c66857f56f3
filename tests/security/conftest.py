"""Shared set-up for the battery: media in a temp dir, one object of every kind for unit A and unit B."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@dataclass
class UnitWorld:
    """One object of every kind that belongs to a unit (the subjects of the per-object URLs)."""

    unit: object
    objects: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.objects[key]


def build_unit_world(unit, official) -> UnitWorld:
    """Everything a unit owns, made with the shared factories (tests/factories.py)."""
    from projects.models import ProgressPhoto
    from projects.models import ProgressReport as ProjectReport
    from rectifications.models import Evidence, Notice
    from tests.factories import (
        PaymentFactory,
        ProjectFactory,
        RectificationItemFactory,
        SewageOutletFactory,
        WaterSectionFactory,
    )
    from tracker.models import OutletStepChange

    w = UnitWorld(unit=unit)
    w.objects["section"] = WaterSectionFactory(unit=unit)
    outlet = SewageOutletFactory(unit=unit)
    change = OutletStepChange(
        outlet=outlet,
        from_step="survey",
        to_step="survey",
        actor=official,
        created_at=timezone.now(),
        work_date=dt.date(2025, 2, 1),
        note="方案",
        document_name="方案.pdf",
    )
    change.document.save(f"outlets/{outlet.pk}/plan.pdf", ContentFile(PDF), save=True)
    w.objects["outlet"] = outlet
    w.objects["outlet_change"] = change
    project = ProjectFactory(unit=unit)
    w.objects["project"] = project
    w.objects["payment"] = PaymentFactory(project=project, entered_by=official)
    report = ProjectReport.objects.create(
        project=project, reported_on=dt.date(2022, 6, 1), progress=10, reported_by=official
    )
    photo = ProgressPhoto(report=report, original_name="现场.png", content_type="image/png")
    photo.file.save(f"projects/{project.pk}/x.png", ContentFile(PNG), save=True)
    w.objects["photo"] = photo
    item = RectificationItemFactory(unit=unit)
    w.objects["item"] = item
    w.objects["closed_item"] = RectificationItemFactory(unit=unit, status="closed")
    ev = Evidence(item=item, original_name="现场.png", mime="image/png", size=len(PNG), uploaded_by=official)
    ev.file.save(f"rectifications/{item.pk}/x/现场.png", ContentFile(PNG), save=True)
    w.objects["evidence"] = ev
    w.objects["notice"] = Notice.objects.create(
        item=item, unit=unit, person="张三", level="reminder", created_at=timezone.now()
    )
    from rectifications.documents import notice_number

    notice_number(notice=w.objects["notice"], user=official)  # numbered: its Word copy can be downloaded
    from projects.models import Pilot, PilotMilestone

    pilot = Pilot.objects.create(name=f"试点{unit.code}", level="city", kind="other", lead_unit=unit)
    w.objects["pilot"] = pilot
    w.objects["milestone"] = PilotMilestone.objects.create(pilot=pilot, name="节点一", planned_on=dt.date(2026, 3, 1))
    from rectifications.models import ReviewCheck, ReviewPlan

    closed = w.objects["closed_item"]
    plan = ReviewPlan.objects.create(
        name=f"回头看-{unit.code}", closed_before=dt.date(2030, 1, 1), due=dt.date(2030, 2, 1), created_by=official
    )
    w.objects["review_plan"] = plan
    w.objects["review_check"] = ReviewCheck.objects.create(plan=plan, item=closed)
    from tests.factories import AirStationFactory, MeasureFactory, WarZoneFactory

    zone = WarZoneFactory()
    unit.war_zone = zone
    unit.save(update_fields=["war_zone"])
    w.objects["zone"] = zone
    w.objects["station"] = AirStationFactory(unit=unit, war_zone=zone)
    w.objects["measure"] = MeasureFactory(unit=unit)
    from tracker.models import MonitoringWarning, WarningRule

    rule, _ = WarningRule.objects.get_or_create(
        name="安全测试 AQI>200", defaults={"source": "air", "parameter": "aqi", "threshold": 200}
    )
    station = w.objects["station"]
    w.objects["warning"] = MonitoringWarning.objects.create(
        rule=rule, unit=unit, station=station, subject_key=f"air:{station.pk}", episode_start=dt.date(2025, 3, 1),
        fired_on=dt.date(2025, 3, 1), last_date=dt.date(2025, 3, 1), periods=1, peak_value=230,
    )  # fmt: skip
    from tracker.models import Enterprise

    code = "91350100M000100Y43" if unit.code == "511124" else "91110000600037341L"  # valid GB 32100 codes
    w.objects["enterprise"] = Enterprise.objects.create(
        name=f"{unit.name}测试企业", credit_code=code, industry="ceramics", unit=unit
    )
    from tracker.models import RuralSewagePlant

    w.objects["plant"] = RuralSewagePlant.objects.create(
        name=f"{unit.name}测试污水站", village="测试村", unit=unit, capacity=50, process="ao"
    )
    from tracker.models import InboxEntry

    w.objects["inbox_entry"] = InboxEntry.objects.create(user=official, kind="notice", title="提醒函")
    from rectifications.models import Directive, Inspection, InspectionTarget

    special = Inspection.objects.create(kind="special", name=f"专项督查-{unit.code}", date=dt.date(2026, 3, 1))
    target = InspectionTarget.objects.create(inspection=special, project=project, unit=unit)
    w.objects["special"] = special
    w.objects["directive"] = Directive.objects.create(
        target=target, unit=unit, description="加快开工", responsible_person="张三", deadline=dt.date(2026, 4, 1),
        created_by=official,
    )  # fmt: skip
    from tracker.models import EmergencyMeasure, PatrolPhoto, Person, River, RiverChief, RiverPatrol

    person = Person.objects.create(name=f"{unit.name}河长", post="副县长", unit=unit)
    river, _ = River.objects.get_or_create(name="安全测试河")
    chief = RiverChief.objects.create(river=river, level="county", person=person, unit=unit)
    w.objects["patrol"] = RiverPatrol.objects.create(
        chief=chief, unit=unit, date=dt.date(2025, 3, 2), stretch="测试河段", problems="岸边垃圾", entered_by=official
    )
    patrol_photo = PatrolPhoto(patrol=w.objects["patrol"], original_name="现场.png", mime="image/png", size=len(PNG))
    patrol_photo.file.save(f"rivers/{w.objects['patrol'].pk}/x.png", ContentFile(PNG), save=True)
    w.objects["patrol_photo"] = patrol_photo
    w.objects["emergency_measure"] = EmergencyMeasure.objects.create(
        unit=unit, source="测试陶瓷厂", measure="停产", pm25_reduction=1
    )
    w.objects["proposal"] = ProjectFactory(unit=unit, stage="reserve", proposal_status="proposed", proposed_by=official)
    from tests.factories import PersonFactory

    w.objects["person"] = PersonFactory(unit=unit, name=f"{unit.name}副县长")
    return w


def build_shared(world: dict) -> None:
    """City-wide objects (an assessment scheme, a finished scoring run) and each unit's entered value."""
    from targets.models import AssessmentItem, DataValue, RiskFollowUp, ScoringRun
    from tests.factories import IndicatorFactory, SchemeFactory
    from tracker.models import WeatherWarning

    indicator = IndicatorFactory(code="sec_entered", source="entered")
    weather_warning = WeatherWarning.objects.create(
        title="安全测试橙色预警", level="orange", starts_on=timezone.localdate(), planned_end=timezone.localdate(),
        issued_by=world["A"].objects["outlet_change"].actor, issued_at=timezone.now(),
    )  # fmt: skip
    scheme = SchemeFactory(year=timezone.localdate().year)
    run = ScoringRun.objects.create(scheme=scheme, as_of=timezone.localdate(), status="succeeded", progress=100)
    item = AssessmentItem.objects.create(scheme=scheme, indicator=indicator, max_points=5, rule="proportional")
    for side in ("A", "B"):
        w = world[side]
        w.objects.update(indicator=indicator, scheme=scheme, run=run, weather_warning=weather_warning)
        official = w.objects["outlet_change"].actor
        w.objects["followup"] = RiskFollowUp.objects.create(
            year=scheme.year, unit=w.unit, item=item, person=w.objects["person"], assigned_by=official,
            assigned_at=timezone.now(), deadline=timezone.localdate(), points_at_risk=1.5,
        )  # fmt: skip
        w.objects["value"] = DataValue.objects.create(
            indicator=indicator, unit=w.unit, year=timezone.localdate().year, month=1, value=5.0, entered_by=official
        )
        w.objects["submitted_value"] = DataValue.objects.create(
            indicator=indicator, unit=w.unit, year=timezone.localdate().year, month=2, value=6.0,
            entered_by=official, status="submitted",
        )  # fmt: skip


@pytest.fixture
def world(actors, unit_a, unit_b):
    w = {"A": build_unit_world(unit_a, actors["official_a"]), "B": build_unit_world(unit_b, actors["official_b"])}
    build_shared(w)
    return w


# Tables the site itself writes on every request (sessions, login and token-use stamps): not "data".
_VOLATILE = {
    "django_session",
    "django_admin_log",
    "tracker_user",
    "tracker_apitoken",
    "axes_accessattempt",
    "axes_accesslog",
    # cache bookkeeping, not data: its statement triggers count a refused compare-and-set that matched no row as
    # a write (an extra dashboard rebuild, never stale data); tests/dashboards/test_cache.py covers it
    "data_version_log",
}


def _data_tables() -> list[str]:
    with connection.cursor() as cur:
        names = connection.introspection.table_names(cur)
    return sorted(n for n in names if n not in _VOLATILE and not n.startswith("auth_"))


def table_fingerprint() -> dict[str, str]:
    """Per data table, what would show any write.

    Inside the test's transaction (the usual case) PostgreSQL's `pg_stat_xact_user_tables` counts every
    row inserted, updated or deleted so far in this transaction — one cheap query, and stricter than
    comparing contents (a write that restores the same values still shows). Outside a transaction (or on
    SQLite) fall back to a row count and an md5 of every row's text per table.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT relname, n_tup_ins || '/' || n_tup_upd || '/' || n_tup_del FROM pg_stat_xact_user_tables"
            )
            return {
                name: stat for name, stat in cur.fetchall() if name not in _VOLATILE and not name.startswith("auth_")
            }
    return content_fingerprint()


def content_fingerprint() -> dict[str, str]:
    """Row count and, on PostgreSQL, an md5 of every row's text per table."""
    tables = _data_tables()
    if connection.vendor == "postgresql":
        parts = [
            f"(SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
            f'FROM "{name}" t)'
            for name in tables
        ]
    else:
        parts = [f'(SELECT count(*) FROM "{name}")' for name in tables]
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts))
        row = cur.fetchone()
    return dict(zip(tables, map(str, row), strict=True))


def fingerprint_diff(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
