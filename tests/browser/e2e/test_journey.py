"""Issue 14: one resident's whole path, by the three people who do it, through the pages only —
the insertion officer on a 360-px phone, the job coach and the manager at a desk — with a real
Celery worker sending the SMS through the file backend.

1. The officer starts a hall session in a residence of the demo (the cast's Nantes residences
   are the demo's), meets Awa with the keyboard alone, records her interest and accompaniment
   consent, then (on her file) her number, SMS and sharing consents, and orients her to Adelis;
   she sends a campaign in French and English to the residence and watches it reach the end
   while the worker sends; Awa's reply, posted to the inbound webhook as the provider would,
   appears on her timeline.
2. The coach accepts the orientation, fills the wishes, creates the company (a valid SIRET)
   and its opening (a ROME title found by the type-ahead), takes the suggestion, schedules the
   meeting at the workplace for the next day: when beat's scan hands its J-1 SMS over, it is in
   the outbox; the next day she records the meeting and the hire on a CDI, finds J+7, M+1, M+3
   and M+6 in "Mes rappels" and marks J+7 done.
3. The manager filters the dashboard by the residence and the quarter, finds Awa behind the
   funnel's figure and the hire in the employment panel, and downloads the XLSX, which holds
   the same selection and those figures (masked as the funders' rule says: 1 to 4 is "< 5").
4. At Awa's request the officer withdraws the sharing consent: the coach's next load of the file
   answers 404 and her caseload shows the accompaniment suspended.

Every page passes axe-core (no serious or critical violation); the officer's pages have no
horizontal scroll at 360 px and touch targets of 44 px at least. Each step leaves a screenshot
in var/screenshots/.

The worker runs with the real clock; once it is stopped (after step 1), the server's clock is
moved forward (time-machine: the live server's thread shares it) to the day of the meeting."""

import datetime
import json
import re
import urllib.request
import uuid
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from employers.models import RomeAppellation, RomeCode
from employers.rome import load_rome
from employment.models import Accompaniment, FollowUp, Introduction, Placement
from o2r.celery import app as celery_app
from o2r.dashboard.masking import MASK
from o2r.reminders.models import Reminder
from o2r.reminders.services import reminders_dispatch_due
from o2r.sms import services as sms_services
from o2r.sms import tasks as sms_tasks
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage
from outreach.enums import Outcome
from outreach.models import Contact
from residents.enums import ConsentScope, Stage
from residents.models import Resident
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import DESKTOP, PHONE
from tests.residents.factories import ResidentFactory
from tests.utils import celery_worker, redis_url

pytestmark = [pytest.mark.e2e, pytest.mark.process, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
AWA_MOBILE = "06 12 34 56 78"
FRENCH = "Bonjour {prenom}, une permanence emploi a lieu jeudi à 14h dans le hall. Venez !"
ENGLISH = "Hello {prenom}, a job drop-in session takes place on Thursday at 2pm in the hall."
REPLY = "Oui je viens jeudi, merci"
MIN_TARGET = 44  # px: WCAG 2.5.5's target size, the officer's thumb in a residence hall

# The controls of a page and their size: a checkbox or a radio counts with its label (the
# label is what a finger presses; Bootstrap's .btn-check radios are drawn by their label).
TOO_SMALL = """(minimum) => {
    const shown = (el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    const text = (el) => (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    const name = (el) => (el.id ? "#" + el.id : el.tagName.toLowerCase()) + " " + text(el);
    const small = [];
    const controls = document.querySelectorAll(
        "main button, main a.btn, main input:not([type=hidden]), main select, main textarea,"
        + " main summary, nav button, nav a.nav-link"
    );
    for (const el of controls) {
        let boxes = [el];
        if (el.matches("input[type=checkbox], input[type=radio]")) {
            const label = el.closest("label")
                || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
            boxes = label ? [label] : [el];
            if (!el.classList.contains("btn-check") && !el.closest("label")) boxes.push(el);
        }
        boxes = boxes.filter(shown);
        if (!boxes.length) continue;
        const rects = boxes.map((b) => b.getBoundingClientRect());
        const top = Math.min(...rects.map((r) => r.top));
        const height = Math.max(...rects.map((r) => r.bottom)) - top;
        if (height < minimum) small.push(`${name(el)}: ${Math.round(height)} px`);
    }
    return small;
}"""


class Journey:
    """What every step shares: the screenshots, in order, and the checks of each page."""

    def __init__(self, assert_accessible):
        self.assert_accessible = assert_accessible
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    def settle(self, page):
        """Waits for the running CSS transitions (a button filling when checked): axe reads the
        colours as they are drawn, and a colour half-way is no colour of the page."""
        page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")

    def check(self, page, name=None):
        self.settle(page)
        self.assert_accessible(page)
        if name:
            self.shot(page, name)

    def check_officer(self, page, name=None):
        """On her phone: axe, no horizontal scroll at 360 px, every control 44 px high."""
        self.settle(page)
        self.assert_accessible(page)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{page.url}: scrolls sideways ({widths})"
        small = page.evaluate(TOO_SMALL, MIN_TARGET)
        assert not small, f"{page.url}: touch targets under {MIN_TARGET} px: {small}"
        if name:
            self.shot(page, name)


def log_in_through_the_form(page, user, check=None):
    """Signs in as a person does: the login form, then her home page."""
    page.goto("/connexion/")
    if check is not None:
        check(page)
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))
    return page


def tab_to(page, target, *, presses=150):
    """Presses Tab until `target` has the focus: the keyboard reaches it in the page's order."""
    element = target.element_handle()
    for _ in range(presses):
        if page.evaluate("(el) => document.activeElement === el", element):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reaches {target}")


def tap(target):
    """The officer's tap on a link or a button: at least 44 px high, then clicked."""
    box = target.bounding_box()
    assert box is not None and box["height"] >= MIN_TARGET, f"{target}: {box}"
    target.click()


@pytest.fixture
def sms_to_the_worker(settings):
    """SMS may go at any hour in this test. The worker listens to a queue of its own (another
    worker on the machine's Redis, another run's, must not take its tasks); while it runs, the
    launch's on-commit nudge reaches it there (whatever this process's broker is); once it is
    stopped, nothing is published (a task left in Redis would wait for nobody)."""
    settings.SMS_QUIET_HOURS = False
    worker = {"running": False, "queue": f"sms-e2e-{uuid.uuid4().hex[:12]}"}

    def nudge():
        if worker["running"]:
            with celery_app.connection_for_write(redis_url()) as connection:
                sms_tasks.dispatch_pending.apply_async(connection=connection, queue=worker["queue"])

    with mock.patch.object(sms_tasks.dispatch_pending, "delay", side_effect=nudge):
        yield worker


def test_one_resident_from_the_hall_to_a_job_and_back(
    phone,
    desktop,
    new_page,
    live_server,
    officer,
    coach,
    adelis,
    adoma_manager,
    nantes_residences,
    sms_to_the_worker,
    time_machine,
    tmp_path,
    assert_accessible,
    page_problems,
):
    load_rome(RomeCode, RomeAppellation)  # the reference: a transactional test empties it
    journey = Journey(assert_accessible)
    hall = nantes_residences[0]
    # A neighbour who reads English: the campaign's second language goes to him.
    john = ResidentFactory(
        first_name="John",
        last_name="Okafor",
        residence=hall,
        preferred_language="eng",
        phone="+33698765432",
    )
    outbox = tmp_path / "outbox.jsonl"

    # --- 1. The insertion officer, on her phone ---------------------------------------------
    with celery_worker(
        tmp_path / "worker.log",
        name="e2e",
        queues=sms_to_the_worker["queue"],
        O2R_SMS_QUEUE=sms_to_the_worker["queue"],
        SMS_BACKEND="file",
        SMS_FILE_PATH=outbox,
        SMS_QUIET_HOURS="false",
    ):
        sms_to_the_worker["running"] = True
        awa = _officer_meets_awa(phone, officer, hall, journey)
        _officer_records_consents_and_orients(phone, awa, adelis, journey)
        _officer_sends_a_campaign(phone, hall, awa, john, outbox, journey)
        sms_to_the_worker["running"] = False
    _awa_replies(phone, live_server.url, journey, awa)

    # --- 2. The job coach, at her desk ------------------------------------------------------
    accompaniment, introduction = _coach_accompanies(desktop, coach, awa, journey)
    placement = _coach_hires(
        new_page, coach, awa, accompaniment, introduction, time_machine, journey
    )

    # --- 3. The manager ---------------------------------------------------------------------
    _manager_reads_the_dashboard(new_page, adoma_manager, hall, awa, placement, tmp_path, journey)

    # --- 4. The officer again, then the coach -----------------------------------------------
    _sharing_withdrawn(new_page, officer, coach, awa, accompaniment, journey, page_problems)


# --- 1 ------------------------------------------------------------------------------------------


def _officer_meets_awa(phone, officer, hall, journey):
    page = log_in_through_the_form(phone, officer, journey.check_officer)
    journey.check_officer(page)
    page.get_by_role("combobox", name="Résidence").select_option(str(hall.pk))
    page.get_by_role("button", name="Démarrer une permanence").click()
    expect(page.get_by_role("heading", name="Permanence dans le hall")).to_be_visible()
    journey.check_officer(page)

    # From here on, the keyboard alone: Tab, typing, Space and Enter.
    new_form = page.locator("#new-form")
    tab_to(page, new_form.get_by_label("Prénom"))
    page.keyboard.type("Awa")
    page.keyboard.press("Tab")
    expect(new_form.get_by_label("Logement (facultatif)")).to_be_focused()
    page.keyboard.type("B12")
    interested = new_form.get_by_role("radio", name="Intéressé·e", exact=True)
    tab_to(page, interested)  # the first choice of the group: where Tab enters it
    page.keyboard.press("Space")
    expect(interested).to_be_checked()
    tab_to(page, new_form.get_by_label("En une ligne (facultatif)"))
    page.keyboard.type("Cherche du travail, le matin")
    tab_to(page, new_form.get_by_role("button", name="Enregistrer la nouvelle personne"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Nouvelle personne enregistrée.")).to_be_visible()
    expect(page.locator("#contacts")).to_contain_text("Awa")
    page.wait_for_load_state()  # htmx set up on the new page: the type-ahead listens
    journey.check_officer(page)

    # The new-person form has no consent box: her consent goes with a contact, found by the
    # type-ahead (the box shows for "interested").
    contact_form = page.locator("#contact-form")
    tab_to(page, contact_form.get_by_label("Nom, prénom ou téléphone"))
    page.keyboard.type("awa")
    result = page.locator("#typeahead-results").get_by_role("radio", name=re.compile("Awa"))
    expect(result).to_have_count(1)
    journey.check_officer(page)
    tab_to(page, result)
    page.keyboard.press("Space")
    expect(result).to_be_checked()
    interested = contact_form.get_by_role("radio", name="Intéressé·e", exact=True)
    tab_to(page, interested)
    page.keyboard.press("Space")
    consent = contact_form.get_by_label("La personne donne son accord pour être accompagnée")
    expect(consent).to_be_visible()
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    journey.check_officer(page)
    tab_to(page, contact_form.get_by_role("button", name="Enregistrer le contact"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Contact enregistré.")).to_be_visible()
    journey.check_officer(page, "01-officer-hall-session")

    tab_to(page, page.get_by_role("button", name="Clore la permanence"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Bilan de la permanence")).to_be_visible()
    journey.check_officer(page, "02-officer-hall-session-closed")

    awa = Resident.objects.get(first_name="Awa")
    assert (awa.residence, awa.housing_unit, awa.stage) == (hall, "B12", Stage.ENGAGED)
    assert Contact.objects.filter(resident=awa, outcome=Outcome.INTERESTED).count() == 2
    return awa


def _record_consent(page, scope, organisation=None):
    page.locator("#consent_form summary").click()
    form = page.locator("#consent_form")
    form.get_by_label("Objet de l'accord").select_option(label=scope)
    if organisation is not None:
        form.get_by_label("Structure destinataire (partage)").select_option(label=str(organisation))
    form.get_by_label("Recueilli par").select_option(label="Formulaire signé")
    form.get_by_role("button", name="Enregistrer l'accord").click()
    expect(page.get_by_text("Accord enregistré.")).to_be_visible()


def _officer_records_consents_and_orients(phone, awa, adelis, journey):
    page = phone
    tap(page.locator("#contacts").get_by_role("link", name="Awa").first)
    page.wait_for_url(f"**{awa.get_absolute_url()}")
    expect(page.locator("#etape-actuelle")).to_have_text("Remobilisé")
    journey.check_officer(page)

    # Her name and mobile number, for the SMS.
    tap(page.get_by_role("link", name="Modifier").first)
    page.locator("#id_last_name").fill("Koné")
    page.get_by_label("Téléphone").fill(AWA_MOBILE)
    journey.check_officer(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Awa KONÉ")).to_be_visible()

    _record_consent(page, "Réception de SMS")
    _record_consent(page, "Partage avec la structure emploi", adelis)
    expect(page.locator("#accords")).to_contain_text(f"avec {adelis}")
    journey.check_officer(page, "03-officer-file-consents")

    tap(page.get_by_role("link", name="Orienter vers l'emploi"))
    form = page.locator("#orient_form")
    form.get_by_label("Structure d'accompagnement vers l'emploi").select_option(label=str(adelis))
    form.get_by_label("Pourquoi cette orientation").fill(
        "Veut travailler le matin, dans la propreté ; disponible tout de suite."
    )
    journey.check_officer(page, "04-officer-orientation")
    form.get_by_role("button", name="Orienter").click()
    expect(page.locator("#emploi-orientation")).to_contain_text("en attente")
    journey.check_officer(page)


def _officer_sends_a_campaign(phone, hall, awa, john, outbox, journey):
    page = phone
    tap(page.get_by_role("button", name="Ouvrir le menu"))
    tap(page.get_by_role("navigation").get_by_role("link", name="Campagnes SMS"))
    journey.check_officer(page)
    tap(page.get_by_role("link", name="Nouvelle campagne"))
    page.get_by_label("Nom de la campagne").fill("Permanence du jeudi")
    page.get_by_label(hall.name).check()
    page.get_by_label("Texte en français").fill(FRENCH)
    expect(page.locator("#mesure-fra")).to_contain_text("1 SMS")
    page.get_by_label("Autre langue 1").select_option(label="Anglais")
    page.get_by_label("Texte dans cette langue 1").fill(ENGLISH)
    expect(page.locator("#mesure-1")).to_contain_text("caractères simples")
    journey.check_officer(page)
    page.get_by_role("button", name="Enregistrer et voir l'aperçu").click()

    preview = page.locator("#apercu")
    expect(preview).to_contain_text("2 personnes recevront ce SMS")
    expect(preview).to_contain_text("Anglais : 1")
    journey.check_officer(page)
    page.get_by_role("button", name="Envoyer à 2 personnes").click()

    # The worker sends; the page follows its progress until every message is sent.
    expect(page.locator("#avancement-etat")).to_contain_text("Terminé : 2 sur 2", timeout=60_000)
    expect(page.locator("#etat-sent")).to_contain_text("2")
    journey.check_officer(page, "05-officer-sms-campaign-sent")

    sent = {line["to"]: line["body"] for line in map(json.loads, outbox.read_text().splitlines())}
    assert sent.keys() == {"+33612345678", john.phone.as_e164}
    assert sent["+33612345678"].startswith("Bonjour Awa, une permanence emploi")
    assert sent[john.phone.as_e164].startswith("Hello John, a job drop-in session")
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.SENT}


def _awa_replies(phone, server_url, journey, awa):
    """Her reply reaches the inbound webhook as the provider posts it: JSON, the token of the
    URL the provider was given (the app's authentication of that webhook)."""
    hook = server_url + reverse("sms:hook_inbound", args=[sms_services.inbound_token()])
    body = json.dumps({"from": "+33612345678", "text": REPLY, "id": "brevo-in-1"}).encode()
    request = urllib.request.Request(  # noqa: S310 - the live server, on 127.0.0.1
        hook, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 200

    page = phone
    page.goto(awa.get_absolute_url())
    timeline = page.locator("#chronologie")
    expect(timeline).to_contain_text(REPLY)
    expect(timeline).to_contain_text("A répondu par SMS")
    journey.check_officer(page, "06-officer-reply-on-timeline")


# --- 2 ------------------------------------------------------------------------------------------


def _coach_accompanies(desktop, coach, awa, journey):
    page = log_in_through_the_form(desktop, coach, journey.check)
    journey.check(page)
    page.get_by_role("navigation").get_by_role("link", name=re.compile("Orientations")).click()
    journey.check(page)
    page.get_by_role("link", name=re.compile("Awa", re.I)).first.click()
    expect(page.locator("#pourquoi")).to_contain_text("Veut travailler le matin")
    journey.check(page, "07-coach-orientation")
    page.get_by_role("button", name="J'accompagne cette personne").click()
    accompaniment = Accompaniment.objects.get(resident=awa)
    page.wait_for_url(f"**{accompaniment.get_absolute_url()}")
    journey.check(page)

    # Her wishes and constraints.
    page.goto(reverse("employment:wishes", args=[accompaniment.pk]))
    page.get_by_label("Métiers souhaités (codes ROME)").fill("K2204")
    page.get_by_label("Ce que la personne ne veut pas").fill("Travailler le soir")
    page.get_by_label("Heures par semaine, au plus").fill("35")
    page.get_by_label("Trajet le plus long accepté (minutes)").fill("45")
    page.get_by_label("Communes accessibles").fill("Nantes\nRezé")
    journey.check(page, "08-coach-wishes")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"**{accompaniment.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("Travailler le soir")
    journey.check(page)

    # The company, with a valid SIRET, and its opening with a ROME title.
    page.get_by_role("navigation").get_by_role("link", name="Entreprises").click()
    journey.check(page)
    page.get_by_role("link", name="Nouvelle entreprise").click()
    page.get_by_label("Raison sociale ou enseigne").fill("Propreté de l'Erdre")
    page.get_by_label("Secteur").select_option(label="Propreté, nettoyage")
    page.get_by_label("SIRET (facultatif)").fill("732 829 320 00074")
    page.get_by_label("Commune").fill("Nantes")
    journey.check(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Propreté de l'Erdre")).to_be_visible()
    expect(page.locator("#fiche")).to_contain_text("732 829 320 00074")
    journey.check(page, "09-coach-company")

    page.get_by_role("link", name="Nouvelle offre").click()
    page.wait_for_load_state()  # htmx set up on the page: the type-ahead listens
    page.get_by_label("Métier (ROME)").fill("agent propreté locaux")
    results = page.locator("#rome-results")
    expect(results).to_contain_text("Agent / Agente de propreté de locaux")
    journey.check(page)
    results.get_by_text("Agent / Agente de propreté de locaux").click()
    expect(page.locator("[data-o2r-rome-chosen]")).to_contain_text("K2204")
    page.get_by_label("Contrat").select_option(label="CDI")
    page.get_by_label("Heures par semaine").fill("35")
    page.get_by_label("Temps plein").check()
    page.locator("#opening-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Agent / Agente de propreté de locaux")).to_be_visible()
    journey.check(page, "10-coach-opening")

    # The suggestion, proposed; the person accepts; the meeting at the workplace, tomorrow.
    page.goto(reverse("employment:suggestions", args=[accompaniment.pk]))
    suggestion = page.locator("#suggestions li").first
    expect(suggestion).to_contain_text("Propreté de l'Erdre")
    expect(suggestion).to_contain_text("Métier souhaité")
    journey.check(page, "11-coach-suggestion")
    suggestion.get_by_role("button", name="Proposer à la personne").click()
    introduction = Introduction.objects.get(accompaniment=accompaniment)
    page.wait_for_url(f"**{introduction.get_absolute_url()}")
    page.locator("#etape-accepted button[type=submit]").click()
    expect(page.locator("#statut")).to_contain_text("Acceptée")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    schedule = page.locator("#etape-interview_scheduled")
    schedule.locator("[name='interview_scheduled-interview_on']").fill(tomorrow.isoformat())
    schedule.locator("[name='interview_scheduled-interview_time']").fill("10:00")
    schedule.locator("[name='interview_scheduled-interview_place']").fill(
        "Propreté de l'Erdre, 12 rue de la Tannerie, Nantes"
    )
    schedule.locator("[name='interview_scheduled-interview_contact']").fill("Mme Le Goff")
    journey.check(page)
    schedule.get_by_role("button", name="Prévoir la rencontre").click()
    expect(page.locator("#statut")).to_contain_text("Rencontre prévue")
    journey.check(page, "12-coach-interview-scheduled")
    return accompaniment, introduction


def _move(time_machine, moment):
    time_machine.move_to(moment, tick=True)


def _coach_hires(new_page, coach, awa, accompaniment, introduction, time_machine, journey):
    # The eve's message is a reminder until 10:00 the day before (quiet hours are off here);
    # beat's scan then hands it to the outbox.
    eve = Reminder.objects.get(dedup_key=f"introduction:{introduction.pk}:sms_eve")
    if timezone.now() < eve.due_at:
        _move(time_machine, eve.due_at + datetime.timedelta(minutes=5))
    assert reminders_dispatch_due() == 1
    page = log_in_through_the_form(new_page(DESKTOP), coach)
    page.goto(f"{reverse('sms:outbox')}?resident={awa.pk}")
    reminder_row = page.locator("li", has_text="Rappel : rendez-vous")
    expect(reminder_row).to_contain_text("Propreté de l'Erdre, 12 rue de la Tannerie")
    expect(reminder_row).to_contain_text("Demandez Mme Le Goff")
    journey.check(page, "13-coach-outbox-eve-sms")
    assert SmsMessage.objects.filter(owner_kind="reminder", resident=awa).count() == 1

    # The day of the meeting, after it: she records it, then the hire on a CDI from today.
    meeting_day = timezone.localdate(introduction.interview_at)
    _move(
        time_machine, timezone.make_aware(datetime.datetime.combine(meeting_day, datetime.time(14)))
    )
    page = log_in_through_the_form(new_page(DESKTOP), coach)
    page.goto(introduction.get_absolute_url())
    page.locator("#etape-interview_held button[type=submit]").click()
    expect(page.locator("#statut")).to_contain_text("Rencontre faite")
    page.get_by_role("link", name="Enregistrer l'embauche").click()
    hire = page.locator("#embauche-form")
    hire.get_by_label("Contrat").select_option(label="CDI")
    hire.get_by_label("Premier jour").fill(meeting_day.isoformat())
    hire.get_by_label("Heures par semaine").fill("35")
    journey.check(page)
    hire.locator("button[type=submit]").click()
    placement = Placement.objects.get(accompaniment=accompaniment)
    page.wait_for_url(f"**{placement.get_absolute_url()}")
    expect(page.locator("#qualite")).to_contain_text("durable")
    journey.check(page, "14-coach-hire")
    assert Resident.objects.get(pk=awa.pk).stage == Stage.EMPLOYED

    # Her caseload, then the four follow-ups in "Mes rappels"; J+7 done.
    page.get_by_role("navigation").get_by_role("link", name="Accompagnements").click()
    expect(page.locator(f"#accompagnement-{accompaniment.pk}")).to_contain_text("Awa KONÉ")
    journey.check(page, "15-coach-caseload")
    page.get_by_role("navigation").get_by_role("link", name=re.compile("Mes rappels")).click()
    upcoming = page.locator("#rappels-upcoming")
    for label in ("J+7", "M+1", "M+3", "M+6"):
        expect(upcoming.locator("li", has_text=f"Suivi {label} ")).to_have_count(1)
    journey.check(page, "16-coach-reminders")
    d7 = upcoming.locator("li", has_text="Suivi J+7 ")
    d7.get_by_role("button", name="Fait").click()
    expect(upcoming.locator("li", has_text="fait le")).to_contain_text("Suivi J+7")
    journey.check(page, "17-coach-reminders-d7-done")
    follow_up = FollowUp.objects.get(placement=placement, milestone="d7")
    assert Reminder.objects.get(dedup_key=f"follow_up:{follow_up.pk}").done_at is not None
    return placement


# --- 3 ------------------------------------------------------------------------------------------


def _count_cell(page, table, row_label):
    return (
        page.locator(f'[data-table="{table}"] tbody tr')
        .filter(has=page.get_by_role("rowheader", name=row_label, exact=True))
        .locator("td")
        .first
    )


def _sheet_row(sheet, label):
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] == label:
            return row
    raise AssertionError(f"{label!r} not in {sheet.title}")


def _manager_reads_the_dashboard(new_page, manager, hall, awa, placement, tmp_path, journey):
    page = log_in_through_the_form(new_page(DESKTOP), manager)
    page.get_by_role("navigation").get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    journey.check(page)

    day = placement.start_on
    quarter = (day.month - 1) // 3 + 1
    form = page.get_by_role("form", name="Filtres du tableau de bord")
    form.get_by_label("Période").select_option(label="Un trimestre")
    form.get_by_label("Année").fill(str(day.year))
    form.get_by_label("Trimestre").select_option(str(quarter))
    form.get_by_label("Résidences").select_option(label=hall.name)
    form.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(rf"[?&]trimestre={quarter}(&|$)"))
    page.wait_for_function("Number(document.body.dataset.chartsDrawn) > 0")

    # Awa reached "in work" this quarter: one person, and it is she.
    employed = _count_cell(page, "parcours", "En emploi")
    expect(employed).to_have_text("1")
    hires = _count_cell(page, "emploi", "Embauches")
    expect(hires).to_have_text("1")
    expect(_count_cell(page, "emploi", "dont CDI")).to_have_text("1")
    journey.check(page, "18-manager-dashboard")
    query = page.url.split("?", 1)[1]

    employed.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("KONÉ Awa")
    journey.check(page, "19-manager-funnel-person")
    page.goto(f"{reverse('dashboard:home')}?{query}")
    _count_cell(page, "emploi", "Embauches").get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("KONÉ Awa")
    journey.check(page, "20-manager-hire")
    page.goto(f"{reverse('dashboard:home')}?{query}")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Rapport au financeur (XLSX)").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = openpyxl.load_workbook(path)
    filters = dict(book["Filtres"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert filters["Période"] == f"{quarter}e trimestre {day.year}"
    assert filters["Résidences"] == hall.name
    # One person, one hire: counts from 1 to 4 leave the building as "< 5" (the funders' rule).
    assert _sheet_row(book["parcours"], "En emploi")[1] == MASK
    assert _sheet_row(book["emploi"], "Embauches")[1] == MASK
    assert _sheet_row(book["emploi"], "dont CDI")[1] == MASK


# --- 4 ------------------------------------------------------------------------------------------


def _sharing_withdrawn(new_page, officer, coach, awa, accompaniment, journey, page_problems):
    coach_page = log_in_through_the_form(new_page(DESKTOP), coach)
    coach_page.goto(awa.get_absolute_url())
    expect(coach_page.get_by_role("heading", name="Awa KONÉ")).to_be_visible()

    page = log_in_through_the_form(new_page(PHONE), officer)
    page.goto(awa.get_absolute_url())
    sharing = page.locator("#accords li", has_text="Partage avec la structure emploi")
    tap(sharing.get_by_role("button", name="Retrait"))
    expect(
        page.locator("#accords li", has_text="Partage avec la structure emploi")
    ).to_contain_text("retiré le")
    journey.check_officer(page, "21-officer-sharing-withdrawn")
    assert awa.consents.get(scope=ConsentScope.SHARING).withdrawn_on == timezone.localdate()

    response = coach_page.goto(awa.get_absolute_url())
    assert response.status == 404
    # Chromium reports the 404 of the page itself as a resource that did not load.
    page_problems[:] = [p for p in page_problems if "status of 404" not in p]
    journey.check(coach_page, "22-coach-file-404")
    coach_page.goto(reverse("employment:caseload"))
    row = coach_page.locator(f"#accompagnement-{accompaniment.pk}")
    expect(row).to_contain_text("Suspendu — accord de partage retiré")
    expect(row.get_by_role("link")).to_have_count(0)
    journey.check(coach_page, "23-coach-caseload-suspended")
