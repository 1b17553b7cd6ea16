"""`make load`: the application under simulated staff, as in production.

Against the national data set of `make bench` (o2r_bench; build it first with `make bench
BENCH_ARGS=--data-only`), it starts gunicorn with the production settings (the connection pool
on), a Celery worker on a Redis database of its own (no other worker takes its tasks, nor it
theirs), then runs locust headless on loopback (o2r/core/load/locustfile.py) with 20, then 50
simulated staff — officers, coaches and managers in the proportions of the programme — for 60 s
each, measured once they have all signed in. It prints a French table per run and writes
`load_<users>` into var/bench.json ({"rps", "errors", "p95_ms", "median_ms"}: per page kind),
keeping the other keys. Everything it started is stopped at the end, and what the simulated
staff wrote is undone (o2r/core/load/plan.py).

A report, not a gate: it fails only when the run itself cannot be made. The issue's target
(issue 13): with 50 staff, the 95th percentile under 300 ms for lists and files and under
800 ms for the dashboard, with no error.

Production differs in three ways, for a run on loopback: plain HTTP (the simulated browsers
say X-Forwarded-Proto: https, as the TLS proxy does), no second factor for the managers
(O2R_MFA_REQUIRED=false: a TOTP code serves once), e-mails to the console.
"""

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from o2r.core import benchdata
from o2r.core.load import plan as load_plan
from o2r.core.load import report
from o2r.devdb import url_of
from outreach.models import Contact

LOCUSTFILE = Path(__file__).resolve().parents[2] / "load" / "locustfile.py"
# Production's STATIC_ROOT (o2r/settings.py): whitenoise serves the collected files there.
STATIC_ROOT = settings.BASE_DIR / "var" / "staticfiles"
# A Redis database of the run's own on the machine's server: the tests' and `make run`'s
# workers use database 0.
REDIS_URL = "redis://127.0.0.1:6379/14"
# The dashboard's kept figures, shared by the gunicorn processes as in production (there a
# memory-only Redis of their own): another database of the same server.
CACHE_URL = "redis://127.0.0.1:6379/13"
SMS_QUEUE = "load_sms"
# Sign-ins hash a password each (about half a second of CPU): they are left out of the measure,
# within this bound.
SIGN_IN_SECONDS = 300
# One housing manager for 17 staff (officers and coaches 10 to 6 among the others): 1 in 20,
# 3 in 50.
MANAGER_SHARE = 1 / 17


class Command(BaseCommand):
    help = (
        "Test de charge : gunicorn (réglages de production) et un worker sur la base o2r_bench, "
        "20 puis 50 personnes simulées (locust) ; écrit load_20 et load_50 dans var/bench.json."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--users", type=int, nargs="+", default=[20, 50], help="personnes simulées (20 50)"
        )
        parser.add_argument(
            "--run-time", type=int, default=60, help="secondes mesurées par passe (60)"
        )
        parser.add_argument(
            "--think",
            type=float,
            nargs=2,
            default=[1.0, 5.0],
            metavar=("MIN", "MAX"),
            help="temps de réflexion entre deux pages, en secondes (1 5)",
        )
        parser.add_argument(
            "--database",
            default=benchdata.DATABASE_NAME,
            help="o2r_bench, ou une base de test (test_…) sur le même serveur",
        )
        parser.add_argument("--workers", type=int, default=2, help="processus gunicorn (2)")
        parser.add_argument("--threads", type=int, default=4, help="threads par processus (4)")
        parser.add_argument("--redis", default=REDIS_URL, help=f"broker du run ({REDIS_URL})")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Le test de charge ne tourne jamais en production.")
        name = options["database"]
        if name != benchdata.DATABASE_NAME and not name.startswith("test"):
            raise CommandError(
                f"Le test de charge change des mots de passe : seulement {benchdata.DATABASE_NAME}"
                " ou une base de test (test_…)."
            )
        if min(options["users"]) < 1 or options["run_time"] < 1:
            raise CommandError("Au moins une personne simulée et une seconde.")
        self.use_database(name)
        plan = load_plan.build(accounts=max(options["users"]))
        books = load_plan.Bookkeeping(plan)
        work = settings.VAR_DIR / "load"
        work.mkdir(parents=True, exist_ok=True)
        self.stdout.write(
            f"Base {name}, comptes : {len(plan['officers'])} chargée(s) d'insertion, "
            f"{len(plan['coaches'])} chargée(s) de mission emploi, {len(plan['managers'])} "
            f"responsable(s) ; journaux dans {work}."
        )
        runs = []
        started = []
        try:
            plan["password"] = books.give_password()
            env = self.production_env(name, options["redis"])
            self.collect_static(env)
            port = free_port()
            self.start_worker(env, work, port, started)
            self.start_web(env, work, port, options, started)
            for users in options["users"]:
                run = self.run_locust(plan, users, port, work, options)
                runs.append(run)
                self.stdout.write("")
                for line in report.table(run):
                    self.stdout.write(line)
                load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
                self.stdout.write(f"Charge de la machine à la fin (1, 5, 15 min) : {load}.")
        finally:
            for process, log in reversed(started):
                stop(process)
                log.close()
            undone = books.undo()
            self.stdout.write(
                f"Défait : {undone['contacts']} contacts et {undone['sessions']} permanences "
                "écrits par le test, mots de passe remis."
            )
        path = settings.VAR_DIR / "bench.json"
        report.write_json(path, runs)
        self.stdout.write(f"Écrit : {path} ({', '.join(f'load_{r.users}' for r in runs)})")
        self.summary(runs, options)

    # --- The database ------------------------------------------------------------------------

    def use_database(self, name):
        connection.close()
        settings.DATABASES["default"]["NAME"] = name
        connection.settings_dict["NAME"] = name
        try:
            connection.ensure_connection()
        except Exception as error:
            raise CommandError(f"Base {name} injoignable : {error}") from error
        if name != benchdata.DATABASE_NAME:
            return
        with connection.cursor() as cursor:
            ready = all(
                check(cursor.cursor)
                for check in (
                    benchdata.data_ready,
                    benchdata.employers_ready,
                    benchdata.employment_ready,
                    outreach_written,
                )
            )
        if not ready:
            raise CommandError(
                f"Les données de {name} manquent ou sont anciennes : "
                "make bench BENCH_ARGS=--data-only les construit (quelques minutes)."
            )

    # --- The processes -----------------------------------------------------------------------

    def production_env(self, name, redis_url):
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "O2R_DB_POOL", "PYTEST"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="o2r.settings",
            O2R_ENV="production",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=url_of(connection.settings_dict, name),
            REDIS_URL=redis_url,
            O2R_CACHE_URL=CACHE_URL,
            SECURE_SSL_REDIRECT="false",
            O2R_MFA_REQUIRED="false",
            O2R_SMS_QUEUE=SMS_QUEUE,
            EMAIL_URL="consolemail://",
            LOG_LEVEL="WARNING",
            O2R_VAR_DIR=str(settings.VAR_DIR),
        )
        return env

    def collect_static(self, env):
        """Production's manifest of static files, collected again when a source is newer."""
        manifest = STATIC_ROOT / "staticfiles.json"
        sources = [Path(d) for d in settings.STATICFILES_DIRS] + [
            Path(app.path) / "static" for app in apps.get_app_configs()
        ]
        newest = max(
            (f.stat().st_mtime for d in sources if d.is_dir() for f in d.rglob("*") if f.is_file()),
            default=0,
        )
        if manifest.exists() and manifest.stat().st_mtime > newest:
            return
        self.stdout.write(f"Fichiers statiques rassemblés dans {STATIC_ROOT} (quelques secondes).")
        result = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise CommandError(f"collectstatic : {result.stderr[-2000:]}")

    def start_worker(self, env, work, port, started):
        """A Celery worker as in production (two processes, no pool), on the run's broker."""
        log_path = work / "worker.log"
        command = [
            *(sys.executable, "-m", "celery", "-A", "o2r", "worker"),
            *("-Q", f"default,{SMS_QUEUE}", "-n", f"load-{port}@%h", "--concurrency=2"),
            *("--without-mingle", "--without-gossip", "--loglevel=INFO"),
        ]
        process, log = start(command, {**env, "O2R_DB_POOL": "false"}, log_path)
        started.append((process, log))
        wait_until(lambda: " ready." in log_path.read_text(), process, log_path, "worker")

    def start_web(self, env, work, port, options, started):
        """gunicorn with the production settings (o2r.wsgi turns the pool on)."""
        log_path = work / "web.log"
        command = [
            *(sys.executable, "-m", "gunicorn", "o2r.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--timeout", "30", "--graceful-timeout", "10"),
            *("--workers", str(options["workers"]), "--threads", str(options["threads"])),
            "--no-control-socket",  # its default path is shared by every gunicorn of the user
        ]
        process, log = start(command, env, log_path)
        started.append((process, log))
        wait_until(lambda: healthy(port), process, log_path, "gunicorn")

    def run_locust(self, plan, users, port, work, options):
        prefix = work / f"locust_{users}"
        outcome = work / f"outcome_{users}.json"
        for stale in (*work.glob(f"locust_{users}_*.csv"), outcome):
            stale.unlink(missing_ok=True)
        plan_path = work / "plan.json"
        plan_path.unlink(missing_ok=True)
        plan_path.touch(mode=0o600)  # it holds the run's password
        plan_path.write_text(
            json.dumps(
                {
                    **plan,
                    "run_time": options["run_time"],
                    "manager_users": max(1, round(users * MANAGER_SHARE)),
                    "think": options["think"],
                    "outcome": str(outcome),
                }
            )
        )
        command = [
            *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
            *("-u", str(users), "-r", str(users), "--host", f"http://127.0.0.1:{port}"),
            *("--run-time", f"{options['run_time'] + SIGN_IN_SECONDS}s", "--csv", str(prefix)),
            *("--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"),
        ]
        self.stdout.write(
            f"{users} personnes simulées : connexion de chacune, puis {options['run_time']} s "
            "mesurées…"
        )
        log_path = work / f"locust_{users}.log"
        process, log = start(command, {**os.environ, "O2R_LOAD_PLAN": str(plan_path)}, log_path)
        try:
            process.wait(timeout=options["run_time"] + SIGN_IN_SECONDS + 60)
        except subprocess.TimeoutExpired:
            pass  # stopped below; the missing outcome says so
        finally:
            stop(process)
            log.close()
            plan_path.unlink(missing_ok=True)
        if not outcome.exists():
            tail = log_path.read_text()[-3000:]
            raise CommandError(f"La mesure n'a pas eu lieu (connexions inachevées ?) : {tail}")
        window = json.loads(outcome.read_text())
        return report.read_run(
            prefix,
            users=users,
            seconds=window["seconds"],
            setup_errors=window["setup_errors"],
            mix=window["mix"],
        )

    # --- The report --------------------------------------------------------------------------

    def summary(self, runs, options):
        self.stdout.write("")
        self.stdout.write(
            f"gunicorn --workers {options['workers']} --threads {options['threads']}, un worker "
            f"Celery (--concurrency=2), PostgreSQL et locust sur la même machine "
            f"({os.cpu_count()} processeurs) ; réflexion {options['think'][0]:g} à "
            f"{options['think'][1]:g} s entre deux pages."
        )
        self.stdout.write(
            f"Objectifs (issue 13, pour 50 personnes) : p95 < {report.LIST_OR_FILE_P95_MS} ms "
            f"pour les listes et les fiches, < {report.DASHBOARD_P95_MS} ms pour le tableau de "
            "bord, 0 erreur."
        )
        for run in runs:
            missed = run.missed()
            verdict = (
                "OBJECTIF NON ATTEINT : " + "; ".join(missed) if missed else "OBJECTIF ATTEINT"
            )
            self.stdout.write(
                f"load_{run.users} : {run.total.rps:.1f} requêtes/s, {run.errors} erreur(s) — "
                f"{verdict}"
            )


def outreach_written(cursor):
    """The outreach step of the data is there (benchdata.outreach_ready also wants the exact
    number of contacts, which other tools' runs may have changed since)."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [Contact._meta.db_table])
    return cursor.fetchone()[0] == benchdata.OUTREACH_VERSION


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command, env, log_path):
    """A process in a group of its own (stopped with its children), its output to log_path."""
    log = open(log_path, "w")  # noqa: SIM115 - closed when the process is stopped
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def stop(process):
    """SIGTERM to the process's group, SIGKILL after 20 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def wait_until(condition, process, log_path, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise CommandError(f"{what} n'a pas démarré : {log_path.read_text()[-3000:]}")
        time.sleep(0.2)


def healthy(port):
    """GET /healthz answers 200 (the database and the broker reached)."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        client.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        return client.getresponse().status == 200
    except OSError:
        return False
    finally:
        client.close()
