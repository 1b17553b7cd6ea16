import json
import secrets

import pytest

from tests.utils import BASE_DIR, PYTHON, run_python, subprocess_env

PRODUCTION = {
    "O2R_ENV": "production",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "o2r.example.org",
    "DATABASE_URL": "postgres://o2r@localhost/o2r",
    "REDIS_URL": "redis://localhost:6379/0",
}


def _manage(*args, **env):
    import subprocess

    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.process
def test_production_passes_check_deploy_at_warning_level():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.process
@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "court"}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-insecure-key-never-used-in-production"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
    ],
)
def test_production_refuses_to_start_without_real_configuration(override, message):
    result = _manage("check", **{**PRODUCTION, **override})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.process
def test_settings_read_the_environment():
    # A process with its own environment: each value comes from it, not from a default.
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(json.dumps([d['NAME'], d['HOST'], d['PORT'], d['CONN_MAX_AGE'], "
        "s.CELERY_BROKER_URL, s.ALLOWED_HOSTS, s.SMS_BACKEND, s.O2R_MFA_REQUIRED, "
        "s.O2R_RETENTION_INACTIVE_DAYS, 'pool' in d['OPTIONS']]))"
    )
    result = run_python(
        code,
        DATABASE_URL="postgres://someone@db.example.org:6543/o2r_env",
        REDIS_URL="redis://cache.example.org:6380/2",
        ALLOWED_HOSTS="a.example.org,b.example.org",
        CONN_MAX_AGE="17",
        SMS_BACKEND="file",
        O2R_MFA_REQUIRED="true",
        O2R_RETENTION_INACTIVE_DAYS="400",
        O2R_DB_POOL="false",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == [
        "o2r_env", "db.example.org", 6543, 17, "redis://cache.example.org:6380/2",
        ["a.example.org", "b.example.org"], "file", True, 400, False,
    ]  # fmt: skip


def test_settings_defaults(settings):
    assert settings.LANGUAGE_CODE == "fr-fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == {"default", "sms"}
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TIMEZONE == "Europe/Paris"
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE


def test_beat_schedule_avoids_the_daylight_saving_hour(settings):
    # Frequent scans run every hour of the day; a job tied to a time of day avoids 02:00-03:00.
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        hours = getattr(entry["schedule"], "hour", set(range(24)))
        assert len(hours) == 24 or 2 not in hours
