from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import worklist
from jiuzhu.core.audit import audit, search_hash
from jiuzhu.core.audit_labels import describe_rows
from jiuzhu.core.auth import sign_in, sign_in_locks, sign_in_unlock, sign_out
from jiuzhu.core.context import navigation_for
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.forms import AuditSearchForm, PasswordChangeForm, SignInForm
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import AuditAction, Role
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.selectors import audit_search, disclosure_alerts


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sign_in(request=request, username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            target = request.GET.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else "core:home")
    return render(request, "core/login.html", {"form": form})


@require_POST
def logout_view(request):
    sign_out(request=request)
    messages.info(request, "您已安全退出。")
    return redirect("core:login")


@login_required
def home(request):
    user = request.user
    roles = [Role(r).label for r in sorted(user.role_codes)]
    alerts = disclosure_alerts(actor=user)[:20] if can(user, Capability.VIEW_AUDIT_LOG) else []
    items = worklist.work_items(user)
    return render(request, "core/home.html", {
        "roles": roles,
        "modules": navigation_for(user),
        "alerts": alerts,
        "todo": [i for i in items if i.count],
        "cleared": [i for i in items if not i.count],
        "next_steps": worklist.next_steps(user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit(AuditAction.PASSWORD_CHANGE, actor=user)
        from jiuzhu.core.user_services import user_password_changed

        user_password_changed(user=user)  # an administrator's one-time password no longer binds the user
        messages.success(request, "密码已修改。")
        return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form,
                                                         "must_change": request.user.must_change_password})


@login_required
def sign_in_lock_list(request):
    """Administrators: accounts of their jurisdiction locked after failed sign-ins, with an unlock button."""
    return render(request, "core/sign_in_locks.html", {"locks": sign_in_locks(actor=request.user)})


@login_required
@require_POST
def sign_in_lock_clear(request):
    username = request.POST.get("username", "")
    sign_in_unlock(actor=request.user, username=username)
    messages.success(request, f"已解除账号 {username} 的登录锁定。")
    return redirect("core:sign_in_locks")


def _audit_filters(request) -> tuple[AuditSearchForm, dict | None]:
    """The auditor's search form and its filters (None: the form has errors, show no rows)."""
    form = AuditSearchForm(request.GET or None)
    if not form.is_bound:
        return form, {}
    if not form.is_valid():
        return form, None
    return form, {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


def _audit_person_search(actor, filters: dict) -> None:
    """An auditor's search for a person is itself audited, its terms kept only as a keyed hash."""
    terms = [filters[k] for k in ("id_number", "person_name") if filters.get(k)]
    if terms:
        audit(AuditAction.READ, actor=actor,
              detail={"purpose": "audit_search", "query_hash": search_hash("|".join(terms))})


@login_required
def audit_log(request):
    require(request.user, Capability.VIEW_AUDIT_LOG)
    form, filters = _audit_filters(request)
    rows = audit_search(actor=request.user, **(filters or {}))
    if filters is None:
        rows = rows.none()
    page = Paginator(rows.prefetch_related("actor__roles"), 50).get_page(request.GET.get("page"))
    page.object_list = describe_rows(page.object_list)
    if filters:
        _audit_person_search(request.user, filters)
    return render(request, "core/audit_log.html", {"form": form, "page": page, "searched": bool(filters),
                                                   "alerts": disclosure_alerts(actor=request.user)[:20]})


AUDIT_EXPORT_HEADERS = ["时间", "用户", "角色", "单位", "来源地址", "操作", "对象", "人员编号", "说明"]


def _audit_export_rows(rows):
    """Rows for the xlsx, described in Chinese 2,000 at a time (one describer query per type per chunk)."""
    chunk = []
    for row in rows.prefetch_related("actor__roles").iterator(chunk_size=2000):
        chunk.append(row)
        if len(chunk) == 2000:
            yield from _audit_export_chunk(chunk)
            chunk = []
    yield from _audit_export_chunk(chunk)


def _audit_export_chunk(chunk):
    for r in describe_rows(chunk):
        yield [r.at, r.username, r.actor_roles, str(r.organization or ""), r.ip or "", r.get_action_display(),
               r.object_text, r.person_id or "", r.detail_text]


@login_required
def audit_log_export(request):
    """The auditor's search as an .xlsx; the export is itself audited (filters shown masked, row count)."""
    require(request.user, Capability.VIEW_AUDIT_LOG)
    form, filters = _audit_filters(request)
    if filters is None:
        messages.error(request, "查询条件有误，未导出：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(f"{reverse('core:audit_log')}?{request.GET.urlencode()}")
    rows = audit_search(actor=request.user, **filters)
    _audit_person_search(request.user, filters)
    shown = dict(filters)
    if shown.get("id_number"):
        shown["id_number"] = mask_id_number(shown["id_number"])
    if shown.get("person_name"):
        shown["person_name"] = shown["person_name"][:1] + "*" * (len(shown["person_name"]) - 1)
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in shown.items()}
    return xlsx_response(f"审计日志_{timezone.localdate():%Y%m%d}.xlsx", AUDIT_EXPORT_HEADERS,
                         _audit_export_rows(rows), actor=request.user, object_type="core.auditlog", filters=shown)
