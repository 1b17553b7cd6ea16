"""The manager's dashboard, its drill-down lists and the funder's exports. Every figure is an
aggregate of the selection (filters.py); the lists behind a figure show only the people (or
actions) the access table lets the manager list."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from employers.enums import ContractType
from o2r import access
from o2r.access import Action
from outreach.enums import TOUCH_KINDS, ActionKind, Channel, Outcome
from outreach.models import OutreachAction
from residents.enums import ExitReason, Sex, Stage
from residents.models import HEALTH_EXIT_REASONS, Resident

from . import cache, exports, figures
from .filters import DashboardFilterForm

PAGE_SIZE = 50


def _require(user):
    if not access.allows(user, Action.DASHBOARD_READ):
        raise Http404


def _form(request):
    return DashboardFilterForm(request.GET, user=request.user)


def _link_maker(request):
    """Turns a cell's indicator into the URL of the list behind it, for the roles that may
    list those rows (INDICATORS); None otherwise."""
    allowed = {
        name for name, kind in INDICATORS.items() if access.allows(request.user, kind.action)
    }
    filters = [
        (k, v) for k, values in request.GET.lists() for v in values if k not in ("page", REFRESH)
    ]
    query = urlencode(filters)

    def link(indicator):
        if indicator is None or indicator.partition(":")[0] not in allowed:
            return None
        url = reverse("dashboard:people", args=[indicator])
        return f"{url}?{query}" if query else url

    return link


@require_safe
def dashboard(request):
    _require(request.user)
    form = _form(request)
    selection = form.selection()
    sections = []
    computed = None
    if selection is not None:
        computed = cache.tables_for(selection, fresh=_fresh(request))
        tables = computed.tables
        link = _link_maker(request)
        for key, title in figures.SECTIONS:
            section_tables = [t for t in tables if t.section == key]
            for table in section_tables:
                table.chart_id = f"chart-{table.key}"
                table.display_rows = [
                    {
                        "label": row.label,
                        "total": row.total,
                        "cells": [
                            {**cell, "url": link(cell["link"])} for cell in row.cells(table.kinds)
                        ],
                    }
                    for row in _page_rows(table)
                ]
            sections.append({"key": key, "title": title, "tables": section_tables})
    context = {
        "form": form,
        "selection": selection,
        "sections": sections,
        "described": form.described() if selection else [],
        "first_day": selection is not None
        and all(t.is_empty for s in sections for t in s["tables"]),
        "query": _query_without(request, REFRESH),
        "computed": computed,
    }
    return render(request, "dashboard/home.html", context)


# The page's "Actualiser" link: figures computed now rather than read from the kept ones.
REFRESH = "actualiser"


def _fresh(request):
    return request.GET.get(REFRESH) == "1"


def _query_without(request, name):
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


def _page_rows(table):
    """The rows the page shows: all of them, or the `page_rows` largest (by their last
    column, the total) and the total row, with a note saying the exports hold them all."""
    body = [row for row in table.rows if not row.total]
    if table.page_rows is None or len(body) <= table.page_rows:
        return table.rows
    shown = sorted(body, key=lambda row: -(row.values[-1] or 0))[: table.page_rows]
    table.note = (
        f"Les {table.page_rows} lignes aux plus grands totaux sur {len(body)} ; "
        "toutes sont dans les exports."
    )
    return [*shown, *(row for row in table.rows if row.total)]


@require_safe
def export(request, fmt):
    _require(request.user)
    if fmt not in exports.FORMATS:
        raise Http404
    form = _form(request)
    selection = form.selection()
    if selection is None:
        return render(
            request,
            "dashboard/home.html",
            {"form": form, "selection": None, "sections": [], "described": []},
            status=400,
        )
    # The figures the page shows (kept or computed now), dated when they were computed.
    computed = cache.tables_for(selection, fresh=_fresh(request))
    content, content_type = exports.FORMATS[fmt](
        computed.tables,
        filters=form.described(),
        extracted_at=timezone.localtime(),
        computed_at=timezone.localtime(computed.computed_at),
        by=request.user,
    )
    response = HttpResponse(content, content_type=content_type)
    name = f"o2r-rapport-{selection.start:%Y%m%d}-{selection.last_day:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The list behind a figure --------------------------------------------------------------------


def _stage(selection, value):
    if value in Stage.values:
        rows = _without_health_exits(figures.stage_changes(selection).filter(to_stage=value))
        return f"Personnes arrivées à l'étape « {Stage(value).label} »", rows.values("resident")
    return None


def _exit(selection, value):
    if value in ExitReason.values and value not in HEALTH_EXIT_REASONS:
        rows = figures.stage_changes(selection).filter(to_stage=Stage.EXITED, exit_reason=value)
        return f"Personnes sorties : {ExitReason(value).label}", rows.values("resident")
    return None


def _category(selection, value):
    stage, _, key = value.partition(":")
    condition = figures.categories().get(key)
    if stage not in Stage.values or condition is None:
        return None
    if key in figures.HEALTH_CATEGORY_KEYS or key == "all":
        return None
    rows = _without_health_exits(figures.stage_changes(selection).filter(condition, to_stage=stage))
    title = f"Personnes arrivées à l'étape « {Stage(stage).label} » : {figures.category_label(key)}"
    return title, rows.values("resident")


def _without_health_exits(changes):
    """An exit for health reasons is health information: never in a list (else the exits'
    list minus the lists of the other reasons would name it)."""
    return changes.exclude(to_stage=Stage.EXITED, exit_reason__in=HEALTH_EXIT_REASONS)


def _contacts(selection, value):
    channel, _, outcome = value.partition(":")
    if channel in Channel.values and outcome in Outcome.values:
        rows = figures.contacts(selection).filter(channel=channel, outcome=outcome)
        return f"Contacts : {Channel(channel).label}, {Outcome(outcome).label}", rows.values(
            "resident"
        )
    return None


def _contract(selection, value):
    contract, _, sex = value.partition(":")
    if contract in ContractType.values and sex in Sex.values:
        rows = figures.placements(selection).filter(contract_type=contract, sex=sex)
        return f"Embauches en {ContractType(contract).label}", rows.values("resident")
    return None


def _placements(title, narrow):
    def build(selection, value):
        if value:
            return None
        return title, narrow(figures.placements(selection)).values("resident")

    return build


def _reached(selection, value):
    if value:
        return None
    return "Personnes jointes", figures.contacts(selection).two_way().values("resident")


def _actions(selection, value):
    if value in ActionKind.values:
        return f"Actions : {ActionKind(value).label}", figures.actions(selection).filter(kind=value)
    return None


@dataclass(frozen=True)
class Indicator:
    """A kind of figure's list: the right its rows need (the lists show only the rows the
    access table gives that right on) and how to build them."""

    action: Action
    build: Callable
    of_actions: bool = False


INDICATORS = {
    "stage": Indicator(Action.RESIDENT_LIST, _stage),
    "exit": Indicator(Action.RESIDENT_LIST, _exit),
    "cat": Indicator(Action.RESIDENT_LIST, _category),
    "contacts": Indicator(Action.CONTACT_READ, _contacts),
    "reached": Indicator(Action.CONTACT_READ, _reached),
    "contract": Indicator(Action.ACCOMPANIMENT_READ, _contract),
    "hires": Indicator(Action.ACCOMPANIMENT_READ, _placements("Personnes embauchées", lambda p: p)),
    "durable": Indicator(
        Action.ACCOMPANIMENT_READ,
        _placements("Personnes en emploi durable", lambda p: p.durable()),
    ),
    "retained": Indicator(
        Action.ACCOMPANIMENT_READ,
        _placements(
            "Personnes toujours en emploi 6 mois après l'embauche",
            lambda p: p.still_employed_at_6_months(),
        ),
    ),
    "actions": Indicator(Action.OUTREACH_READ, _actions, of_actions=True),
}


def _indicator(user, indicator):
    """The Indicator of `indicator` ("stage:engaged", ...) if `user` may list its rows."""
    kind = INDICATORS.get(indicator.partition(":")[0])
    if kind is None or not access.allows(user, kind.action):
        return None
    return kind


@require_safe
def people(request, indicator):
    _require(request.user)
    form = _form(request)
    selection = form.selection()
    if selection is None:
        raise Http404
    kind = _indicator(request.user, indicator)
    built = kind.build(selection, indicator.partition(":")[2]) if kind else None
    if built is None:
        raise Http404
    title, behind = built
    kept = [(k, v) for k, vs in request.GET.lists() for v in vs]
    back = urlencode([(k, v) for k, v in kept if k != "page"])
    if kind.of_actions:
        total = behind.count()
        rows = (
            OutreachAction.objects.visible_to(request.user, kind.action)
            .filter(pk__in=behind.values("pk"))
            .select_related("residence")
            .order_by("-started_at", "-pk")
        )
        template = "dashboard/actions.html"
    else:
        total = Resident.objects.filter(pk__in=behind).count()
        rows = (
            Resident.objects.filter(pk__in=behind)
            .visible_to(request.user, kind.action)
            .with_list_data()
            .order_by("last_name", "first_name", "pk")
        )
        template = "dashboard/people.html"
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "title": title,
        "page": page,
        "total": total,
        "hidden": max(total - page.paginator.count, 0),
        "selection": selection,
        "back": back,
        "touch": indicator.removeprefix("actions:") in TOUCH_KINDS,
    }
    return render(request, template, context)
