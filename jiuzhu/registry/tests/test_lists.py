"""The household and person lists: columns, the two tier filters, sorting (whitelisted), paging with a last
page, the import-batch filter, the region picker by name, exports with the figures, and their guards."""

import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import VILLAGE_A, VILLAGE_A2, VILLAGE_B, member
from jiuzhu.core.models import AuditLog, Region
from jiuzhu.registry import lists
from jiuzhu.registry.models import AssistanceGrant, Household, ImportBatch, TierDecision


def _rows(html: str) -> list[str]:
    """The 户号 of each row of a list page, in order."""
    import re

    return re.findall(r'<td data-label="户号"><a href="/registry/households/(\d+)/">', html)


def _pending(household, tier="tekun", income=0):
    return TierDecision.objects.create(household=household, assessed_on=dt.date.today(), recommended_tier=tier,
                                       tier=tier, per_capita_income=income)


def _bulk(region_code: str, n: int, batch=None) -> list[int]:
    region = Region.objects.get(code=region_code)
    created = Household.objects.bulk_create([Household(region=region, address=f"{i}号", hukou_type="rural",
                                                       import_batch=batch) for i in range(n)])
    return [h.pk for h in created]


def test_household_list_shows_tier_in_force_pending_suggestion_income_and_members(dibao_household, register,
                                                                                   client_for):
    waiting = register(members=[member("李春花", "head", seq=44), member("王小明", "child", seq=45),
                                member("王小红", "child", seq=46)])
    _pending(waiting, "tekun", 123.5)
    _pending(dibao_household, "near_dibao", 800)  # a new suggestion beside the tier in force
    page = client_for("longhui_officer").get("/registry/households/").content.decode()
    assert '<td data-label="认定层级"><span class="tag">低保对象</span></td>' in page
    assert '<td data-label="待审批建议"><span class="tag warn">低保边缘家庭（待审批）</span></td>' in page
    assert '<td data-label="待审批建议"><span class="tag warn">特困人员（待审批）</span></td>' in page
    assert '<td data-label="人口">3</td>' in page and '<td data-label="人口">2</td>' in page
    assert '<td data-label="人均月收入（元）">300.00</td>' in page  # the decision in force's figure
    assert '<td data-label="人均月收入（元）">123.50</td>' in page  # no tier in force: the suggestion's
    assert "未认定" in page
    assert "第 1 / 1 页，共 2 户" in page


def test_tier_filter_matches_the_tier_in_force_and_pending_filter_the_suggestion(dibao_household, register,
                                                                                client_for):
    waiting = register(members=[member("李春花", "head", seq=44)])
    _pending(waiting, "dibao")
    officer = client_for("longhui_officer")
    assert _rows(officer.get("/registry/households/?tier=dibao").content.decode()) == [str(dibao_household.pk)]
    assert _rows(officer.get("/registry/households/?pending=dibao").content.decode()) == [str(waiting.pk)]
    assert _rows(officer.get("/registry/households/?tier=tekun").content.decode()) == []
    # An ended decision is not in force any more.
    TierDecision.objects.filter(household=dibao_household).update(valid_to=dt.date.today() - dt.timedelta(days=1))
    assert _rows(officer.get("/registry/households/?tier=dibao").content.decode()) == []
    persons = officer.get("/registry/persons/?pending=dibao").content.decode()
    assert "李春花" in persons and "张建国" not in persons


def test_pages_first_previous_next_last_and_the_far_end_read_backwards(world, client_for):
    ids = _bulk(VILLAGE_A, 45)
    officer = client_for("longhui_officer")
    first = officer.get("/registry/households/").content.decode()
    assert _rows(first) == [str(i) for i in sorted(ids, reverse=True)[:20]]  # newest first
    assert "第 1 / 3 页，共 45 户" in first and ">末页</a>" in first and "首页" not in first
    last = officer.get("/registry/households/?page=3").content.decode()
    assert _rows(last) == [str(i) for i in sorted(ids, reverse=True)[40:]]
    assert "第 3 / 3 页，共 45 户" in last and ">首页</a>" in last and "末页" not in last
    assert _rows(officer.get("/registry/households/?page=last").content.decode()) == _rows(last)
    assert _rows(officer.get("/registry/households/?page=99").content.decode()) == _rows(last)
    assert _rows(officer.get("/registry/households/?page=x").content.decode()) == _rows(first)
    by_region = officer.get("/registry/households/?sort=region&page=3").content.decode()
    assert _rows(by_region) == [str(i) for i in sorted(ids)[40:]]  # one village: by 户号 within it


def test_a_page_queries_only_its_rows(world, client_for, django_assert_max_num_queries):
    _bulk(VILLAGE_A, 45)
    officer = client_for("longhui_officer")
    officer.get("/registry/households/")
    with CaptureQueriesContext(connection) as queries:
        officer.get("/registry/households/?page=2")
    page_sql = [q["sql"] for q in queries if "registry_household" in q["sql"] and "LIMIT 20" in q["sql"]]
    assert len(page_sql) == 1 and "DISTINCT" not in page_sql[0] and "GROUP BY" not in page_sql[0]
    figures = [q["sql"] for q in queries if "registry_tierdecision" in q["sql"] and "registry_household" in q["sql"]
               and " IN (" in q["sql"]]
    assert figures and all("LIMIT 20" not in s for s in figures)


def test_sort_keys_are_whitelisted(world, client_for):
    ids = _bulk(VILLAGE_A, 3)
    Household.objects.filter(pk=ids[0]).update(address="甲")
    officer = client_for("longhui_officer")
    default = _rows(officer.get("/registry/households/").content.decode())
    assert default == [str(i) for i in sorted(ids, reverse=True)]
    for key in ("address", "-address", "head__name", "id_number_cipher", "region__path", "pk; drop"):
        assert _rows(officer.get(f"/registry/households/?sort={key}").content.decode()) == default, key
    assert _rows(officer.get("/registry/households/?sort=id").content.decode()) == [str(i) for i in sorted(ids)]
    assert lists.sort_fields(lists.HOUSEHOLD_SORTS, "address", "-id") == ("-id", ("-pk",))
    assert lists.sort_fields(lists.HOUSEHOLD_SORTS, "-region", "-id") == ("-region", ("-region__code", "-pk"))
    page = officer.get("/registry/households/?sort=id").content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-id"' in page  # clicking again reverses


def test_other_county_is_never_listed_and_its_batch_is_404(world, register, client_for, persona):
    register(members=[member("张建国", "head")])
    other = register("dongkou_officer", village=VILLAGE_B, address="洞口镇1号",
                     members=[member("赵六", "head", region="430525", seq=61)])
    batch_b = ImportBatch.objects.create(key="b", filename="洞口.xlsx", region=Region.objects.get(code="430525"))
    officer = client_for("longhui_officer")
    page = officer.get("/registry/households/").content.decode()
    assert str(other.pk) not in _rows(page) and "共 1 户" in page
    assert "赵六" not in officer.get("/registry/persons/").content.decode()
    assert officer.get(f"/registry/households/?batch={batch_b.pk}").status_code == 404
    assert officer.get(f"/registry/persons/?batch={batch_b.pk}").status_code == 404
    assert officer.get(f"/registry/households/export.xlsx?batch={batch_b.pk}").status_code == 404
    assert officer.get("/registry/households/?batch=abc").status_code == 404
    # The other county's village code typed into an old link is refused in words, and nothing is listed.
    refused = officer.get(f"/registry/households/?region_code={VILLAGE_B}").content.decode()
    assert f"区划“{VILLAGE_B}”不存在或不在您的管辖范围内" in refused and _rows(refused) == []


def test_batch_filter_lists_the_batch_and_names_it(world, client_for):
    region = Region.objects.get(code="430524")
    batch = ImportBatch.objects.create(key="a", filename="桃洪镇低保名册.xlsx", region=region, households=2,
                                       created_at=dt.datetime(2026, 11, 30, 2, 5, tzinfo=dt.UTC))
    mine = _bulk(VILLAGE_A, 2, batch=batch)
    _bulk(VILLAGE_A, 3)
    page = client_for("longhui_officer").get(f"/registry/households/?batch={batch.pk}").content.decode()
    assert sorted(_rows(page)) == sorted(str(i) for i in mine)
    assert "本批导入：桃洪镇低保名册.xlsx 2026-11-30 10:05" in page and "共 2 户" in page


def test_region_picker_by_name(world, register, client_for):
    a = register(members=[member("张建国", "head")])
    a2 = register(village=VILLAGE_A2, address="白竹村1号", members=[member("李四", "head", seq=31)])
    officer = client_for("longhui_officer")
    assert _rows(officer.get("/registry/households/?place=桃洪镇").content.decode()) == [str(a.pk)]
    assert _rows(officer.get("/registry/households/?place=白竹村").content.decode()) == [str(a2.pk)]
    assert _rows(officer.get("/registry/households/?place=小沙江").content.decode()) == [str(a2.pk)]
    by_code = officer.get("/registry/households/?township=430524101000&village=").content.decode()
    assert _rows(by_code) == [str(a2.pk)]
    nothing = officer.get("/registry/households/?place=桃花岛").content.decode()
    assert "在您的管辖范围内没有名为“桃花岛”的乡镇（街道）或村（社区）" in nothing
    assert _rows(nothing) == [] and 'value="桃花岛"' in nothing  # what was typed is kept
    page = officer.get("/registry/households/?place=桃洪镇").content.decode()
    assert '<option value="430524100000" selected>桃洪镇</option>' in page
    assert '<option value="430524100200">红星社区</option>' in page  # the township's villages, by name
    assert "区划代码" not in page


def test_household_export_has_tier_pending_income_and_grant_and_says_what_was_exported(dibao_household, register,
                                                                                       client_for, persona):
    waiting = register(members=[member("李春花", "head", seq=44)])
    _pending(waiting, "tekun", 150)
    AssistanceGrant.objects.create(household=dibao_household, category="basic_living", monthly_amount=300,
                                   period_start=dt.date(2026, 7, 1),
                                   granting_organization=persona("longhui_officer").organization)
    officer = client_for("longhui_officer")
    response = officer.get("/registry/households/export.xlsx?place=红星社区&sort=id")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["户号", "户主", "人口", "认定层级", "待审批建议", "人均月收入（元）", "月发放金额（元）",
                       "户籍类型", "所在村（社区）", "住址"]
    assert rows[1][:7] == [dibao_household.pk, "张建国", 2, "低保对象", None, 300, 300]
    assert rows[2][:7] == [waiting.pk, "李春花", 1, None, "特困人员", 150, None]
    log = AuditLog.objects.get(action="export")
    assert log.detail["count"] == 2 and log.detail["object_type"] == "registry.household"
    assert log.detail["filters"] == {"地区": "湖南省邵阳市隆回县桃洪镇红星社区"}
    shown = AuditLog.objects.filter(action="read", detail__purpose="export")
    assert sorted(shown.values_list("person_id", flat=True)) == sorted([dibao_household.head_id, waiting.head_id])


def test_person_export_columns_filters_and_capability(dibao_household, client_for):
    assert client_for("longhui_window").get("/registry/persons/export.xlsx?tier=dibao").status_code == 403
    assert not AuditLog.objects.filter(action="export").exists()
    response = client_for("longhui_officer").get("/registry/persons/export.xlsx?tier=dibao")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][6:10] == ["认定层级", "待审批建议", "家庭人均月收入（元）", "家庭月发放金额（元）"]
    assert [r[0] for r in rows[1:]] == ["张建国", "李秀英"] and rows[1][6:9] == ["低保对象", None, 300]
    log = AuditLog.objects.get(action="export")
    assert log.detail["filters"] == {"认定层级": "低保对象"} and log.detail["count"] == 2
    assert AuditLog.objects.filter(action="read", detail__purpose="export").count() == 2


def test_assistance_report_export_is_audited_and_needs_the_capability(dibao_household, client_for, persona):
    officer_org = persona("longhui_officer").organization
    for start in (dt.date(2026, 7, 1), dt.date(2026, 8, 1)):  # two overlapping basic-living grants
        AssistanceGrant.objects.create(household=dibao_household, category="basic_living", monthly_amount=300,
                                       period_start=start, granting_organization=officer_org)
    assert client_for("longhui_window").get("/registry/report/assistance/export.xlsx").status_code == 403
    page = client_for("longhui_officer").get("/registry/report/assistance/?place=桃洪镇").content.decode()
    assert 'href="/registry/report/assistance/export.xlsx?place=' in page
    response = client_for("longhui_officer").get("/registry/report/assistance/export.xlsx?place=桃洪镇")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:4] == ["问题", "户号", "对象", "类别"] and len(rows) > 1
    assert {r[1] for r in rows[1:]} == {dibao_household.pk}
    log = AuditLog.objects.get(action="export")
    assert log.detail["filters"] == {"报表": "重复与过度救助核查", "地区": "湖南省邵阳市隆回县桃洪镇"}
    assert log.detail["count"] == len(rows) - 1
    assert list(AuditLog.objects.filter(action="read", detail__purpose="export")
                .values_list("person_id", flat=True)) == [dibao_household.head_id]
    other = client_for("dongkou_officer").get("/registry/report/assistance/export.xlsx")
    assert load_workbook(io.BytesIO(b"".join(other.streaming_content))).active.max_row == 1


def test_assessment_page_and_person_list_use_the_picker(world, register, client_for):
    officer = client_for("longhui_officer")
    page = officer.get("/registry/assessment/").content.decode()
    assert '<option value="430524100000">桃洪镇</option>' in page and "区划代码" not in page
    refused = officer.post("/registry/assessment/", {"place": "桃花岛"}, follow=True).content.decode()
    assert "在您的管辖范围内没有名为“桃花岛”的乡镇（街道）或村（社区）" in refused
    register(members=[member("张建国", "head")])
    register(village=VILLAGE_A2, address="白竹村1号", members=[member("李四", "head", seq=31)])
    persons = officer.get("/registry/persons/?place=白竹村").content.decode()
    assert "李四" in persons and "张建国" not in persons and "第 1 / 1 页，共 1 人" in persons
    assert "张建国" in officer.get("/registry/persons/?name=张").content.decode()
    assert "张建国" not in officer.get("/registry/persons/?name=建国").content.decode()  # a beginning, not a part


def test_every_column_has_its_heading(world, register, client_for):
    import re

    register(members=[member("张建国", "head")])
    officer = client_for("longhui_officer")
    for url, headings in [
        ("/registry/households/", ["户号", "户主", "人口", "认定层级", "待审批建议", "人均月收入（元）",
                                   "所在村（社区）", "住址"]),
        ("/registry/persons/", ["姓名", "身份证号码", "性别", "出生日期", "残疾", "认定层级", "待审批建议",
                                "所在地", "户号"]),
    ]:
        head = officer.get(url).content.decode().split("<thead>")[1].split("</thead>")[0]
        assert [re.sub(r"<[^>]+>|[↑↓]", "", th).strip() for th in re.findall(r"<th[^>]*>(.*?)</th>", head)] == headings


def test_long_lists_walk_the_order_index_with_the_same_pages(world, client_for, monkeypatch):
    """From WALK_FROM rows SQLite reads a page by walking its order's index (the place term kept off the
    region index by a unary +): every page, sorted either way, at either end, is the page the planner's own
    plan gives."""
    ids = _bulk(VILLAGE_A, 25) + _bulk(VILLAGE_A2, 25) + _bulk(VILLAGE_B, 5)
    officer = client_for("longhui_officer")
    urls = [f"/registry/households/?sort={s}&page={p}" for s in ("-id", "id", "region", "-region")
            for p in ("1", "2", "last")] + ["/registry/households/?place=" + Region.objects.get(code=VILLAGE_A).name]
    planner = [_rows(officer.get(u).content.decode()) for u in urls]
    monkeypatch.setattr(lists, "WALK_FROM", 0)
    with CaptureQueriesContext(connection) as queries:
        walked = [_rows(officer.get(u).content.decode()) for u in urls]
    assert walked == planner and all(walked)
    assert planner[0] == [str(i) for i in sorted(ids[:50], reverse=True)[:20]]  # county A only, newest first
    by_region = sorted(ids[:50], key=lambda i: (Household.objects.get(pk=i).region.code, i))
    assert planner[6] == [str(i) for i in by_region[:20]]
    if connection.vendor == "sqlite":
        assert any('+"registry_household"."region_id" IN (' in q["sql"] for q in queries)


def test_tier_filter_reads_the_partial_in_force_index(db):
    """认定层级 is answered from tier_force_list, partial on decisions in force (migration 0013: a batch run's
    suggestions write no entry there). SQLite uses a partial index only when the query carries its WHERE term with
    literals (lists.in_force_status()); without it the filter walks every decision."""
    qs = Household.objects.filter(lists.tier_filter_q(tier="dibao", on=dt.date.today())).values("id")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test's few rows: show that the index is usable
            cursor.execute("EXPLAIN " + sql, params)
        plan = str(cursor.fetchall())
    assert "tier_force_list" in plan, plan


def test_place_and_tier_filters_count_from_the_per_region_tally(world, client_for, monkeypatch):
    """A long list filtered by place, 认定层级 or 待审批建议 takes its total from one per-region tally of its county
    (remembered a minute, the page says so) instead of counting each township: the same totals and pages as an
    exact count, and another county's rows are never in the tally."""
    from django.core.cache import cache

    town_a = _bulk(VILLAGE_A, 6)
    town_a2 = _bulk(VILLAGE_A2, 4)
    other = _bulk(VILLAGE_B, 9)
    for pk in town_a[:2] + town_a2[:1] + other:
        _pending(Household.objects.get(pk=pk), "dibao")
    officer = client_for("longhui_officer")
    place = Region.objects.get(code=VILLAGE_A).parent.name  # 桃洪镇, by name as the picker takes it
    urls = {"/registry/households/": 10, f"/registry/households/?place={place}": 6,
            "/registry/households/?pending=dibao": 3, f"/registry/households/?pending=dibao&place={place}": 2,
            "/registry/households/?tier=dibao": 0}
    exact = {u: officer.get(u).content.decode() for u in urls}
    monkeypatch.setattr(lists, "COUNT_CACHED_FROM", 1)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        tallied = {u: officer.get(u).content.decode() for u in urls}
    for url, total in urls.items():
        assert _rows(tallied[url]) == _rows(exact[url]) and len(_rows(exact[url])) == total, url
        if total:
            assert f"共 {total} 户" in exact[url] and "每分钟统计一次" not in exact[url], url
            assert f"共 {total} 户" in tallied[url] and "每分钟统计一次" in tallied[url], url
    tallies = [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_household"."region_id" AS')]
    assert len(tallies) == 3  # the county, its pending 低保 and its 低保 in force: each counted once
    counted = [q["sql"] for q in queries if 'COUNT(*) AS "__count" FROM "registry_household"' in q["sql"]]
    assert len(counted) == 1 and "'dibao'" in counted[0]  # only 认定层级 低保, whose tally is empty: exact
    persons = officer.get(f"/registry/persons/?place={place}").content.decode()
    assert "每分钟统计一次" not in persons  # no person in the county: nothing to tally, counted exactly
    nowhere = officer.get("/registry/households/?place=没有这个镇").content.decode()
    assert _rows(nowhere) == [] and "共 10 户" not in nowhere  # a place matching nothing: no total from the tally


def test_a_remembered_count_counts_a_new_household_or_suggestion_at_once(world, client_for, monkeypatch):
    """Counts remembered for a minute (list_count, the per-region tally) are keyed on the newest household and
    decision ids: a registration or a new suggestion shows in the next page's total, not a minute later."""
    from django.core.cache import cache

    ids = _bulk(VILLAGE_A, 3)
    monkeypatch.setattr(lists, "COUNT_CACHED_FROM", 1)
    cache.clear()
    officer = client_for("longhui_officer")
    place = Region.objects.get(code=VILLAGE_A).parent.name
    by_place, pending = f"/registry/households/?place={place}", "/registry/households/?pending=tekun"
    assert "共 3 户" in officer.get(by_place).content.decode()
    assert lists.list_count(Household.objects.all(), Household) == 3
    _bulk(VILLAGE_A, 1)
    assert "共 4 户" in officer.get(by_place).content.decode()  # the tally, counted again
    assert lists.list_count(Household.objects.all(), Household) == 4
    _pending(Household.objects.get(pk=ids[0]))
    assert len(_rows(officer.get(pending).content.decode())) == 1 and lists.list_count(
        Household.objects.filter(tier_decisions__status="recommended"), Household) == 1
    assert lists.list_count(Household.objects.none(), Household) == 0


def test_place_indexes_carry_what_the_lists_read_on_postgresql(db):
    """PostgreSQL reads a township's households and persons, and probes each for a pending suggestion, from the
    indexes alone (index-only scans) because they INCLUDE the columns the list queries read (0018/0019_load); an
    index without them costs a heap page per row (a township's person page: 29 ms → 197 ms at 1M persons). The
    plans were read with EXPLAIN ANALYZE at 1M persons; a test database's few unvacuumed rows plan otherwise."""
    import pytest

    if connection.vendor != "postgresql":
        pytest.skip("INCLUDE is PostgreSQL's; SQLite's indexes carry the rowid anyway")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                       "('household_region', 'person_region_birth', 'tier_household_status')")
        defs = dict(cursor.fetchall())
    assert defs["household_region"].endswith("(region_id, is_active) INCLUDE (id)")
    assert defs["person_region_birth"].endswith("(region_id, birth_date) INCLUDE (household_id, id)")
    assert defs["tier_household_status"].endswith("(household_id, status) INCLUDE (recommended_tier, person_id)")


def test_tier_filtered_pages_walked_row_by_row_are_the_planners_pages(world, client_for, monkeypatch):
    """A 待审批建议/认定层级-filtered page that SQLite reads by walking its order's index asks each row for its
    decision (EXISTS) instead of collecting every decision of the tier: the same rows, in order, at both ends."""
    ids = _bulk(VILLAGE_A, 30) + _bulk(VILLAGE_A2, 20)
    for pk in ids[::2]:
        _pending(Household.objects.get(pk=pk), "dibao")
    officer = client_for("longhui_officer")
    place = Region.objects.get(code=VILLAGE_A).parent.name
    urls = [f"/registry/households/?pending=dibao&sort={s}&page={p}" for s in ("-id", "region", "-region")
            for p in ("1", "last")] + [f"/registry/households/?pending=dibao&place={place}&page=last",
                                       "/registry/persons/?pending=dibao&page=2"]
    monkeypatch.setattr(lists, "WALK_ROWS", 0)  # never walk: the planner's pages
    planner = [_rows(officer.get(u).content.decode()) for u in urls[:-1]]
    planner_persons = officer.get(urls[-1]).content.decode()
    monkeypatch.setattr(lists, "WALK_ROWS", 10**9)
    with CaptureQueriesContext(connection) as queries:
        walked = [_rows(officer.get(u).content.decode()) for u in urls[:-1]]
        walked_persons = officer.get(urls[-1]).content.decode()
    assert walked == planner and all(walked)
    assert planner[0] == [str(i) for i in sorted(ids[::2], reverse=True)[:20]]
    assert planner[-1] == [str(i) for i in sorted(ids[:30:2], reverse=True)]  # one page: the township's 15
    assert walked_persons.split("<tbody>")[1] == planner_persons.split("<tbody>")[1]
    if connection.vendor == "sqlite":
        assert any("EXISTS" in q["sql"] and '+"registry_household"."region_id" IN (' in q["sql"] for q in queries)
    else:  # PostgreSQL's planner weighs LIMIT itself: never walked
        assert not any("EXISTS" in q["sql"] for q in queries)
