import factory
from django.utils import timezone

from o2r.sms.enums import Encoding, LegalBasis, SmsStatus
from o2r.sms.models import InboxMessage, SmsMessage
from tests.residents.factories import ResidentFactory


class SmsMessageFactory(factory.django.DjangoModelFactory):
    """A message of the tests' own owner (tests/sms/owner.py) to a resident, waiting to go.
    Trait `queued`: handed to Celery."""

    class Meta:
        model = SmsMessage

    resident = factory.SubFactory(ResidentFactory)
    owner_kind = "test"
    owner_id = factory.Sequence(lambda n: n + 1)
    to = factory.LazyAttribute(lambda o: o.resident.phone.as_e164 if o.resident.phone else "")
    body = "Rappel : rendez-vous mardi 8 décembre à 14h, 3 rue de Strasbourg."
    encoding = Encoding.GSM7
    legal_basis = LegalBasis.OBJECTION
    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    not_before = factory.LazyFunction(timezone.now)

    class Params:
        queued = factory.Trait(
            status=SmsStatus.QUEUED, queued_at=factory.LazyFunction(timezone.now)
        )


class InboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboxMessage

    phone = "+33612345678"
    body = "Oui je serai là"
