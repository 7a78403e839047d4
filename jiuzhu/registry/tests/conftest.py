"""Registry fixtures shared by the test modules: local standards and a confirmed 低保 household."""

import datetime as dt

import pytest

from conftest import member
from jiuzhu.core.models import Region
from jiuzhu.registry import assessment
from jiuzhu.registry.models import IncomeItem, TierDecision
from jiuzhu.registry.services import tier_decision_confirm
from jiuzhu.registry.standards import standard_set

ON = dt.date(2026, 6, 30)
WINDOW = (dt.date(2025, 7, 1), dt.date(2026, 6, 30))  # 12 months up to ON


@pytest.fixture
def standards(persona):
    admin = persona("shaoyang_admin")
    city = Region.objects.get(code="430500")
    for key, value in {"dibao_standard_rural": 600, "dibao_standard_urban": 780, "rigid_expense_ratio": "0.5",
                       "disposable_income_last_year": 30000}.items():
        standard_set(actor=admin, region=city, key=key, value=value, effective_from=dt.date(2025, 1, 1))
    return city


@pytest.fixture
def dibao_household(standards, register, persona):
    household = register(members=[member("张建国", "head", born=dt.date(1980, 3, 1), seq=21),
                                  member("李秀英", "spouse", born=dt.date(1982, 7, 9), seq=22)])
    IncomeItem.objects.create(household=household, kind="wage", amount=300 * 2 * 12, period_start=WINDOW[0],
                              period_end=WINDOW[1])
    assessment.assess(on=ON, household_ids=[household.pk])
    decision = TierDecision.objects.get(household=household, status="recommended")
    tier_decision_confirm(actor=persona("longhui_approver"), decision=decision, valid_from=dt.date(2026, 7, 1))
    return household


class MediaRoot:
    """A test's own MEDIA_ROOT and the encrypted stored files (core/files.py) written under it."""

    def __init__(self, path):
        self.path = path

    def stored(self) -> list:
        files = self.path / "files"
        return sorted(files.rglob("*.bin")) if files.exists() else []


@pytest.fixture
def media(settings, tmp_path) -> MediaRoot:
    settings.MEDIA_ROOT = tmp_path
    return MediaRoot(tmp_path)
