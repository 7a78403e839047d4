from ninja import Router

from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.schemas import MeOut, RegionOut
from jiuzhu.core.selectors import regions_in_scope

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
