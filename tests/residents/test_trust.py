"""The trust issue's findings, one test (or a few) each: health information, confidential
notes, the one access table, reads on record, history, races, lost edits, duplicates, and the
extension points the next apps plug into."""

import ast
import datetime
import re
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from o2r import access
from o2r.audit.models import AccessAction, AccessLog
from o2r.reminders.models import Reminder, ReminderKind
from o2r.reminders.services import reminder_key, reminder_upsert
from residents import services
from residents.enums import ConsentScope, Stage
from residents.models import Consent, Resident, ResidentBarrier, StageChange
from tests.residents.factories import ResidenceMembershipFactory, ResidentFactory
from tests.utils import BASE_DIR, history_edits


def _consent(resident, scope, by, organisation=None):
    return services.consent_record(
        resident=resident,
        scope=scope,
        given_on=timezone.localdate(),
        method="oral",
        by=by,
        recipient_organisation=organisation,
    )


@pytest.fixture
def file(cast, adelis, nantes_residences):
    """A resident followed by the coach with the sharing consent: a lifted health barrier, an
    open one (debt), RQTH, a past exit for health reasons, and notes of each organisation."""
    officer, coach = cast["officer"], cast["coach"]
    resident = ResidentFactory(
        first_name="Fatoumata",
        last_name="Diallo",
        residence=nantes_residences[0],
        stage=Stage.ENGAGED,
        job_coach=coach,
        insertion_officer=officer,
        rqth=True,
    )
    _consent(resident, ConsentScope.SHARING, officer, adelis)
    services.barrier_set(resident=resident, code="health", status="identified", by=officer)
    services.barrier_set(resident=resident, code="health", status="lifted", by=officer)
    services.barrier_set(resident=resident, code="debt", status="identified", by=officer)
    StageChange.objects.create(
        resident=resident,
        from_stage=Stage.ENGAGED,
        to_stage=Stage.EXITED,
        exit_reason="health",
        changed_by=officer,
        changed_at=timezone.now() - datetime.timedelta(days=30),
    )
    services.note_add(resident=resident, by=officer, body="Confidentiel Adoma", confidential=True)
    services.note_add(resident=resident, by=coach, body="Confidentiel Adelis", confidential=True)
    services.note_add(resident=resident, by=officer, body="Note partagée")
    # A neighbour with an open health barrier and RQTH: what the list's filters would reveal.
    neighbour = ResidentFactory(last_name="Kovalenko", residence=nantes_residences[0], rqth=True)
    services.barrier_set(resident=neighbour, code="health", status="identified", by=officer)
    # The administrator (of Adoma in the demo) given a membership of the residence.
    ResidenceMembershipFactory(user=cast["administrator"], residence=nantes_residences[0])
    return resident


# Strings only health information produces on a page: the barrier's label as a list item or
# an option, RQTH, an exit's health reason.
HEALTH_MARKERS = [">Santé<", "Frein levé : Santé", "RQTH", "Raisons de santé"]


def _pages(client, resident):
    urls = [
        resident.get_absolute_url(),
        reverse("residents:list"),
        reverse("residents:list") + "?barrier=health",
        reverse("residents:list") + "?benefit=rqth",
        reverse("residents:history", args=[resident.pk]),
        reverse("residents:edit", args=[resident.pk]),
    ]
    bodies = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            bodies[url] = response.content.decode()
    export = client.get(reverse("residents:export") + "?barrier=health")
    if export.status_code == 200:
        bodies["export?barrier=health"] = b"".join(export.streaming_content).decode()
    return bodies


@pytest.mark.parametrize(
    ("member", "sees_health"),
    [
        ("officer", True),
        ("coach", False),  # no health consent to Adelis
        ("adoma_manager", False),
        ("adelis_manager", False),
        ("administrator", False),  # with a membership: still no health information
    ],
)
def test_health_information_reaches_only_those_the_table_allows(
    client, cast, file, member, sees_health
):
    client.force_login(cast[member])
    bodies = _pages(client, file)
    assert file.get_absolute_url() in bodies  # every member here opens the file
    # The pages of the person: no health marker at all. The lists: no person found through a
    # health filter (their options are offered to those who see health of some residents).
    filtered = [reverse("residents:list") + url for url in ("?barrier=health", "?benefit=rqth")]
    lists = [reverse("residents:list"), *filtered]
    shown = {
        url: [m for m in HEALTH_MARKERS if m in body]
        for url, body in bodies.items()
        if url not in lists
    }
    if not access.allows(cast[member], access.Action.HEALTH_READ):
        assert 'value="health"' not in bodies[reverse("residents:list")]
        assert 'value="rqth"' not in bodies[reverse("residents:list")]
    if sees_health:
        assert set(HEALTH_MARKERS) <= {m for found in shown.values() for m in found}
        assert all("KOVALENKO" in bodies[url] for url in filtered)
        assert "Kovalenko" in bodies["export?barrier=health"]
        return
    assert not any(shown.values()), shown
    if access.allows(cast[member], access.Action.HEALTH_READ):
        # The coach: the filters hold only residents whose health she may see (none here,
        # though her Diallo has RQTH).
        assert all("0 résident" in bodies[url] for url in filtered)
    else:
        # No health filter at all: the parameter is refused and the list is the whole list.
        unfiltered = bodies[reverse("residents:list")]
        total = re.search(r"(\d+) résident", unfiltered).group(1)
        assert all(f"{total} résident" in bodies[url] for url in filtered)
        export = bodies.get("export?barrier=health")
        if export is not None:
            assert export.count("\n") == int(total) + 1
    # The debt barrier is not health: everyone who opens the file sees it.
    assert "Dettes" in bodies[file.get_absolute_url()]


def test_the_coach_sees_health_with_the_health_consent_and_loses_it_on_withdrawal(
    client, cast, file, adelis
):
    consent = _consent(file, ConsentScope.HEALTH, cast["officer"], adelis)
    client.force_login(cast["coach"])
    body = client.get(file.get_absolute_url()).content.decode()
    assert ">Santé<" in body and "Raisons de santé" in body and "RQTH" in body
    services.consent_withdraw(consent=consent, by=cast["officer"])
    body = client.get(file.get_absolute_url()).content.decode()
    assert not any(marker in body for marker in HEALTH_MARKERS)


def test_a_coach_without_the_health_consent_cannot_set_the_health_barrier(cast, file):
    ResidentBarrier.objects.filter(resident=file, code="health").delete()
    with pytest.raises(ValidationError):
        services.barrier_set(resident=file, code="health", status="identified", by=cast["coach"])
    assert not ResidentBarrier.objects.filter(resident=file, code="health").exists()


# --- Confidential notes follow the table -----------------------------------------------------


@pytest.mark.parametrize(
    ("member", "sees"),
    [
        ("officer", {"Confidentiel Adoma"}),
        ("coach", {"Confidentiel Adelis"}),
        ("adoma_manager", set()),
        ("adelis_manager", set()),
        ("administrator", set()),  # Adoma's, with a membership: the table gives her none
    ],
)
def test_confidential_notes_follow_the_access_table(client, cast, file, member, sees):
    client.force_login(cast[member])
    body = client.get(file.get_absolute_url()).content.decode()
    assert "Note partagée" in body
    assert {text for text in ("Confidentiel Adoma", "Confidentiel Adelis") if text in body} == sees


def test_a_user_of_no_organisation_reads_no_confidential_note(cast, file):
    from residents.models import Note

    officer = cast["officer"]
    Note.objects.create(
        resident=file, author=officer, author_organisation=None, body="Sans org", confidential=True
    )
    officer.organisation = None
    assert not Note.objects.readable_by(officer).filter(confidential=True).exists()


# --- One access table -------------------------------------------------------------------------


def test_the_readme_access_table_is_the_code_table():
    readme = (BASE_DIR / "README.md").read_text()
    assert access.markdown_table() in readme, "run `python manage.py access_table` into README"


# What compares roles: a role constant, a role attribute compared, an is_<role> property.
ROLE_CHECKS = re.compile(
    r"\bRole\.[A-Z_]+|\.role\s*(==|!=|\bin\b)|\bis_(insertion_officer|job_coach|manager|"
    r"administrator|residence_staff)\b"
)
# Where roles are data, not checks: the table itself, the user model, and the data builders.
ALLOWED = {
    "o2r/access.py",
    "o2r/accounts/enums.py",
    "o2r/accounts/models.py",
    "o2r/accounts/admin.py",
    "o2r/core/demo.py",
    "o2r/core/demo_sms.py",
    "o2r/core/benchdata/residents.py",
    "o2r/core/bench_sms.py",
}


def _code_files():
    for folder in ("o2r", "residents", "outreach", "employers", "employment", "templates"):
        for path in (BASE_DIR / folder).rglob("*"):
            if path.suffix not in (".py", ".html") or "migrations" in path.parts:
                continue
            yield path


def test_no_view_service_or_template_checks_a_role_outside_the_table():
    offenders = []
    for path in _code_files():
        relative = path.relative_to(BASE_DIR).as_posix()
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ROLE_CHECKS.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "role checks outside o2r/access.py:\n" + "\n".join(offenders)


def test_the_role_check_scan_finds_a_role_check(tmp_path):
    # The scan above must be able to fail.
    assert ROLE_CHECKS.search("if request.user.role == 'manager':")
    assert ROLE_CHECKS.search("{% if user.is_insertion_officer %}")
    assert ROLE_CHECKS.search("coach.role != Role.JOB_COACH")


def test_a_coach_or_manager_of_no_organisation_sees_nobody(cast, file):
    for member in ("coach", "adelis_manager"):
        user = cast[member]
        user.organisation = None
        user.organisation_id = None
        assert not Resident.objects.visible_to(user).exists()


# --- Reads on record ----------------------------------------------------------------------


def _new_log_rows(before):
    return list(AccessLog.objects.exclude(pk__in=before).order_by("pk"))


def test_the_edit_form_get_is_a_logged_read(client, cast, file):
    client.force_login(cast["officer"])
    before = set(AccessLog.objects.values_list("pk", flat=True))
    assert client.get(reverse("residents:edit", args=[file.pk])).status_code == 200
    rows = _new_log_rows(before)
    assert [(r.action, r.resident_id, r.page) for r in rows] == [
        (AccessAction.READ, file.pk, "residents:edit")
    ]


def test_the_export_records_the_ids_it_contained(client, cast, file, nantes_residences):
    ResidentFactory(residence=nantes_residences[1])
    expected = sorted(Resident.objects.visible_to(cast["officer"]).values_list("pk", flat=True))
    assert len(expected) == 3
    client.force_login(cast["officer"])
    before = set(AccessLog.objects.values_list("pk", flat=True))
    response = client.get(reverse("residents:export"))
    body = b"".join(response.streaming_content).decode()
    [row] = _new_log_rows(before)
    assert (row.action, row.count) == (AccessAction.LIST_EXPORT, 3)
    assert sorted(row.resident_ids) == expected
    assert body.count("\n") == 4  # the header and exactly the residents logged


# --- History ------------------------------------------------------------------------------


def test_barrier_referent_and_step_changes_record_who(cast, file):
    coach = cast["coach"]
    services.barrier_set(resident=file, code="debt", status="being_addressed", by=coach)
    referent = services.referent_add(resident=file, by=coach, kind="plie", name="Mme Roux")
    services.referent_end(referent=referent, by=coach)
    step = services.action_step_add(
        resident=file, by=coach, objective="Emploi", step="Visite", owner="person"
    )
    services.action_step_done(step=step, by=coach)
    titles = [(who, title) for who, items in history_edits(file)[:5] for title, _ in items]
    assert titles == [
        (coach, "Étape du plan d'action (modification)"),
        (coach, "Étape du plan d'action (ajout)"),
        (coach, "Référent extérieur : PLIE (modification)"),
        (coach, "Référent extérieur : PLIE (ajout)"),
        (coach, "Frein : Dettes (modification)"),
    ]


def test_re_saving_a_lifted_barrier_keeps_its_date(cast, file):
    barrier = ResidentBarrier.objects.get(resident=file, code="health")
    ResidentBarrier.objects.filter(pk=barrier.pk).update(
        identified_on=datetime.date(2025, 1, 6), lifted_on=datetime.date(2025, 3, 1)
    )
    services.barrier_set(resident=file, code="health", status="lifted", by=cast["officer"])
    barrier.refresh_from_db()
    assert barrier.lifted_on == datetime.date(2025, 3, 1)


@pytest.mark.django_db(transaction=True)
def test_a_bulk_update_and_plain_sql_keep_before_and_after(cast, file):
    # Each statement commits on its own, as requests and scripts do: the context (who) of one
    # never leaks into the next.
    import pghistory

    unit = file.housing_unit
    with pghistory.context(user=cast["officer"].pk):
        Resident.objects.filter(pk=file.pk).update(housing_unit="Z9")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE residents_resident SET housing_unit = 'Y8' WHERE id = %s", [file.pk])
    from residents.health import HealthView
    from residents.history import file_history

    entries = file_history(file, health=HealthView(True))
    changes = [
        (entry.by, [(c.label, c.before, c.after) for c in changes])
        for entry in entries[:2]
        for _, changes in entry.items
    ]
    assert changes == [
        (None, [("logement", "Z9", "Y8")]),  # plain SQL: no author known, still kept
        (cast["officer"], [("logement", unit, "Z9")]),
    ]


# --- Races: a withdrawal against "engaged -> accompanied" ------------------------------------

SEEN = []


def record_stage(*, consent, by):
    SEEN.append(Resident.objects.get(pk=consent.resident_id).stage)


def _in_thread(act, results, name):
    def run():
        try:
            act()
            results[name] = "ok"
        except ValidationError as error:
            results[name] = error.messages[0]
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def engaged(officer, coach, adelis, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0], stage=Stage.ENGAGED, job_coach=coach)
    _consent(resident, ConsentScope.ACCOMPANIMENT, officer)
    return resident, _consent(resident, ConsentScope.SHARING, officer, adelis)


@pytest.mark.django_db(transaction=True)
def test_a_move_racing_a_withdrawal_waits_and_sees_it(officer, engaged):
    resident, sharing = engaged
    locked, release, results = threading.Event(), threading.Event(), {}

    def withdraw():
        with transaction.atomic():
            services.consent_withdraw(consent=Consent.objects.get(pk=sharing.pk), by=officer)
            locked.set()
            release.wait(timeout=30)  # the move starts while the withdrawal is uncommitted

    def move():
        services.resident_change_stage(
            resident=Resident(pk=resident.pk),
            to=Stage.ACCOMPANIED,
            by=officer,
            via="employment",
        )

    first = _in_thread(withdraw, results, "withdraw")
    assert locked.wait(timeout=30)
    second = _in_thread(move, results, "move")
    second.join(timeout=1)
    assert second.is_alive(), "the move did not wait for the resident's lock"
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    resident.refresh_from_db()
    assert results["withdraw"] == "ok"
    assert "partage" in results["move"]
    assert resident.stage == Stage.ENGAGED


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_racing_a_move_waits_and_its_effects_see_it(officer, engaged):
    resident, sharing = engaged
    locked, release, results = threading.Event(), threading.Event(), {}
    SEEN.clear()

    def move():
        with transaction.atomic():
            services.resident_change_stage(
                resident=Resident(pk=resident.pk),
                to=Stage.ACCOMPANIED,
                by=officer,
                via="employment",
            )
            locked.set()
            release.wait(timeout=30)

    def withdraw():
        services.consent_withdraw(consent=Consent.objects.get(pk=sharing.pk), by=officer)

    with override_settings(
        O2R_CONSENT_WITHDRAWAL_EFFECTS=["tests.residents.test_trust.record_stage"]
    ):
        first = _in_thread(move, results, "move")
        assert locked.wait(timeout=30)
        second = _in_thread(withdraw, results, "withdraw")
        second.join(timeout=1)
        assert second.is_alive(), "the withdrawal did not wait for the resident's lock"
        release.set()
        first.join(timeout=30)
        second.join(timeout=30)
    assert results == {"move": "ok", "withdraw": "ok"}
    # The withdrawal's effects (the IOD app will suspend the accompaniment) saw the move.
    assert SEEN == [Stage.ACCOMPANIED]


# --- Lost edits ---------------------------------------------------------------------------


def _edit_data(resident, **changes):
    return {
        "last_name": resident.last_name,
        "first_name": resident.first_name,
        "sex": resident.sex,
        "phone": "",
        "residence": resident.residence_id,
        "housing_unit": resident.housing_unit,
        "preferred_language": resident.preferred_language,
        "international_protection": resident.international_protection,
        "right_to_work_document": resident.right_to_work_document,
        "france_travail_status": resident.france_travail_status,
        "version": resident.version,
        **changes,
    }


def test_a_second_editor_is_told_what_changed_and_loses_nothing(client, cast, file):
    url = reverse("residents:edit", args=[file.pk])
    opened = _edit_data(file)  # both open the form on the same version
    client.force_login(cast["coach"])
    assert client.post(url, {**opened, "housing_unit": "C3"}).status_code == 302

    client.force_login(cast["officer"])
    response = client.post(url, {**opened, "housing_unit": "B12", "first_name": "Fatou"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "a été modifié par Claire Moreau" in body
    assert "Logement" in body and "C3" in body
    assert 'value="B12"' in body and 'value="Fatou"' in body  # her input is kept
    file.refresh_from_db()
    assert (file.housing_unit, file.first_name) == ("C3", "Fatoumata")

    # Saving again, knowing: her values go in.
    again = response.context["form"].data.copy()
    assert client.post(url, again).status_code == 302
    file.refresh_from_db()
    assert (file.housing_unit, file.first_name) == ("B12", "Fatou")


def test_a_change_outside_the_form_is_no_conflict(client, cast, file):
    url = reverse("residents:edit", args=[file.pk])
    opened = _edit_data(file)
    services.resident_update(resident=file, by=cast["coach"], data={"rqth": False})
    client.force_login(cast["coach"])  # the coach does not see RQTH: nothing of hers changed
    assert client.post(url, {**opened, "housing_unit": "D4"}).status_code == 302


# --- Duplicates: one matching rule, one index -------------------------------------------------


def test_duplicate_check_folds_accents_like_the_roster(client, cast, nantes_residences):
    services.resident_create(
        by=cast["officer"],
        data={
            "first_name": "Mamadou",
            "last_name": "Traoré",
            "birth_date": datetime.date(1971, 5, 2),
            "residence": nantes_residences[0],
        },
    )
    from residents.duplicates import find_duplicates

    for last_name in ("Traore", "TRAORÉ", "traoré "):
        found = find_duplicates(
            user=cast["officer"],
            data={
                "first_name": "mamadou",
                "last_name": last_name,
                "birth_date": datetime.date(1971, 5, 2),
            },
        )
        assert [r.last_name for r in found.visible] == ["Traoré"], last_name


def test_the_duplicate_query_uses_its_index(nantes_residences, officer):
    from residents.normalise import identity_key

    ResidentFactory.create_batch(300, residence=nantes_residences[0])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE residents_resident")
    key = identity_key(first_name="Mamadou", last_name="Traoré")
    plan = str(
        Resident.objects.filter(identity_key=key, birth_date=datetime.date(1971, 5, 2)).explain()
    )
    assert "residents_resident_identity" in plan, plan


# --- Extension points ---------------------------------------------------------------------

CALLS = []


def record_withdrawal(*, consent, by):
    # Runs inside the withdrawal's transaction, the resident locked.
    CALLS.append((consent.scope, by.pk, connection.in_atomic_block))


def test_withdrawal_effects_registered_in_settings_run_in_the_transaction(cast, file):
    sharing = Consent.objects.get(resident=file, scope=ConsentScope.SHARING)
    CALLS.clear()
    with override_settings(
        O2R_CONSENT_WITHDRAWAL_EFFECTS=["tests.residents.test_trust.record_withdrawal"]
    ):
        services.consent_withdraw(consent=sharing, by=cast["officer"])
    assert [(ConsentScope.SHARING, cast["officer"].pk, True)] == CALLS


def test_residents_imports_none_of_its_dependents():
    dependents = ("outreach", "employers", "employment", "o2r.sms", "o2r.dashboard")
    for path in (BASE_DIR / "residents").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(dependents), f"{path}: imports {name}"


def test_last_interaction_moves_forward_only_through_the_service(cast, file):
    file.refresh_from_db()
    first = file.last_interaction_at
    assert first is not None  # the sharing consent given today was an interaction
    later = first + datetime.timedelta(days=3)
    services.resident_record_interaction(resident_id=file.pk, at=later)
    services.resident_record_interaction(resident_id=file.pk, at=first - datetime.timedelta(1))
    file.refresh_from_db()
    assert file.last_interaction_at == later
    # An edit of the file is not an interaction.
    services.resident_update(resident=file, by=cast["officer"], data={"housing_unit": "Q1"})
    file.refresh_from_db()
    assert file.last_interaction_at == later
    assert services.resident_recompute_last_interaction(resident=file).date() == (
        timezone.localdate()
    )


def test_reminder_keys_and_kinds(cast, file):
    assert reminder_key("placement", 12, "M1") == "placement:12:M1"
    with pytest.raises(ValueError):
        reminder_key("a:b", 1)
    due = timezone.now()
    reminder_upsert(
        dedup_key=reminder_key("interview", 7, "J-1"),
        assignee=None,
        title="Rappel d'entretien",
        due_at=due,
        resident=file,
        kind=ReminderKind.RESIDENT_MESSAGE,
    )
    reminder_upsert(
        dedup_key=reminder_key("contact", 8), assignee=cast["officer"], title="Rappeler", due_at=due
    )
    assert list(Reminder.objects.for_assignee(cast["officer"]).values_list("title", flat=True)) == [
        "Rappeler"
    ]


def test_the_stage_form_refuses_a_move_reserved_to_another_app(client, cast, file):
    Resident.objects.filter(pk=file.pk).update(stage=Stage.ACCOMPANIED)
    client.force_login(cast["officer"])
    response = client.post(reverse("residents:stage", args=[file.pk]), {"to": "employed"})
    assert response.status_code == 200
    file.refresh_from_db()
    assert file.stage == Stage.ACCOMPANIED


def test_files_read_only_what_they_need():
    # Guard against a module silently re-creating the old access helpers.
    source = Path(BASE_DIR / "residents" / "access.py").read_text()
    assert "def get_resident_for_user(" in source and "access_log_request" in source


def test_an_erasure_drops_a_form_kept_for_the_persons_file(client, cast, file):
    from django.contrib.sessions.backends.db import SessionStore

    from o2r.accounts import signin
    from residents.enums import ErasureReason
    from residents.personal_data import resident_anonymise

    kept = SessionStore()
    kept[signin.KEPT_POST] = {
        "user": cast["officer"].pk,
        "path": reverse("residents:note_add", args=[file.pk]),
        "fields": [["body", "Rencontrée ce matin, très motivée."]],
        "back_to": file.get_absolute_url(),
    }
    kept.save()
    other = SessionStore()
    other[signin.KEPT_POST] = {**kept[signin.KEPT_POST], "path": "/residents/999999/notes/"}
    other.save()

    resident_anonymise(resident=file, by=cast["officer"], reason=ErasureReason.REQUEST)

    assert signin.KEPT_POST not in SessionStore(session_key=kept.session_key).load()
    assert signin.KEPT_POST in SessionStore(session_key=other.session_key).load()


def test_no_write_reaches_an_anonymised_file(cast, file):
    from residents.enums import ErasureReason
    from residents.personal_data import resident_anonymise

    resident_anonymise(resident=file, by=cast["officer"], reason=ErasureReason.REQUEST)
    for write in (
        lambda: services.note_add(resident=file, by=cast["officer"], body="Après"),
        lambda: services.resident_update(
            resident=file, by=cast["officer"], data={"first_name": "X"}
        ),
        lambda: services.referent_add(resident=file, by=cast["officer"], kind="plie", name="Y"),
    ):
        with pytest.raises(ValidationError, match="anonymisé"):
            write()
    file.refresh_from_db()
    assert (file.first_name, file.notes.count()) == ("Anonyme", 0)
