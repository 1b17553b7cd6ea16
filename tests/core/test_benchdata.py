"""The employment rows of the bench data set (o2r/core/benchdata.py), built in memory on a
small synthetic source: what the services would refuse never appears in them (the bench's
COPY checks the database constraints, not these rules)."""

import datetime
import random

import pytest
from django.utils import timezone

from employment.enums import IN_PROGRESS
from o2r.core import benchdata

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
        residents.append((resident_id, residence_id, stage, coach, "snk", given_on))
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
