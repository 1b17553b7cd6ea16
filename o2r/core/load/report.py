"""What `manage.py load` keeps of a locust run: its stats CSV read back into the figures of
var/bench.json (`load_<users>`: {"rps", "errors", "p95_ms", "median_ms"}) and the French table
printed on screen. Plain Python: locust itself is never imported here (it patches the standard
library with gevent as it loads)."""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

# Page kind (the `name=` of each request in the locustfile): its French label and the issue's
# target for the 95th percentile with 50 simulated staff (None: no target).
LIST_OR_FILE_P95_MS = 300
DASHBOARD_P95_MS = 800
KINDS = {
    "resident_list": ("Liste des résidents (recherche)", LIST_OR_FILE_P95_MS),
    "resident_file": ("Fiche d'un résident", LIST_OR_FILE_P95_MS),
    "hall_typeahead": ("Permanence : recherche (type-ahead)", None),
    "contact_log": ("Permanence : contact noté (POST)", None),
    "hall_session": ("Permanence : page", None),
    "home": ("Accueil", None),
    "caseload": ("Portefeuille (liste)", LIST_OR_FILE_P95_MS),
    "accompaniment": ("Accompagnement (fiche)", LIST_OR_FILE_P95_MS),
    "suggestions": ("Offres suggérées (liste)", LIST_OR_FILE_P95_MS),
    "introduction": ("Mise en relation (fiche)", LIST_OR_FILE_P95_MS),
    "employers_list": ("Liste des entreprises", LIST_OR_FILE_P95_MS),
    "rome_typeahead": ("Recherche ROME (type-ahead)", None),
    "dashboard": ("Tableau de bord (une année)", DASHBOARD_P95_MS),
    "dashboard_export": ("Export XLSX du tableau de bord", None),
}
TOTAL = "Aggregated"
ROLES = {
    "officers": "chargée(s) d'insertion",
    "coaches": "chargée(s) de mission emploi",
    "managers": "responsable(s)",
}


@dataclass
class Row:
    kind: str
    requests: int
    failures: int
    median_ms: int
    p95_ms: int
    rps: float

    @property
    def label(self):
        return KINDS.get(self.kind, (self.kind, None))[0]

    @property
    def target_ms(self):
        return KINDS.get(self.kind, (self.kind, None))[1]


@dataclass
class Run:
    """One locust run: a row per page kind, the total, what went wrong before the measured
    window (sign-in, the hall session's start) and the errors of the simulated users' own code
    (a page that did not hold what the next step needs)."""

    users: int
    seconds: float
    rows: list[Row]
    total: Row
    setup_errors: list[str]
    failures: list[str]
    exceptions: int = 0
    mix: dict = field(default_factory=dict)  # simulated users by role

    @property
    def errors(self):
        return self.total.failures + len(self.setup_errors) + self.exceptions

    def figures(self):
        """var/bench.json's `load_<users>`."""
        return {
            "rps": round(self.total.rps, 1),
            "errors": self.errors,
            "p95_ms": {row.kind: row.p95_ms for row in self.rows},
            "median_ms": {row.kind: row.median_ms for row in self.rows},
        }

    def missed(self):
        """The page kinds over their target, and the errors: what keeps the issue open."""
        missed = [
            f"{row.kind} : p95 {row.p95_ms} ms, objectif < {row.target_ms} ms"
            for row in self.rows
            if row.target_ms is not None and row.p95_ms >= row.target_ms
        ]
        if self.errors:
            missed.append(f"{self.errors} erreur(s)")
        return missed


def _number(value):
    try:
        return float(value)
    except ValueError:  # "N/A" for a kind with no request
        return 0.0


def _ms(value):
    """Locust's percentiles are whole milliseconds (rounded to 10 ms above 100, 100 ms above
    1,000)."""
    return round(_number(value))


def read_stats(csv_path: Path) -> tuple[list[Row], Row]:
    """Locust's `<prefix>_stats.csv`: the rows by page kind (locust's own order) and the
    total."""
    rows, total = [], None
    with open(csv_path, newline="") as file:
        for line in csv.DictReader(file):
            row = Row(
                kind=line["Name"],
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                median_ms=_ms(line["50%"]),
                p95_ms=_ms(line["95%"]),
                rps=_number(line["Requests/s"]),
            )
            if line["Name"] == TOTAL:
                total = row
            elif row.requests:
                rows.append(row)
    if total is None:
        raise ValueError(f"{csv_path}: pas de ligne {TOTAL!r}")
    rows.sort(key=lambda row: list(KINDS).index(row.kind) if row.kind in KINDS else len(KINDS))
    return rows, total


def read_failures(csv_path: Path, limit=5) -> list[str]:
    """The first kinds of failure of `<prefix>_failures.csv`, with their count."""
    if not csv_path.exists():
        return []
    with open(csv_path, newline="") as file:
        return [
            f"{line['Method']} {line['Name']} : {line['Error']} ({line['Occurrences']} fois)"
            for line in list(csv.DictReader(file))[:limit]
        ]


def read_exceptions(csv_path: Path) -> tuple[int, list[str]]:
    """`<prefix>_exceptions.csv`: how many times the users' code failed, and the messages."""
    if not csv_path.exists():
        return 0, []
    with open(csv_path, newline="") as file:
        lines = list(csv.DictReader(file))
    return sum(int(line["Count"]) for line in lines), [line["Message"] for line in lines[:5]]


def read_run(prefix: Path, *, users: int, seconds: float, setup_errors=(), mix=None) -> Run:
    rows, total = read_stats(Path(f"{prefix}_stats.csv"))
    exceptions, messages = read_exceptions(Path(f"{prefix}_exceptions.csv"))
    return Run(
        users=users,
        seconds=seconds,
        rows=rows,
        total=total,
        setup_errors=list(setup_errors),
        failures=read_failures(Path(f"{prefix}_failures.csv"))
        + [f"exception : {message}" for message in messages],
        exceptions=exceptions,
        mix=mix or {},
    )


def write_json(path: Path, runs: list[Run]):
    """Adds `load_<users>` for each run to the JSON file at `path`, keeping its other keys
    (those of `make bench`)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    for run in runs:
        data[f"load_{run.users}"] = run.figures()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def table(run: Run) -> list[str]:
    """The French table of one run, one line per page kind, then the total."""
    header = f"{'Page':<38} {'requêtes':>8} {'erreurs':>7} {'médiane':>9} {'p95':>9}  objectif p95"
    mix = ", ".join(f"{n} {ROLES.get(role, role)}" for role, n in run.mix.items())
    lines = [
        f"{run.users} personnes simulées ({mix or '-'}), {run.seconds:g} s mesurées :",
        header,
        "-" * (len(header) + 14),
    ]
    for row in run.rows:
        if row.target_ms is None:
            verdict = "-"
        else:
            reached = row.p95_ms < row.target_ms and not row.failures
            verdict = f"< {row.target_ms} ms : {'ATTEINT' if reached else 'NON ATTEINT'}"
        lines.append(
            f"{row.label[:38]:<38} {row.requests:>8} {row.failures:>7} "
            f"{row.median_ms:>6.0f} ms {row.p95_ms:>6.0f} ms  {verdict}"
        )
    lines.append(
        f"{'Total':<38} {run.total.requests:>8} {run.total.failures:>7} "
        f"{run.total.median_ms:>6.0f} ms {run.total.p95_ms:>6.0f} ms  "
        f"{run.total.rps:.1f} requêtes/s"
    )
    for error in run.setup_errors:
        lines.append(f"  Avant la mesure : {error}")
    for failure in run.failures:
        lines.append(f"  Échec : {failure}")
    return lines
