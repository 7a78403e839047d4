"""The roll's set-based SQL: its lines computed from the grants in force on the month's first day (one
INSERT … SELECT), the township totals, and the pre-approval checks (one INSERT … SELECT per check). Nothing here
loops over rows in Python; the same SQL runs on SQLite and PostgreSQL. Called by services.py, which guards."""

# ruff: noqa: S608 - SQL built from constants; values always go as parameters

import datetime as dt

from django.db import connection

from jiuzhu.core.bulk_indexes import analyze, large_cache
from jiuzhu.funds.models import SubsidyItem

IN_FORCE_DECISION = ("confirmed", "overridden")


def analyze_lines() -> None:
    """PostgreSQL: fresh statistics of the lines just written, so the checks that follow are planned on the
    roll as it is (on statistics of an empty table each check was a nested loop: 11 s at 20,000 persons)."""
    analyze("funds_paymentline")


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _item_filter(item: str) -> tuple[str, list]:
    """Which grants an item pays, and how much a month (差额 or class amount as the grant states it)."""
    if item in (SubsidyItem.URBAN_DIBAO, SubsidyItem.RURAL_DIBAO, SubsidyItem.URBAN_TEKUN, SubsidyItem.RURAL_TEKUN):
        category = "basic_living" if item in (SubsidyItem.URBAN_DIBAO, SubsidyItem.RURAL_DIBAO) else \
            "destitute_support"
        hukou = "urban" if item in (SubsidyItem.URBAN_DIBAO, SubsidyItem.URBAN_TEKUN) else "rural"
        return ("g.category = %s AND h.hukou_type = %s AND g.monthly_amount IS NOT NULL"
                " AND g.period_start <= %s AND (g.period_end IS NULL OR g.period_end >= %s)"
                " AND (g.status = 'active' OR g.period_end IS NOT NULL)", [category, hukou])
    # 临时救助金: the once-only amounts granted in the month
    return ("g.category = 'temporary' AND g.once_amount IS NOT NULL AND g.period_start >= %s"
            " AND g.period_start < %s", ["__month__", "__next__"])


def compute_lines(*, roll, region_path: str, locked_townships: list[int]) -> int:
    """Inserts the roll's lines for households under `region_path` (the preparer's scope within the county),
    leaving out townships already handed on. Returns the number of lines written."""
    month, nxt = roll.month, next_month(roll.month)
    where, params = _item_filter(roll.item)
    monthly = roll.item != SubsidyItem.TEMPORARY
    if monthly:
        params = [*params, month, month]
    else:
        params = [month, nxt]
    amount = "g.monthly_amount" if monthly else "g.once_amount"
    # 补发: one month's amount for each approved earlier roll of the item in the county that should have paid the
    # grant (in force on that roll's 1st) and has no line for it.
    back_pay = ("(SELECT COUNT(*) FROM funds_paymentroll r2 WHERE r2.county_id = %s AND r2.item = %s"
                " AND r2.status = 'approved' AND r2.month < %s AND r2.month >= g.period_start"
                " AND (g.period_end IS NULL OR g.period_end >= r2.month)"
                " AND NOT EXISTS (SELECT 1 FROM funds_paymentline l2 WHERE l2.roll_id = r2.id"
                " AND l2.grant_id = g.id))") if monthly else "0"
    back_params = [roll.county_id, roll.item, month] if monthly else []
    locked = ""
    if locked_townships:
        locked = f" AND township_id NOT IN ({', '.join(str(int(t)) for t in locked_townships)})"
    tekun = roll.item in (SubsidyItem.URBAN_TEKUN, SubsidyItem.RURAL_TEKUN)
    institution = ("(SELECT ds.institution FROM registry_destitutesupport ds WHERE ds.person_id ="
                   " COALESCE(g.person_id, h.head_id) AND ds.support_mode = 'centralized' AND ds.institution <> ''"
                   " ORDER BY ds.id DESC LIMIT 1)") if tekun else "NULL"
    base = f"""
        SELECT g.id AS grant_id, g.household_id, COALESCE(g.person_id, h.head_id) AS payee_id,
               COALESCE(g.tier_decision_id, (SELECT td2.id FROM registry_tierdecision td2
                   WHERE td2.household_id = g.household_id AND td2.status IN ('confirmed', 'overridden')
                   AND (td2.valid_from IS NULL OR td2.valid_from <= %s) AND (td2.valid_to IS NULL OR td2.valid_to >= %s)
                   ORDER BY td2.id DESC LIMIT 1)) AS tier_decision_id,
               CASE WHEN rg.level = 'village' THEN rg.parent_id ELSE rg.id END AS township_id,
               CASE WHEN g.person_id IS NOT NULL THEN 1 ELSE COALESCE(NULLIF(td.members, 0),
                   (SELECT NULLIF(COUNT(*), 0) FROM registry_person pm WHERE pm.household_id = g.household_id
                    AND pm.death_date IS NULL), 1) END AS persons,
               {amount} AS amount, {amount} * {back_pay} AS back_pay,
               (SELECT pa.id FROM registry_paymentaccount pa WHERE pa.household_id = g.household_id
                  AND pa.is_active AND (pa.person_id = COALESCE(g.person_id, h.head_id) OR pa.person_id IS NULL)
                  ORDER BY CASE WHEN pa.person_id IS NULL THEN 1 ELSE 0 END, pa.id DESC LIMIT 1) AS account_id,
               {institution} AS institution
        FROM registry_assistancegrant g
        JOIN registry_household h ON h.id = g.household_id
        JOIN core_region rg ON rg.id = h.region_id
        LEFT JOIN registry_tierdecision td ON td.id = g.tier_decision_id
        WHERE {where} AND rg.path LIKE %s AND COALESCE(g.person_id, h.head_id) IS NOT NULL
          AND (g.tier_decision_id IS NULL OR (td.status IN ('confirmed', 'overridden')
               AND (td.valid_from IS NULL OR td.valid_from <= %s) AND (td.valid_to IS NULL OR td.valid_to >= %s)))
          AND NOT EXISTS (SELECT 1 FROM funds_paymentstop ps WHERE ps.person_id = COALESCE(g.person_id, h.head_id)
                          AND ps.from_month <= %s AND ps.lifted_at IS NULL)"""
    # Not merged into the INSERT's query (LIMIT/OFFSET keeps it apart): merged, each of its correlated
    # subqueries (back pay above all) ran once per column that names it.
    base += " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1"
    sql = f"""
        INSERT INTO funds_paymentline (roll_id, township_id, household_id, payee_id, grant_id, tier_decision_id,
            persons, bank_name, account_cipher, account_hash, account_tail, institution, amount, back_pay,
            adjustment, total, status, fail_reason, stop_reason, batch, correction_of_id)
        SELECT %s, s.township_id, s.household_id, s.payee_id, s.grant_id, s.tier_decision_id, s.persons,
               COALESCE(ia.bank_name, pa.bank_name, ''), COALESCE(ia.account_cipher, pa.account_cipher, ''),
               COALESCE(ia.account_hash, pa.account_hash, ''), COALESCE(ia.account_tail, pa.account_tail, ''),
               COALESCE(s.institution, ''), s.amount, s.back_pay, 0, s.amount + s.back_pay, 'issued', '', '', 0, NULL
        FROM ({base}) s
        LEFT JOIN registry_paymentaccount pa ON pa.id = s.account_id
        LEFT JOIN funds_institutionaccount ia ON ia.county_id = %s AND ia.institution = s.institution
        WHERE 1 = 1{locked}"""
    all_params = [roll.pk, month, month, *back_params, *params, region_path + "%", month, month, month, roll.county_id]
    with large_cache(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # for this transaction only: the sort of a million lines by account spilled to disk at the default
            # work_mem, and JIT spent 0.7 s compiling a plan that runs once
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, all_params)
        return max(cursor.rowcount, 0)


def township_totals(roll) -> list[tuple[int, int, int, object]]:
    """(township id, 户数, 人数, 金额) of the roll's lines, regular and corrected batches."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT township_id, COUNT(DISTINCT household_id), SUM(persons), SUM(total)"
                       " FROM funds_paymentline WHERE roll_id = %s AND batch = 0 GROUP BY township_id", [roll.pk])
        return cursor.fetchall()


def roll_totals(roll) -> tuple[int, int, object]:
    """(户数, 人数, 金额) of the roll's regular lines. SQLite reads them along (roll, township, id): left to
    itself it went through the lines' household index over every roll's lines (14 s at a million lines)."""
    order = " INDEXED BY line_roll_township" if connection.vendor == "sqlite" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT household_id), SUM(persons), SUM(total) FROM funds_paymentline{order}"
                       " WHERE roll_id = %s AND batch = 0", [roll.pk])
        return cursor.fetchone()


# ---- Checks before approval --------------------------------------------------------------------------------

# The most a line may pay: the 低保 standard times the persons it pays for, or a 特困 person's standards.
CAP = ("(CASE WHEN td.tier = 'dibao' AND td.dibao_standard > 0 THEN td.dibao_standard * l.persons"
       " WHEN td.tier = 'tekun' THEN (SELECT COALESCE(ds.basic_standard, 0) + COALESCE(ds.care_standard, 0)"
       " FROM registry_destitutesupport ds WHERE ds.person_id = l.payee_id AND ds.basic_standard IS NOT NULL"
       " ORDER BY ds.id DESC LIMIT 1) END)")


def _checks(roll) -> list[tuple[str, str, str, list, str, list]]:
    """(kind, detail SQL, JOIN part, its params, condition over line l, its params) per check; each one is
    set-based over the whole roll."""
    month = roll.month
    return [
        # dead in the registry, or held by a death warning still open (monitoring's death feeds, funds' hold)
        ("payee_dead", "CASE WHEN p.death_date IS NULL THEN '死亡预警待核实（暂停发放）'"
         " ELSE '死亡日期 ' || CAST(p.death_date AS TEXT) END",
         "JOIN registry_person p ON p.id = l.payee_id", [],
         "(p.death_date IS NOT NULL AND p.death_date < %s) OR EXISTS (SELECT 1 FROM funds_paymentstop ps"
         " WHERE ps.person_id = l.payee_id AND ps.is_hold AND ps.lifted_at IS NULL AND ps.from_month <= %s)",
         [month, month]),
        ("not_in_force", "'救助已终止、认定已失效或家庭已注销'",
         "JOIN registry_household h ON h.id = l.household_id"
         " LEFT JOIN registry_assistancegrant g ON g.id = l.grant_id"
         " LEFT JOIN registry_tierdecision td ON td.id = l.tier_decision_id", [],
         "NOT h.is_active OR (l.tier_decision_id IS NULL AND %s)"
         " OR (g.id IS NOT NULL AND g.period_end IS NOT NULL AND g.period_end < %s)"
         " OR (td.id IS NOT NULL AND (td.status NOT IN ('confirmed', 'overridden')"
         " OR (td.valid_to IS NOT NULL AND td.valid_to < %s)))", [roll.item != SubsidyItem.TEMPORARY, month, month]),
        ("shared_account", "'该账户另有他户领取'", "", [],
         "l.account_hash <> '' AND l.institution = '' AND EXISTS (SELECT 1 FROM funds_paymentline o"
         " WHERE o.roll_id = l.roll_id AND o.account_hash = l.account_hash AND o.household_id <> l.household_id"
         " AND o.institution = '')", []),
        ("above_maximum", f"'超过上限 ' || CAST({CAP} AS TEXT)",
         "JOIN registry_tierdecision td ON td.id = l.tier_decision_id", [],
         f"(td.tier = 'dibao' OR td.tier = 'tekun') AND {CAP} IS NOT NULL AND l.amount > {CAP}", []),
        ("two_rolls", "'同月同科目已在其他花名册或本册另一行'", "", [],
         "EXISTS (SELECT 1 FROM funds_paymentline o JOIN funds_paymentroll r ON r.id = o.roll_id"
         " WHERE o.payee_id = l.payee_id AND o.id <> l.id AND o.batch = 0 AND r.month = %s AND r.item = %s)",
         [month, roll.item]),
        # 未采集: no account on the line, or the account the line pays is marked 未采集 in the registry now
        ("no_account", "'未采集收款账户'", "", [],
         f"l.account_hash = '' OR l.id IN ({_flagged_lines()})", ["not_collected", roll.pk]),
        # 须更新: the bank's template marked the account to be renewed (registry.PaymentAccount.status)
        ("account_update", "'收款账户须更新（银行反馈）'", "", [], f"l.id IN ({_flagged_lines()})",
         ["needs_update", roll.pk]),
    ]


def _in_line_order(kind: str) -> str:
    """SQLite: the checks that look lines' households, grants and decisions up read the lines in township and id
    order (the order they were written in, so the lookups go along the registry's tables): left to itself the
    planner read them by account hash, in random order, 4.5 times the CPU at 100,000 lines."""
    if connection.vendor == "sqlite" and kind in ("not_in_force", "above_maximum"):
        return " INDEXED BY line_roll_township"
    return ""


# The roll's lines paying an account in use that the registry marks with a status (%s): driven from the few marked
# accounts through the lines' (roll, account_hash) index, not a probe per line. Institution lines are not payees'.
# The literal NOT (status = 'normal') is the partial index account_status_flagged's own condition: with only
# `status = %s` (a parameter) neither database can tell the index covers the rows, and SQLite drove the subquery
# from the roll's lines instead (a probe per line, twice per run: half the checks' time).
# SQLite's CROSS JOIN keeps the accounts as the outer loop.
def _flagged_lines() -> str:
    join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
    return (f"SELECT lf.id FROM registry_paymentaccount pa {join} funds_paymentline lf"
            " ON lf.account_hash = pa.account_hash AND lf.household_id = pa.household_id"
            " WHERE pa.status = %s AND NOT (pa.status = 'normal') AND pa.is_active AND pa.account_hash <> ''"
            " AND lf.roll_id = %s AND lf.institution = ''")


def run_checks(roll) -> dict[str, int]:
    """Runs every check over the whole roll: hits without an override are found again from the registry as it is
    now; a hit already let through with a reason is kept. Returns the number of open hits per kind."""
    with large_cache(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM funds_checkhit WHERE roll_id = %s AND override_reason = ''", [roll.pk])
        # hits let through stay (one hit per line and kind); with none left, no line needs the lookup
        cursor.execute("SELECT 1 FROM funds_checkhit WHERE roll_id = %s LIMIT 1", [roll.pk])
        kept = cursor.fetchone() is not None
        for kind, detail, join, join_params, cond, cond_params in _checks(roll):
            unless_kept = " AND NOT EXISTS (SELECT 1 FROM funds_checkhit k WHERE k.line_id = l.id AND k.kind = %s)"
            cursor.execute(
                f"INSERT INTO funds_checkhit (roll_id, line_id, kind, detail, override_reason, overridden_by_id,"
                f" overridden_at) SELECT l.roll_id, l.id, %s, SUBSTR({detail}, 1, 200), '', NULL, NULL"
                f" FROM funds_paymentline l{_in_line_order(kind)} {join}"
                f" WHERE l.roll_id = %s AND l.batch = 0 AND ({cond})"
                f"{unless_kept if kept else ''}",
                [kind, *join_params, roll.pk, *cond_params, *([kind] if kept else [])])
        cursor.execute("SELECT kind, COUNT(*) FROM funds_checkhit WHERE roll_id = %s AND override_reason = ''"
                       " GROUP BY kind", [roll.pk])
        return dict(cursor.fetchall())
