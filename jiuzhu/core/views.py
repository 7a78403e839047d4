from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core.audit import audit
from jiuzhu.core.auth import sign_in, sign_in_locks, sign_in_unlock, sign_out
from jiuzhu.core.context import navigation_for
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import AuditSearchForm, PasswordChangeForm, SignInForm
from jiuzhu.core.models import AuditAction, Role
from jiuzhu.core.permissions import Capability, can
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
    return render(request, "core/home.html", {
        "roles": roles,
        "modules": navigation_for(user),
        "alerts": alerts,
    })


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit(AuditAction.PASSWORD_CHANGE, actor=user)
        messages.success(request, "密码已修改。")
        return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form})


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


@login_required
def audit_log(request):
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = audit_search(actor=request.user, **{k: v for k, v in filters.items() if v not in (None, "")})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"form": form, "page": page,
                                                   "alerts": disclosure_alerts(actor=request.user)[:20]})
