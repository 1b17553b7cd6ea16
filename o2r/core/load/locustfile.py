"""The simulated staff of `manage.py load`: locust users who sign in through the login form,
then work as their role does, with a think time between pages (PLAN["think"], 1 to 5 s).

- Insertion officers (weight 10): the resident list with a name search, a resident's file, and
  their hall session — started once through the home page's form —, where they type 2, 3 then 4
  letters of a name (the type-ahead, as htmx asks for it) and log a contact (a POST with its
  CSRF and form tokens), then see the session page again.
- Job coaches (weight 6): the caseload, an accompaniment, its suggested openings, an
  introduction, the ROME type-ahead, the employers list.
- Housing managers (a fixed number, PLAN["manager_users"]: one for 17 staff, at least one): the
  dashboard of last year, its XLSX export, the home page.

Each request is named by its page kind (o2r/core/load/report.py's KINDS). The measured window
opens once every simulated user has signed in and set up (sign-ins hash a password, which is
not the steady load): locust's stats are reset then, and the run stops PLAN["run_time"] seconds
later, after writing PLAN["outcome"] (the window, and what failed before it).

Run by `manage.py load` only, which writes the plan (O2R_LOAD_PLAN). Django is never imported:
locust patches the standard library with gevent as it loads.
"""

import collections
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["O2R_LOAD_PLAN"]).read_text())
# Contacts that leave the resident's path as it is (no consent, no next step: nothing for the
# run to undo but the contact and the last interaction).
OUTCOMES = ["not_now", "no_answer", "declined"]
# Behind the TLS proxy of production: the application sees HTTPS (secure cookies, HSTS, the
# CSRF check of the Referer).
HEADERS = {"X-Forwarded-Proto": "https"}
HTMX = {**HEADERS, "HX-Request": "true"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FILE_LINK = re.compile(r'href="/residents/(\d+)/"')


def hidden_value(page, element_id):
    """The value of the <input> whose id is `element_id` (a form's token)."""
    tag = re.search(rf'<input[^>]*\bid="{element_id}"[^>]*>', page)
    value = tag and re.search(r'\bvalue="([^"]*)"', tag.group(0))
    if not value:
        raise ValueError(f"champ {element_id} absent de la page")
    return value.group(1)


def csrf_token(page):
    found = CSRF.search(page)
    if not found:
        raise ValueError("jeton CSRF absent de la page")
    return found.group(1)


class BehindTLS(DefaultCookiePolicy):
    """Sends the Secure cookies (session, CSRF) over loopback's plain HTTP, as the browser
    does over the TLS the proxy ends."""

    def return_ok_secure(self, cookie, request):
        return True


class Window:
    """The measured window: open when every simulated user is ready."""

    def __init__(self):
        self.ready = 0
        self.opened = Event()
        self.opened_at = None
        self.setup_errors = []

    def user_ready(self, environment):
        self.ready += 1
        if self.ready < environment.parsed_options.num_users or self.opened.is_set():
            return
        environment.runner.stats.reset_all()
        self.opened_at = time.monotonic()
        self.opened.set()
        gevent.spawn_later(PLAN["run_time"], self.close, environment)

    def close(self, environment):
        outcome = {
            "seconds": round(time.monotonic() - self.opened_at, 1),
            "ready": self.ready,
            "setup_errors": self.setup_errors,
            "mix": dict(TAKEN),
        }
        Path(PLAN["outcome"]).write_text(json.dumps(outcome))
        environment.runner.quit()


WINDOW = Window()
TAKEN = collections.Counter()


class Staff(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(*PLAN["think"])

    def on_start(self):
        accounts = PLAN[self.role]
        self.account = accounts[TAKEN[self.role] % len(accounts)]
        TAKEN[self.role] += 1
        self.client.cookiejar.set_policy(BehindTLS())
        try:
            self.sign_in()
            self.set_up()
        except Exception as error:
            WINDOW.setup_errors.append(f"{self.account['email']} : {error}")
            WINDOW.user_ready(self.environment)
            raise StopUser() from error
        WINDOW.user_ready(self.environment)
        WINDOW.opened.wait()

    def set_up(self):
        pass

    # --- Requests ------------------------------------------------------------------------

    def get(self, url, kind, *, expect=200, headers=HEADERS):
        with self.client.get(
            url, name=kind, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            self.judge(response, expect)
        return response

    def post(self, url, data, kind, *, expect=302):
        origin = "https://" + self.host.split("://", 1)[1]
        headers = {
            **HEADERS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": origin + url,
        }
        with self.client.post(
            url,
            data=urlencode(data),
            name=kind,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.judge(response, expect)
        return response

    @staticmethod
    def judge(response, expect):
        if response.status_code == expect:
            response.success()
        else:
            where = response.headers.get("Location") or ""
            response.failure(f"HTTP {response.status_code} {where}".strip())

    def sign_in(self):
        page = self.get("/connexion/", "sign_in")
        answer = self.post(
            "/connexion/",
            {
                "csrfmiddlewaretoken": csrf_token(page.text),
                "username": self.account["email"],
                "password": PLAN["password"],
            },
            "sign_in",
        )
        if answer.status_code != 302:
            raise ValueError(f"connexion refusée (HTTP {answer.status_code})")


class Officer(Staff):
    weight = 10
    role = "officers"

    def set_up(self):
        """Starts a hall session in her residence, through the home page's form."""
        home = self.get("/", "home")
        answer = self.post(
            "/aller-vers/permanences/demarrer/",
            {
                "csrfmiddlewaretoken": csrf_token(home.text),
                "token": hidden_value(home.text, "id_token"),
                "residence": self.account["hall_residence"],
            },
            "hall_start",
        )
        self.session = answer.headers.get("Location")
        if answer.status_code != 302 or not self.session:
            raise ValueError(f"permanence non démarrée (HTTP {answer.status_code})")
        self.session_page()
        self.seen = []

    def session_page(self):
        page = self.get(self.session, "hall_session")
        self.csrf = csrf_token(page.text)
        self.token = hidden_value(page.text, "contact_token")

    @task(3)
    def search(self):
        query = random.choice(self.account["searches"])
        page = self.get(f"/residents/?{urlencode({'q': query})}", "resident_list")
        self.seen = FILE_LINK.findall(page.text or "")

    @task(3)
    def open_file(self):
        self.get(
            f"/residents/{random.choice(self.seen or self.account['files'])}/", "resident_file"
        )

    @task(3)
    def log_contact(self):
        resident, typed = random.choice(self.account["people"])
        for letters in range(2, len(typed) + 1):
            self.get(
                f"{self.session}recherche/?{urlencode({'q': typed[:letters]})}",
                "hall_typeahead",
                headers=HTMX,
            )
            gevent.sleep(random.uniform(0.3, 0.6))  # the next keystroke
        self.post(
            f"{self.session}contacts/",
            {
                "csrfmiddlewaretoken": self.csrf,
                "token": self.token,
                "resident": resident,
                "outcome": random.choice(OUTCOMES),
                "summary": "",
            },
            "contact_log",
        )
        self.session_page()

    @task(1)
    def home(self):
        self.get("/", "home")


class Coach(Staff):
    weight = 6
    role = "coaches"

    @task(3)
    def caseload(self):
        self.get("/accompagnement/", "caseload")

    @task(2)
    def accompaniment(self):
        self.get(
            f"/accompagnement/{random.choice(self.account['accompaniments'])}/", "accompaniment"
        )

    @task(2)
    def suggestions(self):
        pk = random.choice(self.account["accompaniments"])
        self.get(f"/accompagnement/{pk}/suggestions/", "suggestions")

    @task(2)
    def introduction(self):
        if self.account["introductions"]:
            pk = random.choice(self.account["introductions"])
            self.get(f"/accompagnement/mises-en-relation/{pk}/", "introduction")

    @task(2)
    def rome(self):
        typed = random.choice(PLAN["rome"])
        for letters in sorted({3, 5, len(typed)}):
            query = urlencode({"q": typed[:letters]})
            self.get(f"/entreprises/rome/recherche/?{query}", "rome_typeahead", headers=HTMX)
            gevent.sleep(random.uniform(0.3, 0.6))

    @task(1)
    def employers(self):
        self.get("/entreprises/", "employers_list")


class Manager(Staff):
    fixed_count = PLAN["manager_users"]
    role = "managers"

    def dashboard_query(self):
        return urlencode({"periode": "annee", "annee": PLAN["year"]})

    @task(3)
    def dashboard(self):
        self.get(f"/tableau-de-bord/?{self.dashboard_query()}", "dashboard")

    @task(1)
    def export(self):
        self.get(f"/tableau-de-bord/export.xlsx?{self.dashboard_query()}", "dashboard_export")

    @task(1)
    def home(self):
        self.get("/", "home")
