"""Forms submitted by official_a with unit B's ids or forbidden values → refused, every data table unchanged.

"Refused" is a 403/404, or a redirect/re-render that carries an error message; in every case the fingerprint
of every data table (row count + md5 of all rows, see conftest) is identical before and after.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from .conftest import PDF, fingerprint_diff, table_fingerprint

TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
TODAY = timezone.localdate().isoformat()


def _payment(**over):
    return {"amount": "100.00", "paid_on": "2022-07-01", "voucher_no": "PZ-NEW", "note": "", **over}


def _stage(world, **over):
    return {"to_stage": "completed", "reason": "", "version": world["A"]["project"].version, **over}


def _outlet(world, **over):
    return {"to_step": "monitor", "work_date": "2025-03-01", "note": "说明", "reason": "", "version": 0, **over}


def _measure(**over):
    return {"date": TODAY, "progress": "50", "note": "推进中", **over}


def a(key):
    return lambda w: {"pk": w["A"][key].pk}


def b(key):
    return lambda w: {"pk": w["B"][key].pk}


EXE = b"MZ\x90\x00\x03" + b"\x00" * 300  # a Windows executable's first bytes

# (case id, URL name, kwargs builder, POST data builder)
CASES = [
    # projects: payments
    ("payment to B's project", "projects:payment_create", b("project"), lambda w: _payment()),
    ("negative payment", "projects:payment_create", a("project"), lambda w: _payment(amount="-100")),
    ("zero payment", "projects:payment_create", a("project"), lambda w: _payment(amount="0")),
    ("overflow payment", "projects:payment_create", a("project"), lambda w: _payment(amount="1e20")),
    ("NaN payment", "projects:payment_create", a("project"), lambda w: _payment(amount="NaN")),
    ("infinite payment", "projects:payment_create", a("project"), lambda w: _payment(amount="Infinity")),
    ("sub-cent payment", "projects:payment_create", a("project"), lambda w: _payment(amount="0.001")),
    ("payment above allocation", "projects:payment_create", a("project"), lambda w: _payment(amount="99000.01")),
    ("payment dated tomorrow", "projects:payment_create", a("project"), lambda w: _payment(paid_on=TOMORROW)),
    (
        "duplicate voucher",
        "projects:payment_create",
        a("project"),
        lambda w: _payment(voucher_no=w["A"]["payment"].voucher_no),
    ),
    # projects: reversals
    (
        "reverse B's payment via A's project",
        "projects:payment_reverse",
        lambda w: {"pk": w["A"]["project"].pk, "payment_pk": w["B"]["payment"].pk},
        lambda w: {"reason": "误录"},
    ),
    (
        "reverse A's payment via B's project",
        "projects:payment_reverse",
        lambda w: {"pk": w["B"]["project"].pk, "payment_pk": w["A"]["payment"].pk},
        lambda w: {"reason": "误录"},
    ),
    (
        "reverse more than paid",
        "projects:payment_reverse",
        lambda w: {"pk": w["A"]["project"].pk, "payment_pk": w["A"]["payment"].pk},
        lambda w: {"amount": "1000.01", "reason": "误录"},
    ),
    (
        "negative reversal",
        "projects:payment_reverse",
        lambda w: {"pk": w["A"]["project"].pk, "payment_pk": w["A"]["payment"].pk},
        lambda w: {"amount": "-5", "reason": "误录"},
    ),
    # projects: stages and progress
    ("stage jump", "projects:stage_change", a("project"), lambda w: _stage(w, to_stage="reserve", reason="")),
    ("stage not in list", "projects:stage_change", a("project"), lambda w: _stage(w, to_stage="approved")),
    ("stale stage version", "projects:stage_change", a("project"), lambda w: _stage(w, version=7)),
    ("stage of B's project", "projects:stage_change", b("project"), lambda w: _stage(w)),
    (
        "progress 150",
        "projects:progress_create",
        a("project"),
        lambda w: {"reported_on": TODAY, "progress": "150", "note": "x"},
    ),
    (
        "progress -5",
        "projects:progress_create",
        a("project"),
        lambda w: {"reported_on": TODAY, "progress": "-5", "note": "x"},
    ),
    (
        "progress on B's project",
        "projects:progress_create",
        b("project"),
        lambda w: {"reported_on": TODAY, "progress": "50", "note": "x"},
    ),
    # water: outlets
    ("outlet skips steps", "tracker:outlet_detail", a("outlet"), lambda w: _outlet(w, to_step="done")),
    ("outlet step not in list", "tracker:outlet_detail", a("outlet"), lambda w: _outlet(w, to_step="closed")),
    ("outlet stale version", "tracker:outlet_detail", a("outlet"), lambda w: _outlet(w, version=5)),
    ("outlet forward without file", "tracker:outlet_detail", a("outlet"), lambda w: _outlet(w)),
    ("outlet future work date", "tracker:outlet_detail", a("outlet"), lambda w: _outlet(w, work_date=TOMORROW)),
    ("B's outlet", "tracker:outlet_detail", b("outlet"), lambda w: _outlet(w)),
    (
        "exe as outlet plan",
        "tracker:outlet_detail",
        a("outlet"),
        lambda w: _outlet(w, document=SimpleUploadedFile("方案.pdf", EXE)),
    ),
    # rectifications
    (
        "official closes own item",
        "rectifications:act",
        a("item"),
        lambda w: {"action": "close", "version": 0, "comment": "好了"},
    ),
    ("unknown action", "rectifications:act", a("item"), lambda w: {"action": "delete", "version": 0, "comment": ""}),
    ("negative version", "rectifications:act", a("item"), lambda w: {"action": "start", "version": -1, "comment": ""}),
    ("stale item version", "rectifications:act", a("item"), lambda w: {"action": "start", "version": 3, "comment": ""}),
    ("act on B's item", "rectifications:act", b("item"), lambda w: {"action": "start", "version": 0, "comment": ""}),
    ("item progress 150", "rectifications:report", a("item"), lambda w: {"text": "进展", "progress": "150"}),
    ("item progress -1", "rectifications:report", a("item"), lambda w: {"text": "进展", "progress": "-1"}),
    ("report on B's item", "rectifications:report", b("item"), lambda w: {"text": "进展", "progress": "50"}),
    (
        "exe as evidence photo",
        "rectifications:report",
        a("item"),
        lambda w: {"text": "进展", "progress": "50", "files": SimpleUploadedFile("现场.jpg", EXE)},
    ),
    ("sign B's notice", "rectifications:notice_read", b("notice"), lambda w: {}),
    # measures
    ("measure progress 150", "tracker:measure_detail", a("measure"), lambda w: _measure(progress="150")),
    ("measure progress -1", "tracker:measure_detail", a("measure"), lambda w: _measure(progress="-1")),
    ("measure dated tomorrow", "tracker:measure_detail", a("measure"), lambda w: _measure(date=TOMORROW)),
    ("B's measure", "tracker:measure_detail", b("measure"), lambda w: _measure()),
]


def _value(w, **over):
    return {
        "unit": w["A"].unit.pk, "indicator": w["A"]["indicator"].pk, "year": timezone.localdate().year,
        "month": 3, "value": "5", "note": "", "reason": "", **over,
    }  # fmt: skip


def _computed_indicator(w):
    from tests.factories import IndicatorFactory

    return IndicatorFactory(code="sec_computed", source="computed").pk


def nothing(w):
    return None


CASES += [
    ("value for unit B", "targets:value_list", nothing, lambda w: _value(w, unit=w["B"].unit.pk)),
    ("negative value", "targets:value_list", nothing, lambda w: _value(w, value="-1")),
    ("NaN value", "targets:value_list", nothing, lambda w: _value(w, value="NaN")),
    ("infinite value", "targets:value_list", nothing, lambda w: _value(w, value="inf")),
    ("month 13", "targets:value_list", nothing, lambda w: _value(w, month="13")),
    ("year 1900", "targets:value_list", nothing, lambda w: _value(w, year="1900")),
    ("computed indicator", "targets:value_list", nothing, lambda w: _value(w, indicator=_computed_indicator(w))),
    ("edit a submitted value", "targets:value_list", nothing, lambda w: _value(w, month="2")),
    ("submit B's value", "targets:value_submit", b("value"), lambda w: {"version": 1}),
    ("submit stale version", "targets:value_submit", a("value"), lambda w: {"version": 9}),
    ("official approves own value", "targets:value_approve", a("submitted_value"), lambda w: {"version": 1}),
    ("official returns own value", "targets:value_return", a("submitted_value"), lambda w: {"version": 1, "note": "x"}),
    ("official publishes ranking", "targets:run_publish", lambda w: {"run_id": w["A"]["run"].pk},
     lambda w: {"title": "通报"}),
    ("official recomputes", "targets:run_request", lambda w: {"scheme_id": w["A"]["scheme"].pk}, lambda w: {}),
]  # fmt: skip


def _has_error(response) -> bool:
    if any(m.level >= constants.ERROR for m in get_messages(response.wsgi_request)):
        return True
    body = response.content.decode(errors="replace")
    return response.status_code == 200 and any(k in body for k in ("errorlist", "form-errors", "field-error"))


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_tampered_form_is_refused_and_changes_nothing(client, official_a, world, case):
    _, name, kwargs, data = case
    client.force_login(official_a)
    client.raise_request_exception = False
    data = data(world)
    before = table_fingerprint()
    response = client.post(reverse(name, kwargs=kwargs(world)), data)
    assert response.status_code in (200, 302, 403, 404), response.status_code
    if response.status_code in (200, 302):
        assert _has_error(response), f"no error shown for {case[0]}"
    assert fingerprint_diff(before, table_fingerprint()) == []


@pytest.mark.django_db
def test_control_a_valid_form_does_change_tables(client, official_a, world):
    """The harness can see a change: the same kind of POST, valid, writes."""
    client.force_login(official_a)
    before = table_fingerprint()
    data = _outlet(world, document=SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf"))
    response = client.post(reverse("tracker:outlet_detail", kwargs={"pk": world["A"]["outlet"].pk}), data)
    assert response.status_code == 302 and not _has_error(response)
    assert "tracker_outletstepchange" in fingerprint_diff(before, table_fingerprint())


@pytest.mark.django_db
def test_extra_unit_and_project_fields_are_ignored(client, official_a, world):
    """A hidden `project`/`unit` naming unit B's record cannot redirect a payment there."""
    from projects.models import Payment

    client.force_login(official_a)
    b = world["B"]["project"]
    data = _payment(project=b.pk, unit=world["B"].unit.pk, project_id=b.pk, entered_by=1)
    client.post(reverse("projects:payment_create", kwargs={"pk": world["A"]["project"].pk}), data)
    assert Payment.objects.filter(project=b).count() == 1  # only the factory's
    assert Payment.objects.filter(project=world["A"]["project"], voucher_no="PZ-NEW", entered_by=official_a).exists()


LIST_FILTERS = [
    ("rectifications:index", "unit", "item", lambda o: o.code),
    ("projects:project_list", "unit", "project", lambda o: o.code),
    ("tracker:measure_list", "unit", "measure", lambda o: o.code),
    ("tracker:outlet_list", "unit", "outlet", lambda o: o.code),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,param,key,label", LIST_FILTERS, ids=[f[0] for f in LIST_FILTERS])
def test_filtering_a_list_by_another_unit_shows_nothing_of_it(
    client, official_a, official_b, world, name, param, key, label
):
    client.force_login(official_b)  # control: the label is what the page shows for the owner
    assert label(world["B"][key]) in client.get(reverse(name), {param: world["B"].unit.pk}).content.decode()
    client.force_login(official_a)
    for query in ({param: world["B"].unit.pk}, {param: world["B"].unit.pk, "export": "xlsx", "format": "xlsx"}):
        response = client.get(reverse(name), query)
        assert response.status_code in (200, 404)
        if response["Content-Type"].startswith("text/html"):
            assert label(world["B"][key]) not in response.content.decode()
        else:
            import io

            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(response.content))
            cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
            assert label(world["B"][key]) not in cells
