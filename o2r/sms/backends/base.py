"""The one small interface every SMS backend implements, modelled on django.core.mail.

`send(sms)` returns the provider's id for the message, or raises one of three exceptions that
say what the sender may do next (SMS_AND_TASKS.md §1 and §3):

- SmsNotSent: the provider surely did not take it (connection refused, 429): retry later;
- SmsRejected: refused for good (400, bad number, no credit, bad key): the message failed;
- SmsOutcomeUnknown: it may have gone (timeout after the request was written, 5xx): never
  resent automatically, a person checks.
"""

import uuid
from dataclasses import dataclass


class SmsNotSent(Exception):
    """The provider did not take the message: it may be retried."""


class SmsRejected(Exception):
    """The provider refused the message for good."""


class SmsOutcomeUnknown(Exception):
    """The provider may have taken the message: it must not be resent automatically."""


@dataclass(frozen=True)
class OutgoingSms:
    id: uuid.UUID  # our message's id: the provider's tag, and the key of its delivery reports
    to: str  # E.164, e.g. "+33612345678"
    body: str  # the final text, signature included
    encoding: str  # "gsm7" or "ucs2" (o2r.sms.text)
    callback_url: str = ""  # absolute URL of this message's delivery webhook ("" for none)


class BaseBackend:
    def send(self, sms: OutgoingSms) -> str:
        raise NotImplementedError
