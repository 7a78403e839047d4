"""Warning-handling fixtures: indicators and a small warning factory (the "rules" part raises warnings in
production; here they are created directly), and the registry's confirmed 低保 household."""

import datetime as dt
import uuid

import pytest

from jiuzhu.core.models import Organization, Region, Role, User, UserRole
from jiuzhu.monitoring.models import Indicator, Warning, WarningStatus
from jiuzhu.registry.tests.conftest import dibao_household, standards  # noqa: F401 - fixtures

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def indicator(db):
    return Indicator.objects.get_or_create(code="need_medical_oop", defaults={
        "name": "医疗自付费用过高", "indicator_class": "need", "description": "近 12 个月个人自付医疗费用超过阈值"})[0]


@pytest.fixture
def death_indicator(db):
    return Indicator.objects.get_or_create(code="dynamic_death", defaults={
        "name": "死亡信息比对", "indicator_class": "dynamic"})[0]


@pytest.fixture
def discovery_indicator(db):
    return Indicator.objects.get_or_create(code="discovery_medical", defaults={
        "name": "未在库高额医疗支出人员", "indicator_class": "active_discovery"})[0]


@pytest.fixture
def make_warning(world, indicator):
    """Warning.objects.create for a household (its head), a person, or a person outside the registry."""
    def make(*, household=None, person=None, region=None, of=None, status=WarningStatus.OPEN,
             due_date=None, evidence=None, **fields) -> Warning:
        if household is not None and person is None:
            person = household.head
        if person is not None and household is None:
            household = person.household
        region = region or (person.region if person else household.region if household else None)
        return Warning.objects.create(
            indicator=of or indicator, person=person, household=household, region=region,
            warning_key=uuid.uuid4().hex, status=status,
            due_date=due_date or dt.date.today() + dt.timedelta(days=14),
            evidence=evidence if evidence is not None else {"feed": "medical_settlement", "out_of_pocket": 32000,
                                                            "threshold": 20000, "window_months": 12},
            **fields)
    return make


@pytest.fixture
def other_clerk(world):
    """A clerk of another department of 隆回县 (civil affairs' referrals go to one department at a time)."""
    org = Organization.objects.get(name="隆回县人力资源和社会保障局")
    user = User.objects.create(username="longhui_hrss", full_name="隆回县人社局经办员", organization=org,
                               region=Region.objects.get(code="430524"))
    UserRole.objects.create(user=user, role=Role.DEPARTMENT_CLERK)
    return User.objects.select_related("organization", "region").get(pk=user.pk)
