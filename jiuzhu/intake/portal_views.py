"""Pages of the public portal (no sign-in; a public layout without the staff navigation, phone first): home,
online application with the signed authorisation, the progress check (POST, so codes stay out of logs), the
policy calculator, and the villages of a township (for the application's residence selects)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.middleware import client_ip
from jiuzhu.intake import calculator
from jiuzhu.intake import portal_forms as forms
from jiuzhu.intake import portal_services as services
from jiuzhu.intake.services import today

MAX_BODY_BYTES = 1024 * 1024  # the application form with its signature is far below this
SESSION_CODE = "portal_query_code"


@require_GET
def home(request):
    return render(request, "intake/portal/home.html")


@require_GET
def villages(request):
    """<option>s of the villages of one township (htmx swaps them into the village select)."""
    township = (request.GET.get("township") or "").strip()[:12]
    return render(request, "intake/portal/_villages.html",
                  {"villages": services.portal_villages(township), "township": township, "selected": ""})


def _apply_page(request, *, values=None, errors=None, status=200):
    values = values or {"items": [], "township": "", "village": ""}
    return render(request, "intake/portal/apply.html", {
        "values": values, "errors": errors or {}, "items": forms.ONLINE_ITEMS,
        "townships": services.portal_townships(), "villages": services.portal_villages(values.get("township", "")),
        "authorisation_title": services.AUTHORISATION_TITLE, "authorisation_text": services.AUTHORISATION_TEXT,
        "signature_kb": services.SIGNATURE_MAX_BYTES // 1024}, status=status)


@csrf_exempt  # checked by csrf_protect below, once the body's size is known to be small (CSRF reads the body)
@never_cache
@require_http_methods(["GET", "POST"])
def apply(request):
    if request.method != "POST":
        return _apply_page(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:  # refused before the body is read
        return _apply_page(request, errors={"signature": "提交的内容过大（签名图片不能超过 "
                                            f"{services.SIGNATURE_MAX_BYTES // 1024} KB），请清除签名后重新签名"},
                           status=413)
    return _apply_post(request)


@csrf_protect
def _apply_post(request):
    values = forms.apply_values(request.POST)
    region = services.portal_region(values["township"], values["village"])
    try:
        application = services.online_apply(
            region=region, applicant_name=values["applicant_name"],
            applicant_id_number=values["applicant_id_number"], applicant_phone=values["applicant_phone"],
            address=values["address"], items=values["items"], circumstances=values["circumstances"],
            signature=request.POST.get("signature", ""), agreed=values["agreed"],
            client_address=client_ip(request))
    except DomainError as exc:
        return _apply_page(request, values=values, errors={forms.error_field(exc.field): exc.message}, status=400)
    request.session[SESSION_CODE] = application.query_code
    return redirect("portal:apply_done")


@never_cache
@require_GET
def apply_done(request):
    code = request.session.get(SESSION_CODE)
    if not code:
        return redirect("portal:apply")
    return render(request, "intake/portal/apply_done.html", {"query_code": code})


@never_cache
@require_http_methods(["GET", "POST"])
def status(request):
    if request.method != "POST":
        return render(request, "intake/portal/status.html", {"values": {}})
    values = forms.status_values(request.POST)
    try:
        application = services.status_check(client_address=client_ip(request), query_code=values["query_code"],
                                            id_last4=values["id_last4"])
    except DomainError as exc:
        code = 429 if exc.code == "rate_limited" else 400
        return render(request, "intake/portal/status.html",
                      {"values": {"query_code": values["query_code"]}, "error": exc.message}, status=code)
    return render(request, "intake/portal/status_result.html", {"view": services.status_view(application)})


CALCULATOR_FIELDS = (  # name, label, placeholder, input mode
    ("size", "共同生活的家庭人口（人）", "如 3", "numeric"),
    ("monthly_income", "家庭每月总收入（元）", "工资、经营、务农等收入合计，如 1500", "decimal"),
    ("deposits", "家庭存款合计（元）", "如 5000，没有填 0", "decimal"),
    ("elderly", "60 岁以上老年人（人）", "没有填 0", "numeric"),
    ("disabled_severe", "一、二级残疾人（人）", "没有填 0", "numeric"),
    ("disabled_other", "三、四级残疾人（人）", "没有填 0", "numeric"),
    ("minors", "未满 16 岁的未成年人（人）", "没有填 0", "numeric"),
    ("students", "在校学生（人）", "没有填 0", "numeric"),
    ("seriously_ill", "重病患者（人）", "没有填 0", "numeric"),
    ("medical_costs", "近 12 个月自付医疗费用（元）", "医保报销后自己负担的部分，没有填 0", "decimal"),
)


def calculator_context(data, region) -> dict:
    """The calculator's answers and result (both pages), or the errors beside their fields."""
    names = [f[0] for f in CALCULATOR_FIELDS] + ["hukou", "no_supporter", "sudden_hardship"]
    context = {"values": {k: (data.get(k) or "") for k in names}, "errors": {}}
    if data.get("hukou") is not None or data.get("size") is not None:
        if region is None:
            context["errors"]["region"] = "请选择所在的乡镇（街道）"
        else:
            try:
                answers = calculator.parse_answers(data)
            except calculator.AnswerError as exc:
                context["errors"][exc.field] = exc.message
            else:
                context["result"] = calculator.estimate(answers, calculator.local_standards(region, today()))
                context["region"] = region
    context["fields"] = [{"name": name, "label": label, "hint": hint, "mode": mode,
                          "value": context["values"][name], "error": context["errors"].get(name, "")}
                         for name, label, hint, mode in CALCULATOR_FIELDS]
    return context




@require_http_methods(["GET", "POST"])
def portal_calculator(request):
    data = request.POST if request.method == "POST" else {}
    township = (data.get("township") or "").strip() if data else ""
    region = services.portal_region(township, data.get("village", "") if data else "")
    context = calculator_context(data, region)
    context.update({"townships": services.portal_townships(), "villages": services.portal_villages(township),
                    "township": township, "village": (data.get("village") or "") if data else ""})
    return render(request, "intake/portal/calculator.html", context,
                  status=400 if context["errors"] else 200)
