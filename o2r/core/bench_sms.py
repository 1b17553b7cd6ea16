"""`make bench`'s SMS campaign: 10,000 recipients sent through the real pipeline — the launch
service, the dispatcher, one real Celery worker process, Brevo's HTTP backend — to a fake
provider on loopback that counts every message it receives by its tag (our message id).

It reports the seconds from the launch until no message is left to send, the duplicates (a
message the provider received more than once) and the lost (a message to send that the
provider never received, or that did not end `sent`). The broker is Redis (REDIS_URL, or the
machine's 127.0.0.1:6379), on a queue of the bench's own, so that no other worker takes its
tasks; quiet hours are off for the run."""

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import redis
from django.conf import settings
from django.db import connection, transaction

from o2r.accounts.enums import Role
from o2r.accounts.models import Organisation, User
from o2r.celery import app
from o2r.devdb import url_of
from o2r.sms import services as sms
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage
from outreach import campaigns
from outreach.models import SmsCampaign
from residents.models import Residence, ResidenceMembership, Resident
from residents.normalise import identity_key, search_text

RECIPIENTS = 10_000
QUEUE = "bench_sms"
CONCURRENCY = 4
RESIDENCE = "Résidence du banc d'essai SMS"
OFFICER_EMAIL = "sms.banc@adoma.bench"
TEXT = "Bonjour {prenom}, permanence emploi jeudi 14h au hall de la {residence}. Adoma O2R"
BASE_DIR = Path(__file__).resolve().parent.parent.parent


class FakeBrevo(ThreadingHTTPServer):
    """Answers POST /v3/transactionalSMS/send with 201 and a message id, counting the tags."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tags = Counter()
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with self.server.lock:
            self.server.tags[body["tag"]] += 1
            number = sum(self.server.tags.values())
        answer = json.dumps({"messageId": number}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def _broker():
    """Redis: REDIS_URL, or the machine's (the filesystem transport of `make run` is far too
    slow for 10,000 tasks, and its worker would take them)."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise RuntimeError(f"le banc SMS a besoin de Redis ({url}) : {error}") from error
    return url


def _recipients():
    """The residence of the bench's 10,000 recipients and an officer who works on it (made
    once; each run's campaign is a new one)."""
    organisation = Organisation.objects.get_or_create(name="Adoma", defaults={"kind": "housing"})[0]
    residence, _ = Residence.objects.get_or_create(
        territory="Banc d'essai",
        name=RESIDENCE,
        defaults={
            "kind": "residence_sociale",
            "address": "1 rue du Test",
            "city": "Nantes",
            "capacity": RECIPIENTS,
        },
    )
    officer, _ = User.objects.get_or_create(
        email=OFFICER_EMAIL,
        defaults={
            "first_name": "Banc",
            "last_name": "SMS",
            "organisation": organisation,
            "role": Role.INSERTION_OFFICER,
        },
    )
    ResidenceMembership.objects.get_or_create(user=officer, residence=residence)
    missing = RECIPIENTS - Resident.objects.filter(residence=residence).count()
    if missing > 0:
        add_recipients(residence, missing)
    return residence, officer


def add_recipients(residence, count, *, surname="Banc"):
    """`count` residents of `residence`, each with her own mobile number, in one insert (the
    chaos tests' campaigns too)."""
    rows = []
    for n in range(count):
        first, last = f"Prénom{n}", f"{surname}{n}"
        phone = f"+3367{n:07d}"
        rows.append(
            Resident(
                first_name=first,
                last_name=last,
                residence=residence,
                phone=phone,
                phone_is_mobile=True,
                stage="identified",
                search_text=search_text(first_name=first, last_name=last, phone=phone),
                identity_key=identity_key(first_name=first, last_name=last),
            )
        )
    Resident.objects.bulk_create(rows, batch_size=2000)


def _worker(env, log_path):
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "o2r",
        "worker",
        "-Q",
        QUEUE,
        f"--concurrency={CONCURRENCY}",
        "--without-mingle",
        "--without-gossip",
        "--loglevel=WARNING",
        "-n",
        "bench-sms@%h",
    ]
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, log


class Killer:
    """Every `every` seconds, kill -9 a worker child (three times in four) or the whole worker
    (then started again): README "Operations", a campaign while workers die."""

    def __init__(self, every, start):
        self.every, self.start = every, start
        self.chance = random.Random(12)
        self.next_at = time.perf_counter() + every
        self.kills = {"child": 0, "worker": 0}

    def maybe_kill(self, worker, log):
        if time.perf_counter() < self.next_at:
            return worker, log
        self.next_at += self.every
        children = psutil.Process(worker.pid).children()
        if not children:
            return worker, log  # still starting: nothing to kill yet
        if self.chance.random() < 0.75:
            with contextlib.suppress(psutil.NoSuchProcess):
                self.chance.choice(children).kill()
            self.kills["child"] += 1
            return worker, log
        worker.kill()
        worker.wait(timeout=60)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        log.close()
        self.kills["worker"] += 1
        return self.start()


def measure_campaign(write, *, kill_every: float | None = None) -> dict:
    """Runs the campaign and returns {"seconds", "duplicates", "lost"} (with `kill_every`,
    workers are killed meanwhile, and "unknown" and "kills" are added)."""
    residence, officer = _recipients()
    broker = _broker()
    previous = SmsCampaign.objects.filter(name__startswith="Banc d'essai")
    SmsMessage.objects.filter(owner_kind="campaign", owner_id__in=previous.values("pk")).delete()
    previous.delete()
    fake = FakeBrevo()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "o2r.settings",
        "DATABASE_URL": url_of(connection.settings_dict),
        "REDIS_URL": broker,
        "SMS_BACKEND": "brevo",
        "SMS_BREVO_BASE_URL": fake.url,
        "SMS_BREVO_API_KEY": "bench",
        "SMS_QUIET_HOURS": "false",
        "O2R_DB_POOL": "false",
        "O2R_SMS_QUEUE": QUEUE,
    }
    if kill_every:
        # The waiting times in seconds, as in the chaos tests (README, "Operations").
        env.update(
            CELERY_VISIBILITY_TIMEOUT="10", CELERY_RESTORE_INTERVAL="1", CELERY_RESTORE_THROTTLE="1"
        )
        settings.SMS_QUEUED_STUCK_AFTER = settings.SMS_SENDING_STUCK_AFTER = 10
    settings.SMS_QUIET_HOURS = False
    app.conf.broker_url = broker
    app.conf.task_routes = {"o2r.sms.*": {"queue": QUEUE}}
    log_path = Path(tempfile.gettempdir()) / "o2r-bench-sms-worker.log"
    worker, log = _worker(env, log_path)
    killer = Killer(kill_every, lambda: _worker(env, log_path)) if kill_every else None
    try:
        _wait_ready(worker, log_path)
        campaign = campaigns.campaign_save(
            by=officer,
            name=f"Banc d'essai : 10 000 destinataires{' (pannes)' if kill_every else ''}",
            residences=[residence],
            variants={"fra": TEXT},
        )
        started = time.perf_counter()
        with transaction.atomic():
            to_send = campaigns.campaign_launch(campaign=campaign, by=officer)
        launch = time.perf_counter() - started
        messages = SmsMessage.objects.of_owner("campaign", campaign.pk)
        left = messages.filter(status__in=[SmsStatus.PENDING, SmsStatus.QUEUED, SmsStatus.SENDING])
        while left.exists():
            if killer:
                worker, log = killer.maybe_kill(worker, log)
                sms.sms_reconcile()
            assert worker.poll() is None, log_path.read_text()[-3000:]
            if time.perf_counter() - started > 900:
                raise TimeoutError(f"SMS bench: {left.count()} messages still to send after 15 min")
            # The beat's tick, every second rather than every minute: the nudge on commit
            # already queued the first pages.
            sms.sms_dispatch()
            time.sleep(1)
        seconds = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
        fake.shutdown()
        app.conf.task_routes = settings.CELERY_TASK_ROUTES
    to_go = {
        str(pk) for pk in messages.exclude(status=SmsStatus.SKIPPED).values_list("pk", flat=True)
    }
    sent = {str(pk) for pk in messages.filter(status=SmsStatus.SENT).values_list("pk", flat=True)}
    received = set(fake.tags)
    duplicates = sum(n - 1 for n in fake.tags.values() if n > 1)
    if killer:
        unknown = {
            str(pk) for pk in messages.filter(status=SmsStatus.UNKNOWN).values_list("pk", flat=True)
        }
        lost = len(to_go - (sent & received) - unknown)
        write(
            f"Campagne SMS avec pannes : {to_send:,} destinataires, un worker tué toutes les "
            f"{kill_every:g} s ({killer.kills['child']} enfants, {killer.kills['worker']} "
            f"workers entiers) : {seconds:.1f} s, {len(sent):,} envoyés, {len(unknown)} "
            f"« inconnus » à vérifier, {duplicates} en double, {lost} perdus."
        )
        return {
            "seconds": round(seconds, 1),
            "duplicates": duplicates,
            "lost": lost,
            "unknown": len(unknown),
            "kills": sum(killer.kills.values()),
        }
    lost = len(to_go - (sent & received))
    write(
        f"Campagne SMS : {to_send:,} destinataires, un worker (--concurrency={CONCURRENCY}), "
        f"fournisseur factice sur {fake.url} : {seconds:.1f} s (dont le lancement : "
        f"{launch:.1f} s), {len(received):,} reçus, "
        f"{duplicates} en double, {lost} perdus."
    )
    return {"seconds": round(seconds, 1), "duplicates": duplicates, "lost": lost}


def _wait_ready(worker, log_path):
    deadline = time.monotonic() + 120
    while True:
        text = log_path.read_text() if log_path.exists() else ""
        assert worker.poll() is None, text[-3000:]
        # At WARNING the banner is not logged: ask the worker itself.
        replies = app.control.ping(destination=[f"bench-sms@{socket.gethostname()}"], timeout=1)
        if replies:
            return
        assert time.monotonic() < deadline, "the SMS bench's worker did not start"
