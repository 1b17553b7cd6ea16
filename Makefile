# O2R — the commands a newcomer needs. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

# The first Python >= 3.12 found: python3.13, python3.12, then python3.
PYTHON_CANDIDATES := python3.13 python3.12 python3
FIND_PYTHON = for p in $(PYTHON_CANDIDATES); do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v $$p; break; fi; done

.PHONY: help install run stop test test-fast chaos lint format smoke browser-deps check-deploy clean bench \
	load backup restore

help:
	@echo "make run        installe, migre, charge la démo, lance web + worker + beat"
	@echo "make test       toute la suite de tests (PostgreSQL : DATABASE_URL ou embarqué)"
	@echo "make test-fast  la suite sans navigateur ni processus réels"
	@echo "make chaos      les tests de pannes (workers, Redis, PostgreSQL tués et relancés)"
	@echo "make stop       arrête le PostgreSQL embarqué"
	@echo "make smoke      le parcours du nouveau venu, de bout en bout"
	@echo "make lint       ruff, djLint, migrations, check --deploy"
	@echo "make bench      temps de la liste et du dossier sur 100 000 résidents générés"
	@echo "make load       test de charge : 20 puis 50 personnes simulées sur la base de make bench"
	@echo "make backup     sauvegarde la base dans var/backups (compressée, garde les 14 dernières)"
	@echo "make restore    restaure FILE=var/backups/….dump dans une base vide (FORCE=1 : remplace)"

$(STAMP): pyproject.toml requirements.lock
	@py=$$($(FIND_PYTHON)); \
	if [ -z "$$py" ]; then \
	  echo "Python 3.12 ou plus récent est nécessaire (python3.13 conseillé)."; \
	  echo "Installez-le avec pyenv (pyenv install 3.13) ou le paquet python3.13 de votre système."; \
	  exit 1; fi; \
	if [ ! -x $(PY) ]; then echo "Création de $(VENV) avec $$py"; $$py -m venv $(VENV); fi
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m o2r.devrun

stop: $(STAMP)
	$(PY) -m o2r.devdb stop

# Without DATABASE_URL the tests use the embedded PostgreSQL (started if needed, left running).
define WITH_DATABASE
if [ -z "$$DATABASE_URL" ]; then $(PY) -m o2r.devdb start >/dev/null; fi
endef

browser-deps:
	@bash scripts/ensure-chromium

test: $(STAMP) browser-deps
	@$(WITH_DATABASE)
	$(PY) -m pytest

test-fast: $(STAMP)
	@$(WITH_DATABASE)
	$(PY) -m pytest -m "not browser and not process and not chaos and not e2e"

chaos: $(STAMP)
	@$(WITH_DATABASE)
	$(PY) -m pytest -m chaos

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory check-deploy

# Production settings with throwaway values: the checks read configuration, not servers.
check-deploy: $(STAMP)
	O2R_ENV=production DEBUG=false \
	SECRET_KEY="check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" \
	ALLOWED_HOSTS=o2r.example.org DATABASE_URL=postgres://o2r@localhost/o2r \
	REDIS_URL=redis://localhost:6379/0 \
	$(PY) manage.py check --deploy --fail-level WARNING

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

smoke: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/smoke.py

# Times the resident list and file on 100,000 generated residents, in their own database
# (o2r_bench, built on the first run). A report, not a gate. BENCH_ARGS=--regenerate rebuilds.
bench: $(STAMP)
	@$(WITH_DATABASE)
	$(PY) manage.py bench $(BENCH_ARGS)

# Locust against gunicorn with the production settings and a worker, on make bench's o2r_bench
# (build it first: make bench BENCH_ARGS=--data-only): 20 then 50 simulated staff, 60 s each;
# load_20 and load_50 in var/bench.json. A report, not a gate. LOAD_ARGS="--run-time 120".
load: $(STAMP)
	@$(WITH_DATABASE)
	$(PY) manage.py load $(LOAD_ARGS)

# Backups of the database (DATABASE_URL, else the embedded one, started if needed): README,
# "Backups". O2R_BACKUP_KEEP (14) dumps are kept; O2R_BACKUP_DIR moves them.
backup: $(STAMP)
	$(PY) -m o2r.backup dump

# Into an empty database; FORCE=1 replaces the tables of a database that has some.
restore: $(STAMP)
	@if [ -z "$(FILE)" ]; then echo "Indiquez la sauvegarde : make restore FILE=var/backups/o2r-….dump"; exit 2; fi
	$(PY) -m o2r.backup restore "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)

# Everything under var but the backups, which are all that is left of the embedded database.
clean: stop
	if [ -d var ]; then find var -mindepth 1 -maxdepth 1 ! -name backups -exec rm -rf {} +; fi
