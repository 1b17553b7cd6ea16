"""An owner of messages for the outbox's tests (added to O2R_SMS_OWNERS by tests/sms/conftest.py):
says what the test tells it to at send time, and records the replies it is given."""

LABEL = "Test"
CAMPAIGN = False
# What blocker() answers (a SkipReason, or None: still relevant).
answer = None
replies = []


def describe(owner_ids):
    return {pk: f"Test n° {pk}" for pk in owner_ids}


def blocker(message):
    return answer


def on_reply(*, resident, text, received_at, message, by):
    replies.append((resident.pk, text, message.pk if message else None))
