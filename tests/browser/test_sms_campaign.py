"""The issue's browser test: the insertion officer writes a campaign with a French and an
English text for one residence, reads the preview's exclusions, sends it, and watches the
progress page reach the end while a real Celery worker sends through the file backend; the
outbox page then shows each message in its recipient's language."""

import json
from unittest import mock

import pytest
from playwright.sync_api import expect

from o2r.sms import services as sms
from o2r.sms import tasks
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage
from tests.browser.conftest import log_in_on
from tests.residents.factories import ResidentFactory
from tests.utils import celery_worker, publish

pytestmark = [pytest.mark.browser, pytest.mark.process, pytest.mark.django_db(transaction=True)]

FRENCH = "Bonjour {prenom}, une permanence emploi a lieu jeudi à 14h dans le hall. Venez !"
ENGLISH = "Hello {prenom}, a job drop-in session takes place on Thursday at 2pm in the hall."


@pytest.fixture
def redis_broker(settings):
    """The launch's on-commit nudge reaches the worker's Redis (whatever this process's broker
    is), and SMS may go at any hour for the test."""
    settings.SMS_QUIET_HOURS = False
    with mock.patch.object(
        tasks.dispatch_pending, "delay", side_effect=lambda: publish(tasks.dispatch_pending)
    ):
        yield


def test_a_campaign_in_two_languages_goes_through_the_real_worker(
    phone, officer, nantes_residences, tmp_path, redis_broker, assert_accessible
):
    residence = nantes_residences[0]
    ResidentFactory(first_name="Awa", last_name="Koné", residence=residence)
    ResidentFactory(
        first_name="John", last_name="Okafor", residence=residence, preferred_language="eng"
    )
    ResidentFactory(first_name="Sans", last_name="Numéro", residence=residence, phone="")
    ResidentFactory(
        first_name="Ligne",
        last_name="Fixe",
        residence=residence,
        phone="+33240000000",
        phone_is_mobile=False,
    )
    stop = ResidentFactory(first_name="Paul", last_name="Stop", residence=residence)
    sms.sms_opt_out(phone=stop.phone.as_e164, scope="all", source="stop_reply")
    ResidentFactory(first_name="Autre", last_name="Résidence", residence=nantes_residences[1])
    outbox = tmp_path / "outbox.jsonl"

    with celery_worker(
        tmp_path / "worker.log", SMS_BACKEND="file", SMS_FILE_PATH=outbox, SMS_QUIET_HOURS="false"
    ):
        page = log_in_on(phone, officer)
        page.get_by_role("link", name="Campagnes SMS").first.click()
        page.get_by_role("link", name="Nouvelle campagne").click()
        page.get_by_label("Nom de la campagne").fill("Permanence du jeudi")
        page.get_by_label(residence.name).check()
        page.get_by_label("Texte en français").fill(FRENCH)
        expect(page.locator("#mesure-fra")).to_contain_text("1 SMS")
        page.get_by_label("Autre langue 1").select_option(label="Anglais")
        page.get_by_label("Texte dans cette langue 1").fill(ENGLISH)
        expect(page.locator("#mesure-1")).to_contain_text("caractères simples")
        assert_accessible(page)
        page.get_by_role("button", name="Enregistrer et voir l'aperçu").click()

        preview = page.locator("#apercu")
        expect(preview).to_contain_text("2 personnes recevront ce SMS")
        expect(preview).to_contain_text("Anglais : 1")
        exclusions = page.locator("#exclusions")
        expect(exclusions).to_contain_text("Pas de numéro : 1")
        expect(exclusions).to_contain_text("Pas un numéro de mobile : 1")
        expect(exclusions).to_contain_text("Ne veut plus recevoir de SMS : 1")
        expect(preview).to_contain_text("Hello John, a job drop-in session")
        assert_accessible(page)
        page.get_by_role("button", name="Envoyer à 2 personnes").click()

        expect(page.locator("#avancement-etat")).to_contain_text(
            "Terminé : 2 sur 2", timeout=60_000
        )
        expect(page.locator("#etat-sent")).to_contain_text("2")
        assert_accessible(page)

    sent = {line["to"]: line["body"] for line in map(json.loads, outbox.read_text().splitlines())}
    assert len(sent) == 2
    languages = SmsMessage.objects.filter(status=SmsStatus.SENT).values_list("language", flat=True)
    assert set(languages) == {"fra", "eng"}
    page.get_by_role("link", name="Voir les SMS envoyés").click()
    john = page.locator("li", has_text="OKAFOR John")
    expect(john).to_contain_text("Hello John, a job drop-in session")
    expect(john.locator("[lang=en]")).to_have_count(1)
    awa = page.locator("li", has_text="KONÉ Awa")
    expect(awa).to_contain_text("Bonjour Awa, une permanence emploi")
    expect(awa).to_contain_text("Envoyé")
    assert_accessible(page)
