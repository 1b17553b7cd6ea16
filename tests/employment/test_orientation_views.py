"""The orientation screens through the test client: the officer orients a person from her file,
the organisation's inbox and summary (the summary only: not the file), the coach's and the
manager's answers, double submissions, hostile values (never a 500, nothing written) and who
gets 404 on what."""

import pytest
from django.urls import reverse

from employment import services
from employment.enums import OrientationStatus
from employment.models import Accompaniment, Orientation
from o2r.accounts.enums import Role
from residents.enums import Stage
from residents.models import Resident
from tests.accounts.factories import UserFactory
from tests.employment.conftest import engage
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["x" * 100_000, "\x00", "-1", "99999999999999999999", "' OR 1=1 --"]


def _url(name, *args):
    return reverse(f"employment:{name}", args=args)


def _orient_data(adelis, **data):
    return {
        "token": "6d1c2f0e-8d0a-4c4e-9a55-0c8b2b7b1a01",
        "organisation": adelis.pk,
        "coach": "",
        "reason": "Veut travailler le matin, dans la propreté.",
        **data,
    }


@pytest.fixture
def other_coach(adelis):
    return UserFactory(
        first_name="Inès", last_name="Roux", organisation=adelis, role=Role.JOB_COACH
    )


# --- Orienting ------------------------------------------------------------------------------


def test_the_officer_orients_an_engaged_person_from_her_file(client, officer, engaged, adelis):
    client.force_login(officer)
    file = client.get(reverse("residents:detail", args=[engaged.pk])).content.decode()
    assert _url("orient", engaged.pk) in file  # the panel's button
    page = client.get(_url("orient", engaged.pk))
    assert page.status_code == 200
    assert "Adelis" in page.content.decode()
    response = client.post(_url("orient", engaged.pk), _orient_data(adelis), follow=True)
    assert response.redirect_chain == [(engaged.get_absolute_url(), 302)]
    orientation = Orientation.objects.get()
    assert orientation.resident == engaged
    assert orientation.organisation == adelis
    assert orientation.oriented_by == officer
    assert orientation.status == OrientationStatus.PENDING
    body = response.content.decode()
    assert "est orientée vers" in body
    assert "Orientation en attente de réponse" in body
    assert _url("orient", engaged.pk) not in body  # one orientation at a time


def test_the_officer_names_a_coach(client, officer, engaged, adelis, coach):
    client.force_login(officer)
    client.post(_url("orient", engaged.pk), _orient_data(adelis, coach=coach.pk))
    assert Orientation.objects.get().coach == coach


def test_a_double_submission_of_the_orientation_writes_one_row(client, officer, engaged, adelis):
    client.force_login(officer)
    data = _orient_data(adelis)
    assert client.post(_url("orient", engaged.pk), data).status_code == 302
    assert client.post(_url("orient", engaged.pk), data).status_code == 302
    assert Orientation.objects.count() == 1


def test_without_the_sharing_consent_the_orientation_is_refused_beside_the_organisation(
    client, officer, adelis, nantes_residences
):
    resident = engage(
        ResidentFactory(residence=nantes_residences[0]),
        officer=officer,
        adelis=adelis,
        sharing=False,
    )
    client.force_login(officer)
    response = client.post(_url("orient", resident.pk), _orient_data(adelis))
    assert response.status_code == 200
    assert "accord de la personne pour le partage" in str(
        response.context["form"].errors["organisation"]
    )
    assert not Orientation.objects.exists()


def test_the_reason_is_required_and_the_coach_belongs_to_the_organisation(
    client, officer, engaged, adelis, outsider
):
    other = UserFactory(
        organisation__name="Emploi 44", organisation__kind="employment", role=Role.JOB_COACH
    )
    client.force_login(officer)
    response = client.post(_url("orient", engaged.pk), _orient_data(adelis, reason="  "))
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "Dites en quelques mots pourquoi vous orientez la personne."
    ]
    response = client.post(_url("orient", engaged.pk), _orient_data(adelis, coach=other.pk))
    assert response.status_code == 200
    assert "coach" in response.context["form"].errors
    assert not Orientation.objects.exists()


def test_a_person_who_is_not_engaged_cannot_be_oriented(client, officer, nantes_residences, adelis):
    resident = ResidentFactory(residence=nantes_residences[0], stage=Stage.IDENTIFIED)
    client.force_login(officer)
    page = client.get(_url("orient", resident.pk))
    assert page.status_code == 200
    assert "orient_form" not in page.content.decode()
    response = client.post(_url("orient", resident.pk), _orient_data(adelis))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Orientation.objects.exists()


def test_hostile_values_on_the_orientation_form_are_never_a_500(client, officer, engaged):
    client.force_login(officer)
    fields = ["token", "organisation", "coach", "reason"]
    for value in HOSTILE:
        response = client.post(_url("orient", engaged.pk), dict.fromkeys(fields, value))
        assert response.status_code == 200, value
        assert response.context["form"].errors, value
        assert not Orientation.objects.exists(), value


# --- The inbox and the summary --------------------------------------------------------------


def test_the_inbox_lists_the_pending_orientations_newest_first(
    client, coach, officer, orientation, adelis, nantes_residences
):
    second = engage(
        ResidentFactory(first_name="Bintou", residence=nantes_residences[1]),
        officer=officer,
        adelis=adelis,
    )
    newer = services.orientation_create(
        resident=second, organisation=adelis, by=officer, reason="Cherche un CDI en logistique."
    )
    client.force_login(coach)
    response = client.get(_url("orientations"))
    assert response.status_code == 200
    assert response.context["orientations"] == [newer, orientation]
    body = response.content.decode()
    assert "Cherche un CDI en logistique." in body
    assert nantes_residences[1].name in body
    assert "Samia Benali" in body


def test_the_coach_sees_the_summary_but_not_the_file_before_accepting(
    client, coach, orientation, engaged
):
    Resident.objects.filter(pk=engaged.pk).update(housing_unit="B-417")
    engaged.refresh_from_db()
    client.force_login(coach)
    assert client.get(reverse("residents:detail", args=[engaged.pk])).status_code == 404
    response = client.get(_url("orientation", orientation.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Awa" in body and "KONÉ" in body
    assert engaged.residence.name in body
    assert "Veut travailler le matin, dans la propreté." in body
    assert "Partage avec la structure emploi" in body  # the consents
    assert "Samia Benali" in body  # who oriented
    # Nothing else from the file.
    assert engaged.phone.as_national not in body
    assert engaged.housing_unit not in body
    assert engaged.birth_date.strftime("%d/%m/%Y") not in body


def test_the_coach_accepts_for_herself(client, coach, orientation, engaged):
    client.force_login(coach)
    response = client.post(_url("orientation_accept", orientation.pk))
    accompaniment = Accompaniment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == accompaniment.get_absolute_url()
    assert accompaniment.coach == coach
    engaged.refresh_from_db()
    assert engaged.stage == Stage.ACCOMPANIED
    assert client.get(reverse("residents:detail", args=[engaged.pk])).status_code == 200
    # A second click leads to the same page and opens nothing more.
    again = client.post(_url("orientation_accept", orientation.pk))
    assert again["Location"] == accompaniment.get_absolute_url()
    assert Accompaniment.objects.count() == 1
    assert client.get(_url("orientations")).context["orientations"] == []


def test_the_manager_assigns_a_coach(client, adelis_manager, coach, other_coach, orientation):
    client.force_login(adelis_manager)
    page = client.get(_url("orientation", orientation.pk))
    choices = [str(label) for _, label in page.context["accept_form"].fields["coach"].choices]
    assert "Claire Moreau" in choices and "Inès Roux" in choices
    refused = client.post(_url("orientation_accept", orientation.pk), {"coach": ""})
    assert refused.status_code == 200
    assert refused.context["accept_form"].errors["coach"]
    assert not Accompaniment.objects.exists()
    response = client.post(_url("orientation_accept", orientation.pk), {"coach": other_coach.pk})
    assert response.status_code == 302
    assert response["Location"] == _url("orientations")
    assert Accompaniment.objects.get().coach == other_coach


def test_a_coach_cannot_assign_another_coach(client, coach, other_coach, orientation):
    client.force_login(coach)
    response = client.post(_url("orientation_accept", orientation.pk), {"coach": other_coach.pk})
    # The field is not hers: she accepts for herself.
    assert response.status_code == 302
    assert Accompaniment.objects.get().coach == coach


def test_an_orientation_named_for_another_coach_is_hers_to_accept(
    client, officer, engaged, adelis, coach, other_coach
):
    orientation = services.orientation_create(
        resident=engaged, organisation=adelis, by=officer, coach=other_coach, reason="Pour Inès."
    )
    client.force_login(coach)
    response = client.post(_url("orientation_accept", orientation.pk))
    assert response.status_code == 200
    assert "Inès Roux" in str(response.context["accept_form"].non_field_errors())
    assert not Accompaniment.objects.exists()


def test_the_coach_declines_with_a_reason_the_officer_reads_on_the_file(
    client, coach, officer, orientation, engaged
):
    client.force_login(coach)
    refused = client.post(_url("orientation_decline", orientation.pk), {"reason": " "})
    assert refused.status_code == 200
    assert refused.context["decline_form"].errors["reason"] == ["Indiquez le motif du refus."]
    response = client.post(
        _url("orientation_decline", orientation.pk), {"reason": "Pas de place avant mars."}
    )
    assert response.status_code == 302
    assert response["Location"] == _url("orientations")
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.DECLINED
    again = client.post(_url("orientation_decline", orientation.pk), {"reason": "Encore."})
    assert again.status_code == 302
    orientation.refresh_from_db()
    assert orientation.decline_reason == "Pas de place avant mars."
    client.force_login(officer)
    file = client.get(reverse("residents:detail", args=[engaged.pk])).content.decode()
    assert "Orientation refusée par Adelis" in file
    assert "Pas de place avant mars." in file
    engaged.refresh_from_db()
    assert engaged.stage == Stage.ENGAGED
    assert _url("orient", engaged.pk) in file  # she may orient again


def test_hostile_values_on_the_answers_are_never_a_500(client, adelis_manager, orientation):
    client.force_login(adelis_manager)
    for value in HOSTILE:
        accept = client.post(_url("orientation_accept", orientation.pk), {"coach": value})
        assert accept.status_code == 200, value
        assert accept.context["accept_form"].errors, value
        if value != "' OR 1=1 --":
            decline = client.post(_url("orientation_decline", orientation.pk), {"reason": value})
            assert decline.status_code == 200 if value in ("x" * 100_000, "\x00") else 302
            if decline.status_code == 302:
                # A plain text is a reason: put the orientation back for the next value.
                Orientation.objects.filter(pk=orientation.pk).update(
                    status=OrientationStatus.PENDING,
                    decline_reason="",
                    answered_by=None,
                    answered_at=None,
                )
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.PENDING
    assert not Accompaniment.objects.exists()


# --- Who reaches what -----------------------------------------------------------------------


def _requests(orientation, resident):
    return [
        ("get", _url("orient", resident.pk)),
        ("post", _url("orient", resident.pk)),
        ("get", _url("orientations")),
        ("get", _url("orientation", orientation.pk)),
        ("post", _url("orientation_accept", orientation.pk)),
        ("post", _url("orientation_decline", orientation.pk)),
    ]


@pytest.mark.parametrize("member", ["outsider", "staff", "administrator"])
def test_outsiders_staff_and_administrators_get_404_everywhere(
    client, cast, member, orientation, engaged
):
    client.force_login(cast[member])
    for method, url in _requests(orientation, engaged):
        assert getattr(client, method)(url, {"reason": "x"}).status_code == 404, url
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.PENDING


def test_the_officer_orients_but_never_answers(client, officer, orientation):
    client.force_login(officer)
    assert client.get(_url("orientations")).status_code == 404
    assert client.get(_url("orientation", orientation.pk)).status_code == 404
    assert client.post(_url("orientation_accept", orientation.pk)).status_code == 404
    response = client.post(_url("orientation_decline", orientation.pk), {"reason": "Non."})
    assert response.status_code == 404
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.PENDING


def test_the_coach_does_not_orient(client, coach, engaged, adelis):
    client.force_login(coach)
    assert client.get(_url("orient", engaged.pk)).status_code == 404
    assert client.post(_url("orient", engaged.pk), _orient_data(adelis)).status_code == 404
    assert not Orientation.objects.exists()


def test_another_organisation_does_not_see_the_orientation(client, orientation):
    stranger = UserFactory(
        organisation__name="Emploi 44", organisation__kind="employment", role=Role.JOB_COACH
    )
    client.force_login(stranger)
    assert client.get(_url("orientations")).context["orientations"] == []
    assert client.get(_url("orientation", orientation.pk)).status_code == 404
    assert client.post(_url("orientation_accept", orientation.pk)).status_code == 404


@pytest.mark.parametrize("pk", [999999, 2**63, 10**30])
def test_ids_that_do_not_exist_are_404(client, coach, pk):
    client.force_login(coach)
    assert client.get(_url("orientation", pk)).status_code == 404
    assert client.post(_url("orientation_accept", pk)).status_code == 404
    assert client.post(_url("orientation_decline", pk), {"reason": "x"}).status_code == 404
