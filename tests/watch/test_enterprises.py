"""Key enterprises: the credit-code check (GB 32100-2015), the scoped register, the enterprise page and its Excel."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import MeasureFactory, RectificationItemFactory, SewageOutletFactory
from tracker.admin.watch import EnterpriseForm
from tracker.credit_code import check_character, credit_code_problem
from tracker.models import Enterprise

# Two published valid codes: the standard's own example and a well-known company's.
VALID = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    assert credit_code_problem(code) is None


def test_check_character_by_hand():
    # 91350100M000100Y4: values 9,1,3,5,0,1,0,0,M=21,0,0,0,1,0,0,Y=30,4 × weights 1,3,9,27,19,26,16,17,20,29,25,13,8,
    # 24,10,30,28 → 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640; 1640 mod 31 = 28; 31 − 28 = 3 → "3"
    assert check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y4", "18 位"),
        ("91350100M000100Y44", "校验位"),
        ("91350100M000100I43", "不允许的字符"),
        ("91350100m000100y43", "不允许的字符"),
    ],
)
def test_bad_codes_say_why(code, fragment):
    assert fragment in credit_code_problem(code)


@pytest.mark.django_db
def test_admin_form_normalises_case_and_refuses_bad_code(unit_a):
    data = {"name": "夹江某陶瓷", "credit_code": " 91350100m000100y43 ", "industry": "ceramics", "unit": unit_a.pk}
    form = EnterpriseForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == "91350100M000100Y43"
    assert not EnterpriseForm({**data, "credit_code": "91350100M000100Y44"}).is_valid()


@pytest.fixture
def firms(unit_a, unit_b):
    a = Enterprise.objects.create(name="井研陶瓷厂", credit_code=VALID[0], industry="ceramics", unit=unit_a)
    b = Enterprise.objects.create(name="沐川纸业", credit_code=VALID[1], industry="paper", unit=unit_b)
    return a, b


@pytest.mark.django_db
def test_register_is_scoped(client_for, official_a, leader, firms):
    page = client_for(official_a).get(reverse("tracker:enterprise_list")).content.decode()
    assert "井研陶瓷厂" in page and "沐川纸业" not in page
    page = client_for(leader).get(reverse("tracker:enterprise_list")).content.decode()
    assert "井研陶瓷厂" in page and "沐川纸业" in page


@pytest.mark.django_db
def test_enterprise_page_lists_what_concerns_it(client_for, leader, unit_a, firms):
    firm = firms[0]
    MeasureFactory(unit=unit_a, title="陶瓷窑炉超低排放改造", enterprise=firm)
    MeasureFactory(unit=unit_a, title="无关任务")
    SewageOutletFactory(unit=unit_a, name="陶瓷厂雨污排口", enterprise=firm)
    RectificationItemFactory(unit=unit_a, code="ZY-9", description="窑炉废气无组织排放", enterprise=firm)
    client = client_for(leader)
    page = client.get(reverse("tracker:enterprise_detail", args=[firm.pk])).content.decode()
    assert "陶瓷窑炉超低排放改造" in page and "陶瓷厂雨污排口" in page and "ZY-9" in page
    assert "无关任务" not in page
    listing = client.get(reverse("tracker:enterprise_list")).content.decode()
    assert '<td class="num">1</td><td class="num">1</td><td class="num">1</td>' in listing
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("tracker:enterprise_detail", args=[firm.pk]) + "?export=xlsx").content)
    )
    assert [ws.max_row for ws in book.worksheets] == [2, 2, 2]  # a header and one row on each sheet


@pytest.mark.django_db
def test_register_excel(client_for, leader, firms):
    book = openpyxl.load_workbook(
        io.BytesIO(client_for(leader).get(reverse("tracker:enterprise_list") + "?export=xlsx").content)
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert sorted(r[1] for r in rows[1:]) == sorted(VALID)
