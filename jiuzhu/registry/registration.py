"""The registration step form (登记家庭): 1 家庭 → 2 成员 → 3 收入与财产 → 4 材料 → 完成, posted once.

This module turns the posted form into the service's input and every problem into a message next to its
field (named as in the form: `address`, `m1_id_number`, `r0_amount`, `d0_file`), so the page re-renders at
the step of the first problem with everything typed kept. The rules are not repeated here: members and the
household are checked by validation.py's functions, files by core/files.py, the rest by the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django import forms

from jiuzhu.core import files
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import IsoDateField
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.registry.models import AssetKind, DocumentKind, ExpenseKind, IncomeKind, Relation
from jiuzhu.registry.validation import FIELD_LABELS, RowErrors, household_from_raw, member_from_raw

MEMBER_FIELDS = ["name", "id_number", "relation", "disability_type", "disability_grade", "serious_illness",
                 "labour_capacity", "schooling", "employment", "phone", "supporter_able"]
MORE_FIELDS = {"disability_type", "disability_grade", "serious_illness", "labour_capacity", "schooling",
               "employment", "supporter_able"}  # folded under 更多情况 until one has a problem
MEANS_FIELDS = ["kind", "amount", "period_start", "period_end", "member"]
MEMBER_ROWS, MEANS_ROWS, DOCUMENT_ROWS = 8, 6, 4
STEPS = [(1, "家庭"), (2, "成员"), (3, "收入与财产"), (4, "材料"), (5, "完成")]
MEANS_ITEMS = [("income", "收入", IncomeKind.choices), ("asset", "财产", AssetKind.choices),
               ("expense", "刚性支出", ExpenseKind.choices)]
MEANS_KINDS = {f"{item}:{value}": (item, value) for item, _label, kinds in MEANS_ITEMS for value, _ in kinds}


def step_of(name: str) -> int:
    """The step holding a form field."""
    if name[:1] == "m" and name[1:2].isdigit():
        return 2
    if name[:1] == "r" and name[1:2].isdigit():
        return 3
    if name[:1] == "d" and name[1:2].isdigit():
        return 4
    return 1


class MeansRowForm(forms.Form):
    """One row of step 3 as typed; amounts and dates parsed here, the rules checked by means_record."""

    kind = forms.ChoiceField(choices=[(k, k) for k in MEANS_KINDS],
                             error_messages={"required": "请选择类型", "invalid_choice": "请选择类型"})
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                error_messages={"required": "请填写金额", "invalid": "金额应为数字，如 600 或 600.50",
                                                "min_value": "金额不能为负数",
                                                "max_decimal_places": "金额最多两位小数",
                                                "max_digits": "金额过大"})
    period_start = IsoDateField(required=False, error_messages={"invalid": "日期格式应为 2026-01-31"})
    period_end = IsoDateField(required=False, error_messages={"invalid": "日期格式应为 2026-01-31"})
    member = forms.CharField(required=False)


@dataclass
class Registration:
    """The posted form: what was typed (to show again), what the service gets, and the problems."""

    values: dict
    members: list[dict] = field(default_factory=list)
    member_slots: list[int] = field(default_factory=list)  # block index of each member sent to the service
    means: list[dict] = field(default_factory=list)
    means_slots: list[int] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    document_slots: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    chosen_files: set[int] = field(default_factory=set)  # rows where a file was chosen (browsers drop it)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def household(self) -> dict:
        return {k: self.values.get(k, "") for k in ("region_code", "address", "hukou_type")}

    @property
    def first_step(self) -> int:
        return min((step_of(n) for n in self.errors), default=1)


def _row_errors_to(registration: Registration, errors: RowErrors, prefix: str) -> None:
    for item in errors.items:
        name = item["field"]
        if name in ("sex", "birth_date"):  # read off the ID number: the number is what to correct
            name = "id_number"
        message = item["message"]
        if message == "必填":
            message = f"请{'选择' if name in ('relation', 'hukou_type', 'region_code') else '填写'}{FIELD_LABELS[name]}"
        registration.add(f"{prefix}{name}", message)


def parse(post, uploaded, *, village_codes: set[str]) -> Registration:
    """Reads and checks the posted form (request.POST, request.FILES)."""
    values = {k: v.strip() for k, v in post.items() if k != "csrfmiddlewaretoken"}
    reg = Registration(values=values)
    # Step 1: the household.
    errors = RowErrors()
    household_from_raw(reg.household, errors)
    _row_errors_to(reg, errors, "")
    if reg.values.get("region_code") and "region_code" not in reg.errors \
            and reg.values["region_code"] not in village_codes:
        reg.add("region_code", "所选村（社区）不在您的管辖范围内，请从列表中选择")
    if "region_code" in reg.errors:
        reg.errors["region_code"] = "请选择所在村（社区）" if not reg.values.get("region_code") \
            else reg.errors["region_code"]
    # Step 2: members, one block each; empty blocks are ignored.
    first_number: dict[str, int] = {}
    heads = []
    for i in range(MEMBER_ROWS):
        prefix = f"m{i}_"
        row = {f: values.get(prefix + f, "") for f in MEMBER_FIELDS}
        if not (row["name"] or row["id_number"]):
            continue
        errors = RowErrors()
        parsed = member_from_raw({k: v for k, v in row.items() if v}, errors)
        _row_errors_to(reg, errors, prefix)
        if parsed is not None:
            if parsed.id_number in first_number:
                reg.add(prefix + "id_number", f"与第 {first_number[parsed.id_number] + 1} 位成员的身份证号码相同")
            first_number.setdefault(parsed.id_number, i)
            if parsed.relation == Relation.HEAD:
                heads.append(i)
        reg.members.append({k: v for k, v in row.items() if v})
        reg.member_slots.append(i)
    if not reg.members:
        reg.add("m0_name", "至少登记一名成员（户主）")
    elif not heads and not any(n.startswith("m") and n.endswith("_relation") for n in reg.errors):
        reg.add(f"m{reg.member_slots[0]}_relation", "本户还没有户主：第一位成员应为户主")
    for i in heads[1:]:
        reg.add(f"m{i}_relation", f"本户已有户主（第 {heads[0] + 1} 位成员），只能有一名户主")
    # Step 3: means-test rows; a row with nothing typed is ignored.
    for i in range(MEANS_ROWS):
        prefix = f"r{i}_"
        row = {f: values.get(prefix + f, "") for f in MEANS_FIELDS}
        if not any(row[f] for f in ("kind", "amount", "period_start", "period_end")):
            continue
        form = MeansRowForm(row)
        if not form.is_valid():
            for name, messages in form.errors.items():
                reg.add(prefix + name, messages[0])
            continue
        data = form.cleaned_data
        item, kind = MEANS_KINDS[data["kind"]]
        member = data["member"]
        index = None
        if member:
            slot = int(member) if member.isdigit() else -1
            if slot not in reg.member_slots:
                reg.add(prefix + "member", "所选成员未登记，请重新选择")
                continue
            index = reg.member_slots.index(slot)
        if item != "asset":
            for name in ("period_start", "period_end"):
                if data[name] is None:
                    reg.add(prefix + name, "请填写日期")
        reg.means.append({"item": item, "kind": kind, "amount": data["amount"], "member": index,
                          "period_start": data["period_start"], "period_end": data["period_end"]})
        reg.means_slots.append(i)
    # Step 4: documents; the type and size are checked from the bytes now, before anything is written.
    for i in range(DOCUMENT_ROWS):
        upload = uploaded.get(f"d{i}_file")
        kind = values.get(f"d{i}_kind", "")
        if upload is not None:
            reg.chosen_files.add(i)
        if upload is None and not kind:
            continue
        if kind not in DocumentKind.values:
            reg.add(f"d{i}_kind", "请选择材料类型")
        try:
            data = files.upload_bytes(upload)
            files.file_facts(data)
        except DomainError as exc:
            reg.add(f"d{i}_file", exc.message)
            continue
        reg.documents.append({"kind": kind, "upload": data, "filename": upload.name})
        reg.document_slots.append(i)
    return reg


def service_error(reg: Registration, exc: DomainError) -> None:
    """Puts a refusal from the services next to the field it is about."""
    path = exc.field or ""
    part, _, rest = path.partition(".")
    if part in ("means", "documents") and rest:
        index, _, name = rest.partition(".")
        slots = reg.means_slots if part == "means" else reg.document_slots
        prefix = "r" if part == "means" else "d"
        reg.add(f"{prefix}{slots[int(index)]}_{name}", exc.message)
        return
    by_label = {label: name for name, label in FIELD_LABELS.items()}
    for item in exc.errors or [{"path": path, "message": exc.message}]:
        name = by_label.get((item.get("path") or "").rsplit(".", 1)[-1], item.get("path") or "")
        if name in ("region_code", "address", "hukou_type"):
            reg.add(name, item["message"])
            continue
        # A member's problem (registered elsewhere, …): the message names the member.
        slot = next((s for s, m in zip(reg.member_slots, reg.members, strict=True)
                     if m.get("name") and m["name"] in item["message"]), reg.member_slots[0] if reg.member_slots
                    else 0)
        reg.add(f"m{slot}_{name if name in MEMBER_FIELDS else 'id_number'}", item["message"])


# ---- What the template shows -----------------------------------------------------------------------

def villages_by_township(actor) -> list[tuple[str, list]]:
    """The villages of the user's jurisdiction, by township: [(township name, [village, …]), …]."""
    villages = regions_in_scope(actor=actor, level="village").select_related("parent")\
        .order_by("parent__code", "code")[:3000]
    return [(township.name if township else "其他", list(group))
            for township, group in itertools.groupby(villages, key=lambda v: v.parent)]


def member_rows(reg: Registration | None) -> list[dict]:
    values = reg.values if reg else {}
    errors = reg.errors if reg else {}
    rows = []
    for i in range(MEMBER_ROWS):
        prefix = f"m{i}_"
        row = {"i": i, "n": i + 1, "prefix": prefix, **{f: values.get(prefix + f, "") for f in MEMBER_FIELDS}}
        if i == 0 and not row["relation"]:
            row["relation"] = Relation.HEAD  # the first member is the head
        row["errors"] = {f: errors[prefix + f] for f in MEMBER_FIELDS if prefix + f in errors}
        row["filled"] = bool(row["name"] or row["id_number"])
        row["more_open"] = bool(MORE_FIELDS & set(row["errors"]))
        rows.append(row)
    return rows


def means_rows(reg: Registration | None) -> list[dict]:
    values = reg.values if reg else {}
    errors = reg.errors if reg else {}
    rows = []
    for i in range(MEANS_ROWS):
        prefix = f"r{i}_"
        row = {"i": i, "n": i + 1, "prefix": prefix, **{f: values.get(prefix + f, "") for f in MEANS_FIELDS}}
        row["errors"] = {f: errors[prefix + f] for f in MEANS_FIELDS if prefix + f in errors}
        row["filled"] = any(row[f] for f in ("kind", "amount", "period_start", "period_end"))
        rows.append(row)
    return rows


def document_rows(reg: Registration | None) -> list[dict]:
    values = reg.values if reg else {}
    errors = reg.errors if reg else {}
    rows = []
    for i in range(DOCUMENT_ROWS):
        row = {"i": i, "n": i + 1, "kind": values.get(f"d{i}_kind", ""),
               "errors": {f: errors[f"d{i}_{f}"] for f in ("kind", "file") if f"d{i}_{f}" in errors}}
        row["reselect"] = bool(reg and i in reg.chosen_files and "file" not in row["errors"])
        row["filled"] = bool(row["kind"] or (reg and i in reg.chosen_files))
        rows.append(row)
    return rows


def prefilled(params) -> Registration | None:
    """The form opened from elsewhere with what is already known (e.g. a monitoring warning about a person
    not in the registry: `?name=赵小红&region_code=430524100200`): the head's name and the village, nothing
    else (an ID number never travels in a link). None when the link carries neither."""
    values = {}
    name = (params.get("name") or "").strip()[:50]
    if name:
        values["m0_name"] = name
    code = (params.get("region_code") or "").strip()
    if code.isdigit() and len(code) == 12:
        values["region_code"] = code  # only selected if it is one of the actor's villages (the template's list)
    return Registration(values=values) if values else None
