"""The company type-ahead of the coach's forms (a contact with an employer, a hire): up to ten
companies of the user's territory whose name or SIRET matches what was typed, as radio
buttons to tick. The same search as the companies list ("Nom ou SIRET"); the forms show its
answer again beside a refused field, which is what a browser without JavaScript relies on."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from o2r.access import Action
from residents.normalise import printable_text

from ..access import require
from ..forms.network import SEARCH_MAX, EmployerFilter
from ..models import Employer

TYPEAHEAD_LIMIT = 10
TYPEAHEAD_MIN = 2


def employers_matching(user, query) -> dict:
    """{"employers": up to ten companies `user` may read matching `query` (None when too short
    to search), "more": whether there are others, "query": what was searched}. Queries: the
    user's territories (once a request), the companies (1)."""
    query = printable_text(query if isinstance(query, str) else "")[:SEARCH_MAX].strip()
    found = {"employers": None, "more": False, "query": query}
    if len(query) < TYPEAHEAD_MIN:
        return found
    filterset = EmployerFilter({"q": query}, queryset=Employer.objects.visible_to(user), user=user)
    if not filterset.is_valid():
        return {**found, "employers": []}
    # One more than shown, to say that there are others.
    rows = list(filterset.qs.order_by("name_key", "pk")[: TYPEAHEAD_LIMIT + 1])
    return {**found, "employers": rows[:TYPEAHEAD_LIMIT], "more": len(rows) > TYPEAHEAD_LIMIT}


@require_safe
def employer_typeahead(request):
    """The companies found, as the fragment the forms show under their company field."""
    require(request.user, Action.EMPLOYER_READ)
    # `q`; `employer_q` when htmx sends the form's own input under its name.
    query = request.GET.get("q", request.GET.get("employer_q", ""))
    context = {"found": employers_matching(request.user, query), "searched": True}
    return render(request, "employers/_employer_results.html", context)
