"""The access log is append-only for the application's database role, not only for the ORM.

The suite connects as a superuser; each test creates a throwaway role (NOLOGIN, unique name: roles
are shared by every database of the server), gives it the application's rights with
`grant_app_role`, and plays statements under `SET ROLE`. Refusals must be privilege errors
(SQLSTATE 42501), not the trigger's exception: the trigger alone is what the owner can switch off.
"""

import io
import uuid
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, ProgrammingError, connection, transaction

from o2r.audit.models import AccessAction, AccessLog
from o2r.audit.services import access_log, access_log_purge
from residents.models import Note
from tests.residents.factories import ResidentFactory

INSUFFICIENT_PRIVILEGE = "42501"


def _execute(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _create_role():
    role = f"o2r_test_app_{uuid.uuid4().hex[:16]}"
    _execute(f'CREATE ROLE "{role}" NOLOGIN')
    return role


def _drop_role(role):
    _execute("RESET ROLE")
    _execute(f'DROP OWNED BY "{role}"')  # its grants and default privileges in this database
    _execute(f'DROP ROLE "{role}"')
    assert not _execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])


@pytest.fixture
def app_role(db):
    role = _create_role()
    call_command("grant_app_role", role, stdout=io.StringIO())
    yield role
    try:
        _drop_role(role)
    except DatabaseError:
        # A failed statement aborted the test's transaction, whose rollback removes the role.
        if not connection.in_atomic_block:
            raise


@contextmanager
def as_role(role):
    _execute(f'SET ROLE "{role}"')
    try:
        assert _execute("SELECT current_user") == [(role,)]
        yield
    finally:
        _execute("RESET ROLE")


def _refused(statement, params=()):
    with pytest.raises(ProgrammingError) as caught, transaction.atomic():
        _execute(statement, params)
    assert caught.value.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE, caught.value
    return str(caught.value)


def _insert_aged(user, page, age):
    """As the superuser: a row written `age` ago (an SQL interval)."""
    ((pk,),) = _execute(
        "INSERT INTO audit_accesslog (user_id, at, action, resident_id, page, count) "
        "VALUES (%s, now() - %s::interval, 'read', 1, %s, 1) RETURNING id",
        [user.pk, age, page],
    )
    return pk


def test_the_application_role_reads_and_appends_but_cannot_rewrite_the_log(app_role, officer):
    old_pk = _insert_aged(officer, "thirteen months", "13 months")
    with as_role(app_role):
        access_log(
            user=officer,
            action=AccessAction.PERSONAL_DATA_EXPORT,
            page="residents:export",
            resident=7,
            resident_ids=[7, 8, 8, 9],
        )
        fresh = AccessLog.objects.get(page="residents:export")
        assert (fresh.resident_id, fresh.resident_ids, fresh.count) == (7, [7, 8, 9], 3)
        assert AccessLog.objects.filter(pk=old_pk).exists()

        assert "permission denied" in _refused(
            "UPDATE audit_accesslog SET page = 'autre' WHERE id = %s", [fresh.pk]
        )
        # The trigger would let this old row go: the refusal is the privilege's.
        assert "permission denied" in _refused(
            "DELETE FROM audit_accesslog WHERE id = %s", [old_pk]
        )
        with pytest.raises(ProgrammingError), transaction.atomic():
            AccessLog.objects.filter(pk=fresh.pk).delete()
        assert "permission denied" in _refused("TRUNCATE audit_accesslog")
        assert "must be owner" in _refused("ALTER TABLE audit_accesslog DISABLE TRIGGER ALL")
        assert "must be owner" in _refused(
            "ALTER TABLE audit_accesslog DISABLE TRIGGER audit_accesslog_append_only"
        )
        assert "must be owner" in _refused(
            "DROP TRIGGER audit_accesslog_append_only ON audit_accesslog"
        )
        assert "must be owner" in _refused("DROP TABLE audit_accesslog")
        # Nor switch off triggers for the session, nor rewrite the functions they call.
        _refused("SET session_replication_role = replica")
        _refused(
            "CREATE OR REPLACE FUNCTION audit_accesslog_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'"
        )
        _refused(
            "CREATE OR REPLACE FUNCTION audit_accesslog_purge() RETURNS bigint "
            "LANGUAGE sql AS 'SELECT 0::bigint'"
        )
    assert _execute("SELECT page FROM audit_accesslog WHERE id = %s", [fresh.pk]) == [
        ("residents:export",)
    ]
    assert AccessLog.objects.filter(pk=old_pk).exists()
    # The role owns nothing in this database.
    assert _execute(
        "SELECT count(*) FROM pg_shdepend WHERE deptype = 'o' "
        "AND refobjid = (SELECT oid FROM pg_roles WHERE rolname = %s)",
        [app_role],
    ) == [(0,)]


def test_the_application_role_purges_only_what_is_past_twelve_months(app_role, officer):
    ages = {
        "thirteen months": "400 days",
        "just over a year": "12 months 1 hour",
        "just under a year": "11 months 30 days 23 hours",
        "eleven months": "335 days",
    }
    for page, age in ages.items():
        _insert_aged(officer, page, age)
    access_log(user=officer, action=AccessAction.READ, page="today", resident=1)
    with as_role(app_role):
        assert access_log_purge() == 2
        assert access_log_purge() == 0  # twice is harmless
        assert set(AccessLog.objects.values_list("page", flat=True)) == {
            "just under a year",
            "eleven months",
            "today",
        }


def test_the_purge_function_is_for_the_application_role_only(db):
    other = _create_role()
    try:
        with as_role(other):
            assert "permission denied for function" in _refused("SELECT audit_accesslog_purge()")
    finally:
        _drop_role(other)


def test_ordinary_tables_stay_writable(app_role, officer):
    note = Note.objects.create(resident=ResidentFactory(), author=officer, body="Avant")
    with as_role(app_role):
        assert Note.objects.filter(pk=note.pk).update(body="Après") == 1
        assert Note.objects.get(pk=note.pk).body == "Après"
        Note.objects.get(pk=note.pk).delete()
        assert not Note.objects.filter(pk=note.pk).exists()


def test_tables_of_later_migrations_are_covered_by_default_privileges(app_role):
    # Created by the owner after the grant, as a later migration would.
    _execute("CREATE TABLE o2r_test_later (id bigint GENERATED BY DEFAULT AS IDENTITY, v text)")
    with as_role(app_role):
        _execute("INSERT INTO o2r_test_later (v) VALUES ('a')")
        _execute("UPDATE o2r_test_later SET v = 'b'")
        assert _execute("SELECT v FROM o2r_test_later") == [("b",)]
        _execute("DELETE FROM o2r_test_later")
        assert "permission denied" in _refused("TRUNCATE o2r_test_later")
    _execute("DROP TABLE o2r_test_later")


def test_the_grant_is_idempotent_and_reapplies_the_restriction(app_role):
    _execute(f'GRANT ALL ON audit_accesslog TO "{app_role}"')  # e.g. a hand-made mistake
    call_command("grant_app_role", app_role, stdout=io.StringIO())
    call_command("grant_app_role", app_role, stdout=io.StringIO())
    privileges = _execute(
        "SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', "
        "'REFERENCES', 'TRIGGER']) AS p WHERE has_table_privilege(%s, 'audit_accesslog', p)",
        [app_role],
    )
    assert privileges == [("SELECT",), ("INSERT",)]


@pytest.mark.django_db
def test_the_grant_refuses_a_role_that_could_rewrite_the_log():
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("grant_app_role", "o2r_test_no_such_role", stdout=io.StringIO())
    with pytest.raises(CommandError, match="superutilisateur"):
        call_command("grant_app_role", _execute("SELECT current_user")[0][0], stdout=io.StringIO())
    owner = _create_role()
    try:
        _execute("CREATE TABLE o2r_test_owned (id int)")
        _execute(f'ALTER TABLE o2r_test_owned OWNER TO "{owner}"')
        with pytest.raises(CommandError, match="propriétaire"):
            call_command("grant_app_role", owner, stdout=io.StringIO())
        _execute("DROP TABLE o2r_test_owned")
    finally:
        _drop_role(owner)


@pytest.mark.django_db(transaction=True)
def test_committed_grants_leave_test_isolation_working(officer):
    """Outside a test transaction the role and its grants are committed: the role is dropped by
    hand, and pytest-django's flush (TRUNCATE, as the superuser) still empties the log after."""
    role = _create_role()
    try:
        call_command("grant_app_role", role, stdout=io.StringIO())
        with as_role(role):
            access_log(user=officer, action=AccessAction.ERASE, page="residents:erase")
            assert "permission denied" in _refused("TRUNCATE audit_accesslog")
            with pytest.raises(DatabaseError):
                AccessLog.objects.all().delete()
        assert AccessLog.objects.get().action == AccessAction.ERASE
    finally:
        _drop_role(role)
