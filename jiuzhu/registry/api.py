from ninja import Router

from jiuzhu.core.schemas import ErrorOut
from jiuzhu.registry import selectors, services
from jiuzhu.registry.schemas import ChainEventOut, HouseholdIn, HouseholdOut, PersonOut

router = Router(tags=["低收入人口"])


def person_out(actor, p) -> PersonOut:
    return PersonOut(id=p.pk, name=p.name, id_number=selectors.display_id_number(actor, p), sex=p.sex,
                     birth_date=p.birth_date, relation=p.relation, household_id=p.household_id,
                     region_code=p.region.code, disability_type=p.disability_type,
                     disability_grade=p.disability_grade, serious_illness=p.serious_illness,
                     labour_capacity=p.labour_capacity, death_date=p.death_date)


def household_out(actor, h) -> HouseholdOut:
    members = [person_out(actor, p) for p in selectors.household_members(h).select_related("region")]
    return HouseholdOut(id=h.pk, region_code=h.region.code, region_name=h.region.full_name, address=h.address,
                        hukou_type=h.hukou_type, head_id=h.head_id, members=members)


@router.get("/persons/{person_id}", response={200: PersonOut, 404: ErrorOut}, summary="人员详情（留痕）")
def person_detail(request, person_id: int):
    person = selectors.person_get(actor=request.auth, person_id=person_id, purpose="api")
    return person_out(request.auth, person)


@router.get("/households/{household_id}", response={200: HouseholdOut, 404: ErrorOut}, summary="家庭详情（留痕）")
def household_detail(request, household_id: int):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api")
    return household_out(request.auth, household)


@router.post("/households", response={201: HouseholdOut, 400: ErrorOut, 422: ErrorOut}, summary="登记家庭")
def household_create(request, payload: HouseholdIn):
    data = payload.dict()
    members = [{k: v for k, v in m.items() if v is not None} for m in data.pop("members")]
    household = services.household_register(actor=request.auth, household=data, members=members)
    return 201, household_out(request.auth, household)


@router.get("/households/{household_id}/chain", response={200: list[ChainEventOut], 404: ErrorOut},
            summary="一户一条救助链")
def household_chain(request, household_id: int):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api_chain")
    return [ChainEventOut(id=e.pk, kind=e.kind, occurred_at=e.occurred_at, summary=e.summary,
                          actor=str(e.actor) if e.actor else None,
                          organization=str(e.organization) if e.organization else None, payload=e.payload)
            for e in selectors.assistance_chain(actor=request.auth, household=household)]
