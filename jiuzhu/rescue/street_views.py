"""Staff pages of the street part: sightings (list, new, detail with dispatch, contact and outcome, photo) and street
patrols (list with today's frequency, plan, a patrol's page where a member records findings on a phone, teams,
weather alerts). Thin: reads through street_selectors, writes through street_services; a refusal shows the form
again with the message beside its field and everything typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.core import files
from jiuzhu.core.audit import audit_read
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.models import Event, Organization, User
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.region_picker import pick_region
from jiuzhu.rescue import street_forms as forms
from jiuzhu.rescue import street_selectors as selectors
from jiuzhu.rescue import street_services as services
from jiuzhu.rescue.models import (
    CoordinateSystem,
    PatrolStatus,
    ReporterKind,
    SightingOutcome,
    SightingStatus,
    WeatherAlert,
)

# ---- Sightings ----------------------------------------------------------------------------------------------

PICKER_PREFIX = "region_"  # the picker's own "place" (a name to look up) is not the sighting's place


@login_required
@require_GET
def sighting_list(request):
    require(request.user, Capability.RESCUE_CASES)
    filters = selectors.parse_filters(request.GET)
    rows = selectors.sighting_list(actor=request.user, filters=filters)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rescue/street/sighting_list.html", {
        "page": page, "rows": list(page.object_list), "filters": filters, "statuses": SightingStatus.choices,
        "kinds": ReporterKind.choices, "figures": selectors.response_figures(request.user)})


SIGHTING_EXPORT_HEADERS = ["编号", "报告时间", "报告来源", "发现地区", "发现地点", "派遣至", "巡查队", "状态",
                           "首次接触时间", "响应时间（分钟）", "处置结果", "处置时间", "留下物品或信息", "救助记录编号"]


@login_required
@require_GET
def sighting_export(request):
    """The list as filtered, to Excel: the response time and the outcome of each report (no reporter's name or
    phone: the figures are about the work, not the people who called)."""
    require(request.user, Capability.RESCUE_CASES)
    filters = selectors.parse_filters(request.GET)
    rows = selectors.sighting_list(actor=request.user, filters=filters).select_related("case")

    def lines():
        for s in rows.iterator(chunk_size=2000):
            left = "、".join(label for given, label in ((s.left_food, "食物"), (s.left_clothing, "衣被"),
                                                        (s.left_information, "救助信息")) if given)
            yield [s.pk, timezone.localtime(s.reported_at).replace(tzinfo=None), s.get_reporter_kind_display(),
                   s.region.name, s.place, s.station.name if s.station else "未派遣", s.team.name if s.team else "",
                   s.get_status_display(),
                   timezone.localtime(s.contacted_at).replace(tzinfo=None) if s.contacted_at else "",
                   "" if s.response_minutes is None else s.response_minutes, s.get_outcome_display(),
                   timezone.localtime(s.outcome_at).replace(tzinfo=None) if s.outcome_at else "", left,
                   s.case.number if s.case else ""]
    return xlsx_response("发现报告.xlsx", SIGHTING_EXPORT_HEADERS, lines(), actor=request.user,
                         object_type="rescue.sighting", filters=filters.as_audit())


def _new_page(request, *, values=None, errors=None, picker=None, status=200):
    return render(request, "rescue/street/sighting_new.html", {
        "values": values or {"coordinate_system": "wgs84", "reporter_kind": "police"}, "errors": errors or {},
        "picker": picker or pick_region(request.user, {}, prefix=PICKER_PREFIX), "kinds": [(v, ReporterKind(v).label)
                                                                     for v in services.STAFF_KINDS],
        "systems": CoordinateSystem.choices, "photo_limit": files.size_label(files.max_file_bytes())}, status=status)


@csrf_exempt  # csrf_protect below, once the upload is limited
@login_required
def sighting_new(request):
    require(request.user, Capability.RESCUE_CASES)
    if request.method != "POST":
        return _new_page(request)
    files.limit_uploads(request)
    return _sighting_new_post(request)


@csrf_protect
def _sighting_new_post(request):
    picker = pick_region(request.user, request.POST, prefix=PICKER_PREFIX)
    values = forms.sighting_values(request.POST)
    errors = {}
    try:
        if picker.error:
            raise DomainError(picker.error, field="region")
        upload = request.FILES.get("photo")
        photo = files.upload_bytes(upload) if upload is not None else None
        sighting = services.sighting_report(
            actor=request.user, reporter_kind=values["reporter_kind"], region=picker.region, place=values["place"],
            description=values["description"], seen_at=forms.parse_datetime(values["seen_at"], "seen_at", "发现时间"),
            point=forms.point(values), photo=photo, reporter_name=values["reporter_name"],
            reporter_phone=values["reporter_phone"])
    except DomainError as exc:
        errors[forms.error_field(exc.field)] = exc.message
        return _new_page(request, values=values, errors=errors, picker=picker, status=400)
    station = sighting.station.name if sighting.station_id else "（未找到负责的救助管理站）"
    messages.success(request, f"发现报告已登记，已派遣至{station}")
    return redirect("rescue:sighting_detail", sighting.pk)


def _detail(request, sighting, *, errors=None, values=None, status=200):
    timeline = Event.objects.filter(subject_type="rescue.sighting", subject_id=str(sighting.pk))\
        .select_related("actor").order_by("occurred_at", "pk")
    stations = [s for s in selectors.stations_for_dispatch(request.user) if s.pk != sighting.station_id]
    teams = [t for t in selectors.teams_in_scope(request.user) if t.station_id == sighting.station_id
             and t.pk != sighting.team_id]
    return render(request, "rescue/street/sighting_detail.html", {
        "s": sighting, "timeline": timeline, "errors": errors or {}, "values": values or {},
        "outcomes": SightingOutcome.choices, "stations": stations, "teams": teams,
        "may_assign": sighting.status == SightingStatus.DISPATCHED and teams,
        "may_dispatch": sighting.status in (SightingStatus.REPORTED, SightingStatus.DISPATCHED) and stations,
        "may_contact": sighting.status == SightingStatus.DISPATCHED,
        "may_close": sighting.status in (SightingStatus.DISPATCHED, SightingStatus.CONTACTED),
        "now_input": forms.local_input(None)}, status=status)


@login_required
@require_GET
def sighting_detail(request, sighting_id: int):
    sighting = selectors.sighting_get(actor=request.user, sighting_id=sighting_id)
    audit_read(request.user, sighting, detail={"purpose": "sighting"})
    return _detail(request, sighting)


@login_required
@require_GET
def sighting_photo(request, sighting_id: int):
    sighting = selectors.sighting_get(actor=request.user, sighting_id=sighting_id)
    if not sighting.photo_key:
        raise Http404("没有照片")
    audit_read(request.user, sighting, detail={"purpose": "sighting_photo"})
    return files.stored_file_response(sighting.photo_key, content_type=sighting.photo_content_type)


@login_required
@require_POST
def sighting_contact(request, sighting_id: int):
    sighting = selectors.sighting_get(actor=request.user, sighting_id=sighting_id)
    values = {"contacted_at": (request.POST.get("contacted_at") or "").strip(),
              "contact_note": (request.POST.get("contact_note") or "").strip()}
    try:
        services.sighting_contact(
            actor=request.user, sighting=sighting, note=values["contact_note"],
            contacted_at=forms.parse_datetime(values["contacted_at"], "contacted_at", "接触时间"))
    except DomainError as exc:
        return _detail(request, sighting, errors={forms.error_field(exc.field): exc.message}, values=values,
                       status=400)
    messages.success(request, "已登记接触情况")
    return redirect("rescue:sighting_detail", sighting.pk)


@login_required
@require_POST
def sighting_close(request, sighting_id: int):
    sighting = selectors.sighting_get(actor=request.user, sighting_id=sighting_id)
    values = forms.close_values(request.POST)
    try:
        services.sighting_close(
            actor=request.user, sighting=sighting, outcome=values["outcome"], note=values["note"],
            hospital_name=values["hospital_name"], left_food=values["left_food"],
            left_clothing=values["left_clothing"], left_information=values["left_information"],
            case_id=forms.case_id(values["case_id"]))
    except DomainError as exc:
        return _detail(request, sighting, errors={forms.error_field(exc.field): exc.message}, values=values,
                       status=400)
    messages.success(request, f"已登记处置结果：{SightingOutcome(values['outcome']).label}")
    return redirect("rescue:sighting_detail", sighting.pk)


@login_required
@require_POST
def sighting_dispatch(request, sighting_id: int):
    sighting = selectors.sighting_get(actor=request.user, sighting_id=sighting_id)
    choice = (request.POST.get("station") or "").strip()
    station = Organization.objects.filter(pk=int(choice)).first() if choice.isdigit() else None
    try:
        services.sighting_dispatch(actor=request.user, sighting=sighting, station=station)
    except DomainError as exc:
        return _detail(request, sighting, errors={forms.error_field(exc.field): exc.message}, status=400)
    messages.success(request, f"已改派至{station.name}")
    return redirect("rescue:sighting_detail", sighting.pk)


@login_required
@require_POST
def sighting_assign_team(request, sighting_id: int):
    sighting = selectors.sighting_get(actor=request.user, sighting_id=sighting_id)
    choice = (request.POST.get("team") or "").strip()
    team = selectors.teams_in_scope(request.user).filter(pk=int(choice)).first() if choice.isdigit() else None
    try:
        services.sighting_assign_team(actor=request.user, sighting=sighting, team=team)
    except DomainError as exc:
        return _detail(request, sighting, errors={forms.error_field(exc.field): exc.message}, status=400)
    messages.success(request, f"已派给{team.name}")
    return redirect("rescue:sighting_detail", sighting.pk)


# ---- Patrols ------------------------------------------------------------------------------------------------

@login_required
@require_GET
def patrol_list(request):
    require(request.user, Capability.RESCUE_CASES)
    rows = selectors.patrol_list(actor=request.user)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rescue/street/patrol_list.html", {
        "page": page, "rows": list(page.object_list), "day": selectors.patrol_day(request.user),
        "teams": selectors.teams_in_scope(request.user),
        "may_alert": can(request.user, Capability.APPROVE_RESCUE)})


def _plan_page(request, *, values=None, errors=None, picker=None, status=200):
    return render(request, "rescue/street/patrol_new.html", {
        "values": values or {}, "errors": errors or {}, "picker": picker or pick_region(request.user, {}),
        "teams": selectors.teams_in_scope(request.user)}, status=status)


@login_required
def patrol_new(request):
    require(request.user, Capability.RESCUE_CASES)
    if request.method != "POST":
        return _plan_page(request)
    picker = pick_region(request.user, request.POST)
    values = {k: (request.POST.get(k) or "").strip() for k in ("team", "shift_start", "shift_end", "area")}
    try:
        if picker.error:
            raise DomainError(picker.error, field="region")
        team = selectors.teams_in_scope(request.user).filter(pk=int(values["team"])).first() \
            if values["team"].isdigit() else None
        if team is None:
            raise DomainError("请选择巡查队", field="team")
        patrol = services.patrol_plan(
            actor=request.user, team=team, region=picker.region or request.user.region, area=values["area"],
            shift_start=forms.parse_datetime(values["shift_start"], "shift_start", "开始时间"),
            shift_end=forms.parse_datetime(values["shift_end"], "shift_end", "结束时间"))
    except DomainError as exc:
        return _plan_page(request, values=values, errors={forms.error_field(exc.field): exc.message},
                          picker=picker, status=400)
    messages.success(request, "巡查已排班")
    return redirect("rescue:patrol_detail", patrol.pk)


def _patrol_page(request, patrol, *, errors=None, values=None, status=200):
    return render(request, "rescue/street/patrol_detail.html", {
        "p": patrol, "findings": patrol.sightings.select_related("region").order_by("seen_at", "pk"),
        "errors": errors or {}, "values": values or {"coordinate_system": "wgs84"},
        "systems": CoordinateSystem.choices, "open": patrol.status == PatrolStatus.PLANNED,
        "photo_limit": files.size_label(files.max_file_bytes())}, status=status)


@login_required
@require_GET
def patrol_detail(request, patrol_id: int):
    patrol = selectors.patrol_get(actor=request.user, patrol_id=patrol_id)
    return _patrol_page(request, patrol)


@csrf_exempt  # csrf_protect below, once the upload is limited
@login_required
@require_POST
def patrol_finding(request, patrol_id: int):
    patrol = selectors.patrol_get(actor=request.user, patrol_id=patrol_id)
    files.limit_uploads(request)
    return _patrol_finding_post(request, patrol)


@csrf_protect
def _patrol_finding_post(request, patrol):
    values = forms.sighting_values(request.POST)
    try:
        upload = request.FILES.get("photo")
        photo = files.upload_bytes(upload) if upload is not None else None
        services.patrol_finding_add(
            actor=request.user, patrol=patrol, place=values["place"], description=values["description"],
            seen_at=forms.parse_datetime(values["seen_at"], "seen_at", "发现时间"), point=forms.point(values),
            photo=photo)
    except DomainError as exc:
        return _patrol_page(request, patrol, errors={forms.error_field(exc.field): exc.message}, values=values,
                            status=400)
    messages.success(request, "已登记发现的人员，请在发现报告中登记处置结果")
    return redirect("rescue:patrol_detail", patrol.pk)


@login_required
@require_POST
def patrol_record(request, patrol_id: int):
    patrol = selectors.patrol_get(actor=request.user, patrol_id=patrol_id)
    findings = (request.POST.get("findings") or "").strip()
    try:
        services.patrol_record(actor=request.user, patrol=patrol, findings=findings)
    except DomainError as exc:
        return _patrol_page(request, patrol, errors={forms.error_field(exc.field): exc.message},
                            values={"findings": findings, "coordinate_system": "wgs84"}, status=400)
    messages.success(request, "巡查情况已登记")
    return redirect("rescue:patrol_detail", patrol.pk)


@login_required
@require_POST
def patrol_cancel(request, patrol_id: int):
    patrol = selectors.patrol_get(actor=request.user, patrol_id=patrol_id)
    reason = (request.POST.get("reason") or "").strip()
    try:
        services.patrol_cancel(actor=request.user, patrol=patrol, reason=reason)
    except DomainError as exc:
        return _patrol_page(request, patrol, errors={forms.error_field(exc.field): exc.message},
                            values={"reason": reason, "coordinate_system": "wgs84"}, status=400)
    messages.success(request, "巡查已取消")
    return redirect("rescue:patrol_detail", patrol.pk)


@login_required
def team_new(request):
    require(request.user, Capability.RESCUE_CASES)
    org = request.user.organization
    staff = User.objects.filter(organization=org, is_active=True).order_by("pk") if org else User.objects.none()
    values = {"name": "", "area": "", "members": []}
    errors = {}
    if request.method == "POST":
        values = {"name": (request.POST.get("name") or "").strip(), "area": (request.POST.get("area") or "").strip(),
                  "members": [m for m in request.POST.getlist("members") if m.isdigit()]}
        try:
            services.patrol_team_create(actor=request.user, name=values["name"], area=values["area"],
                                        members=list(User.objects.filter(pk__in=values["members"])))
        except DomainError as exc:
            errors[forms.error_field(exc.field)] = exc.message
        else:
            messages.success(request, f"巡查队“{values['name']}”已建立")
            return redirect("rescue:patrol_list")
    return render(request, "rescue/street/team_new.html", {"values": values, "errors": errors, "staff": staff},
                  status=400 if errors else 200)


@login_required
def alert_new(request):
    require(request.user, Capability.APPROVE_RESCUE)
    picker = pick_region(request.user, request.POST if request.method == "POST" else {})
    values = {k: (request.POST.get(k) or "").strip() for k in ("kind", "starts_on", "ends_on", "note")}
    errors = {}
    if request.method == "POST":
        try:
            if picker.error:
                raise DomainError(picker.error, field="region")
            services.weather_alert_record(
                actor=request.user, region=picker.region or request.user.region, kind=values["kind"],
                starts_on=forms.parse_date(values["starts_on"], "starts_on", "开始日期"),
                ends_on=forms.parse_date(values["ends_on"], "ends_on", "结束日期"), note=values["note"])
        except DomainError as exc:
            errors[forms.error_field(exc.field)] = exc.message
        else:
            messages.success(request, "极端天气预警已登记，预警期间按预警频次巡查")
            return redirect("rescue:patrol_list")
    return render(request, "rescue/street/alert_new.html", {
        "values": values, "errors": errors, "picker": picker, "kinds": WeatherAlert.Kind.choices},
        status=400 if errors else 200)


# ---- Stations' locations (dispatch to the nearest station) ---------------------------------------------------

@login_required
def station_locations(request):
    """Managers: where their station and the stations directly below it are, for dispatch to the nearest one."""
    require(request.user, Capability.APPROVE_RESCUE)
    stations = selectors.stations_for_dispatch(request.user)
    values = {"coordinate_system": "wgs84", "station": ""}
    errors = {}
    if request.method == "POST":
        values = {**forms.sighting_values(request.POST), "station": (request.POST.get("station") or "").strip(),
                  "address": (request.POST.get("address") or "").strip()}
        station = next((s for s in stations if str(s.pk) == values["station"]), None)
        try:
            if station is None:
                raise DomainError("请选择救助管理站", field="station")
            services.station_location_set(actor=request.user, station=station, point=forms.point(values),
                                          address=values["address"])
        except DomainError as exc:
            errors[forms.error_field(exc.field)] = exc.message
        else:
            messages.success(request, f"{station.name}的位置已保存")
            return redirect("rescue:station_locations")
    located = {loc.station_id: loc for loc in selectors.station_locations(stations)}
    return render(request, "rescue/street/station_locations.html", {
        "rows": [(s, located.get(s.pk)) for s in stations], "stations": stations, "values": values,
        "errors": errors, "systems": CoordinateSystem.choices}, status=400 if errors else 200)
