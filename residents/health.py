"""Health information, hidden by one rule.

What reveals health (DOMAIN.md §5.3): the health barrier — the barrier row coded "Santé", its
one source of truth —, RQTH, and an exit for health reasons. Whether a user sees it for a
resident is the access table's `health.read` (o2r/access.py): always for the insertion officer,
with the health consent to her organisation for the coach, never for the others. Every page,
filter, timeline entry, history row and export asks a `HealthView`; lists filter with
`residents.models.health_scope(user)`.
"""

from dataclasses import dataclass

from o2r import access
from o2r.access import Action, Scope

from .enums import BarrierCode, ConsentScope, ExitReason
from .models import (
    HEALTH_BARRIER_CODES,
    HEALTH_EXIT_REASONS,
    HEALTH_FIELDS,
    ResidentBarrier,
    StageChange,
)

HIDDEN_EXIT_REASON = "Motif non communiqué"


@dataclass(frozen=True)
class HealthView:
    visible: bool

    @classmethod
    def for_user(cls, user, resident, *, consents=None):
        """`consents`: the resident's prefetched consents, to avoid a query."""
        scope = access.scope_of(user, Action.HEALTH_READ)
        if scope == Scope.ALWAYS:
            return cls(True)
        if scope != Scope.HEALTH_CONSENT or not user.organisation_id:
            return cls(False)
        if consents is None:
            consents = resident.consents.all()
        return cls(
            any(
                c.scope == ConsentScope.HEALTH
                and c.recipient_organisation_id == user.organisation_id
                and c.is_standing
                for c in consents
            )
        )

    def rows(self, queryset, *, model=None):
        """A queryset of `model`'s rows (or of its history rows) without those that are health
        information, for an export."""
        if self.visible:
            return queryset
        model = model or queryset.model
        if model is ResidentBarrier:
            return queryset.exclude(code__in=HEALTH_BARRIER_CODES)
        if model is StageChange:
            return queryset.exclude(exit_reason__in=HEALTH_EXIT_REASONS)
        return queryset

    def barriers(self, barriers):
        return [b for b in barriers if self.visible or b.code not in HEALTH_BARRIER_CODES]

    def barrier_choices(self):
        return [
            (code, label)
            for code, label in BarrierCode.choices
            if self.visible or code not in HEALTH_BARRIER_CODES
        ]

    def exit_reason_choices(self):
        return [
            (code, label)
            for code, label in ExitReason.choices
            if self.visible or code not in HEALTH_EXIT_REASONS
        ]

    def exit_reason_label(self, change) -> str:
        if not change.exit_reason:
            return ""
        if not self.visible and change.exit_reason in HEALTH_EXIT_REASONS:
            return HIDDEN_EXIT_REASON
        return change.get_exit_reason_display()

    def shows_field(self, name) -> bool:
        return self.visible or name not in HEALTH_FIELDS

    def shows_barrier_code(self, code) -> bool:
        return self.visible or code not in HEALTH_BARRIER_CODES
