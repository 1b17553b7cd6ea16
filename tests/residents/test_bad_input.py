"""Garbage in every form of the resident file: each refusal is a French message beside the
field (crispy's `invalid-feedback`, or the form's alert for a non-field error), never a 500,
and nothing already saved changes. The test client raises the view's exceptions, so a 500
fails loudly. Each form is also submitted once with valid data, so that the refusals cannot
pass because everything is refused."""

import copy
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from o2r.reminders.models import Reminder
from residents import services
from residents.enums import ConsentScope, Stage
from residents.forms import ResidentFilter
from residents.models import (
    ActionStep,
    Consent,
    ExternalReferent,
    Note,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
    RosterImport,
    StageChange,
)
from tests import cast as the_cast
from tests.conftest import built_once
from tests.residents.factories import ResidentFactory
from tests.utils import history_edits, history_models, table_rows

HUGE = "x" * 20_000
NUL = "a\x00b"

# Django's and the application's French messages.
REQUIRED = "Ce champ est obligatoire."
CHOICE = "Sélectionnez un choix valide."
DATE = "Saisissez une date valide."
NUL_REFUSED = "Le caractère nul n\u2019est pas autorisé."  # a typographic apostrophe
PHONE = "Numéro de téléphone invalide"
FRANCE_TRAVAIL = "Identifiant France Travail invalide"
ENGLISH = [
    "This field is required", "Enter a valid", "Select a valid", "Ensure this value",
    "Null characters", "is not allowed",
]  # fmt: skip


def too_long(limit):
    return f"au plus {limit} caractères"


# --- Reading the errors of a page -----------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
ERROR_ID = re.compile(r"^(?:error_\d+_)?id_(?P<field>.+?)(?:_error)?$")


class _ErrorReader(HTMLParser):
    """The text of each field's `invalid-feedback` block, keyed by field name, and of the
    page's danger alerts (non-field errors and error messages) under "__all__"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = [{"field": None, "alert": False}]
        self.errors = {}

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        parent = self.stack[-1]
        classes = (attrs.get("class") or "").split()
        entry = dict(parent)
        if "invalid-feedback" in classes or parent["field"] is not None:
            match = ERROR_ID.match(attrs.get("id") or "")
            entry["field"] = match["field"] if match else (parent["field"] or "?")
        if "alert-danger" in classes:
            entry["alert"] = True
        self.stack.append(entry)

    def handle_endtag(self, tag):
        if tag not in VOID and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data):
        top = self.stack[-1]
        key = top["field"] or ("__all__" if top["alert"] else None)
        if key:
            self.errors[key] = self.errors.get(key, "") + data


def page_errors(response):
    reader = _ErrorReader()
    reader.feed(response.content.decode())
    return {field: " ".join(text.split()) for field, text in reader.errors.items()}


def assert_refused_in_french(response, expected):
    """200, each expected message beside its field, and no English message anywhere."""
    assert response.status_code == 200
    errors = page_errors(response)
    assert errors, "the submission was refused without any message"
    for field, messages in expected.items():
        # One message, or a tuple of acceptable ones.
        messages = messages if isinstance(messages, tuple) else (messages,)
        assert any(message in errors.get(field, "") for message in messages), (
            f"{field}: expected « {' » or « '.join(messages)} », the page says {errors}"
        )
    body = response.content.decode()
    for english in ENGLISH:
        assert english not in body


# --- The world and its snapshot -------------------------------------------------------------

SNAPSHOT_MODELS = [
    Resident, ResidentBenefit, Consent, ResidentBarrier, ExternalReferent, Note, StageChange,
    ActionStep, Reminder, RosterImport,
]  # fmt: skip


def snapshot():
    """Every saved row these forms may write (the access log aside: a refused form shows
    the file again, which is a logged read)."""
    return table_rows([*SNAPSHOT_MODELS, *history_models()])


@dataclass
class Setup:
    officer: object
    coach: object
    adoma: object
    adelis: object
    resident: Resident  # engaged, sharing consent to Adelis, not yet oriented to a coach
    residences: list
    elsewhere: object  # a residence of another territory


@pytest.fixture(scope="module")
def _built(django_db_setup, django_db_blocker):
    """The setup, built once for the module's 200 tests (each reads it in a savepoint rolled
    back after it: tests/conftest.py's `built_once`)."""

    def build():
        adoma, adelis = the_cast.adoma(), the_cast.adelis()
        residences = the_cast.nantes_residences()
        return _setup(
            officer=the_cast.officer(adoma, residences),
            coach=the_cast.coach(adelis),
            adoma=adoma,
            adelis=adelis,
            nantes_residences=residences,
            other_territory_residence=the_cast.other_territory_residence(),
        )

    yield from built_once(django_db_blocker, build)


@pytest.fixture
def s(db, _built):
    return copy.deepcopy(_built)


def _setup(*, officer, coach, adoma, adelis, nantes_residences, other_territory_residence):
    resident = ResidentFactory(
        first_name="Fatoumata", last_name="Diallo", birth_date=datetime.date(1985, 4, 12),
        phone="+33612345678", residence=nantes_residences[0], stage=Stage.ENGAGED,
        insertion_officer=officer, france_travail_id="1234567A", complete=True,
        complete__author=officer,
    )  # fmt: skip
    services.consent_record(
        resident=resident, scope=ConsentScope.SHARING, given_on=timezone.localdate(),
        method="oral", by=officer, recipient_organisation=adelis,
    )  # fmt: skip
    return Setup(
        officer=officer, coach=coach, adoma=adoma, adelis=adelis, resident=resident,
        residences=nantes_residences, elsewhere=other_territory_residence,
    )  # fmt: skip


@pytest.fixture
def as_officer(client, s):
    client.force_login(s.officer)
    return client


def every(fields, value):
    return lambda s, base: {name: value for name in fields}


def with_(**changes):
    """The valid submission with some fields changed (a callable value gets the setup)."""

    def build(s, base):
        return {
            **base,
            **{k: (v(s) if callable(v) else v) for k, v in changes.items()},
        }

    return build


def _day(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@dataclass(frozen=True)
class Form:
    """One form of the resident file: its URL, a valid submission, and its garbage cases
    (id, payload builder, {field: expected French message})."""

    url: Callable
    valid: Callable
    cases: list


# --- The resident form (create and edit) ----------------------------------------------------

RESIDENT_FIELDS = [
    "last_name", "first_name", "birth_date", "sex", "phone", "residence", "housing_unit",
    "moved_in_on", "moved_out_on", "preferred_language", "french_level", "nationality_group",
    "international_protection", "right_to_work_document", "right_to_work_expires_on",
    "rqth", "france_travail_status", "france_travail_id",
    "last_referent_contact_on", "benefits", "benefits_since", "enter_programme",
]  # fmt: skip


def _resident_data(s, **changes):
    return {
        "last_name": "Nouvelle",
        "first_name": "Personne",
        "birth_date": "1990-05-01",
        "sex": "female",
        "phone": "06 11 22 33 44",
        "residence": s.residences[1].pk,
        "housing_unit": "A 12",
        "preferred_language": "prs",
        "international_protection": "refugee",
        "right_to_work_document": "resident_card",
        "france_travail_status": "registered",
        "france_travail_id": "12345678901",
        "benefits": ["rsa"],
        "enter_programme": "on",
        **changes,
    }


RESIDENT_CASES = [
    (
        "empty",
        lambda s, base: {},
        {"last_name": REQUIRED, "first_name": REQUIRED, "residence": REQUIRED, "sex": REQUIRED},
    ),
    (
        "every field 20,000 characters",
        every(RESIDENT_FIELDS, HUGE),
        {
            "last_name": too_long(100),
            "first_name": too_long(100),
            "birth_date": DATE,
            "phone": too_long(40),
            "residence": CHOICE,
            "sex": CHOICE,
            "housing_unit": too_long(30),
            "france_travail_id": (FRANCE_TRAVAIL, too_long(20)),
            "benefits": CHOICE,
            "benefits_since": DATE,
        },
    ),
    (
        "NUL bytes",
        every(RESIDENT_FIELDS, NUL),
        {
            "last_name": NUL_REFUSED,
            "first_name": NUL_REFUSED,
            "phone": NUL_REFUSED,
            "housing_unit": NUL_REFUSED,
            "france_travail_id": NUL_REFUSED,
            "birth_date": DATE,
            "residence": NUL_REFUSED,
            "sex": CHOICE,
        },
    ),
    (
        "lists instead of scalars",
        every(RESIDENT_FIELDS, ["abc", NUL]),
        {
            "last_name": NUL_REFUSED,
            "birth_date": DATE,
            "residence": NUL_REFUSED,
            "benefits": CHOICE,
        },
    ),
    (
        "wrong types",
        with_(birth_date="abc", residence="abc", moved_in_on="12", benefits_since="hier"),
        {"birth_date": DATE, "residence": CHOICE, "moved_in_on": DATE, "benefits_since": DATE},
    ),
    ("phone 0712345678", with_(phone="0712345678"), {"phone": PHONE}),
    ("phone 12", with_(phone="12"), {"phone": PHONE}),
    ("phone +33 1", with_(phone="+33 1"), {"phone": PHONE}),
    ("phone letters", with_(phone="zéro six"), {"phone": PHONE}),
    ("phone 41 digits", with_(phone="0" * 41), {"phone": too_long(40)}),
    (
        "future birth date",
        with_(birth_date=lambda s: _day(1)),
        {"birth_date": "La date de naissance ne peut pas être future."},
    ),
    (
        "birth date in 1850",
        with_(birth_date="1850-01-01"),
        {"birth_date": "Date de naissance invraisemblable."},
    ),
    ("birth date year 10000", with_(birth_date="10000-01-01"), {"birth_date": DATE}),
    ("birth date 31 February", with_(birth_date="31/02/1990"), {"birth_date": DATE}),
    (
        "France Travail id ABC",
        with_(france_travail_id="ABC"),
        {"france_travail_id": FRANCE_TRAVAIL},
    ),
    (
        "France Travail id 1234567",
        with_(france_travail_id="1234567"),
        {"france_travail_id": FRANCE_TRAVAIL},
    ),
    (
        "France Travail id 123456789012",
        with_(france_travail_id="123456789012"),
        {"france_travail_id": (FRANCE_TRAVAIL, too_long(20))},
    ),
    (
        "France Travail id 1234567!",
        with_(france_travail_id="1234567!"),
        {"france_travail_id": FRANCE_TRAVAIL},
    ),
    (
        "residence outside the officer's scope",
        with_(residence=lambda s: s.elsewhere.pk),
        {"residence": CHOICE},
    ),
    ("residence id too big", with_(residence="9" * 30), {"residence": CHOICE}),
    ("residence id negative", with_(residence="-1"), {"residence": CHOICE}),
    (
        "moved out before moved in",
        with_(moved_in_on="2024-05-01", moved_out_on="2024-04-30"),
        {"moved_out_on": "La sortie de la résidence suit l'entrée."},
    ),
    (
        "referent contact in the future",
        with_(last_referent_contact_on=lambda s: _day(3)),
        {"last_referent_contact_on": "Ce contact ne peut pas être dans le futur."},
    ),
    ("unknown benefit", with_(benefits=["rsa", "bogus"]), {"benefits": CHOICE}),
    ("unknown language", with_(preferred_language="xx"), {"preferred_language": CHOICE}),
    ("unknown sex", with_(sex="autre"), {"sex": CHOICE}),
]


def _edit_base(s):
    data = _resident_data(s, housing_unit="B 7")
    del data["enter_programme"]
    return data


FORMS = {
    "create": Form(
        url=lambda s: reverse("residents:create"),
        valid=lambda s: _resident_data(s),
        cases=RESIDENT_CASES,
    ),
    "edit": Form(
        url=lambda s: reverse("residents:edit", args=[s.resident.pk]),
        valid=_edit_base,
        cases=RESIDENT_CASES,
    ),
}


# --- The small forms of the file ------------------------------------------------------------

FORMS["stage"] = Form(
    url=lambda s: reverse("residents:stage", args=[s.resident.pk]),
    valid=lambda s: {"to": "exited", "exit_reason": "moved_out", "reason": "Part à Lyon."},
    cases=[
        ("empty", lambda s, base: {}, {"to": REQUIRED}),
        (
            "every field 20,000 characters",
            every(["to", "exit_reason", "reason"], HUGE),
            {"to": CHOICE, "exit_reason": CHOICE, "reason": too_long(500)},
        ),
        (
            "NUL bytes",
            every(["to", "exit_reason", "reason"], NUL),
            {"to": CHOICE, "exit_reason": CHOICE, "reason": NUL_REFUSED},
        ),
        ("lists instead of scalars", every(["to", "exit_reason"], ["exited", NUL]), {"to": CHOICE}),
        ("unknown stage", with_(to="bogus"), {"to": CHOICE}),
        ("a stage not next on the path", with_(to="employed"), {"to": CHOICE}),
        (
            "exit without its coded reason",
            lambda s, base: {"to": "exited"},
            {"exit_reason": "Choisissez le motif de sortie."},
        ),
        ("exit with an unknown reason", with_(exit_reason="bogus"), {"exit_reason": CHOICE}),
        (
            "accompanied through the form (the coach's acceptance does it)",
            lambda s, base: {"to": "accompanied"},
            {"to": CHOICE},
        ),
    ],
)


FORMS["benefit_set"] = Form(
    url=lambda s: reverse("residents:benefit_set", args=[s.resident.pk]),
    valid=lambda s: {"benefit": "ass", "since": "2023-04-01"},
    cases=[
        ("empty", lambda s, base: {}, {"benefit": REQUIRED}),
        (
            "every field 20,000 characters",
            every(["benefit", "since"], HUGE),
            {"benefit": CHOICE, "since": DATE},
        ),
        ("NUL bytes", every(["benefit", "since"], NUL), {"benefit": CHOICE, "since": DATE}),
        ("unknown benefit", with_(benefit="bogus"), {"benefit": CHOICE}),
        ("wrong type of date", with_(since="hier"), {"since": DATE}),
        ("a future date", with_(since="2999-01-01"), {"since": "ne peut pas être future"}),
        ("an implausible date", with_(since="1900-01-01"), {"since": "invraisemblable"}),
    ],
)


CONSENT_FIELDS = ["scope", "recipient_organisation", "given_on", "method"]
FORMS["consent_add"] = Form(
    url=lambda s: reverse("residents:consent_add", args=[s.resident.pk]),
    valid=lambda s: {
        "scope": "health",
        "recipient_organisation": s.adelis.pk,
        "given_on": _day(0),
        "method": "signed_form",
    },
    cases=[
        (
            "empty",
            lambda s, base: {},
            {"scope": REQUIRED, "given_on": REQUIRED, "method": REQUIRED},
        ),
        (
            "every field 20,000 characters",
            every(CONSENT_FIELDS, HUGE),
            {"scope": CHOICE, "recipient_organisation": CHOICE, "given_on": DATE, "method": CHOICE},
        ),
        (
            "NUL bytes",
            every(CONSENT_FIELDS, NUL),
            {
                "scope": CHOICE,
                "recipient_organisation": NUL_REFUSED,
                "given_on": DATE,
                "method": CHOICE,
            },
        ),
        (
            "lists instead of scalars",
            every(CONSENT_FIELDS, ["sms", "abc"]),
            {"scope": CHOICE, "given_on": DATE},
        ),
        ("wrong type of date", with_(given_on="abc"), {"given_on": DATE}),
        ("31 February", with_(given_on="31/02/2025"), {"given_on": DATE}),
        (
            "a consent date in the future",
            with_(given_on=lambda s: _day(1)),
            {"given_on": "La date de l'accord ne peut pas être future."},
        ),
        (
            "sharing without the organisation",
            with_(scope="sharing", recipient_organisation=""),
            {"recipient_organisation": "Indiquez la structure avec qui partager."},
        ),
        (
            "sharing with the housing organisation",
            with_(scope="sharing", recipient_organisation=lambda s: s.adoma.pk),
            {"recipient_organisation": CHOICE},
        ),
        (
            "a second standing consent of the same kind",
            with_(scope="sms", recipient_organisation=""),
            {"scope": "Un accord de ce type est déjà enregistré."},
        ),
    ],
)

FORMS["barrier_set"] = Form(
    url=lambda s: reverse("residents:barrier_set", args=[s.resident.pk]),
    valid=lambda s: {"code": "debt", "status": "being_addressed"},
    cases=[
        ("empty", lambda s, base: {}, {"code": REQUIRED, "status": REQUIRED}),
        ("20,000 characters", every(["code", "status"], HUGE), {"code": CHOICE, "status": CHOICE}),
        ("NUL bytes", every(["code", "status"], NUL), {"code": CHOICE, "status": CHOICE}),
        (
            "lists instead of scalars",
            every(["code", "status"], ["debt", "abc"]),
            {"code": CHOICE, "status": CHOICE},
        ),
        ("unknown barrier", with_(code="diagnostic"), {"code": CHOICE}),
    ],
)

REFERENT_FIELDS = ["kind", "name", "contact", "since", "until"]
FORMS["referent_add"] = Form(
    url=lambda s: reverse("residents:referent_add", args=[s.resident.pk]),
    valid=lambda s: {
        "kind": "plie",
        "name": "Mme Roux",
        "contact": "02 40 00 00 00",
        "since": "2025-01-06",
    },
    cases=[
        ("empty", lambda s, base: {}, {"kind": REQUIRED}),
        (
            "every field 20,000 characters",
            every(REFERENT_FIELDS, HUGE),
            {
                "kind": CHOICE,
                "name": too_long(150),
                "contact": too_long(200),
                "since": DATE,
                "until": DATE,
            },
        ),
        (
            "NUL bytes",
            every(REFERENT_FIELDS, NUL),
            {"kind": CHOICE, "name": NUL_REFUSED, "contact": NUL_REFUSED, "since": DATE},
        ),
        (
            "lists instead of scalars",
            every(REFERENT_FIELDS, ["plie", NUL]),
            {"kind": CHOICE, "name": NUL_REFUSED, "since": DATE},
        ),
        ("wrong type of date", with_(since="abc"), {"since": DATE}),
        (
            "end before the start",
            with_(since="2025-03-01", until="2025-02-01"),
            {"until": "La fin du suivi ne peut pas précéder son début."},
        ),
    ],
)

FORMS["note_add"] = Form(
    url=lambda s: reverse("residents:note_add", args=[s.resident.pk]),
    valid=lambda s: {"body": "Rencontre dans le hall, intéressée par la restauration."},
    cases=[
        ("empty", lambda s, base: {}, {"body": REQUIRED}),
        ("blanks only", with_(body="   \n\t "), {"body": REQUIRED}),
        ("20,000 characters", with_(body=HUGE), {"body": too_long(2000)}),
        ("NUL bytes", with_(body=NUL), {"body": NUL_REFUSED}),
        ("lists instead of scalars", with_(body=["Bonjour", NUL]), {"body": NUL_REFUSED}),
    ],
)

STEP_FIELDS = ["objective", "step", "owner", "due_on"]
FORMS["step_add"] = Form(
    url=lambda s: reverse("residents:step_add", args=[s.resident.pk]),
    valid=lambda s: {
        "objective": "Emploi",
        "step": "Préparer un CV",
        "owner": "coach",
        "due_on": _day(7),
    },
    cases=[
        ("empty", lambda s, base: {}, {"objective": REQUIRED, "step": REQUIRED, "owner": REQUIRED}),
        (
            "every field 20,000 characters",
            every(STEP_FIELDS, HUGE),
            {"objective": too_long(200), "step": too_long(300), "owner": CHOICE, "due_on": DATE},
        ),
        (
            "NUL bytes",
            every(STEP_FIELDS, NUL),
            {"objective": NUL_REFUSED, "step": NUL_REFUSED, "owner": CHOICE, "due_on": DATE},
        ),
        (
            "lists instead of scalars",
            every(STEP_FIELDS, ["person", NUL]),
            {"objective": NUL_REFUSED, "owner": CHOICE, "due_on": DATE},
        ),
        ("wrong type of date", with_(due_on="abc"), {"due_on": DATE}),
        ("a date in 1999", with_(due_on="1999-12-31"), {"due_on": "Date invraisemblable."}),
        ("unknown owner", with_(owner="voisin"), {"owner": CHOICE}),
    ],
)


REFUSALS = [
    pytest.param(name, case_id, build, expected, id=f"{name}: {case_id}")
    for name, form in FORMS.items()
    for case_id, build, expected in form.cases
]


@pytest.mark.parametrize(("name", "case_id", "build", "expected"), REFUSALS)
def test_garbage_is_refused_in_french_and_changes_nothing(
    as_officer, s, name, case_id, build, expected
):
    form = FORMS[name]
    data = build(s, form.valid(s))
    before = snapshot()

    response = as_officer.post(form.url(s), data)

    assert_refused_in_french(response, expected)
    assert snapshot() == before


# --- Each form accepts a valid submission ---------------------------------------------------


def test_create_accepts_a_valid_resident(as_officer, s):
    response = as_officer.post(reverse("residents:create"), _resident_data(s))
    assert response.status_code == 302
    resident = Resident.objects.get(last_name="Nouvelle")
    assert response["Location"] == resident.get_absolute_url()
    assert resident.phone.as_e164 == "+33611223344" and resident.phone_is_mobile
    assert resident.france_travail_id == "12345678901"
    assert resident.stage == Stage.IDENTIFIED
    assert [b.benefit for b in resident.benefits.all()] == ["rsa"]


def test_edit_accepts_a_valid_change_and_keeps_its_history(as_officer, s):
    response = as_officer.post(reverse("residents:edit", args=[s.resident.pk]), _edit_base(s))
    assert response.status_code == 302
    s.resident.refresh_from_db()
    assert (s.resident.housing_unit, s.resident.residence) == ("B 7", s.residences[1])
    # The fields changed; RSA was already recorded and keeps its date, so no benefits change.
    who, items = history_edits(s.resident)[0]
    assert (who, [title for title, _ in items]) == (
        s.officer,
        ["Identité et situation (modification)"],
    )
    assert s.resident.benefits.get(benefit="rsa").since is not None


@pytest.mark.parametrize("name", [n for n in FORMS if n not in ("create", "edit")])
def test_each_file_form_accepts_a_valid_submission(as_officer, s, name):
    form = FORMS[name]
    before = snapshot()
    response = as_officer.post(form.url(s), form.valid(s))
    assert response.status_code == 302
    assert response["Location"].startswith(s.resident.get_absolute_url())
    assert snapshot() != before


def test_a_step_with_a_due_date_reminds_its_owner(as_officer, s):
    Resident.objects.filter(pk=s.resident.pk).update(job_coach=s.coach)
    as_officer.post(FORMS["step_add"].url(s), FORMS["step_add"].valid(s))
    step = ActionStep.objects.get(step="Préparer un CV")
    assert Reminder.objects.get(dedup_key=f"action_step:{step.pk}").assignee == s.coach


# --- The resident form: more than garbage ---------------------------------------------------


def test_a_possible_duplicate_is_shown_before_anything_is_created(as_officer, s):
    data = _resident_data(s, phone="06 12 34 56 78")  # Fatoumata's number
    before = snapshot()
    response = as_officer.post(reverse("residents:create"), data)
    assert response.status_code == 200
    assert "Cette personne est peut-être déjà connue." in response.content.decode()
    assert snapshot() == before

    response = as_officer.post(reverse("residents:create"), {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert Resident.objects.filter(last_name="Nouvelle").count() == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1234567 a", "1234567A"), ("123 4567 8901", "12345678901"), (" 12345678901 ", "12345678901")],
)
def test_france_travail_id_typed_with_spaces_is_accepted_and_normalised(
    as_officer, s, typed, stored
):
    # The normaliser (residents/validators.py) removes spaces: the form must let them through.
    response = as_officer.post(
        reverse("residents:edit", args=[s.resident.pk]),
        {**_edit_base(s), "france_travail_id": typed},
    )
    assert response.status_code == 302, page_errors(response)
    s.resident.refresh_from_db()
    assert s.resident.france_travail_id == stored


def test_a_coach_cannot_move_the_resident_nor_touch_health_fields(client, s):
    Resident.objects.filter(pk=s.resident.pk).update(job_coach=s.coach, rqth=True)
    client.force_login(s.coach)
    data = {
        **_edit_base(s),
        "residence": s.elsewhere.pk,  # forged: the field is disabled for her
        "rqth": "",  # not hers to see without the health consent
    }
    response = client.post(reverse("residents:edit", args=[s.resident.pk]), data)
    assert response.status_code == 302
    s.resident.refresh_from_db()
    assert s.resident.residence == s.residences[0]
    assert s.resident.rqth is True
    assert s.resident.housing_unit == "B 7"


# --- Forms without fields: withdrawals, ends, done ------------------------------------------


def _messages(client, response):
    """The page a redirect leads to, read for its error alerts."""
    assert response.status_code == 302
    return page_errors(client.get(response["Location"])).get("__all__", "")


def test_withdrawing_a_consent_twice_keeps_the_first_withdrawal(as_officer, s):
    consent = Consent.objects.get(resident=s.resident, scope=ConsentScope.SMS)
    Consent.objects.filter(pk=consent.pk).update(
        given_on=_day(-30), withdrawn_on=_day(-10), withdrawn_by=s.officer
    )
    before = snapshot()
    response = as_officer.post(
        reverse("residents:consent_withdraw", args=[s.resident.pk, consent.pk]),
        {"withdrawn_on": "abc", "junk": NUL},
    )
    assert "Cet accord est déjà retiré." in _messages(as_officer, response)
    assert snapshot() == before


def test_withdrawing_ignores_posted_garbage_and_takes_effect_today(as_officer, s):
    consent = Consent.objects.get(resident=s.resident, scope=ConsentScope.SMS)
    response = as_officer.post(
        reverse("residents:consent_withdraw", args=[s.resident.pk, consent.pk]),
        {"withdrawn_on": "1900-01-01", "junk": [HUGE, NUL]},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawn_by) == (timezone.localdate(), s.officer)


def test_ending_a_referent_who_starts_in_the_future_is_refused_in_french(as_officer, s):
    referent = ExternalReferent.objects.create(
        resident=s.resident, kind="mission_locale", since=_day(10)
    )
    before = snapshot()
    response = as_officer.post(reverse("residents:referent_end", args=[s.resident.pk, referent.pk]))
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        text = _messages(as_officer, response)
    else:
        text = page_errors(response).get("__all__", "") + page_errors(response).get("until", "")
    assert "La fin du suivi ne peut pas précéder son début." in text
    assert snapshot() == before


def test_ending_a_referent_already_ended_keeps_the_end_date(as_officer, s):
    referent = ExternalReferent.objects.create(
        resident=s.resident, kind="cap_emploi", since=_day(-100), until=_day(-20)
    )
    before = snapshot()
    response = as_officer.post(reverse("residents:referent_end", args=[s.resident.pk, referent.pk]))
    assert response.status_code == 302
    assert snapshot() == before


def test_ending_a_referent_records_today(as_officer, s):
    referent = ExternalReferent.objects.get(resident=s.resident)
    response = as_officer.post(
        reverse("residents:referent_end", args=[s.resident.pk, referent.pk]), {"until": "abc"}
    )
    assert response.status_code == 302
    referent.refresh_from_db()
    assert referent.until == timezone.localdate()


def test_a_step_done_twice_keeps_the_first_date(as_officer, s):
    step = ActionStep.objects.get(resident=s.resident)
    ActionStep.objects.filter(pk=step.pk).update(done_on=_day(-3))
    before = snapshot()
    response = as_officer.post(
        reverse("residents:step_done", args=[s.resident.pk, step.pk]), {"done_on": "abc"}
    )
    assert response.status_code == 302
    assert snapshot() == before


def test_a_step_done_is_dated_today_and_closes_its_reminder(as_officer, s):
    as_officer.post(FORMS["step_add"].url(s), FORMS["step_add"].valid(s))
    step = ActionStep.objects.get(step="Préparer un CV")
    response = as_officer.post(reverse("residents:step_done", args=[s.resident.pk, step.pk]))
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_on == timezone.localdate()
    assert Reminder.objects.get(dedup_key=f"action_step:{step.pk}").done_at is not None


@pytest.fixture
def reminder(s):
    return Reminder.objects.create(
        assignee=s.officer, resident=s.resident, title="Rappeler Fatoumata",
        due_at=timezone.now(), dedup_key="test:bad-input",
    )  # fmt: skip


@pytest.mark.parametrize("data", [{}, {"done_at": "abc"}, {"pk": NUL, "x": [HUGE, HUGE]}])
def test_reminder_done_ignores_garbage_and_marks_it_done(as_officer, reminder, data):
    response = as_officer.post(reverse("reminders:done", args=[reminder.pk]), data)
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.done_at is not None


def test_reminder_done_twice_keeps_the_first_time(as_officer, reminder):
    as_officer.post(reverse("reminders:done", args=[reminder.pk]))
    before = snapshot()
    response = as_officer.post(
        reverse("reminders:done", args=[reminder.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert snapshot() == before


# --- The list's filters and the export ------------------------------------------------------

FILTER_GARBAGE = [
    {"q": HUGE},
    {"q": "0" * 20_000},
    {"q": NUL},
    {"q": "%_\\'\";--"},
    {"q": ["Diallo", NUL]},
    {"stage": "bogus"},
    {"stage": NUL},
    {"residence": "abc"},
    {"residence": "9" * 30},
    {"residence": "-1"},
    {"benefit": "bogus"},
    {"barrier": HUGE},
    {"referent": ["plie", "bogus"]},
    {"invisible": "peut-être"},
    {"page": "-1"},
    {"page": "abc"},
    {"page": "9" * 30},
    {"page": NUL},
    {"sort": "bogus"},
    {"sort": "-search_text"},
    {"sort": ["name", "-name"]},
    {name: HUGE for name in ("q", "residence", "stage", "benefit", "barrier", "sort", "page")},
]


@pytest.mark.parametrize("params", FILTER_GARBAGE)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_list_filters_with_garbage_answer_200(as_officer, s, params, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = as_officer.get(reverse("residents:list"), params, headers=headers)
    assert response.status_code == 200
    for english in ENGLISH:
        assert english not in response.content.decode()


@pytest.mark.parametrize("params", FILTER_GARBAGE)
def test_export_with_garbage_filters_answers_a_csv(as_officer, s, params):
    response = as_officer.get(reverse("residents:export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeffNom;Prénom;")


SORTS = {
    "": ["Ba", "Diallo", "Zola"],  # the default: name, A to Z
    "-name": ["Zola", "Diallo", "Ba"],
    "created_at": ["Diallo", "Zola", "Ba"],
    "-created_at": ["Ba", "Zola", "Diallo"],
}


def _offered_sorts():
    """The values of the list's "Tri" select."""
    filterset = ResidentFilter(queryset=Resident.objects.none(), user=AnonymousUser())
    return [value for value, _ in filterset.form.fields["sort"].choices]


@pytest.mark.parametrize("sort", [*SORTS, "stage_changed_at", "-stage_changed_at"])
def test_every_sort_offered_by_the_list_works(as_officer, s, sort):
    # The choices of the "Tri" select, as the list page offers them.
    assert sort in _offered_sorts()
    ResidentFactory(first_name="Emile", last_name="Zola", residence=s.residences[0])
    ResidentFactory(first_name="Aminata", last_name="Ba", residence=s.residences[0])
    response = as_officer.get(reverse("residents:list"), {"sort": sort})
    assert response.status_code == 200
    names = [r.last_name for r in response.context["page"]]
    if sort in SORTS:
        assert names == SORTS[sort]
    export = as_officer.get(reverse("residents:export"), {"sort": sort})
    assert export.status_code == 200
    b"".join(export.streaming_content)


def test_list_filters_still_filter(as_officer, s):
    ResidentFactory(first_name="Ahmad", last_name="Rahimi", residence=s.residences[2])
    response = as_officer.get(reverse("residents:list"), {"q": "diallo"})
    assert response.context["page"].paginator.count == 1
    response = as_officer.get(reverse("residents:list"), {"residence": s.residences[2].pk})
    assert [r.last_name for r in response.context["page"]] == ["Rahimi"]
