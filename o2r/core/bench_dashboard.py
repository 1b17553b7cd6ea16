"""`make bench`'s manager dashboard (issue 11): the page with every panel for a whole year, as
Adoma's manager of the national data set (benchdata.BENCH_MANAGER_EMAIL, a membership on each
of the 1,000 residences), and its floor: the SQL the page ran, replayed alone.

The page is timed as a whole, session, user and rendering included: what the manager waits
for. The floor replays, on a raw cursor of the same connection, the page's statements that
read the programme's tables, in the order the page ran them, fetching every row. Left out:
the request's bookkeeping (the session, the signed-in user, the audit log, transaction
control), which every page pays and is not the dashboard's work, and any write. `ratio` =
page / floor: how much Python (ORM, aggregation in Python, rendering) adds to PostgreSQL.
"""

import re
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from o2r.accounts.models import User
from o2r.core import benchdata

KEY = "dashboard_year"
MIN_RUNS = 7
# Django reads iterator() querysets through a server-side cursor; the replay runs the SELECT.
DECLARE_CURSOR = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(OUT)? HOLD FOR ', re.I)
READ = re.compile(r"^\s*(SELECT|WITH)\b", re.I)
# The request's bookkeeping: the session, the audit log, second factors; and the signed-in
# user, whom the authentication middleware loads from the session.
BOOKKEEPING_TABLES = re.compile(r'\bFROM "(django_session|audit_\w+|otp_\w+)"', re.I)
USER_LOOKUP = re.compile(
    r'^SELECT .* FROM "accounts_user"( LEFT OUTER JOIN "accounts_organisation" ON \([^()]*\))? '
    r'WHERE "accounts_user"\."id" = (\d+)( ORDER BY [^()]*)? LIMIT \d+$'
)


@dataclass
class DashboardMeasure:
    url: str
    status: int
    median_ms: float
    raw_sql_ms: float
    queries: int
    replayed: int

    year: int
    page_min_ms: float
    page_max_ms: float
    runs: int
    # The same page read from the figures kept by the first (o2r/dashboard/cache.py): what a
    # manager waits for within their TTL, and what the beat's warming gives the first one.
    served_ms: float | None = None
    served_queries: int | None = None

    @property
    def ratio(self):
        return self.median_ms / self.raw_sql_ms if self.raw_sql_ms else None

    def figures(self):
        """What var/bench.json keeps under KEY."""
        return {
            "median_ms": round(self.median_ms, 1),
            "raw_sql_ms": round(self.raw_sql_ms, 1),
            "queries": self.queries,
            "ratio": round(self.ratio, 2) if self.ratio else None,
            "served_ms": round(self.served_ms, 1) if self.served_ms is not None else None,
            "served_queries": self.served_queries,
        }

    def line(self):
        ratio = f"{self.ratio:.1f}" if self.ratio else "-"
        return (
            f"Tableau de bord {self.year} (responsable Adoma, {benchdata.NATIONAL.residences:,} "
            f"résidences) : HTTP {self.status}, médiane {self.median_ms:.1f} ms "
            f"({self.page_min_ms:.1f} à {self.page_max_ms:.1f}), {self.queries} requêtes ; "
            f"SQL seul {self.raw_sql_ms:.1f} ms ({self.replayed} requêtes rejouées) ; "
            f"rapport page / SQL {ratio}. Chiffres gardés (cache) : médiane "
            f"{self.served_ms:.1f} ms, {self.served_queries} requêtes."
        )


def dashboard_url(year):
    """The dashboard for the whole of `year`, or None while its URL does not exist."""
    try:
        url = reverse("dashboard:home")
    except Exception:  # NoReverseMatch, or an ImportError while the app is being written
        return None
    return f"{url}?{urlencode({'periode': 'annee', 'annee': year})}"


def replayable(statement, user_id):
    """The statement as the floor runs it, or None when it is not the page's own read."""
    statement = DECLARE_CURSOR.sub("", " ".join(statement.split()))
    if not READ.match(statement) or BOOKKEEPING_TABLES.search(statement):
        return None
    user = USER_LOOKUP.match(statement)
    if user and int(user[2]) == user_id:
        return None
    return statement


def measure(*, write, runs=MIN_RUNS, warmup=2):
    """Times the dashboard of last year (the first full year of the three generated) for the
    bench's manager, `runs` times (MIN_RUNS at least) after `warmup` passes: computed on each
    page (figures kept for no time), then read from the figures the first page kept. Returns
    a DashboardMeasure, or None when the dashboard does not exist."""
    with override_settings(O2R_DASHBOARD_FIGURES_TTL=0):
        measured = _measure_computed(write=write, runs=runs, warmup=warmup)
    if measured is not None:
        measured.served_ms, measured.served_queries = _measure_served(measured.url, runs)
    return measured


def _measure_served(url, runs):
    ttl = settings.O2R_DASHBOARD_FIGURES_TTL or 600
    manager = User.objects.get(email=benchdata.BENCH_MANAGER_EMAIL)
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    with override_settings(O2R_DASHBOARD_FIGURES_TTL=ttl):
        client.get(f"{url}&actualiser=1")  # computes and keeps them
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        # Read now: the captured list is a slice of a log the next request empties.
        queries = len(captured.captured_queries)
        served = []
        for _ in range(max(runs, MIN_RUNS)):
            started = time.perf_counter()
            client.get(url)
            served.append((time.perf_counter() - started) * 1000)
    return statistics.median(served), queries


def _measure_computed(*, write, runs, warmup):
    year = timezone.localdate().year - 1
    url = dashboard_url(year)
    if url is None:
        write("dashboard: not available (URL dashboard:home absente : tableau de bord non mesuré)")
        return None
    runs = max(runs, MIN_RUNS)
    manager = User.objects.get(email=benchdata.BENCH_MANAGER_EMAIL)
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    # The first pass keeps the SQL the page ran; the others warm the caches.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = [query["sql"] for query in captured.captured_queries]
    statuses = {response.status_code}
    statements = [s for s in (replayable(q, manager.pk) for q in queries) if s is not None]
    for _ in range(max(warmup, 1) - 1):
        statuses.add(client.get(url).status_code)
    _replay(statements)
    # The page and its floor in turn, so that both see the same load of the machine.
    page, floor = [], []
    for _ in range(runs):
        started = time.perf_counter()
        statuses.add(client.get(url).status_code)
        page.append((time.perf_counter() - started) * 1000)
        floor.append(_replay(statements))
    return DashboardMeasure(
        url=url,
        status=next((s for s in sorted(statuses) if s != 200), 200),
        median_ms=statistics.median(page),
        raw_sql_ms=statistics.median(floor),
        queries=len(queries),
        replayed=len(statements),
        year=year,
        page_min_ms=min(page),
        page_max_ms=max(page),
        runs=runs,
    )


def _replay(statements):
    """Milliseconds to run `statements` one after the other and fetch all their rows."""
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own: no Django wrapper in the measure
        started = time.perf_counter()
        for statement in statements:
            # The captured SQL carries its parameters already; nothing is interpolated here.
            cursor.execute(statement)
            if cursor.description is not None:
                cursor.fetchall()
        return (time.perf_counter() - started) * 1000
