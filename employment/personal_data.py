"""Employment's personal-data hook (settings O2R_PERSONAL_DATA_SOURCES, see
o2r/personal_data.py): orientations, accompaniments, wishes and constraints, the coach's
contacts, introductions and their steps, placements and their follow-ups. Erasure empties
their free text and keeps their coded facts (dates, statuses, contracts, reasons) for the
figures; the history rows go."""

from django.db.models import Case, Value, When

from o2r.personal_data import Rows, event_models, history_rows, purge_history

from .enums import OrientationStatus
from .models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    IntroductionStep,
    JobWishes,
    Orientation,
    Placement,
)

MODELS = [
    Orientation, Accompaniment, JobWishes, CoachContact, Introduction, IntroductionStep,
    Placement, FollowUp,
]  # fmt: skip
DERIVED = {}

# The free text of each table: emptied by the erasure.
TEXT_FIELDS = {
    Orientation: ["reason", "decline_reason"],
    Accompaniment: ["exit_notes"],
    JobWishes: ["wanted_titles", "not_wanted", "experience"],
    CoachContact: ["summary", "next_step"],
    Introduction: ["interview_place", "interview_contact", "outcome_notes"],
    IntroductionStep: ["detail"],
    Placement: [
        "job_title", "onboarding_first_days", "onboarding_tasks", "onboarding_rhythm",
        "onboarding_helper", "end_notes",
    ],
    FollowUp: ["notes", "issues"],
}  # fmt: skip
EXCLUDE = {"resident", "token"}
# Free text a constraint keeps non-empty on some rows (a declined orientation has a reason):
# the erasure writes this there instead.
ERASED = "(effacé)"
KEPT_NON_EMPTY = {(Orientation, "decline_reason"): {"status": OrientationStatus.DECLINED}}


def _querysets(resident):
    return {
        Orientation: Orientation.objects.filter(resident_id=resident.pk),
        Accompaniment: Accompaniment.objects.filter(resident_id=resident.pk),
        JobWishes: JobWishes.objects.filter(resident_id=resident.pk),
        CoachContact: CoachContact.objects.filter(resident_id=resident.pk),
        Introduction: Introduction.objects.filter(resident_id=resident.pk),
        IntroductionStep: IntroductionStep.objects.filter(introduction__resident_id=resident.pk),
        Placement: Placement.objects.filter(resident_id=resident.pk),
        FollowUp: FollowUp.objects.filter(placement__resident_id=resident.pk),
    }


def export(resident, *, user, health) -> dict:
    """The right of access covers every note, the confidential ones included (DOMAIN.md
    §5.4): the person reads what the coach wrote. A health exit reason is hidden from an
    exporter who may not see health information, as on every page."""
    rows = Rows()
    querysets = _querysets(resident)
    sections = {}
    for model, queryset in querysets.items():
        exported = rows.rows(queryset, exclude=EXCLUDE)
        if model is Accompaniment and not health.visible:
            for row, accompaniment in zip(exported, queryset, strict=True):
                row["motif de sortie"] = health.exit_reason_label(accompaniment)
        sections[f"Emploi — {model._meta.verbose_name_plural}"] = exported
    history = []
    for model, queryset in querysets.items():
        ids = list(queryset.values_list("pk", flat=True))
        for event_model in event_models(model):
            events = event_model.objects.filter(pgh_obj_id__in=ids).order_by("pgh_id")
            for row in history_rows(rows, events, exclude=EXCLUDE):
                history.append({"table": str(model._meta.verbose_name), **row})
    sections["Historique (emploi)"] = history
    return sections


def erase(resident) -> None:
    for model, queryset in _querysets(resident).items():
        ids = list(queryset.values_list("pk", flat=True))
        fields = TEXT_FIELDS[model]
        model.objects.filter(pk__in=ids).update(**{name: _erased(model, name) for name in fields})
        if model is JobWishes:
            model.objects.filter(pk__in=ids).update(reachable_cities=[])
        if model is Introduction:
            model.objects.filter(pk__in=ids).update(match_reasons=[])
        purge_history(model, pks=ids, resident_id=resident.pk)


def _erased(model, name):
    condition = KEPT_NON_EMPTY.get((model, name))
    if condition is None:
        return Value("")
    return Case(When(then=Value(ERASED), **condition), default=Value(""))


def purge_unlinked(now) -> int:
    return 0
