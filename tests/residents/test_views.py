import csv
import io

import pytest
from django.urls import reverse

from o2r.audit.models import AccessLog
from residents import services
from residents.models import Resident, StageChange
from tests.residents.factories import ResidentFactory


def _make_residents(count, residences, author, **kwargs):
    return [
        ResidentFactory(
            residence=residences[i % len(residences)],
            complete=True,
            complete__author=author,
            **kwargs,
        )
        for i in range(count)
    ]


def _list_queries(client, django_assert_num_queries, expected, url):
    # A budget (at most), whatever the number of residents.
    with django_assert_num_queries(expected, exact=False):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("count", [5, 200])
def test_list_runs_a_fixed_number_of_queries(
    client, officer, nantes_residences, count, django_assert_num_queries
):
    _make_residents(count, nantes_residences, officer)
    client.force_login(officer)
    # session, user, count, page of residents (residence, officer, coach joined),
    # residences of the filter's select (rendered once)
    _list_queries(client, django_assert_num_queries, 5, reverse("residents:list"))
    _list_queries(
        client,
        django_assert_num_queries,
        5,
        reverse("residents:list") + "?q=diallo&stage=identified&barrier=language&benefit=rsa"
        "&referent=france_travail&invisible=on&sort=-created_at",
    )


@pytest.mark.parametrize("rows", [1, 3])
def test_file_runs_a_fixed_number_of_queries_whatever_its_rows(
    client, officer, nantes_residences, rows, django_assert_num_queries
):
    # The rows of the file itself vary (consents, barriers, stage changes, notes, steps,
    # referents, benefits: from 1 to 3 times over), not other residents.
    resident = ResidentFactory(
        residence=nantes_residences[0], complete=True, complete__author=officer,
        complete__rows=rows,
    )  # fmt: skip
    assert resident.notes.count() == 3 * rows
    client.force_login(officer)
    # session, user (+ organisation), the resident (+ residence, officer, coach and her
    # organisation), benefits, consents, barriers, referents, stage changes, steps, readable
    # notes, the access-log insert, the organisations of the consent form, the outreach
    # timeline's contacts and referrals, the employment timeline's "any part in it?" and the
    # employment panel's accompaniments and orientation, the SMS timeline's messages and the
    # SMS panel's oppositions of her number
    with django_assert_num_queries(19):
        response = client.get(reverse("residents:detail", args=[resident.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert all(f"Rencontre dans le hall n° {i}." in body for i in range(3 * rows))


def test_search_ignores_accents_and_case_and_finds_phone(client, officer, nantes_residences):
    elodie = ResidentFactory(
        first_name="Élodie",
        last_name="N'Diaye",
        residence=nantes_residences[0],
        phone="+33612345678",
    )
    ResidentFactory(first_name="Jean", last_name="Martin", residence=nantes_residences[0])
    client.force_login(officer)
    for query in ("elodie", "NDIAYE", "ndiaye élo", "06 12 34 56 78", "0612345678"):
        response = client.get(reverse("residents:list"), {"q": query})
        page = response.context["page"]
        assert list(page.object_list) == [elodie], query


def test_filters(client, officer, nantes_residences):
    a = ResidentFactory(residence=nantes_residences[0], stage="engaged")
    b = ResidentFactory(residence=nantes_residences[1], stage=None)
    client.force_login(officer)

    def listed(**params):
        return set(client.get(reverse("residents:list"), params).context["page"].object_list)

    assert listed(stage="engaged") == {a}
    assert listed(stage="none") == {b}
    assert listed(residence=nantes_residences[1].pk) == {b}


def test_htmx_filtering_returns_only_the_results_fragment(client, officer, nantes_residences):
    ResidentFactory(residence=nantes_residences[0])
    client.force_login(officer)
    response = client.get(reverse("residents:list"), {"q": "x"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "<form" not in body


def test_export_neutralises_formulas_and_is_logged(client, officer, nantes_residences):
    ResidentFactory(
        first_name='=HYPERLINK("x")', last_name="+Dupont", residence=nantes_residences[0]
    )
    client.force_login(officer)
    response = client.get(reverse("residents:export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][:2] == ["Nom", "Prénom"]
    assert rows[1][0] == "'+Dupont"
    assert rows[1][1].startswith("'=")
    log = AccessLog.objects.get(action="export")
    assert (log.user, log.count) == (officer, 1)


def test_create_warns_about_a_duplicate_then_creates_when_confirmed(
    client, officer, nantes_residences
):
    existing = ResidentFactory(
        first_name="Mamadou",
        last_name="Traoré",
        residence=nantes_residences[2],
        phone="+33698765432",
    )
    client.force_login(officer)
    data = {
        "last_name": "Traore",
        "first_name": "Moussa",
        "phone": "06 98 76 54 32",
        "residence": nantes_residences[0].pk,
        "sex": "male",
        "preferred_language": "bam",
        "international_protection": "none",
        "right_to_work_document": "none",
        "france_travail_status": "unknown",
        "enter_programme": "on",
    }
    response = client.post(reverse("residents:create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "peut-être déjà connue" in body
    assert reverse("residents:detail", args=[existing.pk]) in body
    assert Resident.objects.count() == 1
    response = client.post(reverse("residents:create"), {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert Resident.objects.count() == 2


def test_duplicate_outside_scope_says_only_whom_to_ask(
    client, officer, outsider, other_territory_residence, administrator
):
    ResidentFactory(
        first_name="Oksana",
        last_name="Kovalenko",
        residence=other_territory_residence,
        phone="+33611223344",
    )
    client.force_login(officer)
    response = client.post(
        reverse("residents:create"),
        {
            "last_name": "Autre",
            "first_name": "Nom",
            "phone": "06 11 22 33 44",
            "residence": officer.residence_memberships.first().residence_id,
            "sex": "female",
            "preferred_language": "ukr",
            "international_protection": "none",
            "right_to_work_document": "none",
            "france_travail_status": "unknown",
        },
    )
    body = response.content.decode()
    assert "Un dossier existe peut-être ailleurs" in body
    assert administrator.get_full_name() in body
    assert "Kovalenko" not in body
    assert "Salines" not in body


def test_stage_change_through_the_file(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0], stage="identified")
    client.force_login(officer)
    url = reverse("residents:stage", args=[resident.pk])
    response = client.post(url, {"to": "engaged", "reason": ""})
    assert response.status_code == 200
    assert "accord de la personne pour l" in response.content.decode()
    services.consent_record(
        resident=resident,
        scope="accompaniment",
        given_on=resident.created_at.date(),
        method="oral",
        by=officer,
    )
    response = client.post(url, {"to": "engaged", "reason": "Premier rendez-vous"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.stage == "engaged"
    assert StageChange.objects.filter(resident=resident, to_stage="engaged").count() == 1


def test_history_shows_changes_to_those_who_may_edit(client, officer, nantes_residences):
    resident = ResidentFactory(residence=nantes_residences[0])
    services.resident_update(resident=resident, by=officer, data={"housing_unit": "C3"})
    client.force_login(officer)
    body = client.get(reverse("residents:history", args=[resident.pk])).content.decode()
    assert "C3" in body
    assert officer.get_full_name() in body


def test_the_coach_edits_an_assigned_file_without_moving_it(client, officer, coach, adelis):
    resident = ResidentFactory(job_coach=coach, stage="accompanied")
    services.consent_record(
        resident=resident, scope="sharing", given_on=resident.created_at.date(), method="oral",
        by=officer, recipient_organisation=adelis,
    )  # fmt: skip
    client.force_login(coach)
    url = reverse("residents:edit", args=[resident.pk])
    form = client.get(url).context["form"]
    assert form.fields["residence"].disabled
    assert "rqth" not in form.fields  # no health consent to Adelis
    data = {
        "last_name": resident.last_name, "first_name": resident.first_name,
        "sex": "female", "phone": "", "residence": resident.residence_id,
        "housing_unit": "A7", "preferred_language": "fra",
        "international_protection": "none", "right_to_work_document": "none",
        "france_travail_status": "registered", "france_travail_id": "1234567a",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    resident.refresh_from_db()
    assert (resident.housing_unit, resident.france_travail_id) == ("A7", "1234567A")
