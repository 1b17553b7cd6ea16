"""Backups for real: `make backup` dumps the test database, `make restore` brings it back into a
new database with the same rows in every table, a working schema and the application role's
rights; the compose service's script dumps as that role and keeps the newest O2R_BACKUP_KEEP.

The restored database and the role are created here, with unique names (other runs share the
server), and dropped at the end."""

import io
import re
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from o2r import backup
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log
from tests.residents.factories import ResidentFactory
from tests.utils import BASE_DIR, PYTHON, database_url, subprocess_env

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]

OLD_DUMPS = ["o2r-20200101-000000.dump", "o2r-20200102-000000.dump", "o2r-20200103-000000.dump"]


def _execute(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _checksums(url):
    with backup.connect(url) as conn:
        return backup.table_checksums(conn)


def _run(*args, **env):
    return subprocess.run(
        [PYTHON, "-m", "o2r.backup", *args],
        cwd=BASE_DIR,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def app_role(db):
    """A role like o2r_app (it may log in, owns nothing), shared by the server's databases."""
    role = f"o2r_test_backup_{uuid.uuid4().hex[:12]}"
    _execute(f'CREATE ROLE "{role}" LOGIN')
    yield role
    _execute(f'DROP OWNED BY "{role}"')  # its grants in the test database
    _execute(f'DROP ROLE "{role}"')


@pytest.fixture
def new_database(app_role):
    """An empty database beside the test database; dropped before the role it grants to."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"[:63]
    _execute(f'CREATE DATABASE "{name}"')
    yield name
    _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_a_new_database_with_the_same_rows(
    officer, nantes_residences, app_role, new_database, tmp_path
):
    residents = ResidentFactory.create_batch(3, residence=nantes_residences[0], complete=True)
    access_log(
        user=officer,
        action=AccessAction.LIST_EXPORT,
        page="residents:export",
        resident_ids=residents,
    )
    for name in OLD_DUMPS:  # a week of backups, the oldest two past O2R_BACKUP_KEEP
        (tmp_path / name).write_bytes(b"")
        backup.checksums_path(tmp_path / name).write_text("")
    source = database_url()

    made = _run("dump", "--dir", str(tmp_path), DATABASE_URL=source, O2R_BACKUP_KEEP="2")

    assert made.returncode == 0, made.stderr
    path, size = re.fullmatch(r"Sauvegarde : (\S+) \((.+)\)", made.stdout.splitlines()[0]).groups()
    dump = Path(path)
    assert dump.parent == tmp_path
    assert re.fullmatch(r"o2r-\d{8}-\d{6}\.dump", dump.name)
    assert size.endswith("Ko")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "o2r-20200103-000000.checksums",
        "o2r-20200103-000000.dump",
        dump.with_suffix(".checksums").name,
        dump.name,
    ]
    expected = _checksums(source)
    assert backup.parse_checksums(backup.checksums_path(dump).read_text()) == expected
    assert expected["public.residents_resident"][0] == 3
    assert expected["public.audit_accesslog"][0] == 1

    target = database_url(new_database)
    restored = _run("restore", str(dump), DATABASE_URL=target, O2R_APP_ROLE=app_role)

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"Vérifié : {len(expected)} tables" in restored.stdout
    assert "Migrations : à jour." in restored.stdout
    assert f"Rôle {app_role} : lecture et écriture" in restored.stdout
    assert _checksums(target) == expected
    with backup.connect(target) as conn:
        # The tables belong to whoever restored them; the application's role got its rights.
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        ).fetchall()
        assert owners == [(conn.info.user,)]
        rights = conn.execute(
            "SELECT has_table_privilege(%(r)s, 'residents_resident', 'UPDATE'), "
            "has_table_privilege(%(r)s, 'audit_accesslog', 'INSERT'), "
            "has_table_privilege(%(r)s, 'audit_accesslog', 'DELETE')",
            {"r": app_role},
        ).fetchone()
        assert rights == (True, True, False)
        conn.execute("UPDATE residents_resident SET first_name = 'Changée'")
        conn.commit()
    changed = _checksums(target)
    assert changed["public.residents_resident"] != expected["public.residents_resident"]

    refused = _run("restore", str(dump), DATABASE_URL=target, O2R_APP_ROLE="")

    assert refused.returncode == 1
    assert "contient déjà" in refused.stderr
    assert "rien n'a été restauré" in refused.stderr
    assert _checksums(target) == changed

    forced = _run("restore", "--force", str(dump), DATABASE_URL=target, O2R_APP_ROLE="")

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert _checksums(target) == expected


def test_the_compose_service_dumps_as_the_application_role_and_keeps_the_newest(
    app_role, officer, tmp_path
):
    ResidentFactory()
    call_command("grant_app_role", app_role, stdout=io.StringIO())
    for name in [*OLD_DUMPS, "notes.txt"]:
        (tmp_path / name).write_bytes(b"")
    settings = connection.settings_dict
    with backup.connect(database_url()) as conn:
        pg_dump = Path(backup._pg_dump_for(backup._server_major(conn)))
    env = subprocess_env(
        PATH=f"{pg_dump.parent}:{subprocess_env()['PATH']}",
        PGHOST=settings["HOST"] or "localhost",
        PGPORT=str(settings["PORT"] or 5432),
        PGDATABASE=settings["NAME"],
        PGUSER=app_role,
        PGPASSWORD=None,
        O2R_BACKUP_DIR=str(tmp_path),
        O2R_BACKUP_KEEP="2",
    )

    daily = subprocess.run(
        ["sh", "scripts/backup-daily", "--once"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert daily.returncode == 0, daily.stderr
    (made,) = [p for p in tmp_path.glob("o2r-*.dump") if p.name not in OLD_DUMPS]
    sums = backup.checksums_path(made)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [made.name, sums.name, "o2r-20200103-000000.dump", "notes.txt"]
    )
    restore = pg_dump.with_name("pg_restore")
    listing = subprocess.run(
        [restore, "--list", made], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE DATA public residents_resident" in listing
    assert "TABLE DATA public audit_accesslog" in listing
    # Its checksums (psql) are the module's, which `make restore` compares with.
    assert backup.parse_checksums(sums.read_text()) == _checksums(database_url())
    verified = _run("verify", str(sums), DATABASE_URL=database_url())
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("Vérifié : ")
