"""The generated data set: one generator for `manage.py generate_data` (at the pilot, regional
or national scale, see scale.py) and for `manage.py bench`'s measures (national, in
o2r_bench). Invented people throughout; the same data on every run with the same seed and day.

Four steps, each in one transaction and versioned apart (the comment on one of its tables), so
that a change of one step's generator rewrites that step only:
- residents.py: organisations, users, residences and memberships, the residents with their
  stage changes, consents, barriers, benefits and notes;
- employers.py: the employers with their contacts, prospecting steps and status changes, and
  the job openings;
- employment.py: the IOD accompaniment (orientations, accompaniments, wishes, coach contacts,
  introductions with their steps, hires with their follow-ups, and the coaches' reminders);
- outreach.py: three years of outreach (actions, contacts, referrals) and SMS campaigns with
  their messages and opt-outs.
Rows built in Python are sent with COPY, the others fanned out by `INSERT ... SELECT
generate_series(...)`, drawing their random choices from a hash of the row's number and the
seed (writing.py). build.py creates, migrates and fills a database.

Ids are fixed so that SQL can derive who works where without joins (Scale's methods):
- organisations: 1 Adoma, 2 Adelis;
- users 1..officers: Adoma insertion officers; officer k works on residences
  (k - 1) * residences_per_officer + 1 .. k * residences_per_officer. User 1 is the
  benchmark's officer (BENCH_OFFICER_EMAIL);
- then the Adelis job coaches, coaches_per_territory per territory in turn, with that
  territory on their account (set by the employers' step); the first is the benchmark's coach
  (Scale.bench_coach_id);
- then Adoma's manager, with a membership on every residence (BENCH_MANAGER_EMAIL,
  Scale.manager_id), whom the dashboard is measured for;
- residences_per_territory residences in each territory in turn, about 15% of them in a
  priority neighbourhood (QPV);
- employer i is in territory (i - 1) % territories;
- resident i lives in residence 1 + (i - 1) % residences;
- the employment rows are numbered from 1 in the order they are built (coach by coach);
- SMS campaign c is officer 1 + (c - 1) % officers', to every resident of her residences.
"""

from . import employers, employment, outreach, residents
from .build import Build, generate_all, row_counts
from .scale import (
    ADELIS,
    ADOMA,
    BENCH_MANAGER_EMAIL,
    BENCH_OFFICER_EMAIL,
    BENCH_OFFICER_ID,
    DATABASE_NAME,
    NATIONAL,
    PILOT,
    REGIONAL,
    SCALES,
    SEED,
    TERRITORIES,
    Generation,
    Scale,
    default_database,
)

__all__ = [
    "ADELIS",
    "ADOMA",
    "BENCH_MANAGER_EMAIL",
    "BENCH_OFFICER_EMAIL",
    "BENCH_OFFICER_ID",
    "DATABASE_NAME",
    "NATIONAL",
    "OUTREACH_VERSION",
    "PILOT",
    "REGIONAL",
    "SCALES",
    "SEED",
    "TERRITORIES",
    "Build",
    "Generation",
    "Scale",
    "data_ready",
    "default_database",
    "employers",
    "employers_ready",
    "employment",
    "employment_ready",
    "generate_all",
    "outreach",
    "residents",
    "row_counts",
]

# What `manage.py load` checks of o2r_bench before it runs: the national data, default seed.
OUTREACH_VERSION = outreach.VERSION


def data_ready(cursor, scale=NATIONAL, seed=SEED):
    return residents.ready(cursor, scale, seed)


def employers_ready(cursor, scale=NATIONAL):
    return employers.ready(cursor, scale)


def employment_ready(cursor, scale=NATIONAL):
    return employment.ready(cursor, scale)
