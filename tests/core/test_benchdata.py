"""The generated data set (o2r/core/benchdata/). The scales' figures, by arithmetic. The
residents' stage changes and the employment rows, built in memory on a small synthetic source:
what the services would refuse never appears in them (the generator's COPY checks the
database constraints, not these rules). The pilot scale, generated for real in the test
database: its counts, its distributions, its outreach rows, and the same data for the same
seed."""

import datetime
import os
import random
from dataclasses import replace

import psycopg
import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import NoReverseMatch
from django.utils import timezone
from psycopg import sql

from employment.enums import IN_PROGRESS
from o2r.core import bench_dashboard, benchdata
from o2r.core.benchdata import NATIONAL, PILOT, REGIONAL, SEED, Generation
from o2r.core.benchdata.build import Build
from outreach.enums import Outcome
from outreach.models import OutreachAction
from residents.enums import Stage
from residents.models import Resident

NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate(NOW)
STAGES = ["accompanied", "employed", "accompanied", "exited", "identified", "accompanied"]


# --- The scales ------------------------------------------------------------------------------


def test_the_national_scale_has_the_issues_figures():
    assert NATIONAL.residences == 1_000 and len(NATIONAL.places) == 10
    assert NATIONAL.residents == 100_000
    assert NATIONAL.employers == 20_000
    assert NATIONAL.openings == 100_000
    assert NATIONAL.outreach_contacts == 2_000_000
    # The bench coach's caseload; the closed accompaniments add about 40,000 introductions
    # to the open ones' (about 200,000 in all, measured in docs/performance.md).
    assert (NATIONAL.open_per_coach, NATIONAL.introductions_per_coach) == (50, 2_000)
    assert NATIONAL.coaches * NATIONAL.introductions_per_coach == 160_000
    assert (NATIONAL.officers, NATIONAL.coaches, NATIONAL.manager_id) == (100, 80, 181)


def test_the_regional_scale_is_a_tenth_of_the_national():
    assert (REGIONAL.residences, REGIONAL.residents) == (100, 10_000)
    for size in (
        "residences",
        "residents",
        "officers",
        "coaches",
        "employers",
        "openings",
        "outreach_actions",
        "outreach_contacts",
        "referrals",
        "sms_campaigns",
        "sms_opt_outs",
    ):
        assert getattr(REGIONAL, size) * 10 == getattr(NATIONAL, size), size
    # Each coach's caseload is the national one.
    assert REGIONAL.introductions_per_coach == NATIONAL.introductions_per_coach


def test_the_pilot_scale_is_the_pilot():
    assert PILOT.places == (("Nantes Métropole", ("Nantes",)),)
    assert PILOT.residences == 6
    assert 300 <= PILOT.residents <= 600
    assert (PILOT.officers, PILOT.coaches) == (2, 2)
    assert PILOT.employers <= 50


def test_ids_are_derived_from_the_scale():
    scale = NATIONAL
    assert scale.officer_of(1) == 1 and scale.officer_of(10) == 1 and scale.officer_of(11) == 2
    assert scale.first_coach == 101 == scale.bench_coach_id
    # Residence 150 is in the second territory: one of its 8 coaches.
    assert scale.coach_of(7, 150) in range(109, 117)
    assert scale.residence_of(1) == 1 and scale.residence_of(1_001) == 1
    assert scale.employer_territory(11) == 0 and scale.employer_owner(11) in range(101, 109)
    assert PILOT.manager_id == 1 + PILOT.officers + PILOT.coaches == 5


def test_a_scale_refuses_sizes_its_ids_cannot_hold():
    with pytest.raises(ValueError):
        replace(PILOT, residences_per_officer=4)  # 6 residences
    with pytest.raises(ValueError):
        replace(PILOT, introductions_per_coach=100)  # 4 per open accompaniment


def test_each_scale_has_its_database():
    assert benchdata.default_database(NATIONAL) == "o2r_bench" == benchdata.DATABASE_NAME
    assert benchdata.default_database(REGIONAL) == "o2r_regional"
    assert benchdata.default_database(PILOT) == "o2r_pilot"
    # The same sizes under another name are not the bench's.
    assert benchdata.default_database(replace(NATIONAL, name="autre")) == "o2r_autre"


@pytest.mark.parametrize("name", ["postgres", "test_o2r", "o2r", "o2r_app"])
def test_the_command_refuses_a_database_it_must_not_empty(name, monkeypatch, settings):
    # The application's own database, or one whose name does not start with o2r_.
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "o2r_app")
    with pytest.raises(CommandError):
        call_command("generate_data", "--scale", "pilot", "--database", name)


def test_an_existing_database_it_did_not_create_is_neither_migrated_nor_dropped(
    monkeypatch, settings
):
    """Only a database carrying the generator's mark (written when it creates one) is rebuilt:
    an o2r_… database of something else on the same server is left as it is."""
    # The server's maintenance database: the application's own may not exist here.
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "postgres")
    name = f"o2r_not_generated_{os.getpid()}"
    build = Build(Generation(PILOT), database=name, log=lambda line: None)
    server = build.server_parameters()
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with pytest.raises(CommandError, match="n'a pas été créée par generate_data"):
            build.run()
        assert build.database_exists(server)
        with psycopg.connect(**{**server, "dbname": name}) as other:
            tables = other.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()[0]
        assert tables == 0, "not migrated"
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_the_command_never_runs_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("generate_data", "--scale", "pilot")


# --- Employment rows (in memory) ---------------------------------------------------------------

# 80 coaches with 3 open accompaniments of 10 introductions each.
SMALL = replace(NATIONAL, open_per_coach=3, introductions_per_coach=30)


def _sources():
    """Residents of every coach (and engaged ones) and openings in each territory, in the
    shapes employment.sources reads."""
    rng = random.Random(7)
    residents = []
    for resident_id in range(1, 2001):
        residence_id = SMALL.residence_of(resident_id)
        stage = STAGES[resident_id // 6 % len(STAGES)] if resident_id % 7 else "engaged"
        # Those back to "identified" after a job had a coach.
        coached = stage not in ("identified", "engaged") or (
            stage == "identified" and resident_id % 2
        )
        coach = SMALL.coach_of(resident_id, residence_id) if coached else None
        jobs = 1 if stage == "employed" else (resident_id % 3 if coached else 0)
        given_on = TODAY - datetime.timedelta(days=rng.randrange(380, 3000))
        sex = ["female", "male"][resident_id % 2]
        residents.append((resident_id, residence_id, stage, coach, "snk", given_on, sex, jobs))
    openings = {}
    opening_id = 0
    for t, territory in enumerate(SMALL.territories):
        for n in range(80):
            opening_id += 1
            status = ["open", "filled", "cancelled"][n % 3]
            opened_on = TODAY - datetime.timedelta(days=rng.randrange(1, 700))
            closed_on = None if status == "open" else min(opened_on + datetime.timedelta(30), TODAY)
            openings.setdefault(territory, []).append((
                opening_id, territory, status, opened_on, closed_on, ["K2204", "N1103"][n % 2],
                "Agent / Agente de propreté de locaux", 1000 + t * 10 + n % 10,
                ["cdi", "cdd", "temp"][n % 3], [None, 6, None][n % 3], 35, "Nantes",
                "3 rue des Lilas",
            ))  # fmt: skip
    return {"residents": residents, "openings": openings}


def _build(seed=1):
    gen = Generation(SMALL, now=NOW)
    return benchdata.employment._EmploymentRows(gen, random.Random(seed), _sources()).build()


@pytest.fixture(scope="module")
def rows():
    return _build()


def test_the_bench_coach_has_her_caseload_and_each_coach_the_same(rows):
    accompaniments = {row[0]: row for row in rows["accompaniments"]}
    open_ = [row for row in rows["accompaniments"] if row[7] is None]
    for coach in range(SMALL.first_coach, SMALL.first_coach + SMALL.coaches):
        assert sum(1 for row in open_ if row[3] == coach) == 3
    mine = {row[0] for row in open_ if row[3] == SMALL.bench_coach_id}
    assert sum(1 for row in rows["introductions"] if row[1] in mine) == 3 * 10
    # One accompaniment (and one set of wishes) per person; every accompaniment oriented.
    residents = [row[1] for row in rows["accompaniments"]]
    assert len(residents) == len(set(residents)) == len(rows["wishes"])
    orientations = {row[0]: row for row in rows["orientations"]}
    for row in accompaniments.values():
        assert orientations[row[2]][7] == "accepted" and orientations[row[2]][1] == row[1]
        assert row[7] is None or (row[7] >= row[6] and row[8])  # an exit has its reason
    pending = [row for row in rows["orientations"] if row[7] == "pending"]
    assert pending and not {row[1] for row in pending} & set(residents)
    # Those back to "identified" after a job have their closed accompaniment.
    sources = {row[0]: row for row in _sources()["residents"]}
    closed = {sources[row[1]][2] for row in rows["accompaniments"] if row[7] is not None}
    assert closed == {"exited", "identified"}


def test_each_job_of_the_path_is_one_to_three_hires(rows):
    sources = {row[0]: row for row in _sources()["residents"]}
    hires = {}
    for row in rows["placements"]:
        hires.setdefault(row[2], []).append(row)
    with_jobs = without_hire = 0
    for row in rows["accompaniments"]:
        _, _, stage, _, _, _, _, jobs = sources[row[1]]
        mine = hires.get(row[0], [])
        assert len(mine) <= 3 * jobs, (row, jobs)
        # A hire needs an opening while she was accompanied: the few without become
        # introductions that did not end in a hire.
        with_jobs += jobs > 0
        without_hire += jobs > 0 and not mine
        running = [p for p in mine if p[19] is None]
        # Only an employed person's last hire is still running.
        assert len(running) <= (1 if stage == "employed" and row[7] is None else 0)
    assert with_jobs and without_hire / with_jobs < 0.1
    assert len(rows["placements"]) > 1.5 * with_jobs


def test_introductions_follow_the_services_rules(rows):
    accompaniments = {row[0]: row for row in rows["accompaniments"]}
    openings = {o[0]: o for ops in _sources()["openings"].values() for o in ops}
    pairs = [(row[1], row[3]) for row in rows["introductions"]]
    assert len(pairs) == len(set(pairs))  # not twice the same opening to a person
    in_progress = [row for row in rows["introductions"] if row[4] in IN_PROGRESS]
    assert in_progress
    # One candidate at a time, on open openings only.
    assert len({row[3] for row in in_progress}) == len(in_progress)
    assert {openings[row[3]][2] for row in in_progress} == {"open"}
    steps = {}
    for introduction, status, at, _, _ in rows["steps"]:
        steps.setdefault(introduction, []).append((at, status))
    for row in rows["introductions"]:
        accompaniment = accompaniments[row[1]]
        assert row[5].date() >= accompaniment[6] and row[5] < NOW
        assert row[5].date() >= openings[row[3]][3]
        moments = [at for at, _ in steps[row[0]]]
        assert moments == sorted(moments) and moments[-1] <= NOW
        assert steps[row[0]][0][1] == "proposed" and steps[row[0]][-1][1] == row[4]
        if row[4] == "interview_scheduled":
            assert row[8] > NOW and row[9]
        assert (row[4] == "not_retained") == bool(row[12])
        assert (row[4] == "declined") == bool(row[13])
        assert (row[15] is None) == (row[4] in IN_PROGRESS)


def test_hires_and_follow_ups_are_consistent(rows):
    accompaniments = {row[0]: row for row in rows["accompaniments"]}
    placements = {row[0]: row for row in rows["placements"]}
    assert placements and any(row[19] for row in placements.values())  # some ended early
    hired = {row[0] for row in rows["introductions"] if row[4] == "hired"}
    assert {row[5] for row in placements.values()} == hired
    sexes = {row[0]: row[6] for row in _sources()["residents"]}
    assert all(row[24] == sexes[row[1]] for row in placements.values())  # her sex that day
    for row in placements.values():
        assert row[8] >= accompaniments[row[2]][6] and row[8] <= TODAY
        assert row[9] is None or row[9] >= row[8]
        assert row[7] != "cdi" or row[9] is None
        assert (row[19] is None) == (row[20] == "")
    milestones = {}
    for follow_up in rows["follow_ups"]:
        _, placement, milestone, due_on, done_on, with_whom, still, *_, cancelled = follow_up
        milestones.setdefault(placement, set()).add(milestone)
        start, ended = placements[placement][8], placements[placement][19]
        if done_on:
            assert start <= done_on <= TODAY and with_whom
            assert milestone != "m6" or still is not None
        if cancelled:
            assert ended is not None and due_on > ended and not done_on
    assert set(map(frozenset, milestones.values())) == {frozenset({"d7", "m1", "m3", "m6"})}
    keys = [row[7] for row in rows["reminders"]]
    assert len(keys) == len(set(keys))


def test_the_rows_are_the_same_on_every_run():
    runs = [_build(seed=1) for _ in range(2)]
    # The match reasons go to COPY wrapped as JSON: compared by what they hold.
    for rows in runs:
        rows["introductions"] = [(*row[:7], row[7].obj, *row[8:]) for row in rows["introductions"]]
    assert runs[0] == runs[1]


# --- Residents (in memory) ---------------------------------------------------------------------


def test_stage_changes_keep_the_person_as_she_was_that_day():
    gen = Generation(replace(REGIONAL, residents_per_residence=8), now=NOW)  # 800 residents
    built = {"stage_changes": [], "barriers": [], "benefits": []}
    residents = {
        row[0]: dict(zip(benchdata.residents.RESIDENT_COLUMNS, row, strict=True))
        for row in benchdata.residents._resident_rows(gen, random.Random(3), built)
    }
    changes = {}
    for row in built["stage_changes"]:
        change = dict(zip(benchdata.residents.STAGE_CHANGE_COLUMNS, row, strict=True))
        changes.setdefault(change["resident_id"], []).append(change)
    benefits, barriers = {}, {}
    for resident_id, benefit, since in built["benefits"]:
        benefits.setdefault(resident_id, []).append((benefit, since))
    for resident_id, code, _, identified_on, lifted_on, _ in built["barriers"]:
        barriers.setdefault(resident_id, []).append((code, identified_on, lifted_on))
    assert len(built["barriers"]) == 2 * len(residents)
    assert 0.25 < len(benefits) / len(residents) < 0.45
    local = timezone.get_current_timezone()
    seen = set()
    for resident_id, person in residents.items():
        fields = {k: v for k, v in person.items() if not k.endswith("_id")}
        resident = Resident(**fields, france_travail_id=person["france_travail_id"])
        path = changes.get(resident_id, [])
        assert [c["to_stage"] for c in path][-1:] == ([person["stage"]] if person["stage"] else [])
        since, coached = None, False
        for change in path:
            day = change["changed_at"].astimezone(local).date()
            coached = coached or change["to_stage"] == Stage.ACCOMPANIED
            assert change["from_stage_since"] == since
            since = change["changed_at"]
            assert change["residence_id"] == person["residence_id"]
            assert change["sex"] == person["sex"]
            assert change["rqth"] == person["rqth"]
            assert change["age"] == resident.age_on(day)
            assert change["invisible"] == resident.is_invisible_on(day)
            assert change["international_protection"] == (
                person["international_protection"] != "none"
            )
            # Coached from her arrival in accompaniment on, by the coach on her file.
            assert change["coach_id"] == (person["job_coach_id"] if coached else None)
            assert change["organisation_id"] == (benchdata.ADELIS if coached else None)
            assert change["social_minimum"] == any(
                b != "prime_activite" and on <= day for b, on in benefits.get(resident_id, [])
            )
            assert change["health_barrier"] == any(
                code == "health" and start <= day and (end is None or day < end)
                for code, start, end in barriers[resident_id]
            )
            seen.add((change["health_barrier"], change["social_minimum"], coached))
    assert len(seen) == 8  # every combination occurs


def test_ages_are_counted_as_the_file_counts_them():
    for born, day in [
        ("2000-02-29", "2023-02-28"),
        ("2000-02-29", "2024-02-28"),
        ("2000-02-29", "2024-02-29"),
        ("1990-12-31", "2025-12-30"),
        ("1990-12-31", "2025-12-31"),
        ("2030-01-01", "2025-01-01"),
    ]:
        born, day = datetime.date.fromisoformat(born), datetime.date.fromisoformat(day)
        assert benchdata.residents._age_on(born, day) == Resident(birth_date=born).age_on(day), born


# --- The pilot, generated -----------------------------------------------------------------------


def _generate(cursor, seed=SEED):
    benchdata.generate_all(cursor, Generation(PILOT, seed, now=NOW), log=lambda line: None)


@pytest.fixture
def pilot(db):
    """The pilot scale, generated in the test database (rolled back after the test)."""
    with connection.cursor() as cursor:
        _generate(cursor.cursor)
        yield cursor.cursor


def _one(cursor, query, params=None):
    cursor.execute(query, params)
    return cursor.fetchone()[0]


def _values(cursor, query):
    cursor.execute(query)
    return dict(cursor.fetchall())


def test_the_pilot_has_its_counts(pilot):
    cursor = pilot
    counts = benchdata.row_counts(cursor)
    residents = PILOT.residents
    assert counts["organisations"] == 2
    assert counts["users"] == PILOT.officers + PILOT.coaches + 1
    assert counts["residences"] == 6
    assert counts["memberships"] == 2 * 6  # her officer and the manager
    assert counts["residents"] == residents
    assert (counts["consents"], counts["barriers"], counts["notes"]) == (
        3 * residents,
        2 * residents,
        5 * residents,
    )
    assert 2.5 * residents < counts["stage changes"] < 5 * residents
    assert (counts["entreprises"], counts["offres"]) == (PILOT.employers, PILOT.openings)
    assert counts["accompagnements"] > PILOT.coaches * PILOT.open_per_coach
    assert counts["embauches"] > 0 and counts["suivis"] == 4 * counts["embauches"]
    assert counts["actions d'aller vers"] == PILOT.outreach_actions
    assert counts["contacts"] == PILOT.outreach_contacts
    assert counts["signalements"] == PILOT.referrals
    assert counts["campagnes SMS"] == PILOT.sms_campaigns
    assert counts["oppositions SMS"] == PILOT.sms_opt_outs
    # What generate_data and bench check before reusing a database.
    assert benchdata.data_ready(cursor, PILOT, SEED)
    assert not benchdata.data_ready(cursor, PILOT, SEED + 1)
    assert benchdata.employers.ready(cursor, PILOT)
    assert benchdata.employment.ready(cursor, PILOT)
    assert benchdata.outreach.ready(cursor, PILOT)
    assert not benchdata.outreach.ready(cursor, NATIONAL)
    # Everything in Nantes, each coach of the territory.
    assert _values(cursor, "SELECT city, count(*) FROM residents_residence GROUP BY city") == {
        "Nantes": 6
    }
    assert _one(cursor, "SELECT count(DISTINCT territory) FROM accounts_user WHERE territory <> ''")
    assert _one(cursor, "SELECT count(*) FROM employers_employer WHERE city <> 'Nantes'") == 0


def test_the_pilot_looks_like_a_residence(pilot):
    cursor = pilot
    stages = _values(
        cursor, "SELECT coalesce(stage, ''), count(*) FROM residents_resident GROUP BY 1"
    )
    assert set(stages) == {"", *Stage.values}
    assert stages["accompanied"] > stages["identified"] > 0  # 30% and 15%
    consents = _values(
        cursor,
        "SELECT scope, count(*) FILTER (WHERE withdrawn_on IS NOT NULL) FROM residents_consent "
        "GROUP BY scope",
    )
    assert set(consents) == {"accompaniment", "sharing", "sms", "health"}
    assert consents["sms"] > 0  # some withdrawn
    languages = _values(
        cursor, "SELECT preferred_language, count(*) FROM residents_resident GROUP BY 1"
    )
    assert len(languages) >= 8 and max(languages, key=languages.get) == "fra"
    groups = _values(
        cursor, "SELECT nationality_group, count(*) FROM residents_resident GROUP BY 1"
    )
    assert set(groups) == {"french", "eu", "non_eu"}
    assert _one(cursor, "SELECT count(DISTINCT french_level) FROM residents_resident") >= 6
    assert _one(cursor, "SELECT count(DISTINCT code) FROM residents_residentbarrier") >= 8
    assert _one(cursor, "SELECT count(DISTINCT resident_id) FROM residents_residentbenefit") > (
        PILOT.residents / 5
    )
    protected = "SELECT count(*) FROM residents_resident WHERE international_protection <> 'none'"
    assert _one(cursor, protected) > 0
    assert _one(cursor, "SELECT count(*) FROM residents_resident WHERE phone = ''") > 0
    # The accompaniment: hires running and ended, introductions at every status.
    assert _one(cursor, "SELECT count(*) FROM employment_placement WHERE ended_on IS NULL") > 0
    assert _one(cursor, "SELECT count(*) FROM employment_placement WHERE ended_on IS NOT NULL")
    statuses = _values(cursor, "SELECT status, count(*) FROM employment_introduction GROUP BY 1")
    assert len(statuses) == 7
    sms = _values(cursor, "SELECT status, count(*) FROM sms_smsmessage GROUP BY 1")
    assert sms["delivered"] > sms["skipped"] > 0


# A few tables, whole rows, in id order.
CHECKSUMS = [
    "residents_resident",
    "residents_stagechange",
    "residents_consent",
    "employers_jobopening",
    "employment_introduction",
    "employment_placement",
    "outreach_contact",
    "sms_smsmessage",
]


def _checksums(cursor):
    sums = {}
    for name in CHECKSUMS:
        cursor.execute(
            sql.SQL("SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {} t").format(
                sql.Identifier(name)
            )
        )
        sums[name] = cursor.fetchone()[0]
    return sums


def _empty(cursor):
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks pending from the last run
    cursor.execute(
        "TRUNCATE accounts_organisation, accounts_user, residents_residence RESTART IDENTITY "
        "CASCADE"
    )


def test_the_same_seed_gives_the_same_data(pilot):
    cursor = pilot
    first = _checksums(cursor)
    _empty(cursor)
    _generate(cursor)
    assert _checksums(cursor) == first
    _empty(cursor)
    _generate(cursor, seed=SEED + 1)
    other = _checksums(cursor)
    assert not {name for name in CHECKSUMS if other[name] == first[name]}


def test_outreach_rows_hold_together(pilot):
    cursor = pilot
    counts = benchdata.row_counts(cursor)
    # Each campaign to its officer's residents living there (240 in her 3 residences).
    assert 12 * 200 < counts["SMS"] <= 12 * 240
    assert PILOT.residences_per_officer == 3  # officer k on residences 3k-2..3k
    # Contacts: with a resident of their residence, by its officer (a reply: nobody), during
    # their action and in its residence, never before the person entered the programme.
    assert not _one(
        cursor,
        "SELECT count(*) FROM outreach_contact c JOIN residents_resident r "
        "ON r.id = c.resident_id LEFT JOIN outreach_outreachaction a ON a.id = c.action_id "
        "JOIN (SELECT resident_id, min(changed_at) AS first_at FROM residents_stagechange "
        "GROUP BY resident_id) f ON f.resident_id = c.resident_id "
        "WHERE c.residence_id <> r.residence_id OR c.at > clock_timestamp() "
        "OR c.by_id IS DISTINCT FROM CASE WHEN c.outcome <> 'replied' "
        "THEN 1 + (c.residence_id - 1) / 3 END "
        "OR a.residence_id <> c.residence_id OR c.at NOT BETWEEN a.started_at AND a.ended_at "
        "OR c.at < f.first_at",
    )
    with_action = _one(cursor, "SELECT count(*) FROM outreach_contact WHERE action_id IS NOT NULL")
    assert 0.2 < with_action / PILOT.outreach_contacts < 0.6
    cursor.execute("SELECT DISTINCT channel, outcome FROM outreach_contact")
    for channel, outcome in cursor.fetchall():
        assert outcome in benchdata.outreach.CHANNEL_OUTCOMES[channel]
    replies = "SELECT count(*) FROM outreach_contact WHERE outcome = %s AND by_id IS NULL"
    assert _one(cursor, replies, [Outcome.REPLIED])
    # One reminder per next step.
    assert _one(cursor, "SELECT count(*) FROM outreach_contact WHERE next_step_on IS NOT NULL") == (
        _one(cursor, "SELECT count(*) FROM reminders_reminder WHERE dedup_key LIKE 'contact:%%'")
    )
    # Actions: the campaigns' at their launch in each of the officer's residences.
    assert not _one(
        cursor,
        "SELECT count(*) FROM outreach_outreachaction a "
        "LEFT JOIN outreach_smscampaign c ON c.id = a.campaign_id "
        "WHERE (a.kind = 'sms_campaign') <> (c.id IS NOT NULL) OR a.ended_at < a.started_at "
        "OR a.created_by_id <> 1 + (a.residence_id - 1) / 3 "
        "OR a.unnamed_count > 0 AND a.kind <> 'hall_session' "
        "OR c.id IS NOT NULL AND (a.started_at <> c.launched_at "
        "OR 1 + (a.residence_id - 1) / 3 <> c.created_by_id)",
    )
    assert _one(cursor, "SELECT count(*) FROM outreach_outreachaction_staff") == 600
    # Referrals: taken, then closed; only a new one names a person without her file.
    assert not _one(
        cursor,
        "SELECT count(*) FROM outreach_referral f LEFT JOIN residents_resident r "
        "ON r.id = f.resident_id WHERE (f.status = 'new') <> (f.taken_at IS NULL) "
        "OR (f.status = 'closed') <> (f.closed_at IS NOT NULL) "
        "OR f.taken_at < f.filed_at OR f.closed_at < f.taken_at "
        "OR f.closed_at > clock_timestamp() "
        "OR f.resident_id IS NULL AND (f.status <> 'new' OR f.first_name = '') "
        "OR r.residence_id <> f.residence_id",
    )
    # SMS: a status and its timestamps; not sent only for a reason of the launch's day.
    assert not _one(
        cursor,
        "SELECT count(*) FROM sms_smsmessage m JOIN residents_resident r ON r.id = m.resident_id "
        "JOIN outreach_smscampaign c ON c.id = m.owner_id "
        "JOIN outreach_smscampaign_residences cr ON cr.smscampaign_id = c.id "
        "AND cr.residence_id = r.residence_id "
        "WHERE m.owner_kind <> 'campaign' OR m.residence_id <> r.residence_id "
        "OR (m.status = 'skipped') <> (m.skip_reason <> '') "
        "OR (m.status = 'skipped') <> (m.queued_at IS NULL) "
        "OR (m.status = 'skipped') <> (m.segments = 0) "
        "OR (m.status IN ('sent', 'delivered')) <> (m.sent_at IS NOT NULL) "
        "OR (m.status = 'delivered') <> (m.delivered_at IS NOT NULL) "
        "OR m.queued_at < m.created_at OR m.claimed_at < m.queued_at "
        "OR m.sent_at < m.claimed_at OR m.delivered_at < m.sent_at "
        "OR m.dedup_key <> 'campaign:' || c.id || ':resident:' || r.id "
        "OR m.skip_reason = 'opted_out' AND NOT EXISTS (SELECT 1 FROM sms_smsoptout o "
        "WHERE o.phone = r.phone AND o.created_at < c.launched_at) "
        "OR m.skip_reason = 'no_phone' AND r.phone <> ''",
    )
    cursor.execute("SELECT status, count(*) FROM sms_smsmessage GROUP BY status")
    statuses = dict(cursor.fetchall())
    assert statuses["delivered"] > statuses["skipped"] > 0
    cursor.execute("SELECT DISTINCT encoding FROM sms_smsmessage WHERE status <> 'skipped'")
    assert {row[0] for row in cursor.fetchall()} == {"gsm7", "ucs2"}  # Arabic is UCS-2
    # The manager's scope, and the sequences past the rows written.
    assert (
        _one(
            cursor,
            "SELECT count(*) FROM residents_residencemembership WHERE user_id = %s",
            [PILOT.manager_id],
        )
        == PILOT.residences
    )
    assert (
        OutreachAction.objects.create(kind="hall_session", residence_id=1, created_by_id=1).pk > 600
    )


def test_the_outreach_step_starts_over(pilot):
    cursor = pilot
    reminders = "SELECT count(*) FROM reminders_reminder WHERE dedup_key LIKE 'contact:%%'"
    before = benchdata.row_counts(cursor), _one(cursor, reminders)
    benchdata.outreach.generate(cursor, Generation(PILOT, now=NOW), log=lambda line: None)
    assert (benchdata.row_counts(cursor), _one(cursor, reminders)) == before
    assert benchdata.outreach.ready(cursor, PILOT)
    window_start = NOW - relativedelta(years=benchdata.outreach.YEARS)
    assert _one(cursor, "SELECT min(started_at) FROM outreach_outreachaction") >= (
        window_start - datetime.timedelta(days=1)
    )


# --- Dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_floor_replays_the_pages_own_reads():
    user = 'SELECT "accounts_user"."id", "accounts_organisation"."id" FROM "accounts_user" '
    user += 'LEFT OUTER JOIN "accounts_organisation" ON ("accounts_user"."organisation_id" = '
    user += '"accounts_organisation"."id") WHERE "accounts_user"."id" = 161 '
    user += 'ORDER BY "accounts_user"."last_name" ASC LIMIT 1'
    coaches = 'SELECT "accounts_user"."id" FROM "accounts_user" WHERE "accounts_user"."id" IN (101)'
    counts = (
        'SELECT count(*) FROM "outreach_contact" WHERE "outreach_contact"."at" >= \'2025-01-01\''
    )
    cursor = 'DECLARE "_django_curs_1_sync_1" NO SCROLL CURSOR WITH HOLD FOR SELECT 1 FROM "x"'
    replayed = {
        'SELECT "django_session"."session_data" FROM "django_session" WHERE "x" = 1': None,
        user: None,
        user.replace("= 161", "= 162"): user.replace("= 161", "= 162"),  # someone else
        coaches: coaches,
        counts: counts,
        cursor: 'SELECT 1 FROM "x"',
        'INSERT INTO "audit_accesslog" ("user_id") VALUES (161)': None,
        'SAVEPOINT "s1"': None,
    }
    for statement, expected in replayed.items():
        assert bench_dashboard.replayable(statement, 161) == expected, statement


def test_the_bench_carries_on_without_the_dashboard(monkeypatch):
    def missing(name):
        raise NoReverseMatch(name)

    monkeypatch.setattr(bench_dashboard, "reverse", missing)
    lines = []
    assert bench_dashboard.measure(write=lines.append) is None
    assert lines[0].startswith("dashboard: not available")
