"""Employment's part of the resident's file (settings O2R_FILE_PANELS): where the person stands
with the employment organisation — orientation waiting or declined, accompaniment open,
suspended or closed — and the button to orient her, for those the table allows."""

from o2r import access
from o2r.access import Action
from residents.access import can
from residents.enums import Stage

from .enums import OrientationStatus
from .models import Accompaniment, Orientation, organisation_rows

TEMPLATE = "employment/_file_panel.html"


def panel_for(resident, user, *, health):
    follows = access.allows(user, Action.ACCOMPANIMENT_READ) and can(
        user, Action.ACCOMPANIMENT_READ, resident
    )
    orients = resident.stage == Stage.ENGAGED and can(user, Action.RESIDENT_ORIENT, resident)
    if not (follows or orients):
        return None
    # An employment organisation sees its own orientations and accompaniments only (the
    # person may have been oriented to another one before).
    own = organisation_rows(user, Action.ACCOMPANIMENT_READ)
    accompaniments = (
        list(
            Accompaniment.objects.filter(own, resident=resident)
            .with_suspension()
            .select_related("coach", "organisation")
        )
        if follows
        else []
    )
    open_accompaniment = next((a for a in accompaniments if a.is_open), None)
    orientation = (
        Orientation.objects.filter(own, resident=resident)
        .select_related("organisation", "coach", "answered_by")
        .first()
        if follows or orients
        else None
    )
    pending = (
        orientation if orientation and orientation.status == OrientationStatus.PENDING else None
    )
    return {
        "template": TEMPLATE,
        "resident": resident,
        "accompaniment": open_accompaniment,
        "last_accompaniment": accompaniments[0] if accompaniments else None,
        "orientation": orientation,
        "pending_orientation": pending,
        "can_orient": orients and pending is None and open_accompaniment is None,
        "can_work": can(user, Action.ACCOMPANIMENT_WORK, resident)
        if access.allows(user, Action.ACCOMPANIMENT_WORK)
        else False,
        "health": health,
    }
