from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.identity import IdNumberError, normalize_id_number
from jiuzhu.registry import selectors
from jiuzhu.registry.forms import HouseholdFilterForm, PersonFilterForm


@login_required
def person_list(request):
    form = PersonFilterForm(request.GET or None)
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    number = filters.pop("id_number", "")
    if number:
        try:
            filters["id_hash"] = keyed_hash(normalize_id_number(number))
        except IdNumberError as exc:
            form.add_error("id_number", exc.message)
            filters["id_hash"] = "invalid"
    persons = selectors.person_search(actor=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    for p in page:
        p.shown_id = selectors.display_id_number(request.user, p)
    return render(request, "registry/person_list.html", {"form": form, "page": page})


@login_required
def person_detail(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return render(request, "registry/person_detail.html", {
        "person": person, "shown_id": selectors.display_id_number(request.user, person),
    })


@login_required
def household_list(request):
    form = HouseholdFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.household_search(actor=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {"form": form, "page": page})


@login_required
def household_detail(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id)
    members = list(selectors.household_members(household))
    for m in members:
        m.shown_id = selectors.display_id_number(request.user, m)
    return render(request, "registry/household_detail.html", {
        "household": household, "members": members,
        "chain": selectors.assistance_chain(actor=request.user, household=household),
    })
