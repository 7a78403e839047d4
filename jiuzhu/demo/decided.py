"""The decided cases the other apps' demos made (monitoring's 一事一议 with an amount, intake's 先行救助), for the
safety-net fund's demo (funds/fund_demo.py), which may not import its sibling apps. Each county's officer takes
those of its own county (the resolvers' scope)."""

from jiuzhu.intake.models import AssistFirst
from jiuzhu.intake.references import ASSIST_FIRST
from jiuzhu.monitoring.models import WarningConference
from jiuzhu.monitoring.references import CASE_CONFERENCE


def decided_cases() -> list[tuple[str, int]]:
    """(kind, id) of every decided case a fund could pay for, oldest first: a conference that agreed an amount for
    a registered household, an assist-first whose applicant's household is registered."""
    conferences = WarningConference.objects.filter(amount__gt=0, warning__household__isnull=False)\
        .order_by("pk").values_list("pk", flat=True)
    assists = AssistFirst.objects.filter(application__household__isnull=False).order_by("pk")\
        .values_list("pk", flat=True)
    return [(CASE_CONFERENCE, pk) for pk in conferences] + [(ASSIST_FIRST, pk) for pk in assists]
