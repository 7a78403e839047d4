"""The household page carries the whole workflow: means test, assessment, approval, grants, chain."""

import datetime as dt

from conftest import member
from jiuzhu.core.models import RegionSetting
from jiuzhu.registry.models import AssistanceGrant, IncomeItem, TierDecision


def test_officer_records_means_assesses_and_approver_confirms(standards, register, client_for):
    household = register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21)])
    officer = client_for("longhui_officer")
    today = dt.date.today()
    officer.post(f"/registry/households/{household.pk}/means/income/", {
        "kind": "wage", "amount": "3600", "period_start": str(today - dt.timedelta(days=364)),
        "period_end": str(today), "source": "visit"})
    assert IncomeItem.objects.get(household=household).source == "visit"
    bad = officer.post(f"/registry/households/{household.pk}/means/income/", {
        "kind": "wage", "amount": "abc", "period_start": "2026-01-01", "period_end": "2026-02-01"}, follow=True)
    assert "金额：金额应为数字" in bad.content.decode() and IncomeItem.objects.count() == 1
    officer.post(f"/registry/households/{household.pk}/assess/")
    decision = TierDecision.objects.get(household=household)
    assert decision.recommended_tier == "dibao"  # 300 a month against 600
    page = officer.get(f"/registry/households/{household.pk}/").content.decode()
    assert "人均月收入 300 元，低于低保标准 600 元" in page
    assert "确认</button>" not in page  # the officer cannot approve
    approver = client_for("longhui_approver")
    assert "确认</button>" in approver.get(f"/registry/households/{household.pk}/").content.decode()
    approver.post(f"/registry/decisions/{decision.pk}/", {"action": "confirm"})
    decision.refresh_from_db()
    assert decision.status == "confirmed"
    page = officer.get(f"/registry/households/{household.pk}/").content.decode()
    assert "基本生活救助" in page and "审批确认层级为低保对象" in page
    officer.post(f"/registry/households/{household.pk}/grants/", {
        "category": "basic_living", "monthly_amount": "300", "period_start": str(today)})
    assert AssistanceGrant.objects.filter(household=household).count() == 1


def test_county_b_approver_cannot_touch_county_a_decision(standards, register, client_for):
    household = register()
    client_for("longhui_officer").post(f"/registry/households/{household.pk}/assess/")
    decision = TierDecision.objects.get(household=household)
    assert client_for("dongkou_approver").post(f"/registry/decisions/{decision.pk}/",
                                               {"action": "confirm"}).status_code == 404
    decision.refresh_from_db()
    assert decision.status == "recommended"


def test_only_administrators_add_standard_versions(standards, client_for):
    officer = client_for("longhui_officer")
    page = officer.get("/registry/standards/?region=430524").content.decode()
    assert "600" in page and "邵阳市，2025-01-01 起" in page
    assert officer.post("/registry/standards/", {"region": "430524", "key": "dibao_standard_rural",
                                                 "value": "700", "effective_from": "2027-01-01"}).status_code == 403
    admin = client_for("longhui_admin")
    admin.post("/registry/standards/", {"region": "430524", "key": "dibao_standard_rural", "value": "700",
                                        "effective_from": "2027-01-01", "note": "隆政发〔2026〕12号"})
    assert RegionSetting.objects.get(region__code="430524", key="dibao_standard_rural").value == "700"
    assert client_for("dongkou_admin").get("/registry/standards/?region=430524").status_code == 404


def test_category_matrix_is_edited_per_region_with_a_new_version(client_for, world):
    admin = client_for("longhui_admin")
    admin.post("/registry/categories/", {"region": "430524", "effective_from": "2026-01-01",
                                         "dibao": ["basic_living", "medical"], "tekun": ["destitute_support"]})
    from jiuzhu.core.models import Region
    from jiuzhu.registry.standards import categories_for

    county = Region.objects.get(code="430524")
    assert categories_for("dibao", county, dt.date(2026, 6, 1)) == ["basic_living", "medical"]
    assert "education" in categories_for("dibao", Region.objects.get(code="430525"), dt.date(2026, 6, 1))


def test_window_officer_registers_a_household_on_the_page(client_for):
    from jiuzhu.core.identity import make_id_number
    from jiuzhu.registry.models import Household

    client = client_for("longhui_window")
    assert "桃洪镇" in client.get("/registry/households/new/").content.decode()
    head_id = make_id_number("430524", dt.date(1961, 4, 2), 15)
    response = client.post("/registry/households/new/", {
        "region_code": "430524100200", "address": "红星社区2组5号", "hukou_type": "urban",
        "m0_name": "周福生", "m0_id_number": head_id.lower(), "m0_relation": "head",
        "m1_name": "周小燕", "m1_id_number": make_id_number("430524", dt.date(2010, 9, 1), 26),
        "m1_relation": "child", "m1_schooling": "junior"})
    household = Household.objects.get(address="红星社区2组5号")
    assert response.status_code == 302 and response["Location"] == f"/registry/households/{household.pk}/"
    assert household.members.count() == 2 and household.head.name == "周福生"
    bad = client.post("/registry/households/new/", {
        "region_code": "430524100200", "address": "红星社区2组6号", "hukou_type": "urban",
        "m0_name": "吴强", "m0_id_number": head_id[:-1] + ("0" if head_id[-1] != "0" else "1"),
        "m0_relation": "head"}, follow=True)
    assert "校验位" in bad.content.decode()
    assert not Household.objects.filter(address="红星社区2组6号").exists()
    # 小沙江镇 is outside the window's township
    other = client.post("/registry/households/new/", {
        "region_code": "430524101200", "address": "x", "hukou_type": "rural", "m0_name": "吴强",
        "m0_id_number": make_id_number("430524", dt.date(1970, 1, 1), 35), "m0_relation": "head"}, follow=True)
    assert "不在您的管辖范围内" in other.content.decode()


def test_member_added_edited_and_moved_on_pages(register, client_for):
    from jiuzhu.core.identity import make_id_number
    from jiuzhu.core.models import Event
    from jiuzhu.registry.models import Person

    a = register(members=[member("张建国", "head", seq=21)])
    b = register(members=[member("李春花", "head", seq=44)])
    officer = client_for("longhui_officer")
    officer.post(f"/registry/households/{a.pk}/members/", {
        "name": "张小军", "id_number": make_id_number("430524", dt.date(2001, 5, 5), 33), "relation": "child"})
    son = Person.objects.get(name="张小军")
    assert son.household_id == a.pk and son.sex == "M"
    officer.post(f"/registry/persons/{son.pk}/edit/", {"name": "张小军", "disability_type": "physical",
                                                       "disability_grade": "2", "labour_capacity": "partial"})
    son.refresh_from_db()
    assert son.disability_grade == 2 and son.labour_capacity == "partial"
    assert Event.objects.filter(kind="registry.person_updated", person_id=son.pk).exists()
    officer.post(f"/registry/persons/{son.pk}/move/", {"household_id": str(b.pk), "relation": "other"})
    son.refresh_from_db()
    assert son.household_id == b.pk
    bad = officer.post(f"/registry/persons/{son.pk}/edit/", {"name": "张小军", "disability_type": "physical",
                                                             "disability_grade": "7"}, follow=True)
    assert "应为 1 至 4 级" in bad.content.decode()


def test_api_runs_the_same_workflow_with_scope(standards, register, client_for):
    household = register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21)])
    officer = client_for("longhui_officer")
    today = dt.date.today()
    created = officer.post(f"/api/v1/registry/households/{household.pk}/means?item=income", {
        "kind": "wage", "amount": "3600", "period_start": str(today - dt.timedelta(days=364)),
        "period_end": str(today)}, content_type="application/json")
    assert created.status_code == 201
    bad = officer.post(f"/api/v1/registry/households/{household.pk}/means?item=income", {
        "kind": "wage", "amount": "-5", "period_start": "2026-01-01", "period_end": "2026-02-01"},
        content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"].endswith("amount")
    assert bad.json()["errors"][0]["message"] == "数值过小"
    decisions = officer.post(f"/api/v1/registry/households/{household.pk}/assess").json()
    assert decisions[0]["recommended_tier"] == "dibao"
    basis = decisions[0]["facts"]  # what it was based on, its run's standards and window included
    assert basis["standard"] == 600 and basis["window_months"] == 12 and basis["income"] == 3600
    approver = client_for("longhui_approver")
    confirmed = approver.post(f"/api/v1/registry/decisions/{decisions[0]['id']}", {"action": "confirm"},
                              content_type="application/json").json()
    assert confirmed["status"] == "confirmed"
    too_much = officer.post(f"/api/v1/registry/households/{household.pk}/grants", {
        "category": "basic_living", "monthly_amount": "601", "period_start": str(today)},
        content_type="application/json")
    assert too_much.status_code == 400 and too_much.json()["code"] == "needs_acknowledgement"
    saved = officer.post(f"/api/v1/registry/households/{household.pk}/grants", {
        "category": "basic_living", "monthly_amount": "300", "period_start": str(today)},
        content_type="application/json")
    assert saved.status_code == 201
    standards_rows = officer.get("/api/v1/registry/standards?region_code=430524").json()
    rural = next(r for r in standards_rows if r["key"] == "dibao_standard_rural")
    assert rural["value"] == 600 and rural["set_at_region"] == "430500"
    other = client_for("dongkou_officer")
    assert other.post(f"/api/v1/registry/households/{household.pk}/assess").status_code == 404
    assert other.post(f"/api/v1/registry/decisions/{decisions[0]['id']}", {"action": "confirm"},
                      content_type="application/json").status_code == 404
    assert other.get("/api/v1/registry/standards?region_code=430524").status_code == 404
