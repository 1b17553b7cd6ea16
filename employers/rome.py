"""The ROME 4.0 reference (employers/data/README.md): loaded by the data migration and by
`manage.py load_rome`, idempotently — a title is updated in place, never deleted (openings
point at it)."""

import csv
from pathlib import Path

from residents.normalise import fold

DATA = Path(__file__).resolve().parent / "data"
ROME_VERSION = "ROME 4.0 — France Travail, septembre 2024 (Licence Ouverte 2.0)"


def title_search(label: str) -> str:
    """' agent agente de proprete': each folded word with a space before it, so that a word
    that starts with a term is `search LIKE '% term%'` (a trigram index serves it)."""
    return " " + fold(label)


def _rows(data, name):
    with open(Path(data) / name, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def load_rome(code_model, appellation_model, *, data=DATA) -> dict:
    """Upserts the sheets and titles; returns {"codes": n, "appellations": n} read."""
    codes = [
        code_model(code=row["code"], label=row["label"]) for row in _rows(data, "rome_codes.csv")
    ]
    code_model.objects.bulk_create(
        codes, update_conflicts=True, unique_fields=["code"], update_fields=["label"]
    )
    titles = [
        appellation_model(
            code=row["code"],
            label=row["label"],
            rome_id=row["rome_code"],
            search=title_search(row["label"]),
        )
        for row in _rows(data, "rome_appellations.csv")
    ]
    appellation_model.objects.bulk_create(
        titles,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["label", "rome", "search"],
    )
    return {"codes": len(codes), "appellations": len(titles)}
