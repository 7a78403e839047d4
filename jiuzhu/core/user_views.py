"""系统管理 and 用户管理: thin page handlers over core/user_services.py and core/user_selectors.py. Every page
asks the administer capability (403 without it); an account outside the jurisdiction is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Role
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.user_forms import PASSWORD_SET, UserFilterForm, UserForm
from jiuzhu.core.user_selectors import locked_usernames, managed_user_or_404, user_changes, user_list
from jiuzhu.core.user_services import (
    user_create,
    user_deactivate,
    user_password_reset,
    user_reactivate,
    user_unlock,
    user_update,
)

SHOWN_PASSWORD = "user_admin_shown_password"  # session key: a generated password, popped by the page showing it


@login_required
def admin_hub(request):
    """系统管理: the administrator's pages in one place."""
    require(request.user, Capability.ADMINISTER)
    return render(request, "core/users_hub.html", {"locked": len(locked_usernames(actor=request.user))})


@login_required
def users(request):
    require(request.user, Capability.ADMINISTER)
    form = UserFilterForm(request.GET or None, actor=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    locked = locked_usernames(actor=request.user)
    rows = user_list(actor=request.user, text=filters.get("text", ""), organization=filters.get("organization"),
                     role=filters.get("role", ""), status=filters.get("status", ""), locked=locked)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/users.html", {"form": form, "page": page, "locked": locked,
                                               "query": query.urlencode()})


def _form_errors(form, exc: DomainError) -> None:
    field = {"name": "full_name"}.get(exc.field or "", exc.field or "")
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def user_new(request):
    require(request.user, Capability.ADMINISTER)
    form = UserForm(request.POST or None, actor=request.user, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, generated = user_create(
                actor=request.user, username=data["username"], name=data["full_name"],
                organization=data["organization"], region=data["region"], roles=data["roles"],
                password=data["password"] if data["password_mode"] == PASSWORD_SET else None, phone=data["phone"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            if generated:
                request.session[SHOWN_PASSWORD] = {"user": user.pk, "password": generated}
            messages.success(request, f"已新增用户 {user.username}（{user.full_name}），首次登录须修改密码。")
            return redirect("core:user", user_id=user.pk)
    return render(request, "core/users_form.html", {"form": form, "creating": True},
                  status=400 if form.is_bound else 200)


@login_required
def user_detail(request, user_id: int):
    require(request.user, Capability.ADMINISTER)
    user = managed_user_or_404(actor=request.user, user_id=user_id)
    shown = request.session.get(SHOWN_PASSWORD)
    password = None
    if shown and shown.get("user") == user.pk:
        password = request.session.pop(SHOWN_PASSWORD)["password"]  # shown once
    return render(request, "core/users_detail.html", {
        "account": user, "roles": [Role(r).label for r in sorted(user.roles.values_list("role", flat=True))],
        "locked": user.username in locked_usernames(actor=request.user), "password": password,
        "is_self": user.pk == request.user.pk, "changes": user_changes(actor=request.user, user=user),
        "tokens_url": f"{reverse('core:tokens')}?organization={user.organization_id}" if user.organization_id
        else "",
    })


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id: int):
    require(request.user, Capability.ADMINISTER)
    user = managed_user_or_404(actor=request.user, user_id=user_id)
    initial = {"full_name": user.full_name, "phone": user.phone, "organization": user.organization_id,
               "region": user.region_id, "roles": list(user.roles.values_list("role", flat=True))}
    form = UserForm(request.POST or None, initial=initial, actor=request.user, creating=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = user_update(actor=request.user, user=user, name=data["full_name"], phone=data["phone"],
                                  organization=data["organization"], region=data["region"], roles=data["roles"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已保存修改。" if changes else "没有修改任何内容。")
            return redirect("core:user", user_id=user.pk)
    return render(request, "core/users_form.html", {"form": form, "creating": False, "account": user},
                  status=400 if form.is_bound else 200)


def _act(request, user_id: int, action, done: str):
    """One button on the user page: run the service, say what happened (or why not) and go back."""
    require(request.user, Capability.ADMINISTER)
    user = managed_user_or_404(actor=request.user, user_id=user_id)
    try:
        result = action(actor=request.user, user=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(user=user))
        return user, result
    return user, None


@login_required
@require_POST
def user_password_reset_view(request, user_id: int):
    user, password = _act(request, user_id, user_password_reset,
                          "已重置 {user.username} 的密码，请把新密码告知本人；下次登录须修改密码。")
    if password:
        request.session[SHOWN_PASSWORD] = {"user": user.pk, "password": password}
    return redirect("core:user", user_id=user.pk)


@login_required
@require_POST
def user_deactivate_view(request, user_id: int):
    user, _ = _act(request, user_id, user_deactivate, "已停用用户 {user.username}，该账号不能再登录。")
    return redirect("core:user", user_id=user.pk)


@login_required
@require_POST
def user_reactivate_view(request, user_id: int):
    user, _ = _act(request, user_id, user_reactivate, "已启用用户 {user.username}。")
    return redirect("core:user", user_id=user.pk)


@login_required
@require_POST
def user_unlock_view(request, user_id: int):
    user, _ = _act(request, user_id, user_unlock, "已解除用户 {user.username} 的登录锁定。")
    return redirect("core:user", user_id=user.pk)
