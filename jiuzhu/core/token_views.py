"""Administrators issue and revoke department-system tokens of their jurisdiction (thin: the rules are in
core/auth.py's api_token_issue / api_token_revoke)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.auth import api_token_issue, api_token_revoke
from jiuzhu.core.selectors import api_tokens_in_scope, organizations_in_scope


@login_required
def token_list(request):
    tokens = api_tokens_in_scope(actor=request.user)  # 403 without the administer capability
    organization = request.GET.get("organization", "")
    filtered = None
    if organization.isdigit():  # from a user's page: the tokens of that user's organisation
        tokens = tokens.filter(organization_id=int(organization))
        filtered = organizations_in_scope(actor=request.user).filter(pk=int(organization)).first()
    raw = request.session.pop("issued_token", None)  # shown once, right after issuing
    return render(request, "core/tokens.html", {
        "tokens": tokens[:500], "raw": raw, "filtered": filtered,
        "organizations": organizations_in_scope(actor=request.user).order_by("region__code", "name")[:2000],
    })


@login_required
@require_POST
def token_issue(request):
    api_tokens_in_scope(actor=request.user)
    name = request.POST.get("name", "").strip()
    org_id = request.POST.get("organization", "")
    organization = organizations_in_scope(actor=request.user).filter(pk=int(org_id) if org_id.isdigit() else 0)\
        .first()
    if organization is None:
        messages.error(request, "请选择您管辖范围内的机构")
    elif not name:
        messages.error(request, "用途：请填写令牌的用途，如“医保结算数据推送”")
    else:
        _token, raw = api_token_issue(actor=request.user, organization=organization, name=name[:100])
        request.session["issued_token"] = raw
        messages.success(request, f"已为{organization.name}签发令牌，请立即复制保存，离开本页后不再显示。")
    return redirect("core:tokens")


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = api_tokens_in_scope(actor=request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404("令牌不存在或不在您的管辖范围内")
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"已吊销令牌 {token.prefix}…（{token.name}）")
    return redirect("core:tokens")
