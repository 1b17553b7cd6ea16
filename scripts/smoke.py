"""`make smoke`: the newcomer's path, end to end, twice.

With DATABASE_URL and REDIS_URL unset and an empty var/ folder, start `make run`, wait for
/healthz, log in through the login form with each demo login it printed, and as each of them
open every link of the navigation bar the home page shows (and the first item of each list
found there): each must answer 200, in French, with no error in the page nor a 500 in the
server's log, and a page that fails names the role and the URL. Then press the worker button as
the administrator and wait for the worker's row, stop with SIGINT and check that no process of
the run — the embedded PostgreSQL included — is alive 15 s later. A second `make run` on the
same var/ must pass the same way.

The var/ folder is a fresh temporary one (O2R_VAR_DIR), so a developer's own data is untouched.
"""

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# load_demo's line: "  - Responsable (Adoma) : helene.garnier@adoma.demo  mot de passe : …"
LOGIN_LINE = re.compile(r"- (.+?) : (\S+@\S+)\s+mot de passe : (\S+)")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# templates/includes/navbar.html: the site's navigation bar.
NAVIGATION_LABEL = "Navigation principale"
# Home, at least one page of the role, and the account's two pages (password, second factor):
# fewer means the bar was not found or lost its entries.
MIN_NAVIGATION_LINKS = 4
FRENCH_PAGE = re.compile(r'<html\b[^>]*\blang="fr(?:-[a-zA-Z]+)?"')
ERROR_TEXTS = ("Traceback", "Server Error")
LOGIN_PATHS = ("/connexion/", "/admin/login/")
# Django's request log ("Internal Server Error: /path") and runserver's access log.
SERVER_ERROR = re.compile(r'Internal Server Error: (\S+)|"[A-Z]+ (\S+) HTTP/[\d.]+" 5\d\d\b')


class SmokeFailure(Exception):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_table():
    """{pid: (ppid, start time, command line)} of every live process, read from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if fields[0] != "Z":
            table[int(entry.name)] = (int(fields[1]), fields[19], cmdline)
    return table


def run_processes(root_pid, pgdata):
    """The run's processes: every descendant of `make run` (honcho puts web, worker and beat in
    sessions of their own) and the embedded PostgreSQL, which pg_ctl detaches, found by its
    data folder. Keyed by (pid, start time) so that a reused pid is not mistaken for one."""
    table = process_table()
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root_pid]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    found |= {pid for pid, (_, _, cmd) in table.items() if str(pgdata) in cmd}
    return {(pid, table[pid][1]): table[pid][2] for pid in found if pid in table}


def still_alive(processes):
    table = process_table()
    return {
        key: cmd for key, cmd in processes.items() if key[0] in table and table[key[0]][1] == key[1]
    }


class NavigationBar(HTMLParser):
    """The links of the navigation bar (`<nav aria-label="Navigation principale">`) as the page
    renders them, {href: label} in order, and the fragments it loads with htmx (its badges)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = {}
        self.fragments = []
        self._depth = 0
        self._href = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and (self._depth or attrs.get("aria-label") == NAVIGATION_LABEL):
            self._depth += 1
        elif self._depth and tag == "a" and (attrs.get("href") or "").startswith("/"):
            self._href, self._text = attrs["href"], []
        if self._depth and attrs.get("hx-get"):
            self.fragments.append(attrs["hx-get"])

    def handle_endtag(self, tag):
        if tag == "nav" and self._depth:
            self._depth -= 1
        elif tag == "a" and self._href is not None:
            # The brand and "Accueil" both link home: the later, plainer label wins.
            self.links[self._href] = " ".join("".join(self._text).split()) or self._href
            self._href = None

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)


def navigation(body):
    """({href: label}, [htmx fragment urls]) of the page's navigation bar."""
    parser = NavigationBar()
    parser.feed(body)
    parser.close()
    return parser.links, parser.fragments


def first_item(body, list_path):
    """The first link of a list page to one of its items (`/residents/12/` on `/residents/`):
    a page to read, never an action (actions are POST-only and have longer URLs)."""
    if list_path == "/":
        return None
    match = re.search(rf'href="({re.escape(list_path)}\d+/)"', body)
    return match.group(1) if match else None


def page_problems(status, url, body, *, fragment=False):
    """What is wrong with an answer, in French; [] when it is a working page."""
    if status != 200:
        return [f"statut {status}"]
    problems = []
    if urllib.parse.urlparse(url).path.startswith(LOGIN_PATHS):
        problems.append(f"renvoyée vers la connexion ({url})")
    if not fragment and not FRENCH_PAGE.search(body):
        problems.append('pas une page française (<html lang="fr">)')
    problems.extend(f"« {text} » dans la page" for text in ERROR_TEXTS if text in body)
    return problems


def server_errors(log_text):
    """The paths the server's log reports a 500 for."""
    return {match.group(1) or match.group(2) for match in SERVER_ERROR.finditer(log_text)}


class ServerLog:
    """The run's log read window by window: what the server wrote while one role walked. A
    window ends at a marker request, so that a line honcho relays late is not missed."""

    def __init__(self, path, base_url):
        self.path = path
        self.base_url = base_url
        self.offset = path.stat().st_size
        self.windows = 0

    def errors_in_window(self, deadline_seconds=10):
        """The paths with a 500 since the previous window."""
        self.windows += 1
        marker = f"/healthz?fenetre={self.windows}"
        urllib.request.urlopen(self.base_url + marker, timeout=5).close()
        deadline = time.monotonic() + deadline_seconds
        while True:
            with open(self.path, "rb") as log:
                log.seek(self.offset)
                written = log.read()
            end = written.find(f'"GET {marker} '.encode())
            if end >= 0:
                break
            if time.monotonic() > deadline:
                raise SmokeFailure(f"le journal du serveur ne montre pas {marker}")
            time.sleep(0.1)
        self.offset += end
        return server_errors(written[:end].decode(errors="replace"))


class Browser:
    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path, headers=None):
        """(status, final url, body), redirects followed; an error status is an answer too."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.geturl(), error.read().decode(errors="replace")

    def post(self, path, data, page=None):
        _, _, body = self.get(page or path)
        match = CSRF_INPUT.search(body)
        if not match:
            raise SmokeFailure(f"pas de jeton CSRF sur {page or path}")
        payload = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1), **data})
        request = urllib.request.Request(
            self.base_url + path,
            data=payload.encode(),
            headers={"Referer": self.base_url + (page or path)},
        )
        with self.opener.open(request, timeout=10) as response:
            return response.status, response.geturl(), response.read().decode()


def wait_for_health(base_url, process, deadline_seconds):
    deadline = time.monotonic() + deadline_seconds
    last_error = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SmokeFailure(f"make run s'est arrêté (code {process.returncode})")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=5) as response:
                body = json.loads(response.read())
                if body == {"database": "ok", "broker": "ok"}:
                    return time.monotonic() - (deadline - deadline_seconds)
        except (urllib.error.URLError, OSError, ValueError) as error:
            last_error = error
        time.sleep(1)
    raise SmokeFailure(f"/healthz ne répond pas ok après {deadline_seconds} s ({last_error})")


def open_page(browser, path, *, fragment=False):
    """GETs a page as the browser would (htmx's header for a fragment); returns its problems,
    its body and its line of the report: status, time, path (and where it was redirected)."""
    started = time.monotonic()
    try:
        status, url, body = browser.get(path, headers={"HX-Request": "true"} if fragment else {})
    except (urllib.error.URLError, OSError) as error:
        status, url, body = 0, path, ""
        problems = [f"pas de réponse ({error})"]
    else:
        problems = page_problems(status, url, body, fragment=fragment)
    seconds = time.monotonic() - started
    final = urllib.parse.urlparse(url).path
    shown = path if final == urllib.parse.urlparse(path).path else f"{path} → {final}"
    return problems, body, f"{status} {seconds:5.2f} s  {shown}"


def walk_navigation(browser, role, home):
    """Opens every link of the role's navigation bar, the fragments it loads and the first item
    of each list it leads to; prints one line a page and returns the failures, in French."""
    links, fragments = navigation(home)
    if len(links) < MIN_NAVIGATION_LINKS:
        return [f"{role} : barre de navigation introuvable ou presque vide ({links})"]
    failures = []
    pages = [(path, label, False) for path, label in links.items()]
    pages += [(path, "(fragment htmx)", True) for path in fragments]
    for path, label, fragment in pages:
        problems, body, line = open_page(browser, path, fragment=fragment)
        print(f"    {line}  {label}")
        failures.extend(f"{role} : {path} ({label}) : {problem}" for problem in problems)
        item = None if problems or fragment else first_item(body, path)
        if item:
            problems, _, line = open_page(browser, item)
            print(f"    {line}  (premier élément de « {label} »)")
            failures.extend(f"{role} : {item} : {problem}" for problem in problems)
    return failures


def check_logins(base_url, logins, log_path):
    administrator = None
    failures = []
    server_log = ServerLog(log_path, base_url)
    for role, email, password in logins:
        browser = Browser(base_url)
        status, url, body = browser.post("/connexion/", {"username": email, "password": password})
        if status != 200 or urllib.parse.urlparse(url).path != "/" or "Bonjour" not in body:
            raise SmokeFailure(f"connexion refusée pour {email} ({status} {url})")
        print(f"  connexion ok : {email} ({role}), sa navigation :")
        failures.extend(walk_navigation(browser, f"{role}, {email}", body))
        if "Tâches de fond" in body:
            administrator = browser
        if "Réseau d'entreprises" in body:
            # The coach's network: the demo companies, at every status.
            status, _, pipeline = browser.get("/entreprises/reseau/")
            if status != 200 or not re.search(r'href="/entreprises/\d+/"', pipeline):
                raise SmokeFailure(f"le réseau d'entreprises ne s'affiche pas ({status})")
            status, _, openings = browser.get("/entreprises/offres/")
            if status != 200 or not re.search(r'href="/entreprises/offres/\d+/"', openings):
                raise SmokeFailure(f"les offres d'emploi ne s'affichent pas ({status})")
            print("  réseau d'entreprises et offres ok")
            # The IOD caseload: the demo's accompaniments, each a link to its page.
            status, _, caseload = browser.get("/accompagnement/")
            if status != 200 or not re.search(r'href="/accompagnement/\d+/"', caseload):
                raise SmokeFailure(f"le portefeuille ne s'affiche pas ({status})")
            status, _, inbox = browser.get("/accompagnement/orientations/")
            if status != 200 or not re.search(r'href="/accompagnement/orientations/\d+/"', inbox):
                raise SmokeFailure(f"les orientations reçues ne s'affichent pas ({status})")
            print("  accompagnements et orientations ok")
        # What the server wrote for this login, its pages and the checks above.
        failures.extend(
            f"{role}, {email} : {path} : erreur 500 dans le journal du serveur"
            for path in sorted(server_log.errors_in_window())
        )
    if failures:
        raise SmokeFailure(
            "page en erreur pour un rôle / page failing for a role :\n    "
            + "\n    ".join(failures)
        )
    if administrator is None:
        raise SmokeFailure("aucun identifiant de démonstration n'ouvre l'accueil administratrice")
    return administrator


def press_worker_button(browser, deadline_seconds):
    _, _, body = browser.post("/systeme/worker/", {})
    match = re.search(r'data-ping="(\d+)"', body)
    if not match:
        raise SmokeFailure("le bouton n'a pas créé de ligne")
    ping = match.group(1)
    deadline = time.monotonic() + deadline_seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        _, _, body = browser.get("/systeme/worker/")
        if re.search(rf'data-ping="{ping}"\s+data-status="done"', body):
            return time.monotonic() - started
        time.sleep(1)
    raise SmokeFailure(f"le worker n'a pas traité le test n° {ping} en {deadline_seconds} s")


def one_run(var_dir, number):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(O2R_VAR_DIR=str(var_dir), O2R_PORT=str(port), PYTHONUNBUFFERED="1")
    log_path = var_dir.parent / f"run-{number}.log"
    print(f"== make run n° {number} (port {port}, journal {log_path})")
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        seconds = wait_for_health(base_url, process, 120)
        print(f"  /healthz ok après {seconds:.1f} s")
        logins = LOGIN_LINE.findall(log_path.read_text())
        if len(logins) < 5:
            raise SmokeFailure(f"identifiants de démonstration non affichés : {logins}")
        administrator = check_logins(base_url, logins, log_path)
        seconds = press_worker_button(administrator, 30)
        print(f"  worker : ligne traitée en {seconds:.1f} s")
    except BaseException:
        print(log_path.read_text()[-6000:])
        raise
    finally:
        tracked = run_processes(process.pid, var_dir / "pg")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
    for needed in ("runserver", "celery -A o2r worker", "celery -A o2r beat", "postgres -D"):
        if not any(needed in cmd for cmd in tracked.values()):
            raise SmokeFailure(f"processus attendu absent du lancement : {needed}")
    deadline = time.monotonic() + 15
    while still_alive(tracked) and time.monotonic() < deadline:
        time.sleep(0.5)
    survivors = still_alive(tracked)
    if survivors:
        for (pid, _), cmd in survivors.items():
            print(f"  encore vivant 15 s après Ctrl-C : {pid} {cmd}")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        raise SmokeFailure("des processus survivent 15 s après Ctrl-C")
    print(f"  arrêt propre ({len(tracked)} processus suivis, tous arrêtés)")


def main():
    workdir = Path(tempfile.mkdtemp(prefix="o2r-smoke-"))
    var_dir = workdir / "var"
    var_dir.mkdir()
    try:
        one_run(var_dir, 1)
        one_run(var_dir, 2)
    except SmokeFailure as failure:
        print(f"ÉCHEC du smoke test : {failure}")
        return 1
    finally:
        subprocess.run(
            [sys.executable, "-m", "o2r.devdb", "stop"],
            cwd=BASE_DIR,
            check=False,
            env={**os.environ, "O2R_VAR_DIR": str(var_dir)},
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        "Smoke test réussi : deux démarrages, connexions, navigation de chaque rôle, worker,"
        " arrêt propre."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
