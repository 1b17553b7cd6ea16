"""The provider's two webhooks (SMS_AND_TASKS.md §7 G6): delivery reports and inbound messages,
each authenticated by a token in its URL, stored once, append-only, never moving a status
backward; a reply reaches the right resident's timeline, or waits in the inbox."""

import datetime
import json

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from o2r.reminders.models import Reminder
from o2r.sms import services
from o2r.sms.enums import InboundOutcome, OptOutScope, SmsStatus
from o2r.sms.models import DeliveryEvent, InboundEvent, InboxMessage, SmsMessage, SmsOptOut
from outreach.enums import Channel, Outcome
from outreach.models import Contact
from tests.accounts.factories import UserFactory
from tests.residents.factories import (
    ResidenceFactory,
    ResidenceMembershipFactory,
    ResidentFactory,
)
from tests.sms import owner
from tests.sms.factories import SmsMessageFactory

pytestmark = pytest.mark.django_db
PARIS = timezone.get_default_timezone()


def _post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def _delivery_url(message, token=None):
    token = token or services.delivery_token(message.pk)
    return reverse("sms:hook_delivery", args=[message.pk, token])


def _inbound_url(token=None):
    return reverse("sms:hook_inbound", args=[token or services.inbound_token()])


def _sent(**fields):
    return SmsMessageFactory(status=SmsStatus.SENT, sent_at=timezone.now(), **fields)


def _report(status, date="2026-12-08 11:02:00", **extra):
    return {"msg_status": status, "date": date, "messageId": 77, "tag": "x", **extra}


# --- Delivery reports -----------------------------------------------------------------------------


def test_a_delivery_report_moves_the_message_forward_once(client):
    message = _sent()

    first = _post(client, _delivery_url(message), _report("delivered"))
    again = _post(client, _delivery_url(message), _report("delivered"))

    assert (first.status_code, again.status_code) == (200, 200)
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    # Brevo's `date` is Paris time: 11:02 in December is 10:02 UTC.
    assert message.delivered_at == datetime.datetime(2026, 12, 8, 10, 2, tzinfo=datetime.UTC)
    assert DeliveryEvent.objects.count() == 1
    assert DeliveryEvent.objects.get().applied


def test_a_summer_date_is_read_as_paris_summer_time(client):
    message = _sent()
    _post(client, _delivery_url(message), _report("delivered", date="2027-07-01 11:02:00"))
    message.refresh_from_db()
    assert message.delivered_at == datetime.datetime(2027, 7, 1, 9, 2, tzinfo=datetime.UTC)


def test_delivered_is_never_downgraded_and_older_reports_are_ignored(client):
    message = _sent()
    _post(client, _delivery_url(message), _report("delivered", date="2026-12-08 11:05:00"))

    _post(client, _delivery_url(message), _report("sent", date="2026-12-08 11:06:00"))
    _post(client, _delivery_url(message), _report("hard_bounce", date="2026-12-08 11:04:00"))

    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    assert DeliveryEvent.objects.count() == 3  # each stored, none applied but the first
    assert list(DeliveryEvent.objects.order_by("pk").values_list("applied", flat=True)) == [
        True,
        False,
        False,
    ]
    assert not SmsOptOut.objects.exists()  # an older bounce changes nothing


def test_a_report_resolves_an_unknown_message(client):
    message = SmsMessageFactory(status=SmsStatus.UNKNOWN)
    _post(client, _delivery_url(message), _report("delivered"))
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


def test_a_hard_bounce_fails_the_message_and_opts_the_number_out(client):
    message = _sent()
    _post(client, _delivery_url(message), _report("hard_bounce"))

    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert SmsOptOut.objects.filter(phone=message.to, scope=OptOutScope.ALL).exists()


@pytest.mark.parametrize("token", ["0" * 40, "nope", services.inbound_token()])
def test_a_bad_token_is_404_and_writes_nothing(client, token):
    message = _sent()
    response = _post(client, _delivery_url(message, token), _report("delivered"))
    assert response.status_code == 404
    assert not DeliveryEvent.objects.exists()
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.SENT


@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", "{" * 20_000])
def test_a_bad_body_is_400(client, body):
    message = _sent()
    response = client.post(_delivery_url(message), body, content_type="application/json")
    assert response.status_code == 400
    assert not DeliveryEvent.objects.exists()


def test_the_logs_are_append_only():
    event = DeliveryEvent.objects.create(
        message_id=SmsMessageFactory().pk, provider_status="sent", payload_hash="h"
    )
    for statement in (
        lambda: DeliveryEvent.objects.filter(pk=event.pk).update(provider_status="delivered"),
        lambda: DeliveryEvent.objects.filter(pk=event.pk).delete(),
        lambda: InboundEvent.objects.create(outcome="inbox", payload_hash="i").delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()


def test_a_webhook_needs_no_login_and_no_csrf(client):
    message = _sent()
    client.handler.enforce_csrf_checks = True
    assert _post(client, _delivery_url(message), _report("delivered")).status_code == 200


# --- Inbound messages -----------------------------------------------------------------------------


def _inbound(text, number="0612345678", **extra):
    return {"from": number, "text": text, "date": "2026-12-08 18:30:00", "id": "in-1", **extra}


@pytest.fixture
def replying(officer, nantes_residences):
    resident = ResidentFactory(
        first_name="Awa",
        residence=nantes_residences[0],
        phone="+33612345678",
        insertion_officer=officer,
    )
    # An interview's reminder: its owner has no reply hook, outreach's default answers.
    message = _sent(resident=resident, to="+33612345678", owner_kind="reminder")
    return resident, message


def test_a_reply_goes_through_the_hook_of_the_owner_of_the_last_message(client, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0], phone="+33612345678")
    older = _sent(resident=resident, to="+33612345678", owner_kind="reminder")
    SmsMessage.objects.filter(pk=older.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=2)
    )
    last = _sent(resident=resident, to="+33612345678")  # the tests' owner, with a hook

    _post(client, _inbound_url(), _inbound("Merci"))

    assert owner.replies == [(resident.pk, "Merci", last.pk)]
    assert not Contact.objects.exists()


def test_a_reply_becomes_a_contact_on_the_timeline_with_a_reminder_for_her_officer(
    client, officer, replying
):
    resident, _ = replying

    response = _post(client, _inbound_url(), _inbound("Oui je viens jeudi, merci"))
    _post(client, _inbound_url(), _inbound("Oui je viens jeudi, merci"))  # the same, again

    assert response.status_code == 200
    contact = Contact.objects.get()
    assert (contact.resident, contact.channel, contact.outcome) == (
        resident,
        Channel.SMS,
        Outcome.REPLIED,
    )
    assert contact.summary == "Oui je viens jeudi, merci"
    assert contact.by is None
    [reminder] = Reminder.objects.filter(resident=resident)
    assert reminder.assignee == officer
    assert InboundEvent.objects.get().outcome == InboundOutcome.CONTACT
    resident.refresh_from_db()
    assert resident.last_interaction_at == contact.at
    client.force_login(officer)
    page = client.get(resident.get_absolute_url()).content.decode()
    assert "Oui je viens jeudi, merci" in page and "A répondu par SMS" in page


def test_a_reply_without_an_officer_reminds_the_officers_of_her_residence(
    client, officer, nantes_residences
):
    ResidentFactory(residence=nantes_residences[1], phone="+33612345678", insertion_officer=None)
    _post(client, _inbound_url(), _inbound("Bonjour"))
    assert list(Reminder.objects.values_list("assignee", flat=True)) == [officer.pk]


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop SMS", "arrêt", "STOP merci"])
def test_stop_opts_the_number_out_and_cancels_what_waits(client, replying, text):
    resident, _ = replying
    waiting = SmsMessageFactory(resident=resident, dedup_key="test:waiting")

    _post(client, _inbound_url(), _inbound(text))

    assert SmsOptOut.objects.filter(phone="+33612345678", scope=OptOutScope.ALL).exists()
    assert SmsMessage.objects.get(pk=waiting.pk).status == SmsStatus.CANCELLED
    assert not Contact.objects.exists()


def test_a_sentence_with_stop_in_it_is_a_reply_not_an_opt_out(client, replying):
    _post(client, _inbound_url(), _inbound("Je voudrais savoir si le bus s'arrête devant, stop"))
    assert not SmsOptOut.objects.exists()
    assert Contact.objects.count() == 1


def test_a_shared_number_waits_in_the_inbox_of_its_residence(client, nantes_residences):
    for first_name in ("Amina", "Youssef"):
        ResidentFactory(first_name=first_name, residence=nantes_residences[0], phone="+33612345678")

    _post(client, _inbound_url(), _inbound("C'est pour mon fils"))

    item = InboxMessage.objects.get()
    assert (item.phone, item.body) == ("+33612345678", "C'est pour mon fils")
    assert list(item.residences.all()) == [nantes_residences[0]]
    assert not Contact.objects.exists()


def test_an_unknown_number_waits_in_the_inbox_of_every_officer(client, officer, outsider):
    _post(client, _inbound_url(), _inbound("Qui êtes-vous ?", number="0698765432"))

    item = InboxMessage.objects.get()
    assert not item.residences.exists() and item.phone == "+33698765432"
    assert InboxMessage.objects.visible_to(officer).get() == item
    assert InboxMessage.objects.visible_to(outsider).get() == item


def test_the_officer_matches_a_reply_and_its_text_leaves_the_inbox(
    client, officer, nantes_residences
):
    amina = ResidentFactory(
        first_name="Amina", residence=nantes_residences[0], phone="+33612345678"
    )
    ResidentFactory(first_name="Youssef", residence=nantes_residences[0], phone="+33612345678")
    _post(client, _inbound_url(), _inbound("Ici Amina, je viens"))
    item = InboxMessage.objects.get()
    client.force_login(officer)

    page = client.get(reverse("sms:inbox")).content.decode()
    assert "Ici Amina, je viens" in page and "Youssef" in page
    response = client.post(reverse("sms:inbox_match", args=[item.pk]), {"resident": amina.pk})

    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.resident, contact.summary, contact.by) == (
        amina,
        "Ici Amina, je viens",
        officer,
    )
    item.refresh_from_db()
    assert (item.status, item.body, item.phone, item.resident) == ("matched", "", "", amina)
    again = client.post(reverse("sms:inbox_match", args=[item.pk]), {"resident": amina.pk})
    assert again.status_code == 404
    assert Contact.objects.count() == 1


def test_a_match_to_someone_outside_her_residences_is_refused(
    client, officer, nantes_residences, other_territory_residence
):
    stranger = ResidentFactory(residence=other_territory_residence, phone="+33612345678")
    item = InboxMessage.objects.create(phone="+33612345678", body="Bonjour")
    client.force_login(officer)

    client.post(reverse("sms:inbox_match", args=[item.pk]), {"resident": stranger.pk})

    assert not Contact.objects.exists()
    assert InboxMessage.objects.get().status == "to_match"


def test_inbox_replies_are_kept_for_a_while_only(settings):
    from o2r.sms import personal_data

    old = InboxMessage.objects.create(phone="+33612345678", body="Ancienne")
    InboxMessage.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=settings.SMS_INBOX_RETENTION_DAYS + 1)
    )
    InboxMessage.objects.create(phone="+33612345678", body="Récente")

    assert personal_data.purge_unlinked(None) == 1
    assert list(InboxMessage.objects.values_list("body", flat=True)) == ["Récente"]


def test_the_command_prints_the_inbound_url_to_give_the_provider(settings, capsys):
    from django.core.management import CommandError, call_command

    settings.O2R_PUBLIC_URL = ""
    with pytest.raises(CommandError):
        call_command("sms_webhooks")
    settings.O2R_PUBLIC_URL = "https://o2r.example.org/"
    call_command("sms_webhooks")
    assert f"https://o2r.example.org{_inbound_url()}" in capsys.readouterr().out


def test_a_number_shared_across_two_residences_is_seen_by_their_officers_only(
    client, officer, outsider, nantes_residences, other_territory_residence
):
    ResidentFactory(first_name="Amina", residence=nantes_residences[0], phone="+33612345678")
    ResidentFactory(first_name="Youssef", residence=other_territory_residence, phone="+33612345678")

    _post(client, _inbound_url(), _inbound("Bonjour"))

    item = InboxMessage.objects.get()
    assert set(item.residences.all()) == {nantes_residences[0], other_territory_residence}
    assert InboxMessage.objects.visible_to(officer).get() == item
    assert InboxMessage.objects.visible_to(outsider).get() == item
    stranger_residence = ResidenceFactory(name="Ailleurs", territory="Brest")
    stranger = UserFactory(role="insertion_officer", organisation=officer.organisation)
    ResidenceMembershipFactory(user=stranger, residence=stranger_residence)
    assert not InboxMessage.objects.visible_to(stranger).exists()


def test_her_waiting_replies_are_in_her_export_and_go_with_her_erasure(
    client, officer, nantes_residences
):
    resident = ResidentFactory(residence=nantes_residences[0], phone="+33612345678")
    ResidentFactory(residence=nantes_residences[0], phone="+33612345678")  # a family phone
    _post(client, _inbound_url(), _inbound("mk-waiting-reply"))
    client.force_login(officer)

    exported = client.get(reverse("residents:personal_data_json", args=[resident.pk]))
    assert "mk-waiting-reply" in exported.content.decode()
    client.post(reverse("residents:erase", args=[resident.pk]), {"confirm": "on"})

    assert not InboxMessage.objects.exists()


def test_a_nul_byte_in_a_report_is_no_500(client):
    message = _sent()
    response = _post(client, _delivery_url(message), _report("deli\x00vered"))
    assert response.status_code == 200
    assert DeliveryEvent.objects.get().provider_status == "delivered"


def test_stop_inside_a_sentence_is_a_reply(client, replying):
    _post(client, _inbound_url(), _inbound("Stop je viens demain"))
    assert not SmsOptOut.objects.exists()
    assert Contact.objects.get().summary == "Stop je viens demain"
