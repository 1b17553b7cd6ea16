"""`make bench`: how fast the pages are on a national data set.

The requirement: with 100,000 residents over 1,000 residences (each with 3 consents, 2
barriers, 4 stage changes and 5 notes), an insertion officer with 10 residences gets the first
list page for a name search plus a stage filter, and a resident's file, each in under 150 ms
(median of 5 warm runs). The hall session's type-ahead (residents of one of her residences, by
name) answers in under 100 ms: through its page when the outreach URL is there, else the
QuerySet it runs.
With 20,000 employers and 100,000 job openings over the 10 territories, a job coach gets the
employers list's first page in under 150 ms (and, measured beside it, the same with a name
search), and the ROME type-ahead answers in under 50 ms. With 50 open accompaniments and 2,000
introductions of hers (among those of 80 coaches), the coach gets her caseload in under 150
ms, and the openings suggested for one of the people she accompanies, ranked against the
100,000 openings, in under 150 ms. An SMS campaign to 10,000 residents goes through one real
worker to a fake provider on loopback (o2r/core/bench_sms.py): seconds, duplicates, lost.
With three years of outreach (100,000 actions, 2,000,000 contacts, 50,000 referrals, 600,000
SMS), Adoma's manager opens the dashboard of last year on her 1,000 residences: the page's
median, its query count and the same SQL replayed alone (o2r/core/bench_dashboard.py).

This is a report, not a gate: it exits non-zero only when a page does not answer 200.

The data lives in its own database, o2r_bench, on the application's server (DATABASE_URL, or
the embedded PostgreSQL). It is created, migrated and filled on the first run with the national
scale of o2r/core/benchdata/ (what `manage.py generate_data --scale national` builds, into the
same database); later runs find it and only measure. --regenerate rebuilds it from scratch.
"""

import datetime
import json
import os
import re
import statistics
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from o2r.core import bench_dashboard, bench_sms, benchdata
from outreach.enums import Channel, Outcome
from outreach.models import Contact
from residents.enums import Stage
from residents.models import Note
from residents.normalise import fold

TARGET_MS = 150
TYPEAHEAD_TARGET_MS = 100
TYPEAHEAD_LIMIT = 8
ROME_TARGET_MS = 50
# The measured file's history: 300 contacts and 200 notes (with its own, about 500 events).
TIMELINE_CONTACTS = 300
TIMELINE_NOTES = 200
# What a coach types in the job-analysis form's ROME field.
ROME_QUERIES = ["prepa comm", "agent prop", "plong", "aide dom", "cariste"]
# Django reads iterator() querysets through a server-side cursor; EXPLAIN wants the SELECT.
DECLARE_CURSOR = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(OUT)? HOLD FOR ')


def _scans(node):
    """How each table of a JSON plan was read: the index used, or a sequential scan."""
    if "Index Name" in node:
        yield node["Index Name"]
    elif node["Node Type"] == "Seq Scan":
        yield f"Seq Scan {node['Relation Name']}"
    for child in node.get("Plans", []):
        yield from _scans(child)


class Command(BaseCommand):
    help = (
        "Mesure la liste des résidents et la fiche d'un résident sur 100 000 résidents, la "
        "liste des entreprises et la recherche ROME sur 20 000 entreprises et 100 000 offres, "
        "le portefeuille d'une chargée de mission emploi et les offres suggérées, le tableau "
        "de bord d'une responsable sur 1 000 résidences "
        "(base o2r_bench, générée au premier lancement)."
    )
    # The data part must run even while a view is missing or broken; pages are checked by
    # requesting them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--regenerate", action="store_true", help="recrée la base o2r_bench et ses données"
        )
        parser.add_argument(
            "--data-only", action="store_true", help="prépare les données sans mesurer"
        )
        parser.add_argument("--runs", type=int, default=5, help="mesures par page (5)")
        parser.add_argument("--warmup", type=int, default=2, help="passes de chauffe (2)")
        parser.add_argument(
            "--q",
            default="",
            help="recherche de la liste ; par défaut les 4 premières lettres du nom le plus "
            "fréquent parmi les résidents de la chargée d'insertion à cette étape",
        )
        parser.add_argument("--stage", default=Stage.ACCOMPANIED, choices=Stage.values)
        parser.add_argument(
            "--skip-sms", action="store_true", help="sans la campagne SMS de 10 000 destinataires"
        )
        parser.add_argument("--sms-only", action="store_true", help="seulement la campagne SMS")
        parser.add_argument(
            "--dashboard-only", action="store_true", help="seulement le tableau de bord"
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Le benchmark ne tourne jamais en production.")
        started = time.perf_counter()
        generation = self.prepare(regenerate=options["regenerate"])
        self.stdout.write(f"Préparation : {time.perf_counter() - started:.1f} s.")
        if options["data_only"]:
            return
        if options["sms_only"]:
            self.write_json([], self.time_sms())
            return
        if options["dashboard_only"]:
            self.as_in_production()
            dashboard = self.time_dashboard(options)
            measured = dashboard is not None and dashboard.status == 200
            self.write_json([], {bench_dashboard.KEY: dashboard.figures()} if measured else {})
            self.report_dashboard(dashboard)
            if dashboard is not None and not measured:
                raise CommandError(f"Tableau de bord en erreur : HTTP {dashboard.status}")
            return
        self.measure(options, generation)

    # --- The database ------------------------------------------------------------------------

    def prepare(self, *, regenerate):
        """Points Django at o2r_bench, creating, migrating and filling it with the national
        data as needed (benchdata.Build, as `manage.py generate_data` does). Returns the
        generation timings, or None when the data was already there."""
        generation = benchdata.Generation(benchdata.NATIONAL)
        build = benchdata.Build(generation, database=benchdata.DATABASE_NAME, log=self.stdout.write)
        return build.run(regenerate=regenerate)

    # --- The measures ------------------------------------------------------------------------

    def measure(self, options, generation):
        from django.test import Client
        from django.urls import reverse

        from o2r.accounts.models import User
        from residents.models import Resident

        try:
            list_url = reverse("residents:list")
        except Exception as error:  # an ImportError while the views are being written
            raise CommandError(f"Les URL des résidents ne se chargent pas : {error!r}") from error

        officer = User.objects.get(email=benchdata.BENCH_OFFICER_EMAIL)
        scope = Resident.objects.filter(residence__memberships__user=officer)
        stage = options["stage"]
        query = options["q"] or self.common_name_start(scope, stage)
        resident = (
            scope.filter(stage=stage)
            .annotate(n_stage_changes=Count("stage_changes"))
            .order_by("-n_stage_changes", "pk")
            .first()
        ) or scope.order_by("pk").first()
        self.long_timeline(resident, officer)
        matches = Resident.objects.visible_to(officer).search(query).filter(stage=stage).count()
        pages = [
            (
                f"Liste : q={query!r}, étape={stage}",
                f"{list_url}?{urlencode({'q': query, 'stage': stage})}",
                "resident_list",
            ),
            (
                f"Fiche : résident n° {resident.pk}",
                reverse("residents:detail", args=[resident.pk]),
                "resident_file",
            ),
        ]

        self.as_in_production()
        client = Client(raise_request_exception=False)
        client.force_login(officer)

        results = []
        for label, url, key in pages:
            results.append({**self.time_page(client, label, url, options), "key": key})
        results.append(self.time_typeahead(client, officer, options))
        results += self.time_employers(options)
        results += self.time_employment(options)
        extra = {}
        dashboard = self.time_dashboard(options)
        if dashboard is not None and dashboard.status == 200:
            extra[bench_dashboard.KEY] = dashboard.figures()
        if not options["skip_sms"]:
            extra.update(self.time_sms())
        self.write_json(results, extra)

        self.report_data(officer, scope, resident, generation)
        self.stdout.write(
            f"Liste mesurée : {matches} résidents répondent à q={query!r} et {stage}."
        )
        for result in results:
            self.report_explain(result)
        self.report_summary(results, runs=options["runs"], warmup=options["warmup"])
        self.report_dashboard(dashboard)
        failed = [f"{r['label']} → {r['status']}" for r in results if r["status"] != 200]
        if dashboard is not None and dashboard.status != 200:
            failed.append(f"Tableau de bord → {dashboard.status}")
        if failed:
            raise CommandError("Page(s) en erreur : " + ", ".join(failed))

    def as_in_production(self):
        """No debug rendering, no query log outside the counted passes."""
        settings.DEBUG = False
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    def time_dashboard(self, options):
        """The manager's dashboard of last year and its SQL floor (bench_dashboard), or None
        while the dashboard's URL does not exist."""
        return bench_dashboard.measure(
            write=self.stdout.write, runs=options["runs"], warmup=options["warmup"]
        )

    def report_dashboard(self, dashboard):
        """Its line under the pages' table."""
        if dashboard is None:
            return
        self.stdout.write(dashboard.line())
        self.stdout.write(
            f"  GET {dashboard.url} : médiane de {dashboard.runs} passes, la page puis ses "
            "lectures rejouées seules (sans session, utilisateur ni écritures), tour à tour."
        )

    def long_timeline(self, resident, officer):
        """The measured file has a long history (DEVELOPERS.md: a 500-event timeline): 300
        outreach contacts and 200 notes over three years, added once."""
        now = timezone.now()
        contacts = TIMELINE_CONTACTS - Contact.objects.filter(resident=resident).count()
        Contact.objects.bulk_create(
            Contact(
                resident=resident,
                residence_id=resident.residence_id,
                channel=Channel.HALL if n % 3 else Channel.PHONE,
                outcome=Outcome.INTERESTED if n % 4 else Outcome.NO_ANSWER,
                by=officer,
                at=now - datetime.timedelta(days=3 * n + 1),
                summary=f"Point d'étape n° {n}",
            )
            for n in range(max(contacts, 0))
        )
        notes = TIMELINE_NOTES - Note.objects.filter(resident=resident).count()
        Note.objects.bulk_create(
            Note(
                resident=resident,
                author=officer,
                author_organisation_id=officer.organisation_id,
                body=f"Échange avec la personne, suite donnée n° {n}.",
                created_at=now - datetime.timedelta(days=5 * n + 2),
            )
            for n in range(max(notes, 0))
        )

    def time_sms(self):
        """The 10,000-recipient campaign, then the same while workers are killed every 3 s."""
        figures = {}
        try:
            figures["sms_campaign"] = bench_sms.measure_campaign(self.stdout.write)
            figures["sms_campaign_chaos"] = bench_sms.measure_campaign(
                self.stdout.write, kill_every=3
            )
        except RuntimeError as error:
            self.stdout.write(f"Campagne SMS non mesurée : {error}")
        return figures

    def write_json(self, results, extra=None):
        """var/bench.json: one key per page, {"median_ms", "queries"} (DEVELOPERS.md), the
        SMS campaign's {"seconds", "duplicates", "lost"} and the dashboard's {"median_ms",
        "raw_sql_ms", "queries", "ratio"}; keys measured by other runs are kept, and so is
        the last figure of a page that failed now (the time of an error page is no
        measure)."""
        path = settings.VAR_DIR / "bench.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        for result in results:
            if result["status"] != 200:
                continue
            data[result["key"]] = {
                "median_ms": round(result["median"], 1),
                "queries": len(result["queries"]),
            }
        data.update(extra or {})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        self.stdout.write(f"Écrit : {path}")

    def time_typeahead(self, client, officer, options):
        """The hall session's type-ahead on the officer's largest residence, for the first 3
        letters of its commonest last name. Through the page (GET outreach:typeahead on an
        open hall session of hers) when the URL resolves; else the QuerySet the view runs,
        evaluated (median of the runs, queries counted)."""
        from django.urls import NoReverseMatch, reverse

        from o2r.access import Action
        from residents.models import Residence, Resident

        residence = (
            Residence.objects.for_user(officer)
            .annotate(n=Count("residents"))
            .order_by("-n", "pk")
            .first()
        )
        commonest = (
            Resident.objects.filter(residence=residence)
            .values("last_name")
            .annotate(n=Count("pk"))
            .order_by("-n", "last_name")
            .first()
        )
        query = fold(commonest["last_name"])[:3]
        try:
            reverse("outreach:typeahead", args=[0])
        except NoReverseMatch:
            url = None
        else:
            pk = self.open_hall_session(officer, residence)
            url = f"{reverse('outreach:typeahead', args=[pk])}?{urlencode({'q': query})}"
        if url is not None:
            label = f"Recherche permanence : q={query!r}"
            result = self.time_page(client, label, url, options)
        else:
            label = f"Recherche permanence (QuerySet) : q={query!r}"

            def run():
                return list(
                    Resident.objects.visible_to(officer, Action.OUTREACH_LOG)
                    .filter(residence=residence)
                    .search(query)[:TYPEAHEAD_LIMIT]
                )

            result = self.time_callable(label, run, options)
        return {**result, "key": "hall_typeahead", "target": TYPEAHEAD_TARGET_MS}

    def time_employers(self, options):
        """As the bench coach (her territory's ~2,000 companies): the employers list's first
        page, the same with a name search (the first 4 letters of the commonest word of her
        companies' names), and the ROME type-ahead over ROME_QUERIES (one median over all
        their runs). Nothing while the employers' URLs are missing."""
        from django.test import Client
        from django.urls import NoReverseMatch, reverse

        from employers.models import Employer, JobOpening
        from o2r.accounts.models import User

        try:
            list_url = reverse("employers:list")
            rome_url = reverse("employers:rome_typeahead")
        except NoReverseMatch:
            self.stdout.write("URL des entreprises absentes : pages non mesurées.")
            return []
        coach = User.objects.get(pk=benchdata.NATIONAL.bench_coach_id)
        client = Client(raise_request_exception=False)
        client.force_login(coach)
        employers = Employer.objects.filter(territory=coach.territory)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT split_part(name_key, ' ', 1) AS word FROM employers_employer "
                "WHERE territory = %s GROUP BY word ORDER BY count(*) DESC, word LIMIT 1",
                [coach.territory],
            )
            query = cursor.fetchone()[0][:4]
        self.stdout.write(
            f"Chargée de mission emploi n° {coach.pk} ({coach.territory}) : "
            f"{employers.count():,} entreprises, "
            f"{JobOpening.objects.filter(employer__territory=coach.territory).count():,} offres ; "
            f"{employers.filter(name_key__contains=query).count():,} répondent à q={query!r}."
        )
        rome = [f"{rome_url}?{urlencode({'q': q})}" for q in ROME_QUERIES]
        return [
            {
                **self.time_page(client, "Entreprises : 1re page", list_url, options),
                "key": "employers_list",
            },
            {
                **self.time_page(
                    client,
                    f"Entreprises : q={query!r}",
                    f"{list_url}?{urlencode({'q': query})}",
                    options,
                ),
                "key": "employers_search",
            },
            {
                **self.time_pages(client, f"Type-ahead ROME ({len(rome)} saisies)", rome, options),
                "key": "rome_typeahead",
                "target": ROME_TARGET_MS,
            },
        ]

    def time_employment(self, options):
        """As the bench coach: her caseload (50 open accompaniments, 2,000 introductions), and
        the suggestions for the person of hers whose wishes match the most openings (the
        heaviest ranking). Nothing while the employment URLs are missing."""
        from django.test import Client
        from django.urls import NoReverseMatch, reverse

        from employers.models import JobOpening
        from employment.matching import candidates
        from employment.models import Accompaniment, Introduction
        from o2r.accounts.models import User

        try:
            caseload_url = reverse("employment:caseload")
        except NoReverseMatch:
            self.stdout.write("URL de l'accompagnement absentes : pages non mesurées.")
            return []
        coach = User.objects.get(pk=benchdata.NATIONAL.bench_coach_id)
        client = Client(raise_request_exception=False)
        client.force_login(coach)
        mine = (
            Accompaniment.objects.caseload_of(coach)
            .open()
            .filter(resident__job_wishes__isnull=False)
            .select_related("resident__job_wishes")
            .order_by("pk")
        )
        counted = [(candidates(a, coach)[0].count(), a) for a in mine]
        matches, chosen = max(counted, key=lambda pair: (pair[0], -pair[1].pk))
        wishes = chosen.resident.job_wishes
        self.stdout.write(
            f"Chargée de mission emploi n° {coach.pk} : {len(counted)} accompagnements en "
            f"cours, {Introduction.objects.filter(accompaniment__in=mine).count():,} mises en "
            f"relation ; {JobOpening.objects.count():,} offres en tout, "
            f"{JobOpening.objects.visible_to(coach).open().count():,} ouvertes sur son "
            f"territoire. Suggestions mesurées : accompagnement n° {chosen.pk} (ROME "
            f"{', '.join(wishes.wanted_rome) or '-'}, secteurs "
            f"{', '.join(wishes.wanted_sectors) or '-'}) : {matches:,} offres candidates."
        )
        return [
            {
                **self.time_page(client, "Portefeuille de la chargée de mission", caseload_url,
                                 options),
                "key": "caseload",
            },
            {
                **self.time_page(
                    client,
                    f"Suggestions : accompagnement n° {chosen.pk}",
                    reverse("employment:suggestions", args=[chosen.pk]),
                    options,
                ),
                "key": "suggestions",
            },
        ]  # fmt: skip

    def time_pages(self, client, label, urls, options):
        """time_page over several URLs of one page: the median of all their runs; the SQL of
        the first."""
        results = [self.time_page(client, label, url, options) for url in urls]
        for url, result in zip(urls, results, strict=True):
            self.stdout.write(f"  {url} : médiane {result['median']:.1f} ms")
        timings = [t for result in results for t in result["timings"]]
        return {
            **results[0],
            "status": next((r["status"] for r in results if r["status"] != 200), 200),
            "median": statistics.median(timings),
            "min": min(timings),
            "max": max(timings),
        }

    def open_hall_session(self, officer, residence):
        """The bench officer's open hall session in `residence` (started once, then reused)."""
        from outreach.enums import ActionKind
        from outreach.models import OutreachAction
        from outreach.services import outreach_action_start

        action = OutreachAction.objects.filter(
            residence=residence,
            kind=ActionKind.HALL_SESSION,
            created_by=officer,
            ended_at__isnull=True,
        ).first()
        return (action or outreach_action_start(by=officer, residence=residence)).pk

    def time_callable(self, label, function, options):
        """time_page's measure for a function (a QuerySet evaluated without a view)."""
        with CaptureQueriesContext(connection) as captured:
            function()
        queries = list(captured.captured_queries)
        for _ in range(options["warmup"] - 1):
            function()
        timings = []
        for _ in range(options["runs"]):
            started = time.perf_counter()
            function()
            timings.append((time.perf_counter() - started) * 1000)
        return {
            "label": label,
            "url": None,
            "status": 200,
            "queries": queries,
            "median": statistics.median(timings),
            "min": min(timings),
            "max": max(timings),
        }

    def common_name_start(self, scope, stage):
        """The first 4 letters of the commonest last name at this stage in the officer's
        residences: a search a user would type, with a full first page."""
        commonest = (
            scope.filter(stage=stage)
            .values("last_name")
            .annotate(n=Count("pk"))
            .order_by("-n", "last_name")
            .first()
        )
        return fold(commonest["last_name"] if commonest else "martin")[:4]

    def time_page(self, client, label, url, options):
        # The first warm-up pass counts the queries and keeps their SQL.
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        # Copied now: the next request empties the log the context reads from.
        queries = list(captured.captured_queries)
        statuses = {response.status_code}
        for _ in range(options["warmup"] - 1):
            statuses.add(client.get(url).status_code)
        timings = []
        for _ in range(options["runs"]):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
        status = next((s for s in sorted(statuses) if s != 200), 200)
        return {
            "label": label,
            "url": url,
            "status": status,
            "queries": queries,
            "median": statistics.median(timings),
            "min": min(timings),
            "max": max(timings),
            "timings": timings,
        }

    # --- The report --------------------------------------------------------------------------

    def report_data(self, officer, scope, resident, generation):
        with connection.cursor() as cursor:
            counts = benchdata.row_counts(cursor.cursor)
        self.stdout.write("")
        self.stdout.write("Données / data (base o2r_bench) :")
        for label, count in counts.items():
            self.stdout.write(f"  {label:<16} {count:>9,}")
        residences = scope.values("residence").distinct().count()
        self.stdout.write(
            f"Chargée d'insertion {officer.email} : {residences} résidences, "
            f"{scope.count():,} résidents."
        )
        related = {
            name: getattr(resident, name).count()
            for name in ("consents", "barriers", "stage_changes", "notes")
        }
        self.stdout.write(
            f"Fiche mesurée : n° {resident.pk} ({resident}), étape {resident.stage}, "
            + ", ".join(f"{n} {name}" for name, n in related.items())
        )
        if generation:
            self.stdout.write(f"Temps de génération : {generation['total']:.1f} s.")

    def report_explain(self, result):
        """Each query of the page with what PostgreSQL did for it (EXPLAIN ANALYZE of the
        reads only: an ANALYZE runs the statement), then the full plan of the slowest."""
        queries = result["queries"]
        self.stdout.write("")
        what = f"GET {result['url']}" if result["url"] else "QuerySet évalué hors vue"
        self.stdout.write(f"{result['label']} — {what} — {len(queries)} requêtes SQL :")
        explained = []
        for number, query in enumerate(queries, start=1):
            text = " ".join(query["sql"].split())
            select = DECLARE_CURSOR.sub("", text)
            if select.upper().startswith("SELECT"):
                ((plans,),) = self.explain(select, "FORMAT JSON")
                plan = plans[0]
                scans = sorted(set(_scans(plan["Plan"])))
                explained.append((plan["Execution Time"], number, select))
                how = f"{plan['Execution Time']:6.2f} ms  {', '.join(scans)}"
            else:
                how = f"{'':>6}    (écriture, non expliquée)"
            self.stdout.write(f"  {number:>2}. {how}")
            self.stdout.write(f"      {text[:150]}")
        if not explained:
            return
        duration, number, select = max(explained)
        self.stdout.write(
            f"  EXPLAIN (ANALYZE, BUFFERS) de la requête la plus lourde (n° {number}, "
            f"{duration:.2f} ms) :"
        )
        for (line,) in self.explain(select, "BUFFERS"):
            self.stdout.write(f"    {line}")

    def explain(self, select, options):
        with connection.cursor() as cursor:
            # The captured SQL carries its parameters already; nothing is interpolated here.
            cursor.execute(f"EXPLAIN (ANALYZE, {options}) {select}")
            return cursor.fetchall()

    def report_summary(self, results, *, runs, warmup):
        self.stdout.write("")
        header = (
            f"{'Page':<40} {'HTTP':>4} {'SQL':>4} {'médiane':>9} {'min':>8} {'max':>8}  "
            "objectif / target"
        )
        self.stdout.write(header)
        self.stdout.write("-" * (len(header) + 14))
        for r in results:
            target = r.get("target", TARGET_MS)
            reached = r["status"] == 200 and r["median"] < target
            verdict = "OBJECTIF ATTEINT" if reached else "OBJECTIF NON ATTEINT"
            status = r["status"] if r["url"] else "-"
            self.stdout.write(
                f"{r['label'][:40]:<40} {status:>4} {len(r['queries']):>4} "
                f"{r['median']:>6.1f} ms {r['min']:>5.1f} ms {r['max']:>5.1f} ms  "
                f"< {target} ms : {verdict}"
            )
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        self.stdout.write(
            f"Médiane de {runs} passes après {warmup} de chauffe, client de test Django dans ce "
            "processus, DEBUG=False. SQL : requêtes par requête HTTP (session et utilisateur "
            "compris ; HTTP « - » : QuerySet mesuré sans vue, ni session ni rendu). "
            f"Charge de la machine (1, 5, 15 min) : {load} sur {os.cpu_count()} "
            "processeurs ; une machine occupée allonge les temps.\n"
            f"Median of {runs} runs after {warmup} warm-up runs, in-process Django test client, "
            "DEBUG=False; SQL = queries per HTTP request (session and user included; HTTP '-': "
            "a QuerySet timed without its view, session or rendering). "
            "A report, not a gate: only a status other than 200 fails the command."
        )
