import datetime as dt

from ninja import Router, Status

from jiuzhu.core.region_settings import settings_for_region, settings_region
from jiuzhu.core.schemas import ErrorOut
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.registry import selectors, services
from jiuzhu.registry.models import TierDecision
from jiuzhu.registry.schemas import (
    ChainEventOut,
    DecisionIn,
    DecisionOut,
    FindingOut,
    GrantIn,
    GrantOut,
    HouseholdIn,
    HouseholdOut,
    MeansIn,
    PersonOut,
    StandardOut,
)
from jiuzhu.registry.standards import STANDARDS

router = Router(tags=["低收入人口"])


def person_out(actor, p) -> PersonOut:
    full = selectors.may_see_full_id(actor)  # a masked number is never sent beside the birth date
    return PersonOut(id=p.pk, name=p.name, id_number=selectors.display_id_number(actor, p), sex=p.sex,
                     birth_date=p.birth_date if full else None, age=selectors.age_on(p.birth_date, dt.date.today()),
                     relation=p.relation, household_id=p.household_id,
                     region_code=p.region.code, disability_type=p.disability_type,
                     disability_grade=p.disability_grade, serious_illness=p.serious_illness,
                     labour_capacity=p.labour_capacity, death_date=p.death_date)


def household_out(actor, h) -> HouseholdOut:
    members = [person_out(actor, p) for p in selectors.household_members(actor=actor, household=h)
               .select_related("region")]
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
    return Status(201, household_out(request.auth, household))


@router.get("/households/{household_id}/chain", response={200: list[ChainEventOut], 404: ErrorOut},
            summary="一户一条救助链")
def household_chain(request, household_id: int):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api_chain")
    return [ChainEventOut(id=e.pk, kind=e.kind, occurred_at=e.occurred_at, summary=e.summary,
                          actor=str(e.actor) if e.actor else None,
                          organization=str(e.organization) if e.organization else None, payload=e.payload)
            for e in selectors.assistance_chain(actor=request.auth, household=household)]


def decision_out(d) -> DecisionOut:
    return DecisionOut(id=d.pk, household_id=d.household_id, person_id=d.person_id, assessed_on=d.assessed_on,
                       recommended_tier=d.recommended_tier, tier=d.tier, status=d.status, members=d.members,
                       per_capita_income=d.per_capita_income, dibao_standard=d.dibao_standard, reasons=d.all_reasons,
                       facts=d.all_facts, override_reason=d.override_reason, valid_from=d.valid_from,
                       valid_to=d.valid_to)


def grant_out(g) -> GrantOut:
    return GrantOut(id=g.pk, household_id=g.household_id, person_id=g.person_id, category=g.category,
                    monthly_amount=g.monthly_amount, once_amount=g.once_amount, service=g.service,
                    period_start=g.period_start, period_end=g.period_end, status=g.status)


@router.post("/households/{household_id}/means", response={201: dict, 400: ErrorOut, 404: ErrorOut},
             summary="登记家计调查项目（收入 income、财产 asset、刚性支出 expense）")
def means_create(request, household_id: int, item: str, payload: MeansIn):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api_means")
    created = services.means_record(actor=request.auth, household=household, item=item, **payload.dict())
    return Status(201, {"id": created.pk})


@router.post("/households/{household_id}/assess", response={200: list[DecisionOut], 400: ErrorOut, 404: ErrorOut},
             summary="按当前数据评估层级")
def household_assess(request, household_id: int, on: dt.date | None = None):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api_assess")
    return [decision_out(d) for d in services.tier_assess_household(actor=request.auth, household=household, on=on)]


@router.get("/households/{household_id}/decisions", response={200: list[DecisionOut], 404: ErrorOut},
            summary="层级认定记录")
def household_decisions(request, household_id: int):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api_decisions")
    return [decision_out(d) for d in selectors.decisions_for(actor=request.auth, household=household)]


@router.post("/decisions/{decision_id}", response={200: DecisionOut, 400: ErrorOut, 404: ErrorOut},
             summary="审批层级：确认（confirm）或改定（override，须写理由）")
def decision_decide(request, decision_id: int, payload: DecisionIn):
    decision = get_scoped_or_404(TierDecision.objects.select_related("household__region", "person", "basis"),
                                 request.auth,
                                 scope={"region_field": "household__region"}, pk=decision_id)
    if payload.action == "override":
        decided = services.tier_decision_override(actor=request.auth, decision=decision, tier=payload.tier or "",
                                                  reason=payload.reason or "", valid_from=payload.valid_from)
    else:
        decided = services.tier_decision_confirm(actor=request.auth, decision=decision, valid_from=payload.valid_from)
    return decision_out(decided)


@router.post("/households/{household_id}/grants", response={201: GrantOut, 400: ErrorOut, 404: ErrorOut},
             summary="登记救助发放（重复或过度救助先提示，acknowledge=true 后才保存）")
def grant_create(request, household_id: int, payload: GrantIn):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api_grant")
    grant = services.grant_create(actor=request.auth, household=household, **payload.dict())
    return Status(201, grant_out(grant))


@router.get("/households/{household_id}/grants", response={200: list[GrantOut], 404: ErrorOut}, summary="救助发放记录")
def grant_list(request, household_id: int):
    household = selectors.household_get(actor=request.auth, household_id=household_id, purpose="api_grants")
    return [grant_out(g) for g in selectors.grants_for(actor=request.auth, household=household)]


@router.get("/reports/assistance", response=list[FindingOut], summary="重复与过度救助核查（管辖范围）")
def assistance_report(request):
    return [FindingOut(check=r["check"], message=r["message"], grant_id=r["grant"].pk,
                       household_id=r["grant"].household_id) for r in selectors.assistance_report(actor=request.auth)]


@router.get("/standards", response={200: list[StandardOut], 403: ErrorOut, 404: ErrorOut}, deprecated=True,
            summary="某区划某日执行的认定标准（旧接口，请用 GET /api/v1/settings/）")
def standards(request, region_code: str, on: dt.date | None = None):
    region = settings_region(actor=request.auth, code=region_code)
    return [StandardOut(key=item.definition.key, label=item.definition.label, unit=item.definition.unit,
                        value=float(item.value) if item.value is not None else None,
                        set_at_region=item.row.region.code if item.row else None,
                        effective_from=item.row.effective_from if item.row else None)
            for item in settings_for_region(actor=request.auth, region=region, on=on or dt.date.today())
            if item.definition.key in STANDARDS]
