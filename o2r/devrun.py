"""`make run`: migrate, load the demo data and run web, Celery worker and Celery beat together
in the foreground (honcho). Without DATABASE_URL it starts the embedded PostgreSQL first and
stops it when the run ends (Ctrl-C); with DATABASE_URL it leaves that server alone."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from o2r import devdb

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(*args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)


def banner(port, host):
    demo = subprocess.run(
        [PYTHON, "manage.py", "load_demo"], cwd=BASE_DIR, check=True, capture_output=True, text=True
    ).stdout
    print(
        "\n"
        "================================================================\n"
        f"  O2R tourne sur http://{host}:{port}/\n"
        f"{demo.rstrip()}\n"
        "  Arrêt : Ctrl-C (le PostgreSQL embarqué s'arrête avec).\n"
        "================================================================\n",
        flush=True,
    )


def main():
    port = os.environ.setdefault("O2R_PORT", "8000")
    host = os.environ.setdefault("O2R_HOST", "127.0.0.1")
    embedded = not os.environ.get("DATABASE_URL")
    # The Procfile's `python` and `celery` are this virtualenv's.
    os.environ["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    honcho = None
    interrupted = False

    def forward(signum, frame):
        nonlocal interrupted
        interrupted = True
        if honcho and honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        if embedded:
            print(f"PostgreSQL embarqué : {devdb.start()}", flush=True)
        else:
            print("PostgreSQL : DATABASE_URL", flush=True)
        print(
            "Redis : REDIS_URL"
            if os.environ.get("REDIS_URL")
            else f"Broker Celery : fichiers sous {devdb.VAR_DIR / 'celery-broker'}",
            flush=True,
        )
        manage("migrate", "--noinput")
        banner(port, host)
        if not interrupted:
            honcho = subprocess.Popen(
                [str(Path(PYTHON).parent / "honcho"), "start", "-f", "Procfile.dev"],
                cwd=BASE_DIR,
            )
            honcho.wait()
            # A second wait: honcho may still be stopping its processes after our signal.
            honcho.wait()
    finally:
        if embedded:
            devdb.stop()
            print("PostgreSQL embarqué arrêté.", flush=True)
    return 0 if interrupted or (honcho and honcho.returncode in (0, -2, 130)) else 1


if __name__ == "__main__":
    sys.exit(main())
