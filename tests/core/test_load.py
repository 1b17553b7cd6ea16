"""`make load` (issue 13): locust against gunicorn with the production settings. The runner is
played for a few seconds with 3 simulated staff on the demo (the national data set is `make
load`'s own); its figures are read back from locust's stats CSV."""

import json
import subprocess

import pytest
from django.db import connection

from employers.models import RomeAppellation, RomeCode
from employers.rome import load_rome
from o2r.core.demo import DEMO_PASSWORD, demo_load
from o2r.core.load import report
from outreach.models import Contact, OutreachAction
from tests.utils import BASE_DIR, PYTHON, database_url, subprocess_env

STATS_CSV = """\
Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,\
80%,90%,95%,98%,99%,99.9%,99.99%,100%
GET,dashboard,12,0,1900.5,2000.1,1500.2,3100.7,80000.0,0.2,0.0,1900,2000,2100,2200,2600,3100,\
3100,3100,3100,3100,3100
GET,resident_list,300,1,41.2,60.3,12.0,400.9,30000.0,5.0,0.02,41,50,60,70,120,250,300,350,\
400,400,400
GET,sign_in,0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A
,Aggregated,312,1,45.0,130.2,12.0,3100.7,31000.0,5.2,0.02,45,55,65,75,150,1900,2600,3100,\
3100,3100,3100
"""


def test_the_figures_are_read_from_locusts_stats(tmp_path):
    (tmp_path / "locust_50_stats.csv").write_text(STATS_CSV)
    (tmp_path / "locust_50_exceptions.csv").write_text(
        "Count,Message,Traceback,Nodes\n2,\"ValueError('champ contact_token absent')\",…,local\n"
    )
    run = report.read_run(
        tmp_path / "locust_50", users=50, seconds=60.0, setup_errors=["x : connexion refusée"]
    )
    # Kinds in the table's order; a kind nobody asked for in the window is left out.
    assert [row.kind for row in run.rows] == ["resident_list", "dashboard"]
    assert run.figures() == {
        "rps": 5.2,
        # One failed request, one user who could not sign in, twice a page without a token.
        "errors": 4,
        "p95_ms": {"resident_list": 250, "dashboard": 3100},
        "median_ms": {"resident_list": 41, "dashboard": 1900},
    }
    assert run.missed() == ["dashboard : p95 3100 ms, objectif < 800 ms", "4 erreur(s)"]
    lines = "\n".join(report.table(run))
    assert "Tableau de bord (une année)" in lines and "NON ATTEINT" in lines
    assert "contact_token absent" in lines

    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"resident_list": {"median_ms": 17.3, "queries": 5}}))
    report.write_json(bench, [run])
    data = json.loads(bench.read_text())
    assert data["resident_list"] == {"median_ms": 17.3, "queries": 5}  # make bench's, kept
    assert data["load_50"]["p95_ms"]["dashboard"] == 3100


@pytest.mark.process
def test_the_runner_measures_the_demo_and_leaves_it_as_it_was(transactional_db, tmp_path):
    # The ROME reference comes with a migration: an earlier transactional test flushed it.
    if not RomeAppellation.objects.exists():
        load_rome(RomeCode, RomeAppellation)
    logins = demo_load()
    contacts, sessions = Contact.objects.count(), OutreachAction.objects.count()
    (tmp_path / "bench.json").write_text(json.dumps({"dashboard_year": {"median_ms": 1888.6}}))
    command = ["load", "--database", connection.settings_dict["NAME"], "--users", "3"]
    result = subprocess.run(
        [PYTHON, "manage.py", *command, "--run-time", "4", "--think", "0.2", "0.5"],
        cwd=BASE_DIR,
        env=subprocess_env(DATABASE_URL=database_url(), O2R_VAR_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # One of each role: a manager (one for 17 staff, at least one), an officer, a coach.
    assert "3 personnes simulées (" in result.stdout
    for role in ("1 chargée(s) d'insertion", "1 chargée(s) de mission emploi", "1 responsable"):
        assert role in result.stdout, result.stdout

    data = json.loads((tmp_path / "bench.json").read_text())
    assert data["dashboard_year"] == {"median_ms": 1888.6}
    load = data["load_3"]
    assert load["errors"] == 0, result.stdout[-3000:]
    assert load["rps"] > 0
    assert load["p95_ms"] and set(load["p95_ms"]) <= set(report.KINDS)
    assert all(isinstance(ms, int) and ms >= 0 for ms in load["p95_ms"].values())
    # The officer's hall session and the contacts she logged in it are gone, and every
    # account signs in with its own password again.
    assert (Contact.objects.count(), OutreachAction.objects.count()) == (contacts, sessions)
    for user, _ in logins:
        user.refresh_from_db()
        assert user.check_password(DEMO_PASSWORD)
