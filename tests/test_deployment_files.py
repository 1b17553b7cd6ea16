"""docker-compose.yml and the Dockerfile name only commands and files that exist here."""

import shlex
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _command(service):
    command = SERVICES[service]["command"]
    return command if isinstance(command, list) else shlex.split(command)


def test_the_services_of_the_design():
    assert set(SERVICES) == {
        "postgres",
        "redis",
        "cache",
        "migrate",
        "web",
        "worker",
        "worker-sms",
        "beat",
        "backup",
    }


def test_the_dashboards_cache_keeps_nothing_on_disk():
    """Its figures hold small health counts (o2r/dashboard/cache.py): memory only."""
    command = _command("cache")
    assert command[command.index("--appendonly") + 1] == "no"
    assert command[command.index("--save") + 1] == ""
    assert "volumes" not in SERVICES["cache"]
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["environment"]["O2R_CACHE_URL"] == "redis://cache:6379/0"


def test_redis_keeps_its_queue_on_disk():
    command = _command("redis")
    assert command[command.index("--appendonly") + 1] == "yes"


def test_application_services_build_from_the_dockerfile():
    for service in ("migrate", "web", "worker", "worker-sms", "beat"):
        build = SERVICES[service]["build"]
        context = BASE_DIR / (build if isinstance(build, str) else build.get("context", "."))
        dockerfile = (
            build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
        )
        assert (context / dockerfile).is_file()
        assert SERVICES[service]["environment"]["O2R_ENV"] == "production"


def test_each_command_points_at_something_that_exists():
    shell, flag, script = _command("migrate")
    assert (shell, flag) == ("sh", "-c")
    migrate, grant = (shlex.split(part) for part in script.split("&&"))
    assert migrate[:3] == ["python", "manage.py", "migrate"]
    assert grant == ["python", "manage.py", "grant_app_role", "o2r_app"]
    assert (BASE_DIR / "manage.py").is_file()
    assert (BASE_DIR / "o2r/audit/management/commands/grant_app_role.py").is_file()

    web = _command("web")
    assert web[0] == "gunicorn"
    module, attribute = web[1].split(":")
    assert (BASE_DIR / (module.replace(".", "/") + ".py")).is_file()
    assert f"{attribute} =" in (BASE_DIR / (module.replace(".", "/") + ".py")).read_text()

    queues = []
    for service in ("worker", "worker-sms"):
        worker = _command(service)
        assert worker[:4] == ["celery", "-A", "o2r", "worker"]
        queues += worker[worker.index("-Q") + 1].split(",")
    assert sorted(queues) == ["default", "sms"]  # each queue has its worker, and one only
    assert (BASE_DIR / "o2r" / "celery.py").is_file()

    beat = _command("beat")
    assert beat[:4] == ["celery", "-A", "o2r", "beat"]


def test_only_migrate_connects_as_the_owner_of_the_tables():
    postgres = SERVICES["postgres"]
    owner = postgres["environment"]["POSTGRES_USER"]
    assert SERVICES["migrate"]["environment"]["DATABASE_URL"].startswith(f"postgres://{owner}:")
    for service in ("web", "worker", "worker-sms", "beat"):
        environment = SERVICES[service]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://o2r_app:"), service
        assert environment["POSTGRES_PASSWORD"] == "", service  # not handed over by env_file
    (init,) = [v.split(":")[0] for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v]
    scripts = "".join(path.read_text() for path in (BASE_DIR / init).glob("*.sh"))
    assert "CREATE ROLE o2r_app LOGIN PASSWORD :'app_password'" in scripts
    assert "O2R_APP_DB_PASSWORD=" in (BASE_DIR / ".env.example").read_text()


def test_dockerfile_copies_files_that_exist():
    for line in (BASE_DIR / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and not line.startswith("COPY . "):
            for name in line.split()[1:-1]:
                assert (BASE_DIR / name).exists(), name


def test_packages_of_the_commands_are_dependencies():
    pyproject = (BASE_DIR / "pyproject.toml").read_text()
    for package in ("gunicorn", "celery", "django", "psycopg"):
        assert f'"{package}' in pyproject


def test_the_backup_service_dumps_daily_as_the_application_role_into_its_volume():
    backup, postgres = SERVICES["backup"], SERVICES["postgres"]
    assert backup["image"] == postgres["image"]  # pg_dump of the server's major version
    shell, script = _command("backup")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in backup["volumes"] if v.startswith("./")}
    assert shell == "sh"
    assert (BASE_DIR / mounts[script]).is_file()
    environment = backup["environment"]
    assert environment["PGHOST"] == "postgres"
    assert environment["PGDATABASE"] == postgres["environment"]["POSTGRES_DB"]
    # Reading every table is o2r_app's right: the owner's password stays with migrate.
    assert environment["PGUSER"] == "o2r_app"
    assert "POSTGRES_PASSWORD" not in str(environment)
    assert f"backups:{environment['O2R_BACKUP_DIR']}" in backup["volumes"]
    assert "backups" in COMPOSE["volumes"]
    assert environment["O2R_BACKUP_KEEP"] == "${O2R_BACKUP_KEEP:-14}"
