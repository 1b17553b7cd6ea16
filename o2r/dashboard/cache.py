"""The dashboard's figures, kept a few minutes once computed.

At national scale a year's figures read millions of rows: about 1.3 s of PostgreSQL for
Adoma's 1,000 residences (docs/performance.md), and with 50 staff on two cores several
seconds. Managers read figures that move by the day, not the second, so a selection's tables
are computed once and kept `O2R_DASHBOARD_FIGURES_TTL` seconds (10 minutes): the page, its
exports and every manager with the same selection read the same computation, and the page
says when it was made, with a link to compute it again at once.

What is kept is the output of `figures.all_tables` and nothing else: aggregates of a
selection, the same for every reader of it. Which cells link to lists of people depends on
who reads them and is decided for each request (views._link_maker), never kept. A key holds
the whole selection (period, residences, organisations, coach) and the day: a figure of one
scope is never served for another.

The beat's `dashboard.warm` computes each reader's opening selection (the current year on
her whole scope) ahead of her, so that the first page of the morning is ready too.

The cache may be unavailable (Redis down): the figures are then computed for the request,
as before, and the failure logged once per request.
"""

import dataclasses
import datetime
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import figures
from .filters import Selection
from .tables import Table

logger = logging.getLogger("o2r.dashboard")

VERSION = 1  # bump when the tables' shape changes: old entries are then never read


@dataclass
class Computed:
    tables: list[Table]
    computed_at: datetime.datetime
    from_cache: bool

    @property
    def kept_minutes(self) -> int:
        return max(1, settings.O2R_DASHBOARD_FIGURES_TTL // 60)


def key_for(selection: Selection, today: datetime.date) -> str:
    fields = dataclasses.asdict(selection)
    described = repr(sorted(fields.items())) + today.isoformat()
    digest = hashlib.sha256(described.encode()).hexdigest()
    return f"o2r:dashboard:{VERSION}:{digest}"


def tables_for(selection: Selection, *, today=None, fresh=False) -> Computed:
    """The selection's tables: kept ones younger than the TTL, else computed (and kept).
    `fresh`: compute them now whatever is kept (the page's "Actualiser")."""
    today = today or timezone.localdate()
    ttl = settings.O2R_DASHBOARD_FIGURES_TTL
    key = key_for(selection, today)
    if ttl > 0 and not fresh:
        kept = _get(key)
        if kept is not None:
            tables, computed_at = kept
            return Computed(tables, computed_at, from_cache=True)
    return compute(selection, today=today, key=key if ttl > 0 else None)


def compute(selection: Selection, *, today=None, key=None) -> Computed:
    today = today or timezone.localdate()
    tables = figures.all_tables(selection, today)
    computed_at = timezone.now()
    if key is not None:
        _set(key, (tables, computed_at), settings.O2R_DASHBOARD_FIGURES_TTL)
    return Computed(tables, computed_at, from_cache=False)


def warm(selection: Selection, *, today=None) -> Computed:
    """Computes and keeps the selection's tables (the beat's warming), whatever is kept."""
    today = today or timezone.localdate()
    return compute(selection, today=today, key=key_for(selection, today))


def _get(key):
    try:
        return cache.get(key)
    except Exception:  # any cache failure: compute instead
        logger.warning("dashboard cache unavailable (read): figures computed for the request")
        return None


def _set(key, value, ttl):
    try:
        cache.set(key, value, ttl)
    except Exception:  # any cache failure: the figures are shown all the same
        logger.warning("dashboard cache unavailable (write): figures not kept")
