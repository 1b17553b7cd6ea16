"""Reminders on Celery's scans (SMS_AND_TASKS.md §6 and §7, G7): a message to a resident becomes one
outbox message when due (once, however often or concurrently the scan runs), and goes only
while still relevant; the interview's reminder the day before; snooze, the badge, the morning
digest; the right-to-work reminder."""

import datetime
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from employment import services as employment
from employment.enums import IntroductionStatus
from o2r.reminders.models import DigestSent, Reminder, ReminderKind
from o2r.reminders.services import (
    digest_send,
    reminder_key,
    reminder_upsert,
    reminders_dispatch_due,
)
from o2r.reminders.tasks import send_digests
from o2r.sms import services as sms
from o2r.sms import tasks
from o2r.sms.backends import locmem
from o2r.sms.enums import SkipReason, SmsStatus
from o2r.sms.models import SmsMessage
from residents import services as resident_services
from residents.enums import ConsentScope
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db
PARIS = timezone.get_default_timezone()
TUESDAY = datetime.datetime(2026, 12, 8, 11, 0, tzinfo=PARIS)


def _at(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


@pytest.fixture
def sending():
    """Runs what the outbox hands to Celery in this process, in order (no worker here)."""
    ids = []

    def run():
        while ids:
            sms.sms_send(message_id=ids.pop(0))

    with (
        mock.patch.object(tasks.send_sms_many, "delay", side_effect=ids.extend),
        mock.patch.object(tasks.dispatch_pending, "delay"),
        mock.patch.object(transaction, "on_commit", lambda fn, robust=False: fn()),
    ):
        yield run


def _message_reminder(resident, due_at, key="appt:1:J-1", title="Rappel : rendez-vous demain."):
    return reminder_upsert(
        dedup_key=key,
        assignee=None,
        resident=resident,
        kind=ReminderKind.RESIDENT_MESSAGE,
        title=title,
        due_at=due_at,
    )


@pytest.fixture
def consenting(officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0], insertion_officer=officer)
    resident_services.consent_record(
        resident=resident,
        scope=ConsentScope.SMS,
        given_on=datetime.date(2026, 11, 1),
        method="oral",
        by=officer,
    )
    return resident


def test_a_due_message_becomes_one_outbox_message_however_often_the_scan_runs(
    time_machine, consenting, sending
):
    time_machine.move_to(TUESDAY, tick=False)
    reminder = _message_reminder(consenting, TUESDAY - datetime.timedelta(minutes=5))
    _message_reminder(consenting, TUESDAY + datetime.timedelta(hours=1), key="appt:2:J-1")

    assert reminders_dispatch_due() == 1
    assert reminders_dispatch_due() == 0
    sms.sms_dispatch()
    sending()

    message = SmsMessage.objects.get()
    assert (message.owner_kind, message.owner_id, message.status) == (
        "reminder",
        reminder.pk,
        SmsStatus.SENT,
    )
    assert message.body.startswith("Rappel : rendez-vous demain.")
    assert "Adoma O2R" in message.body  # the signature
    assert len(locmem.calls) == 1
    reminder.refresh_from_db()
    assert reminder.done_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_make_one_message(time_machine, officer, nantes_residences):
    time_machine.move_to(TUESDAY, tick=True)
    resident = ResidentFactory(residence=nantes_residences[0])
    for n in range(30):
        _message_reminder(resident, TUESDAY - datetime.timedelta(minutes=1), key=f"appt:{n}:J-1")
    start = threading.Barrier(2, timeout=10)
    handed = []

    def scan():
        try:
            start.wait()
            with mock.patch.object(tasks.dispatch_pending, "delay"):
                handed.append(reminders_dispatch_due(page=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(handed) == 30
    assert SmsMessage.objects.count() == 30


def test_a_message_reminder_needs_her_sms_consent(time_machine, nantes_residences, sending):
    time_machine.move_to(TUESDAY, tick=False)
    resident = ResidentFactory(residence=nantes_residences[0])  # no SMS consent
    _message_reminder(resident, TUESDAY)

    reminders_dispatch_due()
    sms.sms_dispatch()
    sending()

    message = SmsMessage.objects.get()
    assert (message.status, message.skip_reason) == (SmsStatus.SKIPPED, SkipReason.NO_CONSENT)
    assert locmem.calls == []


def _on_tuesday_with_sms_consent(time_machine, resident, officer):
    time_machine.move_to(TUESDAY, tick=False)
    resident_services.consent_record(
        resident=resident,
        scope=ConsentScope.SMS,
        given_on=TUESDAY.date(),
        method="oral",
        by=officer,
    )


def _scheduled_interview(coach, accompaniment, opening, interview_at):
    introduction = employment.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach
    )
    employment.introduction_move(
        introduction=introduction, to=IntroductionStatus.ACCEPTED, by=coach
    )
    employment.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=interview_at,
        interview_place="Boulangerie du Port, 4 quai de la Fosse",
    )
    return introduction


def _eve_reminder(introduction):
    return Reminder.objects.get(dedup_key=reminder_key("introduction", introduction.pk, "sms_eve"))


def test_the_interview_reminder_for_a_monday_goes_on_saturday_at_10(
    time_machine, coach, accompaniment, opening, officer
):
    _on_tuesday_with_sms_consent(time_machine, accompaniment.resident, officer)
    monday = _at(datetime.date(2026, 12, 14), 14)

    introduction = _scheduled_interview(coach, accompaniment, opening, monday)

    reminder = _eve_reminder(introduction)
    assert reminder.due_at == _at(datetime.date(2026, 12, 12), 10)  # Saturday, not Sunday
    assert "lundi 14 décembre à 14h" in reminder.title


def test_a_moved_interview_sends_its_new_reminder_and_not_the_old_one(
    time_machine, coach, accompaniment, opening, officer, sending
):
    _on_tuesday_with_sms_consent(time_machine, accompaniment.resident, officer)
    thursday = _at(datetime.date(2026, 12, 10), 9)
    introduction = _scheduled_interview(coach, accompaniment, opening, thursday)
    time_machine.move_to(_at(datetime.date(2026, 12, 9), 10), tick=False)  # Wednesday 10:00
    reminders_dispatch_due()  # the Thursday message is handed over, not yet sent
    old = SmsMessage.objects.get()

    friday = _at(datetime.date(2026, 12, 11), 9)
    employment.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=friday,
        interview_place="Boulangerie du Port, 4 quai de la Fosse",
    )
    sms.sms_dispatch()
    sending()
    time_machine.move_to(_at(datetime.date(2026, 12, 10), 10), tick=False)
    reminders_dispatch_due()
    sms.sms_dispatch()
    sending()

    old.refresh_from_db()
    assert (old.status, old.skip_reason) == (SmsStatus.SKIPPED, SkipReason.NOT_RELEVANT)
    new = SmsMessage.objects.exclude(pk=old.pk).get()
    assert new.status == SmsStatus.SENT and "vendredi 11 décembre" in new.body
    assert [call.id for call in locmem.calls] == [new.pk]


def test_a_cancelled_interview_sends_nothing(
    time_machine, coach, accompaniment, opening, officer, sending
):
    _on_tuesday_with_sms_consent(time_machine, accompaniment.resident, officer)
    introduction = _scheduled_interview(
        coach, accompaniment, opening, _at(TUESDAY.date() + datetime.timedelta(days=2), 9)
    )
    time_machine.move_to(_at(TUESDAY.date() + datetime.timedelta(days=1), 10), tick=False)
    reminders_dispatch_due()
    employment.introduction_move(
        introduction=introduction, to=IntroductionStatus.DECLINED, by=coach, reason="hours"
    )
    sms.sms_dispatch()
    sending()

    # Cancelled at once; had it been claimed meanwhile, its owner would say "no longer".
    assert SmsMessage.objects.get().status == SmsStatus.CANCELLED
    assert not Reminder.objects.filter(kind=ReminderKind.RESIDENT_MESSAGE).exists()
    assert locmem.calls == []


def test_a_reminder_message_a_day_past_its_time_is_not_sent(time_machine, consenting, sending):
    time_machine.move_to(TUESDAY, tick=False)
    _message_reminder(consenting, TUESDAY)
    reminders_dispatch_due()
    time_machine.move_to(TUESDAY + datetime.timedelta(days=1, minutes=1), tick=False)
    sms.sms_dispatch()
    sending()

    assert SmsMessage.objects.get().skip_reason == SkipReason.NOT_RELEVANT
    assert locmem.calls == []


def test_a_message_reminder_changed_after_it_went_opens_again_a_task_does_not(officer):
    message = _message_reminder(ResidentFactory(), TUESDAY)
    task = reminder_upsert(dedup_key="k", assignee=officer, title="Appeler", due_at=TUESDAY)
    Reminder.objects.update(done_at=TUESDAY)

    later = TUESDAY + datetime.timedelta(days=2)
    same = _message_reminder(message.resident, TUESDAY)
    assert same.done_at is not None  # the same message: done
    moved = _message_reminder(message.resident, later)
    assert moved.done_at is None  # moved: its new SMS goes
    reworded = reminder_upsert(dedup_key="k", assignee=officer, title="Rappeler", due_at=later)
    assert reworded.pk == task.pk and reworded.done_at is not None  # a task stays done


# --- Mes rappels: snooze, badge, digest -----------------------------------------------------------


def test_snooze_puts_a_reminder_off_to_a_later_morning(client, officer, time_machine):
    time_machine.move_to(TUESDAY, tick=False)
    reminder = reminder_upsert(dedup_key="k", assignee=officer, title="Appeler", due_at=TUESDAY)
    client.force_login(officer)

    for choice, day in (("tomorrow", 9), ("3_days", 11), ("next_week", 14)):
        response = client.post(reverse("reminders:snooze", args=[reminder.pk]), {"until": choice})
        assert response.status_code == 302
        reminder.refresh_from_db()
        assert reminder.due_at == _at(datetime.date(2026, 12, day), 9)
    response = client.post(reverse("reminders:snooze", args=[reminder.pk]), {"until": "jamais"})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.due_at == _at(datetime.date(2026, 12, 14), 9)


def test_the_badge_counts_what_is_due_today_or_late(client, officer, coach, time_machine):
    time_machine.move_to(TUESDAY, tick=False)
    for key, days in (("late", -2), ("today", 0), ("later", 3)):
        reminder_upsert(
            dedup_key=key,
            assignee=officer,
            title=key,
            due_at=TUESDAY + datetime.timedelta(days=days),
        )
    client.force_login(officer)
    assert ">2<" in client.get(reverse("reminders:badge")).content.decode()
    client.force_login(coach)
    assert client.get(reverse("reminders:badge")).content.decode().strip() == ""


def test_the_digest_lists_each_reminder_once_and_goes_once_a_day(officer, time_machine):
    time_machine.move_to(_at(TUESDAY.date(), 7), tick=False)
    for key, days in (("late", -2), ("today", 0), ("later", 3)):
        reminder_upsert(
            dedup_key=key,
            assignee=officer,
            title=f"Rappel {key}",
            due_at=TUESDAY + datetime.timedelta(days=days),
        )

    assert digest_send(user=officer) is True
    assert digest_send(user=officer) is False  # beat ticked twice

    [email] = mail.outbox
    assert email.to == [officer.email]
    assert email.body.count("Rappel late") == 1 and email.body.count("Rappel today") == 1
    assert "Rappel later" not in email.body
    assert DigestSent.objects.get().reminders == 2


def test_she_turns_the_digest_off(client, officer, time_machine):
    time_machine.move_to(TUESDAY, tick=False)
    reminder_upsert(dedup_key="k", assignee=officer, title="Appeler", due_at=TUESDAY)
    client.force_login(officer)

    client.post(reverse("reminders:digest"), {"digest": "off"})

    officer.refresh_from_db()
    assert officer.reminder_digest is False
    assert digest_send(user=officer) is False
    assert mail.outbox == []
    assert "Le recevoir chaque matin" in client.get(reverse("reminders:mine")).content.decode()


def test_the_digest_task_writes_to_those_with_something_due(officer, coach, time_machine):
    time_machine.move_to(_at(TUESDAY.date(), 7), tick=False)
    reminder_upsert(dedup_key="k", assignee=officer, title="Appeler", due_at=TUESDAY)

    assert send_digests() == 1
    assert [email.to for email in mail.outbox] == [[officer.email]]


# --- The right-to-work reminder -------------------------------------------------------------------


def test_a_right_to_work_document_expiring_within_60_days_reminds_her_officers(
    officer, nantes_residences, time_machine
):
    time_machine.move_to(TUESDAY, tick=False)
    expires_on = TUESDAY.date() + datetime.timedelta(days=45)
    assigned = ResidentFactory(
        residence=nantes_residences[0],
        insertion_officer=officer,
        right_to_work_expires_on=expires_on,
    )
    ResidentFactory(
        residence=nantes_residences[1], insertion_officer=None, right_to_work_expires_on=expires_on
    )
    ResidentFactory(
        residence=nantes_residences[0],
        right_to_work_expires_on=TUESDAY.date() + datetime.timedelta(days=90),
    )

    assert resident_services.right_to_work_remind() == 2
    assert resident_services.right_to_work_remind() == 2  # the same reminders, not new ones

    reminders = Reminder.objects.filter(assignee=officer).order_by("resident_id")
    assert reminders.count() == 2
    first = reminders.get(resident=assigned)
    assert first.due_at == _at(expires_on - datetime.timedelta(days=60), 9)
    assert f"{expires_on:%d/%m/%Y}" in first.title


def test_an_interview_moved_within_the_same_day_sends_its_new_time(
    time_machine, coach, accompaniment, opening, officer, sending
):
    time_machine.move_to(TUESDAY, tick=False)
    resident_services.consent_record(
        resident=accompaniment.resident, scope=ConsentScope.SMS, given_on=TUESDAY.date(),
        method="oral", by=officer,
    )  # fmt: skip
    thursday = datetime.date(2026, 12, 10)
    introduction = _scheduled_interview(coach, accompaniment, opening, _at(thursday, 14))
    time_machine.move_to(_at(datetime.date(2026, 12, 9), 10), tick=False)
    reminders_dispatch_due()  # the 14h message is handed over

    employment.introduction_move(
        introduction=introduction, to=IntroductionStatus.INTERVIEW_SCHEDULED, by=coach,
        interview_at=_at(thursday, 16), interview_place="Boulangerie du Port, 4 quai de la Fosse",
    )  # fmt: skip
    reminders_dispatch_due()
    sms.sms_dispatch()
    sending()

    sent = SmsMessage.objects.get(status=SmsStatus.SENT)
    assert "jeudi 10 décembre à 16h" in sent.body
    assert SmsMessage.objects.exclude(pk=sent.pk).get().skip_reason == SkipReason.NOT_RELEVANT
    assert len(locmem.calls) == 1


def test_a_reminder_held_past_its_day_is_not_sent(time_machine, consenting, sending):
    saturday = _at(datetime.date(2026, 12, 12), 10)
    time_machine.move_to(saturday, tick=False)
    _message_reminder(consenting, saturday)
    reminders_dispatch_due()
    time_machine.move_to(_at(datetime.date(2026, 12, 14), 9), tick=False)  # Monday, the day
    sms.sms_dispatch()
    sending()

    assert SmsMessage.objects.get().skip_reason == SkipReason.NOT_RELEVANT
    assert locmem.calls == []


def test_a_snoozed_right_to_work_reminder_stays_snoozed(
    client, officer, nantes_residences, time_machine
):
    time_machine.move_to(TUESDAY, tick=False)
    ResidentFactory(
        residence=nantes_residences[0], insertion_officer=officer,
        right_to_work_expires_on=TUESDAY.date() + datetime.timedelta(days=30),
    )  # fmt: skip
    resident_services.right_to_work_remind()
    reminder = Reminder.objects.get()
    client.force_login(officer)
    client.post(reverse("reminders:snooze", args=[reminder.pk]), {"until": "next_week"})

    time_machine.move_to(TUESDAY + datetime.timedelta(days=1), tick=False)
    resident_services.right_to_work_remind()  # the next day's scan

    reminder.refresh_from_db()
    assert reminder.due_at == _at(datetime.date(2026, 12, 14), 9)


def test_a_digest_that_could_not_be_sent_goes_at_the_next_tick(officer, time_machine):
    time_machine.move_to(_at(TUESDAY.date(), 7), tick=False)
    reminder_upsert(dedup_key="k", assignee=officer, title="Appeler", due_at=TUESDAY)

    with mock.patch("o2r.reminders.services.send_mail", side_effect=OSError("SMTP down")):
        assert send_digests() == 0
    assert not DigestSent.objects.exists()
    assert send_digests() == 1
    assert send_digests() == 0
    assert len(mail.outbox) == 1
