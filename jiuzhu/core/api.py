from django.http import Http404
from ninja import Router, Status

from jiuzhu.core.auth import api_token_issue, api_token_revoke
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.schemas import ApiTokenIn, ApiTokenIssuedOut, ApiTokenOut, ErrorOut, MeOut, RegionOut
from jiuzhu.core.selectors import api_tokens_in_scope, organizations_in_scope, regions_in_scope

router = Router(tags=["基础"])


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.auth
    return MeOut(username=user.username, full_name=user.full_name,
                 organization=str(user.organization) if user.organization else None,
                 region_code=user.region.code if user.region else None, roles=sorted(user.role_codes),
                 capabilities=sorted(code for code in Capability.values if can(user, code)))


@router.get("/regions", response=list[RegionOut], summary="管辖范围内的行政区划")
def regions(request, level: str | None = None, parent_code: str | None = None):
    rows = regions_in_scope(actor=request.auth, level=level, parent_code=parent_code).select_related("parent")[:5000]
    return [RegionOut(code=r.code, name=r.name, full_name=r.full_name, level=r.level,
                      parent_code=r.parent.code if r.parent else None,
                      longitude=r.longitude, latitude=r.latitude) for r in rows]


@router.get("/tokens", response=list[ApiTokenOut], summary="接口令牌（系统管理员，管辖范围内的机构）")
def tokens(request):
    return [_token_out(t) for t in api_tokens_in_scope(actor=request.auth)[:1000]]


@router.post("/tokens", response={201: ApiTokenIssuedOut, 403: ErrorOut, 404: ErrorOut},
             summary="签发接口令牌（令牌原文只返回这一次）")
def token_issue(request, payload: ApiTokenIn):
    api_tokens_in_scope(actor=request.auth)  # 403 without the administer capability
    organization = organizations_in_scope(actor=request.auth).filter(pk=payload.organization_id).first()
    if organization is None:
        raise Http404
    token, raw = api_token_issue(actor=request.auth, organization=organization, name=payload.name)
    return Status(201, ApiTokenIssuedOut(**_token_out(token).dict(), token=raw))


@router.post("/tokens/{token_id}/revoke", response={200: ApiTokenOut, 403: ErrorOut, 404: ErrorOut},
             summary="吊销接口令牌")
def token_revoke(request, token_id: int):
    token = api_tokens_in_scope(actor=request.auth).filter(pk=token_id).first()
    if token is None:
        raise Http404
    api_token_revoke(actor=request.auth, token=token)
    return _token_out(token)


def _token_out(t) -> ApiTokenOut:
    return ApiTokenOut(id=t.pk, organization_id=t.organization_id, organization=str(t.organization), name=t.name,
                       prefix=t.prefix, created_at=t.created_at, last_used_at=t.last_used_at,
                       revoked_at=t.revoked_at)
