"""Who a message belongs to: the registry of settings O2R_SMS_OWNERS ({kind: module path}).

The outbox knows no campaign and no reminder. Each owning app gives a module that may define:

- `LABEL`: how the outbox names its messages ("Campagne SMS");
- `CAMPAIGN`: True when a campaigns-only opt-out stops its messages (default False);
- `describe(owner_ids) -> {owner_id: str}`: a line for each owner row (one query for many);
- `blocker(message) -> SkipReason | None`: asked at send time, whether the message is still
  relevant (a cancelled appointment, a campaign cancelled);
- `on_reply(*, resident, text, received_at, message, by)`: what a reply becomes. Without it,
  settings O2R_SMS_REPLY_HANDLER answers (outreach: an SMS contact and a reminder).
"""

from importlib import import_module

from django.conf import settings
from django.utils.module_loading import import_string


def owner(kind: str):
    return import_module(settings.O2R_SMS_OWNERS[kind])


def is_campaign(kind: str) -> bool:
    return getattr(owner(kind), "CAMPAIGN", False)


def blocker(message):
    check = getattr(owner(message.owner_kind), "blocker", None)
    return check(message) if check is not None else None


def reply_handler(kind: str | None):
    handler = getattr(owner(kind), "on_reply", None) if kind else None
    return handler or import_string(settings.O2R_SMS_REPLY_HANDLER)


def descriptions(messages) -> dict[tuple[str, int], str]:
    """{(kind, owner_id): line} for the messages shown on a page, one call per kind."""
    wanted = {}
    for message in messages:
        wanted.setdefault(message.owner_kind, set()).add(message.owner_id)
    found = {}
    for kind, ids in wanted.items():
        module = owner(kind)
        describe = getattr(module, "describe", None)
        lines = describe(ids) if describe else {}
        for owner_id in ids:
            found[(kind, owner_id)] = lines.get(owner_id) or getattr(module, "LABEL", kind)
    return found
