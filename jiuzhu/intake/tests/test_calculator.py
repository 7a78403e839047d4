"""The policy calculator against hand-computed cases (standards: rural 600, urban 780 yuan a person a month;
near-dibao 1.5×; deposits up to 24 months; rigid expense ratio 0.5; disposable income 30000 a year)."""

from decimal import Decimal

import pytest
from django.test import Client

from conftest import VILLAGE_A
from jiuzhu.core.models import Region
from jiuzhu.intake.calculator import AnswerError, Answers, estimate, local_standards, parse_answers
from jiuzhu.intake.services import today

STANDARDS = {"dibao_standard_urban": Decimal(780), "dibao_standard_rural": Decimal(600),
             "near_dibao_multiplier": Decimal("1.5"), "deposit_limit_months": Decimal(24),
             "tekun_age": Decimal(60), "tekun_minor_age": Decimal(16), "rigid_expense_ratio": Decimal("0.5"),
             "disposable_income_last_year": Decimal(30000)}


def rural(size, income, **extra) -> Answers:
    return Answers(urban=False, size=size, monthly_income=Decimal(income), **extra)


def test_dibao_is_the_gap_to_the_standard_times_the_size():
    result = estimate(rural(3, 900), STANDARDS)  # 300 a person: (600 − 300) × 3 = 900
    assert result.per_capita_income == Decimal("300.00")
    dibao = result.get("dibao")
    assert dibao.amount == Decimal(900) and dibao.period == "每月" and "600" in dibao.reason
    assert result.codes == ["dibao", "insurance_subsidy"]
    assert "估算" in result.notice


def test_urban_households_use_the_urban_standard():
    result = estimate(Answers(urban=True, size=2, monthly_income=Decimal(1000)), STANDARDS)  # 500 a person
    assert result.get("dibao").amount == Decimal(560)  # (780 − 500) × 2


def test_near_dibao_between_the_standard_and_its_multiple():
    result = estimate(rural(3, 2100), STANDARDS)  # 700 a person: ≥ 600, < 900
    assert result.codes == ["near_dibao", "insurance_subsidy"]
    assert result.get("near_dibao").amount is None
    assert estimate(rural(3, 2700), STANDARDS).codes == []  # 900 a person: not below 1.5 × 600


def test_tekun_for_an_elderly_person_without_income_or_supporter():
    result = estimate(rural(1, 0, elderly=1, no_supporter=True), STANDARDS)
    assert result.get("tekun").amount == Decimal(780)  # 1.3 × 600
    assert result.get("dibao") is None
    assert "elderly" in result.codes  # the elderly subsidy for a 特困 elder
    with_supporter = estimate(rural(1, 0, elderly=1), STANDARDS)
    assert with_supporter.get("tekun") is None and with_supporter.get("dibao").amount == Decimal(600)


def test_deposits_over_the_limit_exclude_dibao():
    limit = 24 * 600 * 3  # 43200 for three persons
    assert estimate(rural(3, 900, deposits=Decimal(limit)), STANDARDS).get("dibao") is not None
    result = estimate(rural(3, 900, deposits=Decimal(limit + 3)), STANDARDS)
    assert result.get("dibao") is None and result.get("near_dibao") is None
    assert any("存款超过当地上限" in n for n in result.notes)


def test_medical_assistance_share_of_out_of_pocket_costs():
    result = estimate(rural(3, 900, medical_costs=Decimal(10000), seriously_ill=1), STANDARDS)
    assert result.get("medical").amount == Decimal(7000)  # 70 % for 低保


def test_rigid_expense_household():
    # 2 persons, 3000 a month: 1500 a person (above 1.5 × 600 = 900); 36000 a year, 18000 a person < 30000;
    # medical 20000 / 36000 = 0.56 > 0.5
    result = estimate(rural(2, 3000, medical_costs=Decimal(20000)), STANDARDS)
    assert result.codes == ["rigid_expense", "medical"]
    assert result.get("medical").amount == Decimal(10000)  # 50 %
    assert estimate(rural(2, 3000, medical_costs=Decimal(15000)), STANDARDS).codes == []  # 0.42 ≤ 0.5


def test_students_disabled_and_elderly_in_a_dibao_household():
    result = estimate(rural(4, 800, students=1, disabled_severe=1, disabled_other=1, elderly=1), STANDARDS)
    assert result.get("dibao").amount == Decimal(1600)  # (600 − 200) × 4
    assert {"education", "disability_allowance", "elderly"} <= set(result.codes)
    assert "护理补贴" in result.get("disability_allowance").reason


def test_severe_disability_allowance_whatever_the_income():
    result = estimate(rural(2, 8000, disabled_severe=1), STANDARDS)
    assert result.codes == ["disability_allowance"]


def test_temporary_assistance_for_sudden_hardship():
    result = estimate(rural(3, 5000, sudden_hardship=True), STANDARDS)
    assert result.codes == ["temporary"] and result.get("temporary").amount == Decimal(5400)  # 600 × 3 × 3


def test_local_tekun_ages_are_said():
    result = estimate(rural(3, 900), {**STANDARDS, "tekun_minor_age": Decimal(18)})
    assert any("未满 18 岁" in n for n in result.notes)
    assert not any("岁" in n for n in estimate(rural(3, 900), STANDARDS).notes)


def test_missing_standard_is_said_not_guessed():
    result = estimate(rural(3, 900, sudden_hardship=True), {"near_dibao_multiplier": Decimal("1.5")})
    assert result.get("dibao") is None and result.get("near_dibao") is None
    assert any("尚未设置农村低保标准" in n for n in result.notes)
    assert result.get("temporary").amount is None
    rigid = estimate(rural(2, 3000, medical_costs=Decimal(20000)), {"dibao_standard_rural": Decimal(600)})
    assert any("刚性支出" in n for n in rigid.notes) and rigid.get("rigid_expense") is None


@pytest.mark.parametrize("data, field", [
    ({"hukou": "", "size": "3"}, "hukou"),
    ({"hukou": "rural", "size": "0"}, "size"),
    ({"hukou": "rural", "size": "三"}, "size"),
    ({"hukou": "rural", "size": "2", "monthly_income": "-5"}, "monthly_income"),
    ({"hukou": "rural", "size": "2", "monthly_income": "abc"}, "monthly_income"),
    ({"hukou": "rural", "size": "2", "elderly": "3"}, "elderly"),
])
def test_bad_answers_name_the_field(data, field):
    with pytest.raises(AnswerError) as exc:
        parse_answers(data)
    assert exc.value.field == field


def test_parse_answers():
    answers = parse_answers({"hukou": "urban", "size": "3", "monthly_income": "1,200.50", "students": "1",
                             "no_supporter": "1"})
    assert answers.urban and answers.size == 3 and answers.monthly_income == Decimal("1200.50")
    assert answers.students == 1 and answers.no_supporter and not answers.sudden_hardship


@pytest.mark.django_db
def test_local_standards_come_from_the_registry_settings(city_standards):
    values = local_standards(Region.objects.get(code=VILLAGE_A), today())
    assert values["dibao_standard_rural"] == Decimal(600) and values["near_dibao_multiplier"] == Decimal("1.5")


@pytest.mark.django_db
def test_portal_calculator_page(city_standards):
    response = Client().post("/portal/calculator/", {"township": "430524100000", "village": VILLAGE_A,
                                                     "hukou": "rural", "size": "3", "monthly_income": "900"})
    html = response.content.decode()
    assert response.status_code == 200 and "最低生活保障" in html and "约 900 元" in html and "估算" in html
    response = Client().post("/portal/calculator/", {"hukou": "rural", "size": "3"})
    assert response.status_code == 400 and "请选择所在的乡镇（街道）" in response.content.decode()


@pytest.mark.django_db
def test_portal_calculator_without_standards_says_so(world):
    response = Client().post("/portal/calculator/", {"township": "430524100000", "hukou": "rural", "size": "3",
                                                     "monthly_income": "900"})
    assert "当地尚未设置农村低保标准" in response.content.decode()


@pytest.mark.django_db
def test_officer_calculator_page(city_standards, client_for):
    client = client_for("longhui_window")
    assert client.get("/intake/calculator/").status_code == 200
    response = client.post("/intake/calculator/", {"hukou": "rural", "size": "2", "monthly_income": "400"})
    assert response.status_code == 200 and "约 800 元" in response.content.decode()  # (600 − 200) × 2
    response = client.post("/intake/calculator/", {"hukou": "rural", "size": "2", "elderly": "5"})
    assert response.status_code == 400 and "不能多于家庭人口数" in response.content.decode()
    assert client_for("longhui_analyst").get("/intake/calculator/").status_code == 403
