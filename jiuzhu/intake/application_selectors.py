"""Reading applications for the window's pages: the filtered list (newest first, limited pages, capped count),
the detail page's pieces (the applicant as shown, items with materials, the timeline), the registry look-up by
ID number, and the work list's querysets. Scope: intake/selectors.py (out of scope is 404); every person shown
is audited (set-based for lists and exports)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse

from jiuzhu.core.audit import audit_read
from jiuzhu.core.crypto import decrypt_text, keyed_hash
from jiuzhu.core.identity import IdNumberError, mask_id_number, parse_id_number
from jiuzhu.core.models import Department, Event
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import scoped
from jiuzhu.core.worklist import capped_count
from jiuzhu.intake.catalog import CIVIL_AFFAIRS, ITEMS
from jiuzhu.intake.models import (
    OPEN_STATUSES,
    Application,
    ApplicationItem,
    ApplicationStatus,
    AssistFirst,
    Channel,
    ItemStatus,
    RequiredMaterial,
)
from jiuzhu.intake.selectors import applications_in_scope
from jiuzhu.intake.services import today
from jiuzhu.registry.selectors import age_on, audit_shown, may_see_full_id, person_get

PAGE_SIZE = 50
MAX_PAGE = 200  # limited pages: beyond 10,000 rows the officer narrows the filters
COUNT_CAP = 10_000
EXPORT_MAX = 50_000
DUE_SOON_DAYS = 3  # calendar days: an open application due within this many days is "near its deadline"
QUERY_CODE_LENGTH = 10


def department_label(code: str) -> str:
    return "民政" if code == CIVIL_AFFAIRS else dict(Department.choices).get(code, code)


def department_choices() -> list[tuple[str, str]]:
    """The departments the catalogue's items belong to, civil affairs first (value "civil" for civil affairs)."""
    seen = dict.fromkeys(item.department for item in ITEMS)
    return [("civil" if code == CIVIL_AFFAIRS else code, department_label(code)) for code in seen]


# ---- The list --------------------------------------------------------------------------------------------

@dataclass
class ApplicationFilters:
    status: str = ""
    item: str = ""
    department: str = ""  # "civil" for civil affairs' own items, else a Department code
    channel: str = ""
    overdue: bool = False
    q: str = ""  # a query code (10 digits) or the applicant's name
    due_soon: bool = False  # open and due within DUE_SOON_DAYS (or past due)
    proposed: bool = False  # an item waits for the approver's decision
    assist_open: bool = False  # an assist-first's paperwork is outstanding
    assist_overdue: bool = False  # … and past its due date (the referrals part's 督办 line links here)
    region: object = None  # a Region from the picker
    errors: dict = field(default_factory=dict)

    def as_audit(self) -> dict:
        shown = {}
        if self.status:
            shown["状态"] = ApplicationStatus(self.status).label
        if self.item:
            shown["事项"] = dict((i.code, i.name) for i in ITEMS)[self.item]
        if self.department:
            shown["部门"] = dict(department_choices())[self.department]
        if self.channel:
            shown["渠道"] = Channel(self.channel).label
        if self.overdue:
            shown["超期"] = "是"
        if self.q:
            shown["查询"] = self.q
        if self.due_soon:
            shown["临近或超过期限"] = "是"
        if self.proposed:
            shown["待审核确认"] = "是"
        if self.assist_open:
            shown["先行救助待补齐手续"] = "是"
        if self.assist_overdue:
            shown["先行救助超期未补齐手续"] = "是"
        if self.region is not None:
            shown["地区"] = self.region.full_name
        return shown


def parse_filters(params, region=None) -> ApplicationFilters:
    """Filters from the query string; an unknown value is ignored (the select shows 全部)."""
    codes = {i.code for i in ITEMS}
    status, item, channel = params.get("status", ""), params.get("item", ""), params.get("channel", "")
    department = params.get("department", "")
    q = " ".join((params.get("q") or "").split())[:50]
    return ApplicationFilters(
        status=status if status in ApplicationStatus.values else "", item=item if item in codes else "",
        department=department if department in dict(department_choices()) else "",
        channel=channel if channel in Channel.values else "", overdue=params.get("overdue") == "1", q=q,
        due_soon=params.get("due") == "soon", proposed=params.get("proposed") == "1",
        assist_open=params.get("assist") == "open", assist_overdue=params.get("assist_first_overdue") == "1",
        region=region)


def application_list(*, actor, filters: ApplicationFilters) -> QuerySet[Application]:
    """The scoped list, newest first. Served by the indexes on Application: status or region with
    -submitted_at; overdue by the partial index on open applications' due dates; the query code is unique."""
    rows = applications_in_scope(actor)
    if filters.q:
        if filters.q.isdigit() and len(filters.q) == QUERY_CODE_LENGTH:
            rows = rows.filter(query_code=filters.q)
        else:
            rows = rows.filter(applicant_name=filters.q)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.overdue:
        rows = rows.filter(status__in=OPEN_STATUSES, due_date__lt=today())
    if filters.due_soon:
        rows = rows.filter(status__in=OPEN_STATUSES, due_date__lte=today() + dt.timedelta(days=DUE_SOON_DAYS))
    if filters.region is not None:
        rows = rows.filter(region_path__startswith=filters.region.path)
    if filters.proposed:
        rows = rows.filter(status__in=(ApplicationStatus.MATERIALS_PENDING, ApplicationStatus.IN_PROGRESS))\
            .filter(Exists(ApplicationItem.objects.filter(application=OuterRef("pk"), status=ItemStatus.PROPOSED)))
    if filters.assist_open or filters.assist_overdue:
        outstanding = AssistFirst.objects.filter(application=OuterRef("pk"), completed_at__isnull=True)
        if filters.assist_overdue:
            outstanding = outstanding.filter(paperwork_due_date__lt=today())
        rows = rows.filter(Exists(outstanding))
    if filters.item or filters.department:
        items = ApplicationItem.objects.filter(application=OuterRef("pk"))
        if filters.item:
            items = items.filter(item=filters.item)
        if filters.department:
            items = items.filter(department=CIVIL_AFFAIRS if filters.department == "civil" else filters.department)
        rows = rows.filter(Exists(items))
    return rows.select_related("region").order_by("-submitted_at", "-id")


@dataclass
class ListPage:
    rows: list
    number: int
    has_previous: bool
    has_next: bool
    count: int
    capped: bool

    @property
    def shown_count(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)


def list_page(queryset: QuerySet[Application], page: str | None) -> ListPage:
    """One page of PAGE_SIZE rows (pages limited to MAX_PAGE) and a count capped at COUNT_CAP, so a county
    with a million historical applications costs one bounded count and one indexed slice."""
    number = int(page) if (page or "").isdigit() else 1
    number = min(max(number, 1), MAX_PAGE)
    start = (number - 1) * PAGE_SIZE
    rows = list(queryset.prefetch_related(Prefetch("items", queryset=ApplicationItem.objects.order_by("pk")))
                [start:start + PAGE_SIZE + 1])
    count, capped = capped_count(queryset, COUNT_CAP)
    return ListPage(rows=rows[:PAGE_SIZE], number=number, has_previous=number > 1,
                    has_next=len(rows) > PAGE_SIZE and number < MAX_PAGE, count=count, capped=capped)


def audit_listed(actor, applications, purpose: str = "application_list") -> int:
    """The registry persons a list or export shows (the applicants in the registry) are audited, set-based."""
    return audit_shown(actor, sorted({a.person_id for a in applications if a.person_id}), purpose=purpose)


def audit_listed_ids(actor, person_ids, purpose: str) -> int:
    return audit_shown(actor, sorted(person_ids), purpose=purpose)


# ---- The detail page ---------------------------------------------------------------------------------------

@dataclass
class ApplicantView:
    name: str
    id_number: str  # masked unless the actor may see it whole
    age: int | None
    phone: str
    in_registry: bool
    agent_id_number: str = ""


def applicant_view(actor, application: Application) -> ApplicantView:
    """The applicant as a page shows them: the ID number masked unless the role may see it whole, and the age,
    never the birth date (a masked number beside it would rebuild the number)."""
    number = decrypt_text(application.applicant_id_cipher)
    full = may_see_full_id(actor)
    try:
        age = age_on(parse_id_number(number).birth_date, today())
    except IdNumberError:
        age = None
    agent = decrypt_text(application.agent_id_cipher) if application.agent_id_cipher else ""
    return ApplicantView(name=application.applicant_name, id_number=number if full else mask_id_number(number),
                         age=age, phone=application.applicant_phone, in_registry=application.person_id is not None,
                         agent_id_number=(agent if full else mask_id_number(agent)) if agent else "")


def application_show(*, actor, application: Application, purpose: str = "application") -> None:
    """Showing an application (its applicant) writes the audit row, with the registry person when linked."""
    audit_read(actor, application, person_id=application.person_id, detail={"purpose": purpose})


def application_items(application: Application) -> list[ApplicationItem]:
    return list(application.items.prefetch_related(
        Prefetch("materials", queryset=RequiredMaterial.objects.order_by("pk"))).order_by("pk"))


def application_history(application: Application) -> QuerySet[Event]:
    """The application's own steps (the events whose subject it is), oldest first. Index event_subject."""
    return Event.objects.filter(subject_type=Application._meta.label_lower, subject_id=str(application.pk))\
        .select_related("actor", "organization").order_by("occurred_at", "id")


def deadline_text(due: dt.date | None, open_: bool) -> str:
    if due is None:
        return "—"
    if not open_:
        return f"{due:%Y-%m-%d}"
    days = (due - today()).days
    if days < 0:
        return f"{due:%Y-%m-%d}（已超期 {-days} 天）"
    if days == 0:
        return f"{due:%Y-%m-%d}（今天到期）"
    return f"{due:%Y-%m-%d}（还有 {days} 天）"


# ---- The registry look-up by ID number ------------------------------------------------------------------

@dataclass
class RegistryMatch:
    checked: bool
    found: bool = False
    name: str = ""
    id_number: str = ""  # always masked here: the look-up answers "is this person in the registry"
    household_id: int | None = None
    error: str = ""


def registry_lookup(*, actor, raw_number: str) -> RegistryMatch:
    """Is the applicant in the low-income registry within the actor's jurisdiction? Name and masked ID only;
    a person registered elsewhere is "not found here" (the window then registers or refers). Audited."""
    from jiuzhu.registry.models import Person

    text = (raw_number or "").strip()
    if not text:
        return RegistryMatch(checked=False)
    try:
        number = parse_id_number(text).number
    except IdNumberError as exc:
        return RegistryMatch(checked=True, error=f"身份证号码有误：{exc.message}")
    if not can(actor, Capability.VIEW_REGISTRY):
        return RegistryMatch(checked=True, error="您没有查看低收入人口库的权限")
    person = scoped(Person.objects.filter(id_number_hash=keyed_hash(number)), actor)\
        .only("pk", "name", "household_id").first()
    if person is None:
        return RegistryMatch(checked=True)
    audit_read(actor, person, person_id=person.pk, detail={"purpose": "intake_lookup"})
    return RegistryMatch(checked=True, found=True, name=person.name, id_number=mask_id_number(number),
                         household_id=person.household_id)


def applicant_prefill(*, actor, person_id: str | None, name: str | None = None) -> dict:
    """A lead about someone (a monitoring warning's 主动发现, a coordinator's visit) opens the 一表登记 form
    with what is already known: a registry person's name, ID number (to those who may see it in full), phone
    and village; for someone outside the registry, the name. The person shown is audited; a person out of the
    actor's scope is 404, like any record (registry's person_get: scoped, audited)."""
    initial = {"applicant_name": " ".join((name or "").split())[:50]} if name else {}
    if not person_id or not str(person_id).isdigit() or not can(actor, Capability.VIEW_REGISTRY):
        return initial
    person = person_get(actor=actor, person_id=int(person_id), purpose="intake_prefill")
    initial.update(applicant_name=person.name, applicant_phone=person.phone, region_code=person.region.code)
    if may_see_full_id(actor):
        initial["applicant_id_number"] = person.id_number
    return initial


SOURCES = {"warning": ("动态监测预警", "monitoring:warning_detail"), "call": ("热线来电", "intake:hotline_detail"),
           "rescue": ("救助管理站转介", "")}


def source_link(application: Application) -> tuple[str, str]:
    """(label, url) of where a lead came from ("warning:12" → 动态监测预警 #12 and its page); ("", "") when none.
    By url name only: intake does not import the app the lead came from."""
    kind, _, key = (application.source_ref or "").partition(":")
    if kind not in SOURCES or not key.isdigit():
        return (f"线索来源：{application.source_ref}", "") if application.source_ref else ("", "")
    label, url_name = SOURCES[kind]
    try:
        url = reverse(url_name, args=[int(key)]) if url_name else ""
    except NoReverseMatch:
        url = ""
    return f"{label} #{key}", url


# ---- Work list -------------------------------------------------------------------------------------------

def submitted_waiting(actor) -> QuerySet[Application]:
    return applications_in_scope(actor).filter(status=ApplicationStatus.SUBMITTED)


def materials_pending(actor) -> QuerySet[Application]:
    return applications_in_scope(actor).filter(status=ApplicationStatus.MATERIALS_PENDING)


def due_soon(actor) -> QuerySet[Application]:
    """Open applications past or within DUE_SOON_DAYS of their deadline (the partial index application_open_due)."""
    return applications_in_scope(actor).filter(status__in=OPEN_STATUSES,
                                               due_date__lte=today() + dt.timedelta(days=DUE_SOON_DAYS))


def assist_first_outstanding(actor) -> QuerySet[AssistFirst]:
    return scoped(AssistFirst.objects.filter(completed_at__isnull=True), actor,
                  region_field="application__region")


def items_to_decide(actor) -> QuerySet[Application]:
    """Applications with an in-house item proposed and waiting for the approver's decision. Counted on the
    applications side: only accepted open applications can carry a proposed item, a small part of all (the
    status index), each checked through the unique (application, item) index, never a scan of every item."""
    proposed = ApplicationItem.objects.filter(application=OuterRef("pk"), status=ItemStatus.PROPOSED)
    return applications_in_scope(actor).filter(
        status__in=(ApplicationStatus.MATERIALS_PENDING, ApplicationStatus.IN_PROGRESS)).filter(Exists(proposed))
