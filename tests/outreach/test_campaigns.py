"""SMS campaigns through their screens and services: writing (texts checked beside their
field, the live count), the preview with who is left out and why, one message per resident in
her language, a launch that cannot run twice, cancelling, the progress, the timeline's touch,
and the query budgets of the lists."""

import datetime
import uuid
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from o2r.sms import services as sms
from o2r.sms import tasks
from o2r.sms.enums import LegalBasis, OptOutScope, SkipReason, SmsStatus
from o2r.sms.models import SmsMessage
from outreach import campaigns
from outreach.enums import ActionKind, CampaignStatus
from outreach.models import Contact, OutreachAction, SmsCampaign
from residents import services as resident_services
from residents.enums import ConsentScope
from tests.accounts.factories import UserFactory
from tests.residents.factories import ResidenceMembershipFactory, ResidentFactory

pytestmark = pytest.mark.django_db
PARIS = timezone.get_default_timezone()
TUESDAY = datetime.datetime(2026, 12, 8, 11, 0, tzinfo=PARIS)
HOSTILE = ["x" * 100_000, "\x00", "-1", "99999999999999999999", "' OR 1=1 --", "{", "{nom}"]
FRENCH = "Bonjour {prenom}, une permanence emploi a lieu {date} : {lieu}. Venez !"
ENGLISH = "Hello {prenom}, a job information session on {date}: {lieu}. Welcome!"


@pytest.fixture(autouse=True)
def _tuesday(time_machine):
    time_machine.move_to(TUESDAY, tick=False)


@pytest.fixture
def published():
    with (
        mock.patch.object(tasks.dispatch_pending, "delay") as dispatch,
        mock.patch.object(tasks.send_sms_many, "delay"),
    ):
        yield dispatch


def _form(residence, **data):
    return {
        "token": str(uuid.uuid4()),
        "name": "Permanence emploi de décembre",
        "residences": [residence.pk],
        "session_on": "2026-12-10",
        "session_time": "14:00",
        "session_place": "Hall de la résidence",
        "body_fra": FRENCH,
        "language_1": "eng",
        "body_1": ENGLISH,
        **data,
    }


@pytest.fixture
def residence(nantes_residences):
    return nantes_residences[0]


@pytest.fixture
def people(residence, officer):
    """Who the campaign reaches and who it leaves out, one of each."""
    make = lambda first_name, **fields: ResidentFactory(  # noqa: E731
        first_name=first_name, residence=residence, **fields
    )
    people = {
        "awa": make("Awa"),
        "john": make("John", preferred_language="eng"),
        "dari": make("Farid", preferred_language="prs"),  # no Dari text: French
        "no_phone": make("Sans", phone=""),
        "landline": make("Fixe", phone="+33240000000", phone_is_mobile=False),
        "opted_out": make("Stop"),
        "withdrawn": make("Retrait"),
        "sharing": make("Partage"),
    }
    people["family"] = make("Famille", phone=people["awa"].phone)
    sms.sms_opt_out(
        phone=people["opted_out"].phone.as_e164, scope=OptOutScope.CAMPAIGNS, source="staff"
    )
    consent = resident_services.consent_record(
        resident=people["withdrawn"],
        scope=ConsentScope.SMS,
        given_on=TUESDAY.date(),
        method="oral",
        by=officer,
    )
    resident_services.consent_withdraw(consent=consent, by=officer)
    return people


def _campaign(officer, residence, **fields):
    return campaigns.campaign_save(
        by=officer,
        name="Permanence",
        residences=[residence],
        variants={"fra": FRENCH, "eng": ENGLISH},
        session_at=TUESDAY + datetime.timedelta(days=2),
        session_place="Hall de la résidence",
        **fields,
    )


# --- Writing ------------------------------------------------------------------------------------


def test_the_officer_writes_a_campaign_in_french_and_english(client, officer, residence):
    client.force_login(officer)
    assert client.get(reverse("outreach:campaign_new")).status_code == 200

    response = client.post(reverse("outreach:campaign_new"), _form(residence))

    campaign = SmsCampaign.objects.get()
    assert response["Location"] == campaign.get_absolute_url()
    assert dict(campaign.variants.values_list("language", "body")) == {
        "fra": FRENCH,
        "eng": ENGLISH,
    }
    assert campaign.status == CampaignStatus.DRAFT
    assert timezone.localtime(campaign.session_at) == datetime.datetime(
        2026, 12, 10, 14, 0, tzinfo=PARIS
    )


def test_a_double_submission_writes_one_campaign(client, officer, residence):
    client.force_login(officer)
    data = _form(residence)
    client.post(reverse("outreach:campaign_new"), data)
    client.post(reverse("outreach:campaign_new"), data)
    assert SmsCampaign.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"body_fra": "Bonjour. " * 60}, "body_fra", "4 SMS"),
        ({"body_1": "Hello {nom}"}, "body_1", "Champ inconnu : {nom}"),
        ({"body_fra": "Bonjour {prenom"}, "body_fra", "Accolade"),
        ({"session_on": "", "session_time": ""}, "body_fra", "{date} et {lieu}"),
        ({"language_1": ""}, "language_1", "Choisissez la langue"),
        ({"body_fra": ""}, "body_fra", "Écrivez le texte en français"),
        ({"residences": []}, "residences", "au moins une résidence"),
        ({"session_time": ""}, "session_time", "jour et l'heure"),
        ({"scheduled_on": "2026-12-01", "scheduled_time": "10:00"}, "scheduled_at", "passé"),
    ],
)
def test_what_is_refused_is_said_beside_its_field(
    client, officer, residence, changes, field, message
):
    client.force_login(officer)
    response = client.post(reverse("outreach:campaign_new"), _form(residence, **changes))

    assert response.status_code == 200
    form = response.context["form"]
    errors = " ".join(form.errors.get(field, form.non_field_errors()))
    assert message in errors, form.errors
    assert not SmsCampaign.objects.exists()


def test_a_campaign_for_another_officers_residence_is_refused(client, officer, outsider, residence):
    client.force_login(outsider)
    response = client.post(reverse("outreach:campaign_new"), _form(residence))
    assert response.status_code == 200
    assert response.context["form"].errors["residences"]
    assert not SmsCampaign.objects.exists()


def test_hostile_values_are_never_a_500(client, officer, residence):
    client.force_login(officer)
    fields = list(_form(residence))
    for value in HOSTILE:
        response = client.post(reverse("outreach:campaign_new"), dict.fromkeys(fields, value))
        assert response.status_code == 200, value
        response = client.post(reverse("sms:measure"), {"body_fra": value})
        assert response.status_code == 200, value
    assert not SmsCampaign.objects.exists()


def test_the_live_count_shows_segments_and_encoding_with_the_signature(client, officer):
    client.force_login(officer)
    short = client.post(reverse("sms:measure"), {"body_fra": "Bonjour {prenom} !"})
    assert "1 SMS" in short.content.decode() and "caractères simples" in short.content.decode()
    arabic = client.post(reverse("sms:measure"), {"body_1": "مرحبا {prenom}، لدينا لقاء للتشغيل"})
    assert "caractères spéciaux" in arabic.content.decode()
    long = client.post(reverse("sms:measure"), {"body_fra": "Bonjour. " * 60})
    assert "3 SMS au plus" in long.content.decode()


# --- The preview ----------------------------------------------------------------------------------


def test_the_preview_counts_and_names_who_is_left_out_and_why(client, officer, residence, people):
    campaign = _campaign(officer, residence)
    client.force_login(officer)

    response = client.get(campaign.get_absolute_url())

    audience = response.context["audience"]
    assert {r.resident.first_name for r in audience.eligible} == {
        "Awa",
        "John",
        "Farid",
        "Retrait",
        "Partage",
    } - {"Retrait"}
    excluded = {
        label: {r.resident.first_name for r in rows}
        for label, rows in response.context["excluded"].items()
    }
    assert excluded == {
        SkipReason.NO_PHONE.label: {"Sans"},
        SkipReason.NOT_MOBILE.label: {"Fixe"},
        SkipReason.OPTED_OUT.label: {"Stop"},
        SkipReason.CONSENT_WITHDRAWN.label: {"Retrait"},
        SkipReason.DUPLICATE_NUMBER.label: {"Famille"},
    }
    body = response.content.decode()
    assert "4</strong> personnes" in body
    assert "Anglais : 1" in body and "Français : 3" in body
    assert "Hello John, a job information session on jeudi 10 décembre à 11h" in body


def test_with_consent_as_legal_basis_those_without_it_are_left_out(
    client, officer, residence, people, settings
):
    settings.O2R_SMS_CAMPAIGN_LEGAL_BASIS = LegalBasis.CONSENT
    resident_services.consent_record(
        resident=people["awa"],
        scope=ConsentScope.SMS,
        given_on=TUESDAY.date(),
        method="oral",
        by=officer,
    )
    audience = campaigns.campaign_audience(_campaign(officer, residence))
    assert [r.resident.first_name for r in audience.eligible] == ["Awa"]
    # The family phone's second person has no consent either: that is said first.
    assert {r.resident.first_name for r in audience.excluded[SkipReason.NO_CONSENT.label]} == {
        "John",
        "Farid",
        "Partage",
        "Famille",
    }


def test_the_audience_filters_by_stage_category_and_language(officer, residence):
    identified = ResidentFactory(first_name="Un", residence=residence, stage="identified")
    ResidentFactory(first_name="Deux", residence=residence, stage="engaged")
    outside = ResidentFactory(first_name="Trois", residence=residence, stage=None)
    refugee = ResidentFactory(
        first_name="Quatre",
        residence=residence,
        stage="engaged",
        international_protection="refugee",
        preferred_language="prs",
    )

    def names(**filters):
        campaign = _campaign(officer, residence, **filters)
        return {r.resident.first_name for r in campaigns.campaign_audience(campaign).recipients}

    assert names(stages=["identified", "none"]) == {identified.first_name, outside.first_name}
    assert names(categories=["international_protection"]) == {refugee.first_name}
    assert names(languages=["prs"]) == {refugee.first_name}


# --- Launch, cancel, progress ---------------------------------------------------------------------


def test_launching_twice_sends_one_sms_per_resident_in_her_language(
    client, officer, residence, people, published
):
    campaign = _campaign(officer, residence)
    client.force_login(officer)
    url = reverse("outreach:campaign_launch", args=[campaign.pk])

    first = client.post(url)
    second = client.post(url)  # a double click
    campaigns.campaign_launch(campaign=campaign, by=officer)  # and a retried request

    assert (first.status_code, second.status_code) == (302, 302)
    messages = SmsMessage.objects.filter(owner_kind="campaign", owner_id=campaign.pk)
    assert messages.count() == len(people)
    to_send = messages.filter(status=SmsStatus.PENDING)
    assert to_send.count() == 4
    john = to_send.get(resident=people["john"])
    assert john.language == "eng"
    assert john.body.startswith("Hello John, a job information session on jeudi 10 décembre")
    assert john.body.endswith(
        "\nAdoma O2R - Pour ne plus recevoir de SMS, dites-le à votre conseillère."
    )
    assert to_send.get(resident=people["dari"]).body.startswith("Bonjour Farid")
    skipped = dict(
        messages.filter(status=SmsStatus.SKIPPED).values_list("resident__first_name", "skip_reason")
    )
    assert skipped["Famille"] == SkipReason.DUPLICATE_NUMBER
    campaign.refresh_from_db()
    assert (campaign.status, campaign.legal_basis) == (
        CampaignStatus.LAUNCHED,
        LegalBasis.OBJECTION,
    )
    action = OutreachAction.objects.get(campaign=campaign)
    assert (action.kind, action.residence) == (ActionKind.SMS_CAMPAIGN, residence)
    assert action.ended_at == action.started_at  # not a session left open on her home page


def test_a_launch_rolled_back_leaves_nothing(
    officer, residence, people, django_capture_on_commit_callbacks
):
    campaign = _campaign(officer, residence)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        campaigns.campaign_launch(campaign=campaign, by=officer)
        raise RuntimeError

    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert SmsCampaign.objects.get().status == CampaignStatus.DRAFT


def test_a_scheduled_campaign_waits_for_its_time(officer, residence, people, published):
    later = TUESDAY + datetime.timedelta(days=1, hours=3)
    campaign = _campaign(officer, residence, scheduled_at=later)
    campaigns.campaign_launch(campaign=campaign, by=officer)

    assert set(
        SmsMessage.objects.filter(status=SmsStatus.PENDING).values_list("not_before", flat=True)
    ) == {later}
    assert sms.sms_dispatch() == 0


def test_cancelling_stops_what_has_not_gone(client, officer, residence, people, published):
    campaign = _campaign(officer, residence)
    campaigns.campaign_launch(campaign=campaign, by=officer)
    first = SmsMessage.objects.filter(status=SmsStatus.PENDING).first()
    SmsMessage.objects.filter(pk=first.pk).update(status=SmsStatus.SENT)
    client.force_login(officer)

    client.post(reverse("outreach:campaign_cancel", args=[campaign.pk]))

    counts = campaigns.campaign_progress(campaign)
    assert (counts[SmsStatus.SENT], counts[SmsStatus.CANCELLED], counts[SmsStatus.PENDING]) == (
        1,
        3,
        0,
    )
    assert SmsCampaign.objects.get().status == CampaignStatus.CANCELLED


def test_the_progress_refreshes_itself_while_messages_are_left(
    client, officer, residence, people, published
):
    campaign = _campaign(officer, residence)
    campaigns.campaign_launch(campaign=campaign, by=officer)
    client.force_login(officer)

    partial = client.get(reverse("outreach:campaign_progress", args=[campaign.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in partial and "Envoi en cours : 0 sur 4" in partial
    SmsMessage.objects.filter(status=SmsStatus.PENDING).update(status=SmsStatus.SENT)
    partial = client.get(reverse("outreach:campaign_progress", args=[campaign.pk])).content.decode()
    assert "every 2s" not in partial and "Terminé : 4 sur 4" in partial


def test_a_campaign_sms_is_a_touch_on_the_timeline_not_a_contact(
    client, officer, residence, people, published
):
    campaign = _campaign(officer, residence)
    campaigns.campaign_launch(campaign=campaign, by=officer)
    SmsMessage.objects.filter(resident=people["awa"]).update(
        status=SmsStatus.DELIVERED, sent_at=timezone.now()
    )
    client.force_login(officer)

    page = client.get(people["awa"].get_absolute_url()).content.decode()

    assert "SMS (reçu par la personne) : Campagne « Permanence »" in page
    assert not Contact.objects.exists()
    assert not Contact.objects.reached().exists()


# --- Query budgets --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_the_lists_run_a_fixed_number_of_queries(
    client, officer, residence, count, published, django_assert_num_queries
):
    for n in range(count):
        ResidentFactory(residence=residence, first_name=f"P{n}")
        campaign = _campaign(officer, residence)
        campaigns.campaign_launch(campaign=campaign, by=officer)
    client.force_login(officer)
    # session, user, the campaigns, their residences, their messages counted by status
    with django_assert_num_queries(5):
        assert client.get(reverse("outreach:campaigns")).status_code == 200
    # session, user, count, the page (with residents and residences), the access-log insert,
    # the campaigns' names
    with django_assert_num_queries(6):
        assert client.get(reverse("sms:outbox")).status_code == 200
    # session, user, the campaign, its residences, its texts, may she write, the counts by
    # status, the skipped by reason
    with django_assert_num_queries(8):
        assert client.get(campaign.get_absolute_url()).status_code == 200


def test_a_campaign_is_seen_by_those_who_work_on_all_its_residences(
    client, officer, nantes_residences, people
):
    campaign = campaigns.campaign_save(
        by=officer, name="Deux résidences", residences=nantes_residences[:2],
        variants={"fra": "Bonjour {prenom}"},
    )  # fmt: skip
    colleague = UserFactory(role="insertion_officer", organisation=officer.organisation)
    ResidenceMembershipFactory(user=colleague, residence=nantes_residences[0])
    client.force_login(colleague)

    assert client.get(campaign.get_absolute_url()).status_code == 404
    assert client.get(reverse("outreach:campaign_edit", args=[campaign.pk])).status_code == 404
    assert "Deux résidences" not in client.get(reverse("outreach:campaigns")).content.decode()


def test_the_timeline_shows_the_sms_to_those_who_may_read_them_only(
    client, officer, administrator, residence, people, published
):
    campaign = _campaign(officer, residence)
    campaigns.campaign_launch(campaign=campaign, by=officer)
    SmsMessage.objects.filter(resident=people["awa"]).update(status=SmsStatus.SENT)
    ResidenceMembershipFactory(user=administrator, residence=residence)

    client.force_login(administrator)  # opens files through a membership, reads no SMS
    page = client.get(people["awa"].get_absolute_url())
    assert page.status_code == 200
    assert "Bonjour Awa" not in page.content.decode()
    client.force_login(officer)
    assert "Bonjour Awa" in client.get(people["awa"].get_absolute_url()).content.decode()


def test_the_text_is_measured_with_the_sessions_own_place(client, officer, residence):
    client.force_login(officer)
    place = "Salle polyvalente du centre socioculturel, 12 boulevard " + "très long " * 9
    body = "Bonjour {prenom}, permanence emploi {date} au lieu suivant : {lieu}. " + "Venez. " * 23
    assert (
        campaigns.check_variant(  # 3 SMS with a short place
            body, session_at=TUESDAY, session_place="Hall"
        ).segments
        == 3
    )
    response = client.post(
        reverse("outreach:campaign_new"), _form(residence, session_place=place[:150], body_fra=body)
    )
    assert "SMS avec la signature" in " ".join(response.context["form"].errors["body_fra"])
