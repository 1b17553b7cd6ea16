"""The bench data set (o2r/core/benchdata.py). The residents' stage changes and the employment
rows, built in memory on a small synthetic source: what the services would refuse never appears
in them (the bench's COPY checks the database constraints, not these rules). The outreach step,
written by SQL, at a small scale in the test database."""

import datetime
import random

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.urls import NoReverseMatch
from django.utils import timezone

from employment.enums import IN_PROGRESS
from o2r.core import bench_dashboard, benchdata
from outreach.enums import Outcome
from outreach.models import OutreachAction
from residents.enums import Stage
from residents.models import Resident

NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate()
STAGES = ["accompanied", "employed", "accompanied", "exited", "identified", "accompanied"]


def _sources():
    """Residents of every coach (and engaged ones) and openings in each territory, in the
    shapes _employment_sources reads."""
    rng = random.Random(7)
    residents = []
    for resident_id in range(1, 1201):
        residence_id = 1 + (resident_id - 1) % benchdata.RESIDENCES
        stage = STAGES[resident_id // 6 % len(STAGES)] if resident_id % 7 else "engaged"
        coach = (
            benchdata.coach_of(resident_id, residence_id)
            if stage not in ("identified", "engaged")
            else None
        )
        given_on = TODAY - datetime.timedelta(days=rng.randrange(380, 3000))
        sex = ["female", "male"][resident_id % 2]
        residents.append((resident_id, residence_id, stage, coach, "snk", given_on, sex))
    openings = {}
    opening_id = 0
    for t, territory in enumerate(benchdata.TERRITORIES):
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


@pytest.fixture
def rows(monkeypatch):
    monkeypatch.setattr(benchdata, "OPEN_PER_COACH", 3)
    monkeypatch.setattr(benchdata, "INTRODUCTIONS_PER_OPEN", 8)
    return benchdata._EmploymentRows(random.Random(1), NOW, TODAY, _sources()).build()


def test_the_bench_coach_has_her_caseload_and_each_coach_the_same(rows):
    accompaniments = {row[0]: row for row in rows["accompaniments"]}
    open_ = [row for row in rows["accompaniments"] if row[7] is None]
    for coach in range(benchdata.FIRST_COACH, benchdata.FIRST_COACH + 60):
        assert sum(1 for row in open_ if row[3] == coach) == 3
    mine = {row[0] for row in open_ if row[3] == benchdata.BENCH_COACH_ID}
    assert sum(1 for row in rows["introductions"] if row[1] in mine) == 3 * 8
    # One accompaniment (and one set of wishes) per person; every accompaniment oriented.
    residents = [row[1] for row in rows["accompaniments"]]
    assert len(residents) == len(set(residents)) == len(rows["wishes"])
    orientations = {row[0]: row for row in rows["orientations"]}
    for row in accompaniments.values():
        assert orientations[row[2]][7] == "accepted" and orientations[row[2]][1] == row[1]
        assert row[7] is None or (row[7] >= row[6] and row[8])  # an exit has its reason
    pending = [row for row in rows["orientations"] if row[7] == "pending"]
    assert pending and not {row[1] for row in pending} & set(residents)


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


def test_the_rows_are_the_same_on_every_run(monkeypatch):
    monkeypatch.setattr(benchdata, "OPEN_PER_COACH", 2)
    monkeypatch.setattr(benchdata, "INTRODUCTIONS_PER_OPEN", 3)
    runs = [
        benchdata._EmploymentRows(random.Random(1), NOW, TODAY, _sources()).build()
        for _ in range(2)
    ]
    # The match reasons go to COPY wrapped as JSON: compared by what they hold.
    for rows in runs:
        rows["introductions"] = [(*row[:7], row[7].obj, *row[8:]) for row in rows["introductions"]]
    assert runs[0] == runs[1]


# --- Residents ---------------------------------------------------------------------------


def test_stage_changes_keep_the_person_as_she_was_that_day(monkeypatch):
    monkeypatch.setattr(benchdata, "RESIDENTS", 800)
    built = {"stage_changes": [], "barriers": [], "benefits": []}
    residents = {
        row[0]: dict(zip(benchdata.RESIDENT_COLUMNS, row, strict=True))
        for row in benchdata._resident_rows(random.Random(3), NOW, TODAY, built)
    }
    changes = {}
    for row in built["stage_changes"]:
        change = dict(zip(benchdata.STAGE_CHANGE_COLUMNS, row, strict=True))
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
        assert benchdata._age_on(born, day) == Resident(birth_date=born).age_on(day), born


# --- Outreach (database) ---------------------------------------------------------------------


@pytest.fixture
def small_bench(db, monkeypatch):
    """The residents and the outreach step, at a small scale, in the test database."""
    for name, value in {
        "RESIDENTS": 3000,
        "OUTREACH_ACTIONS": 1200,
        "OUTREACH_CONTACTS": 6000,
        "REFERRALS": 600,
        "SMS_CAMPAIGNS": 30,
        "SMS_OPT_OUTS": 150,
    }.items():
        monkeypatch.setattr(benchdata, name, value)
    with connection.cursor() as cursor:
        benchdata.generate(cursor.cursor, log=lambda line: None)
        benchdata.generate_outreach(cursor.cursor, log=lambda line: None)
        yield cursor.cursor


def _one(cursor, query, params=None):
    cursor.execute(query, params)
    return cursor.fetchone()[0]


def test_outreach_rows_hold_together(small_bench):
    cursor = small_bench
    assert benchdata.outreach_ready(cursor)
    counts = benchdata.row_counts(cursor)
    assert counts["actions d'aller vers"] == 1200
    assert counts["contacts"] == 6000
    assert counts["signalements"] == 600
    assert counts["campagnes SMS"] == 30
    assert counts["oppositions SMS"] == 150
    # Each campaign to its officer's residents living there, about 30 each.
    assert 30 * 25 < counts["SMS"] <= 30 * 30
    assert benchdata.RESIDENCES_PER_OFFICER == 10  # officer k on residences 10k-9..10k
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
        "THEN 1 + (c.residence_id - 1) / 10 END "
        "OR a.residence_id <> c.residence_id OR c.at NOT BETWEEN a.started_at AND a.ended_at "
        "OR c.at < f.first_at",
    )
    with_action = _one(cursor, "SELECT count(*) FROM outreach_contact WHERE action_id IS NOT NULL")
    assert 0.2 < with_action / 6000 < 0.6
    cursor.execute("SELECT DISTINCT channel, outcome FROM outreach_contact")
    for channel, outcome in cursor.fetchall():
        assert outcome in benchdata.CHANNEL_OUTCOMES[channel]
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
        "OR a.created_by_id <> 1 + (a.residence_id - 1) / 10 "
        "OR a.unnamed_count > 0 AND a.kind <> 'hall_session' "
        "OR c.id IS NOT NULL AND (a.started_at <> c.launched_at "
        "OR 1 + (a.residence_id - 1) / 10 <> c.created_by_id)",
    )
    assert _one(cursor, "SELECT count(*) FROM outreach_outreachaction_staff") == 1200
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
            [benchdata.BENCH_MANAGER_ID],
        )
        == benchdata.RESIDENCES
    )
    assert (
        OutreachAction.objects.create(kind="hall_session", residence_id=1, created_by_id=1).pk
        > 1200
    )


def test_the_outreach_step_starts_over(small_bench):
    cursor = small_bench
    reminders = "SELECT count(*) FROM reminders_reminder WHERE dedup_key LIKE 'contact:%%'"
    before = benchdata.row_counts(cursor), _one(cursor, reminders)
    benchdata.generate_outreach(cursor, log=lambda line: None)
    assert (benchdata.row_counts(cursor), _one(cursor, reminders)) == before
    assert benchdata.outreach_ready(cursor)
    window_start = NOW - relativedelta(years=benchdata.OUTREACH_YEARS)
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
