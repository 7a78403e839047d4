"""Intake reads shared by every page: the scoped querysets. Out of scope is 404.

Officers see applications whose `region` (where the applicant lives) lies in their subtree; a department clerk
sees no application as such, only the referrals sent to their department (and the application behind one of
them, through `referral_get`)."""

from __future__ import annotations

from django.db.models import QuerySet

from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, is_department_actor, scoped
from jiuzhu.intake.models import Application, Referral

# Application.region_path is the region's path copied at creation: see scope_q(region_path_field=…).
APPLICATION_SCOPE = {"region_path_field": "region_path"}
# Civil affairs sees every referral of its applications; a department only those sent to it.
REFERRAL_SCOPE = {"region_field": "application_item__application__region", "department_field": "organization"}


def applications_in_scope(actor) -> QuerySet[Application]:
    require(actor, Capability.INTAKE)
    if is_department_actor(actor):
        return Application.objects.none()
    return scoped(Application.objects.all(), actor, **APPLICATION_SCOPE)


def application_get(*, actor, application_id: int) -> Application:
    require(actor, Capability.INTAKE)
    if is_department_actor(actor):  # a department reaches an application only through its referral
        return get_scoped_or_404(Application.objects.none(), actor, pk=application_id)
    return get_scoped_or_404(Application.objects.select_related("region", "organization", "first_officer"),
                             actor, scope=APPLICATION_SCOPE, pk=application_id)


def referrals_in_scope(actor) -> QuerySet[Referral]:
    require(actor, Capability.INTAKE)
    return scoped(Referral.objects.all(), actor, **REFERRAL_SCOPE)


def referral_get(*, actor, referral_id: int) -> Referral:
    require(actor, Capability.INTAKE)
    return get_scoped_or_404(
        Referral.objects.select_related("organization", "application_item__application__region"),
        actor, scope=REFERRAL_SCOPE, pk=referral_id)
