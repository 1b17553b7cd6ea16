"""The sizes of a generated data set (Scale), the three named ones, and the ids every step
derives from them without joins (see the package's docstring)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

SEED = 2026
# The database of `manage.py bench` and `manage.py load`: the national scale, default seed.
DATABASE_NAME = "o2r_bench"

ADOMA, ADELIS = 1, 2
BENCH_OFFICER_ID = 1
BENCH_OFFICER_EMAIL = "nadia.lemaire@adoma.bench"
BENCH_MANAGER_EMAIL = "claire.fontaine@adoma.bench"

TERRITORIES = {
    "Nantes Métropole": ["Nantes", "Rezé", "Saint-Herblain", "Orvault"],
    "Rennes Métropole": ["Rennes", "Cesson-Sévigné", "Bruz"],
    "Grand Paris Sud": ["Évry-Courcouronnes", "Corbeil-Essonnes", "Grigny", "Ris-Orangis"],
    "Métropole de Lyon": ["Lyon", "Villeurbanne", "Vénissieux", "Vaulx-en-Velin"],
    "Aix-Marseille-Provence": ["Marseille", "Aix-en-Provence", "Aubagne", "Martigues"],
    "Toulouse Métropole": ["Toulouse", "Colomiers", "Blagnac"],
    "Bordeaux Métropole": ["Bordeaux", "Mérignac", "Pessac", "Bègles"],
    "Métropole européenne de Lille": ["Lille", "Roubaix", "Tourcoing", "Villeneuve-d'Ascq"],
    "Eurométropole de Strasbourg": ["Strasbourg", "Schiltigheim", "Illkirch-Graffenstaden"],
    "Montpellier Méditerranée Métropole": ["Montpellier", "Castelnau-le-Lez", "Lattes"],
}


@dataclass(frozen=True, kw_only=True)
class Scale:
    """How much is generated. Residences fill the first `len(places)` territories in turn,
    residents the residences; officers have consecutive residences, coaches a territory."""

    name: str
    # (territory, (cities, ...)), in TERRITORIES' order.
    places: tuple[tuple[str, tuple[str, ...]], ...]
    residences_per_territory: int
    residents_per_residence: int
    residences_per_officer: int
    coaches_per_territory: int
    employers: int
    openings: int
    # Each coach's open accompaniments and their introductions (the bench coach's caseload);
    # a closed accompaniment has at least introductions_per_closed (one more than its hires).
    open_per_coach: int
    introductions_per_coach: int
    introductions_per_closed: int
    # Orientations of engaged residents in each territory: half waiting for an answer, half
    # declined.
    orientations_per_territory: int
    outreach_actions: int  # the SMS campaigns' own included
    outreach_contacts: int
    referrals: int
    sms_campaigns: int
    sms_opt_outs: int

    def __post_init__(self):
        if self.residences_per_territory % self.residences_per_officer:
            raise ValueError("Chaque chargée d'insertion a ses résidences dans un territoire.")
        if self.introductions_per_coach % self.open_per_coach:
            raise ValueError("Autant de mises en relation pour chaque accompagnement en cours.")
        if self.introductions_per_open < 10:
            # Room for 3 in progress and up to 6 hires (2 jobs of 3 contracts).
            raise ValueError("Au moins 10 mises en relation par accompagnement en cours.")
        if self.sms_campaigns * self.residences_per_officer > self.outreach_actions:
            raise ValueError("Les actions des campagnes SMS dépassent les actions d'aller vers.")

    # --- Sizes ------------------------------------------------------------------------------

    @property
    def territories(self) -> list[str]:
        return [territory for territory, _ in self.places]

    def cities(self, territory: str) -> tuple[str, ...]:
        return dict(self.places)[territory]

    @property
    def residences(self) -> int:
        return len(self.places) * self.residences_per_territory

    @property
    def residents(self) -> int:
        return self.residences * self.residents_per_residence

    @property
    def officers(self) -> int:
        return self.residences // self.residences_per_officer

    @property
    def coaches(self) -> int:
        return len(self.places) * self.coaches_per_territory

    @property
    def introductions_per_open(self) -> int:
        return self.introductions_per_coach // self.open_per_coach

    # --- Ids --------------------------------------------------------------------------------
    # Users: the officers 1..officers (user 1 the bench's), the coaches after them, territory
    # by territory (the first the bench's), then Adoma's manager.

    @property
    def first_coach(self) -> int:
        return self.officers + 1

    @property
    def bench_coach_id(self) -> int:
        return self.first_coach  # a coach of the first territory

    @property
    def manager_id(self) -> int:
        return self.first_coach + self.coaches

    def territory_of(self, residence_id: int) -> int:
        """The index in `territories` of the residence's territory."""
        return (residence_id - 1) // self.residences_per_territory

    def residence_of(self, resident_id: int) -> int:
        return 1 + (resident_id - 1) % self.residences

    def officer_of(self, residence_id: int) -> int:
        return 1 + (residence_id - 1) // self.residences_per_officer

    def officer_sql(self, residence: str) -> str:
        """SQL for officer_of the residence id `residence` (an SQL expression)."""
        return f"1 + ({residence} - 1) / {self.residences_per_officer}"

    def coaches_of(self, territory: int) -> range:
        first = self.first_coach + territory * self.coaches_per_territory
        return range(first, first + self.coaches_per_territory)

    def coach_of(self, resident_id: int, residence_id: int) -> int:
        coaches = self.coaches_of(self.territory_of(residence_id))
        return coaches[resident_id % self.coaches_per_territory]

    def employer_territory(self, employer_id: int) -> int:
        return (employer_id - 1) % len(self.places)

    def employer_owner(self, employer_id: int) -> int:
        coaches = self.coaches_of(self.employer_territory(employer_id))
        return coaches[employer_id % self.coaches_per_territory]


def _places(count, *, cities=None):
    return tuple(
        (territory, tuple(cities or TERRITORIES[territory]))
        for territory in list(TERRITORIES)[:count]
    )


NATIONAL = Scale(
    name="national",
    places=_places(10),
    residences_per_territory=100,
    residents_per_residence=100,
    residences_per_officer=10,
    coaches_per_territory=8,
    employers=20_000,
    openings=100_000,
    open_per_coach=50,
    introductions_per_coach=2_000,
    introductions_per_closed=2,
    orientations_per_territory=20,
    outreach_actions=100_000,
    outreach_contacts=2_000_000,
    referrals=50_000,
    sms_campaigns=600,  # 6 per officer, each to about 1,000 residents: about 600,000 messages
    sms_opt_outs=5_000,
)
# A region of two metropolitan areas: a tenth of the national scale, the coaches' caseloads
# as large.
REGIONAL = Scale(
    name="regional",
    places=_places(2),
    residences_per_territory=50,
    residents_per_residence=100,
    residences_per_officer=10,
    coaches_per_territory=4,
    employers=2_000,
    openings=10_000,
    open_per_coach=50,
    introductions_per_coach=2_000,
    introductions_per_closed=2,
    orientations_per_territory=20,
    outreach_actions=10_000,
    outreach_contacts=200_000,
    referrals=5_000,
    sms_campaigns=60,
    sms_opt_outs=500,
)
# The pilot as it runs: Adoma's six residences in Nantes, two insertion officers, two Adelis
# coaches with a caseload of 25 each, the companies they prospect.
PILOT = Scale(
    name="pilot",
    places=_places(1, cities=["Nantes"]),
    residences_per_territory=6,
    residents_per_residence=80,
    residences_per_officer=3,
    coaches_per_territory=2,
    employers=40,
    openings=160,
    open_per_coach=25,
    introductions_per_coach=250,
    introductions_per_closed=2,
    orientations_per_territory=4,
    outreach_actions=600,
    outreach_contacts=9_600,
    referrals=240,
    sms_campaigns=12,
    sms_opt_outs=24,
)
SCALES = {scale.name: scale for scale in (PILOT, REGIONAL, NATIONAL)}


def default_database(scale: Scale) -> str:
    """The database a scale is generated into unless told: o2r_bench for the national scale
    (the one `make bench` and `make load` read), o2r_<scale> for the others."""
    return DATABASE_NAME if scale == NATIONAL else f"o2r_{scale.name}"


@dataclass(frozen=True)
class Generation:
    """One run of the generator: the scale, the seed every random draw comes from, and the
    clock (now, to the second; today, local) every date is counted back from."""

    scale: Scale
    seed: int = SEED
    now: datetime.datetime | None = None

    def __post_init__(self):
        if self.now is None:
            object.__setattr__(self, "now", timezone.now().replace(microsecond=0))

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    @property
    def label(self) -> str:
        """What the residents' table comment records besides the generator's version."""
        return f"{self.scale.name}, graine {self.seed}"
