"""The issue's "done when": a manager opens the dashboard, filters by residence and quarter, sees
the charts drawn, downloads the funder's XLSX report, and the report holds the page's figures:
every count shown on the page is in the sheet, or masked as "< 5" when it is from 1 to 4 (or
when a total would give a masked one away), and every share and delay is the page's, or masked
on a row with a masked count.

The world is small and placed in the second quarter of 2025 at the Dervallières, with a few
rows elsewhere (the first quarter, the Malakoff residence) that the selection must leave out."""

import datetime
import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from employers.enums import ContractType
from employment.enums import FollowUpWith, Milestone
from o2r.dashboard.masking import MASK, SECRET
from outreach.enums import ActionKind, Channel, Outcome, ReferralSource
from outreach.models import Contact, OutreachAction, Referral
from residents.enums import ExitReason, Sex, Stage
from residents.models import StageChange
from tests.browser.conftest import log_in_on
from tests.employers.factories import EmployerFactory, ProspectingActionFactory
from tests.employment.factories import AccompanimentFactory, FollowUpFactory, PlacementFactory
from tests.residents.factories import ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(settings.BASE_DIR) / "var" / "screenshots" / "dashboard.png"
F, M, U = Sex.FEMALE, Sex.MALE, Sex.UNSPECIFIED
# The Dervallières' twelve people of the quarter, in the order they move along the path.
SEXES = [F, M, F, F, M, F, U, F, M, F, M, F]
AGES = [22, 31, 35, 40, 47, 50, 58, 24, 29, 38, 61, None]

# Every table on the page, read in one go: its key, title, headers and cells as shown.
READ_TABLES = """() => Array.from(document.querySelectorAll("[data-table]"))
    .filter((card) => card.querySelector("table"))
    .map((card) => ({
        key: card.dataset.table,
        title: card.querySelector(".card-title").textContent.trim(),
        headers: Array.from(card.querySelectorAll("thead th")).map((th) => th.textContent.trim()),
        rows: Array.from(card.querySelectorAll("tbody tr")).map((tr) => ({
            label: tr.querySelector("th[scope=row]").textContent.trim(),
            total: tr.classList.contains("fw-semibold"),
            cells: Array.from(tr.querySelectorAll("td")).map((td) => ({
                kind: td.dataset.kind,
                text: td.textContent.trim(),
            })),
        })),
    }))"""


def _at(year, month, day, hour=10):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def _path(resident, steps, *, by, snapshot):
    """The resident's stage changes, each `(stage, when)` (and an exit reason for an exit)
    after the one before, with the categories of that day."""
    previous = since = None
    for stage, when, *exit_reason in steps:
        StageChange.objects.create(
            resident=resident,
            from_stage=previous,
            from_stage_since=since,
            to_stage=stage,
            exit_reason=exit_reason[0] if exit_reason else "",
            changed_by=by,
            changed_at=when,
            **snapshot,
        )
        previous, since = stage, when


def _build_world(*, chosen, other, officer, coach):
    """Big (5 and more) and small (1 to 4) counts in most tables of the chosen residence for
    the second quarter of 2025; rows that the selection leaves out around them."""
    people = [ResidentFactory(residence=chosen, sex=sex, stage=Stage.IDENTIFIED) for sex in SEXES]
    for i, person in enumerate(people):
        steps = [(Stage.IDENTIFIED, _at(2025, 4, 3 + i))]
        if i < 8:
            steps.append((Stage.ENGAGED, _at(2025, 5, 5 + 2 * i)))
        if i < 3:
            steps.append((Stage.ACCOMPANIED, _at(2025, 6, 2 + i)))
        if i < 2:
            steps.append((Stage.EMPLOYED, _at(2025, 6, 20 + i)))
        if i == 11:
            steps.append((Stage.EXITED, _at(2025, 6, 25), ExitReason.DECLINED))
        snapshot = {
            "residence": chosen,
            "sex": SEXES[i],
            "age": AGES[i],
            "social_minimum": i % 2 == 0,
            "international_protection": i < 3,
            "health_barrier": i == 4,
            "invisible": i % 3 == 0,
        }
        if i < 3:
            snapshot |= {"organisation": coach.organisation, "coach": coach}
        _path(person, steps, by=officer, snapshot=snapshot)

    # Left out: the same residence a quarter earlier, another residence the same quarter.
    for i in range(4):
        person = ResidentFactory(residence=chosen, sex=F)
        march = [(Stage.IDENTIFIED, _at(2025, 3, 3 + i))]
        _path(person, march, by=officer, snapshot={"residence": chosen, "sex": F})
    for i in range(6):
        person = ResidentFactory(residence=other, sex=M)
        april = [(Stage.IDENTIFIED, _at(2025, 4, 3 + i))]
        _path(person, april, by=officer, snapshot={"residence": other, "sex": M})

    # Outreach: six sessions in the hall and two door-to-door rounds; the contacts they led to.
    sessions = [
        OutreachAction.objects.create(
            kind=ActionKind.HALL_SESSION,
            residence=chosen,
            started_at=_at(2025, 4, 7) + datetime.timedelta(weeks=i),
            unnamed_count=2,
            created_by=officer,
        )
        for i in range(6)
    ]
    for day in (20, 27):
        OutreachAction.objects.create(
            kind=ActionKind.DOOR_TO_DOOR,
            residence=chosen,
            started_at=_at(2025, 5, day),
            created_by=officer,
        )
    for day in (7, 14, 21):
        OutreachAction.objects.create(
            kind=ActionKind.HALL_SESSION,
            residence=other,
            started_at=_at(2025, 4, day),
            created_by=officer,
        )
    for i, person in enumerate(people):
        channel, outcome = (
            (Channel.HALL, Outcome.INTERESTED) if i < 9 else (Channel.PHONE, Outcome.NO_ANSWER)
        )
        Contact.objects.create(
            resident=person,
            action=sessions[i % 6] if channel == Channel.HALL else None,
            residence=chosen,
            channel=channel,
            outcome=outcome,
            at=sessions[i % 6].started_at + datetime.timedelta(hours=1),
            by=officer,
        )
    Contact.objects.create(
        resident=people[0],
        residence=chosen,
        channel=Channel.SMS,
        outcome=Outcome.REPLIED,
        at=_at(2025, 6, 3),
    )
    for i in range(8):
        filed_at = _at(2025, 4, 2 + 3 * i)
        Referral.objects.create(
            residence=chosen,
            first_name="Awa",
            housing_unit=f"{200 + i}",
            how_to_reach="Le soir, à l'interphone",
            source=ReferralSource.RESIDENCE_MANAGER if i < 6 else ReferralSource.NEIGHBOUR,
            reason="Cherche du travail.",
            filed_by=officer,
            filed_at=filed_at,
            taken_by=officer if i < 5 else None,
            taken_at=filed_at + datetime.timedelta(days=2 + i % 2) if i < 5 else None,
        )

    # Employment: three accompaniments, two hires in June with their D+7 follow-ups, and six
    # prospecting visits to three companies in May.
    employers = [EmployerFactory(created_by=coach) for _ in range(3)]
    for i in range(6):
        ProspectingActionFactory(employer=employers[i % 3], by=coach, at=_at(2025, 5, 6 + i))
    accompaniments = [
        AccompanimentFactory(
            resident=person,
            coach=coach,
            organisation=coach.organisation,
            residence=chosen,
            started_on=datetime.date(2025, 6, 2 + i),
        )
        for i, person in enumerate(people[:3])
    ]
    hires = [
        (ContractType.CDI, 35, None),
        (ContractType.CDD, 20, datetime.date(2025, 9, 20)),
    ]
    for i, (contract, hours, end_on) in enumerate(hires):
        placement = PlacementFactory(
            accompaniment=accompaniments[i],
            employer=employers[i],
            contract_type=contract,
            weekly_hours=hours,
            start_on=datetime.date(2025, 6, 20 + i),
            end_on=end_on,
            sex=SEXES[i],
        )
        FollowUpFactory(
            placement=placement,
            milestone=Milestone.D7,
            done_on=placement.start_on + datetime.timedelta(days=7),
            with_whom=FollowUpWith.EMPLOYEE,
            still_employed=True,
            done_by=coach,
        )


def _number(text):
    """A figure as the page prints it (French decimals, narrow spaces between thousands)."""
    text = re.sub(r"\s", "", text).replace(",", ".")  # \s: narrow no-break spaces too
    return float(text) if "." in text else int(text)


def _check_table(table, sheet, seen):
    """The page's table against its sheet: the same headers and rows; each count equal, or
    masked when it is from 1 to 4 or hidden a second time beside a total; each share or delay
    equal, or masked on a row with a masked count; "—" an empty cell."""
    key, headers, rows = table["key"], table["headers"], table["rows"]
    assert sheet["A1"].value == table["title"], key
    lines = list(
        sheet.iter_rows(min_row=2, max_row=2 + len(rows), max_col=len(headers), values_only=True)
    )
    assert list(lines[0]) == headers, key
    body = [line[1:] for line in lines[1:]]
    assert [line[0] for line in lines[1:]] == [row["label"] for row in rows], key
    has_total = headers[-1] == "Total" or any(row["total"] for row in rows)

    def masked_beside(i, j):
        """Another masked count in row i or column j."""
        kinds = [cell["kind"] for cell in rows[i]["cells"]]
        in_row = [body[i][c] for c, kind in enumerate(kinds) if c != j and kind == "count"]
        in_column = [body[r][j] for r in range(len(rows)) if r != i]
        hidden = (MASK, SECRET)
        return any(v in hidden for v in in_row) or any(v in hidden for v in in_column)

    for i, row in enumerate(rows):
        where = f"{key} / {row['label']}"
        counts_masked = any(
            value in (MASK, SECRET)
            for value, cell in zip(body[i], row["cells"], strict=True)
            if cell["kind"] == "count"
        )
        for j, (cell, value) in enumerate(zip(row["cells"], body[i], strict=True)):
            at = f"{where} / {headers[j + 1]}: page {cell['text']!r}, sheet {value!r}"
            if cell["text"] == "masqué":  # health information, hidden on the page too
                assert value == SECRET, at
                seen["health hidden"] += 1
                continue
            if cell["text"] == "—":
                assert value is None, at
                continue
            shown = _number(cell["text"])
            if cell["kind"] == "count":
                if 1 <= shown <= 4:
                    assert value == MASK, at
                    seen["masked"] += 1
                elif value == SECRET:
                    assert shown >= 5 and has_total and masked_beside(i, j), at
                    seen["masked a second time"] += 1
                else:
                    assert value == shown and isinstance(value, int), at
                    seen["shown"] += 1
            elif counts_masked:
                assert value == SECRET, at
                seen["masked share or delay"] += 1
            else:
                assert isinstance(value, int | float) and value == pytest.approx(shown), at
                seen["shown share or delay"] += 1


def _first_count(page, table, row_label):
    return (
        page.locator(f'[data-table="{table}"] tbody tr')
        .filter(has=page.get_by_role("rowheader", name=row_label, exact=True))
        .locator("td")
        .first
    )


def _filter(page, *, year, quarter, residence):
    """Chooses a quarter and one residence in the filters' form, and shows the figures."""
    form = page.get_by_role("form", name="Filtres du tableau de bord")
    form.get_by_label("Période").select_option(label="Un trimestre")
    form.get_by_label("Année").fill(str(year))
    form.get_by_label("Trimestre").select_option(str(quarter))
    form.get_by_label("Résidences").select_option(label=residence)
    form.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(rf"[?&]trimestre={quarter}(&|$)"))


def _wait_for_charts(page):
    """All the charts drawn: as many as canvases, each holding a Chart.js chart."""
    page.wait_for_function("Number(document.body.dataset.chartsDrawn) > 0")
    drawn = int(page.evaluate("document.body.dataset.chartsDrawn"))
    assert drawn == page.locator("canvas.o2r-chart").count()
    assert page.evaluate(
        """Array.from(document.querySelectorAll("canvas.o2r-chart"))
            .every((canvas) => Chart.getChart(canvas) !== undefined)"""
    )
    return drawn


def test_manager_filters_the_dashboard_and_the_xlsx_holds_its_figures(
    desktop, adoma_manager, officer, coach, nantes_residences, assert_accessible, tmp_path
):
    chosen, other = nantes_residences[0], nantes_residences[1]
    _build_world(chosen=chosen, other=other, officer=officer, coach=coach)
    # The conftest fails the test on CSP violations and uncaught errors; here, on any console
    # error or warning too (dashboard.js warns when a chart is not drawn).
    console = []
    desktop.on(
        "console",
        lambda message: message.type in ("error", "warning") and console.append(message.text),
    )

    page = log_in_on(desktop, adoma_manager)
    page.get_by_role("navigation").get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()

    # The second quarter of 2025 at the Dervallières: the selection is in the URL.
    _filter(page, year=2025, quarter=2, residence=chosen.name)
    query = parse_qs(urlparse(page.url).query)
    assert query == {
        "periode": ["trimestre"],
        "annee": ["2025"],
        "trimestre": ["2"],
        "residence": [str(chosen.pk)],
    }
    expect(page.locator(".lead")).to_contain_text(
        re.compile(r"2e trimestre 2025\s+\(01/04/2025 . 30/06/2025\)")
    )
    # Twelve people identified there that quarter: not the Malakoff's six, not March's four.
    expect(_first_count(page, "parcours", "Repérées")).to_have_text("12")
    charts = _wait_for_charts(page)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The funder's report, for the same selection.
    link = page.get_by_role("link", name="Rapport au financeur (XLSX)")
    assert parse_qs(urlparse(link.get_attribute("href")).query) == query
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "o2r-rapport-20250401-20250630.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = openpyxl.load_workbook(path)

    assert book.sheetnames[0] == "Filtres"
    first = dict(book["Filtres"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert first["Période"] == "2e trimestre 2025"
    assert first["Résidences"] == chosen.name
    tables = page.evaluate(READ_TABLES)
    assert len(tables) >= 10, [table["key"] for table in tables]
    seen = Counter()
    for table in tables:
        assert table["key"] in book.sheetnames, table["key"]
        _check_table(table, book[table["key"]], seen)
    # The world exercises every case of the rule.
    assert set(seen) == {
        "shown",
        "masked",
        "masked a second time",
        "shown share or delay",
        "masked share or delay",
        "health hidden",
    }, seen

    # Another quarter, then back: the previous selection returns, its figures and its form.
    _filter(page, year=2025, quarter=1, residence=chosen.name)
    expect(_first_count(page, "parcours", "Repérées")).to_have_text("4")
    page.go_back()
    page.wait_for_url(re.compile(r"[?&]trimestre=2(&|$)"))
    assert parse_qs(urlparse(page.url).query) == query
    expect(_first_count(page, "parcours", "Repérées")).to_have_text("12")
    expect(page.get_by_label("Trimestre")).to_have_value("2")
    expect(page.get_by_label("Résidences")).to_have_values([str(chosen.pk)])
    assert _wait_for_charts(page) == charts

    assert_accessible(page)
    assert not console, console
