"""The household page's forms as officers meet them (issue 14: "a grant warning appears 1,000 px above where
the page lands and the form closes, losing input; errors are shown in the green success box"). A refused form
comes back open, beside its own red error (or amber warnings), with what was typed; success is green, beside
its section; never both."""

import pytest

from jiuzhu.registry.models import AssistanceGrant, IncomeItem, Person


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def officer(client_for):
    return client_for("longhui_officer")


def _grant(officer, household, follow=False, **data):
    return officer.post(f"/registry/households/{household.pk}/grants/", {
        "category": "basic_living", "monthly_amount": "600", "period_start": "2026-07-01", **data}, follow=follow)


def test_a_grant_warning_stays_beside_the_open_form_with_what_was_typed(dibao_household, officer):
    _grant(officer, dibao_household, period_end="2026-12-31", follow=True)  # its green message shown
    page = _page(_grant(officer, dibao_household, period_start="2026-12-01", service="入户送餐"))
    form = page[page.index('id="grant-form"'):]
    assert form.startswith('id="grant-form" open>')
    assert f'action="/registry/households/{dibao_household.pk}/grants/#grant-form"' in form
    assert '<div class="warn-box" role="alert"><strong>尚未保存。保存前请注意：</strong>' in form
    assert "<li>重复救助：同一对象同一类别救助期间重叠</li>" in form
    assert '<option value="basic_living" selected>' in form
    assert 'name="monthly_amount" inputmode="decimal" value="600"' in form
    assert 'name="period_start" type="date" required value="2026-12-01"' in form
    assert 'name="service" value="入户送餐"' in form
    assert '<label class="ack-needed"><input type="checkbox" name="acknowledge">' in form  # to tick, knowingly
    assert 'class="success"' not in page and 'class="error"' not in page
    assert AssistanceGrant.objects.count() == 1


def test_a_refused_grant_is_red_beside_the_form_never_green(dibao_household, officer):
    page = _page(_grant(officer, dibao_household, monthly_amount="", service=""))
    form = page[page.index('id="grant-form"'):]
    assert '<div class="error" role="alert"><p>请填写月发放金额、一次性金额或服务内容</p></div>' in form
    assert 'class="success"' not in page and "warn-box" not in form.split("</form>")[0]
    assert not AssistanceGrant.objects.exists()


def test_a_saved_grant_is_green_beside_the_grants_section(dibao_household, officer):
    response = _grant(officer, dibao_household)
    assert response["Location"] == f"/registry/households/{dibao_household.pk}/#grants"
    page = _page(officer.get(response["Location"]))
    section = page[page.index('id="grants"'):]
    assert section.index('<li class="success">救助发放已登记</li>') < section.index("<table")
    assert 'class="error"' not in page
    assert page.count("救助发放已登记") == 1  # shown once, not again at the top


def test_a_refused_stop_keeps_its_form_open_with_the_error(dibao_household, officer):
    _grant(officer, dibao_household, follow=True)
    grant = AssistanceGrant.objects.get()
    page = _page(officer.post(f"/registry/grants/{grant.pk}/stop/", {"end_date": "2026-09-30", "reason": " "}))
    assert '<details class="void" open><summary>终止</summary>' in page
    assert '<div class="error" role="alert">请填写终止原因</div>' in page
    assert 'name="end_date" type="date" value="2026-09-30"' in page
    grant.refresh_from_db()
    assert grant.status == "active"


def test_a_refused_income_keeps_what_was_typed(dibao_household, officer):
    before = IncomeItem.objects.count()
    page = _page(officer.post(f"/registry/households/{dibao_household.pk}/means/income/", {
        "kind": "farming", "amount": "3千", "period_start": "2026-01-01", "period_end": "2026-06-30",
        "source": "visit"}))
    assert 'id="means-forms" open>' in page
    form = page[page.index('id="means-income"'):].split("</form>")[0]
    assert '<div class="error" role="alert">金额：金额应为数字，如 600 或 600.50</div>' in form
    assert '<option value="farming" selected>' in form and '<option value="visit" selected>' in form
    assert 'value="3千"' in form and 'value="2026-06-30"' in form
    assert IncomeItem.objects.count() == before


def test_a_refused_person_edit_keeps_what_was_typed(dibao_household, officer):
    head = Person.objects.get(name="张建国")
    page = _page(officer.post(f"/registry/persons/{head.pk}/edit/", {
        "name": "张建国", "phone": "13807391234", "disability_type": "physical", "disability_grade": "7",
        "labour_capacity": "full", "back": "household"}))
    assert '<div class="error" role="alert"><p>' in page and "应为 1 至 4 级" in page
    assert 'name="phone" value="13807391234"' in page
    assert '<option value="physical" selected>' in page
    assert '<input type="hidden" name="back" value="household">' in page
    head.refresh_from_db()
    assert head.phone == ""


def test_a_field_update_from_the_household_returns_to_it(dibao_household, officer):
    head = Person.objects.get(name="张建国")
    response = officer.post(f"/registry/persons/{head.pk}/edit/", {
        "name": "张建国", "phone": "13807391234", "employment": "flexible", "labour_capacity": "full",
        "back": "household"})
    assert response["Location"] == f"/registry/households/{dibao_household.pk}/#members"
    page = _page(officer.get(response["Location"]))
    assert '<li class="success">已保存张建国的信息</li>' in page
    assert "张建国信息变更：就业情况、联系电话" in page  # the chain names fields in Chinese
    head.refresh_from_db()
    assert (head.phone, head.employment) == ("13807391234", "flexible")


def test_the_household_page_offers_voiding_only_to_editors(dibao_household, client_for):
    income = IncomeItem.objects.get(household=dibao_household)
    void = f"/registry/households/{dibao_household.pk}/means/income/{income.pk}/void/"
    url = f"/registry/households/{dibao_household.pk}/"
    assert void in client_for("longhui_coordinator").get(url).content.decode()
    approver = client_for("longhui_approver")
    assert void not in approver.get(url).content.decode()
    assert approver.post(void, {"reason": "重复登记"}).status_code == 403
    income.refresh_from_db()
    assert income.voided_at is None


def test_members_are_cards_on_a_phone(dibao_household, officer):
    page = _page(officer.get(f"/registry/households/{dibao_household.pk}/"))
    assert page.count('<table class="cards">') == 3
    assert '<td data-label="联系电话">' in page and '<td data-label="状态">' in page
