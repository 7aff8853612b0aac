"""Choosing together: proposal rounds from the engine to an approved support-family match, the limits, the
anonymised family page, who may do what, the notices, and every page for every role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from accesslog.models import AccessLogEntry
from accounts.models import Role
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.services import supportrequest_create
from hostfamilies.states import State
from matching import services
from matching.engine import FACTOR_LABELS, FACTORS
from matching.features import excluded_for_case
from matching.models import Proposal, ProposalStatus
from matching.selectors import anonymised_profile
from tests.builders.hostfamilies import ready_family
from tests.conftest import World, prebuilt
from tests.factories import CaseFactory, OrganisationFactory, YoungPersonFactory, born_years_ago, user_with_role
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Household, HouseholdMember, Volunteer
from youth.models import Guardianship


def family_request(world: World) -> SupportRequest:
    return supportrequest_create(
        actor=world.coordinator, case=world.case, organisation=world.organisation, what_for="Rust in het weekend"
    )


def families(world: World, n: int) -> list[Volunteer]:
    return [ready_family(world.organisation) for _i in range(n)]


def shown_round(world: World, n: int = 4) -> tuple[SupportRequest, list[Volunteer], list[Proposal]]:
    found = families(world, n)
    request = family_request(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    shown = services.proposal_round_show(actor=world.coordinator, support_request=request)
    return request, found, shown


def test_a_round_is_suggested_with_reasons_and_contributions(world: World) -> None:
    found = families(world, 4)
    request = family_request(world)
    proposals = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert {p.volunteer_id for p in proposals} == {v.pk for v in found}
    assert [p.rank for p in proposals] == [1, 2, 3, 4]
    one = proposals[0]
    assert one.status == ProposalStatus.SUGGESTED and one.reasons and one.engine_version.startswith("rules")
    assert abs(sum(c["points"] for c in one.contributions) - one.score) < 1e-6
    # A new round replaces the unseen suggestions instead of adding to them.
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert Proposal.objects.filter(support_request=request).count() == 4


def test_only_a_coordinator_suggests_shows_and_excludes(world: World) -> None:
    families(world, 1)
    request = family_request(world)
    for actor in (world.professional, world.parent, world.outsider):
        with pytest.raises(PermissionDenied):
            services.proposal_round_suggest(actor=actor, support_request=request)
    (proposal,) = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    with pytest.raises(PermissionDenied):
        services.proposal_round_show(actor=world.professional, support_request=request)
    with pytest.raises(PermissionDenied):
        services.proposal_exclude(actor=world.professional, proposal=proposal, reason="nee")
    with pytest.raises(ValidationError):
        services.proposal_exclude(actor=world.coordinator, proposal=proposal, reason=" ")


def test_three_are_shown_and_an_excluded_one_never_comes_back(world: World) -> None:
    found = families(world, 5)
    request = family_request(world)
    proposals = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    excluded = services.proposal_exclude(actor=world.coordinator, proposal=proposals[0], reason="Kent de buren")
    assert excluded.status == ProposalStatus.EXCLUDED and excluded.reason == "Kent de buren"
    shown = services.proposal_round_show(actor=world.coordinator, support_request=request)
    assert len(shown) == 3 and proposals[0].volunteer_id not in {p.volunteer_id for p in shown}
    with pytest.raises(ValidationError):
        services.proposal_round_show(actor=world.coordinator, support_request=request)
    # The family wants others: the next round leaves out everyone they saw and the excluded one.
    assert services.proposal_ask_others(actor=world.parent, support_request=request) == 3
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    fresh = Proposal.objects.filter(support_request=request, status=ProposalStatus.SUGGESTED)
    seen = {p.volunteer_id for p in shown} | {proposals[0].volunteer_id}
    assert {p.volunteer_id for p in fresh} == {v.pk for v in found} - seen


def test_no_volunteer_has_more_open_proposals_than_the_limit(world: World, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_PROPOSALS = 1
    (family,) = families(world, 1)
    first = family_request(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=first)
    services.proposal_round_show(actor=world.coordinator, support_request=first)
    # Another family of the organisation: the engine no longer proposes this volunteer …
    other_young = YoungPersonFactory(first_name="Noor")
    other_case = CaseFactory(young_person=other_young, organisation=world.organisation)
    second = supportrequest_create(
        actor=world.coordinator, case=other_case, organisation=world.organisation, what_for="Weekends"
    )
    assert services.proposal_round_suggest(actor=world.coordinator, support_request=second) == []
    # … and a suggestion made before the limit was reached is not shown (checked under the volunteer's lock).
    Proposal.objects.create(
        support_request=second, case=other_case, volunteer=family, rank=1, score=0.5, distance_km=1, engine_version="x"
    )
    with pytest.raises(ValidationError):
        services.proposal_round_show(actor=world.coordinator, support_request=second)
    assert Proposal.objects.filter(volunteer=family, status=ProposalStatus.SHOWN).count() == 1


def test_the_family_chooses_the_volunteer_says_yes_and_the_professional_approves(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request, _found, shown = shown_round(world)
    assert {a for m in mailoutbox for a in m.to} >= {world.parent.email, world.young_person_user.email}
    with pytest.raises(PermissionDenied):
        services.proposal_choose(actor=world.coordinator, proposal=shown[1])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        chosen = services.proposal_choose(actor=world.parent, proposal=shown[1])
    assert chosen.status == ProposalStatus.ASKED
    for passed_over in (shown[0], shown[2]):
        passed_over.refresh_from_db()
    assert {p.status for p in (shown[0], shown[2])} == {ProposalStatus.NOT_CHOSEN}
    volunteer_user = chosen.volunteer.user
    assert volunteer_user.email in {a for m in mailoutbox for a in m.to}
    assert "Sanne" not in " ".join(m.body for m in mailoutbox)
    with pytest.raises(PermissionDenied):
        services.proposal_answer(actor=world.volunteer, proposal=chosen, accept=True)
    with pytest.raises(ValidationError):
        services.proposal_approve(actor=world.coordinator, proposal=chosen)
    services.proposal_answer(actor=volunteer_user, proposal=chosen, accept=True)
    for actor in (world.parent, volunteer_user, world.outsider):
        with pytest.raises(PermissionDenied):
            services.proposal_approve(actor=actor, proposal=chosen)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        match = services.proposal_approve(actor=world.professional, proposal=chosen)
    assert isinstance(match, SupportFamilyMatch)
    assert match.state == State.INTRODUCTION and match.volunteer_id == chosen.volunteer_id
    assert SupportRequest.objects.get(pk=request.pk).status == SupportRequest.Status.MATCHED
    chosen.refresh_from_db()
    assert (chosen.status, chosen.match_id, chosen.decided_by_id) == (
        ProposalStatus.APPROVED,
        match.pk,
        world.professional.pk,
    )
    told = {a for m in mailoutbox for a in m.to}
    assert {world.parent.email, world.coordinator.email, volunteer_user.email} <= told


def test_a_declined_volunteer_is_never_proposed_to_that_family_again(world: World) -> None:
    request, _found, shown = shown_round(world, n=3)
    chosen = services.proposal_choose(actor=world.young_person_user, proposal=shown[0])
    with pytest.raises(ValidationError):
        services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=False, reason="")
    services.proposal_answer(actor=chosen.volunteer.user, proposal=chosen, accept=False, reason="Te druk nu")
    assert chosen.volunteer_id in excluded_for_case(world.case.pk)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert not Proposal.objects.filter(
        support_request=request, volunteer_id=chosen.volunteer_id, status=ProposalStatus.SUGGESTED
    ).exists()
    # The database refuses it too, also for a later request of the same family.
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            support_request=request,
            case=world.case,
            volunteer_id=chosen.volunteer_id,
            rank=1,
            score=0.5,
            distance_km=1,
            engine_version="x",
        )


def test_a_young_person_under_12_does_not_choose(world: World) -> None:
    request, _found, shown = shown_round(world, n=1)
    world.young_person.date_of_birth = born_years_ago(11)
    world.young_person.save()
    with pytest.raises(PermissionDenied):
        services.proposal_choose(actor=world.young_person_user, proposal=shown[0])
    client = Client()
    client.force_login(world.young_person_user)
    assert client.get(reverse("matching:choose", args=[request.pk])).status_code == HIDDEN


def test_the_family_page_shows_anonymised_profiles_only(world: World, client: Client) -> None:
    request, found, shown = shown_round(world, n=3)
    secrets: list[str] = []
    for number, volunteer in enumerate(found):
        user = volunteer.user
        user.first_name, user.last_name = "Yara", "Bouzambouza"
        user.phone = f"061239876{number}"  # a number belongs to one account
        user.save()
        volunteer.phone, volunteer.home_postcode, volunteer.home_place = "0687654321", "2311 XY", "Leiden"
        volunteer.save()
        household = Household.objects.create(volunteer=volunteer, pets="een kat")
        HouseholdMember.objects.create(household=household, first_name="Kleinzoon", is_adult=False, birth_year=2016)
        HouseholdMember.objects.create(household=household, first_name="Partnernaam", is_adult=True)
        secrets += [cast(str, user.email), "Bouzambouza", user.phone, "0687654321", "2311", "Kleinzoon", "Partnernaam"]
    client.force_login(world.parent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        html = client.get(reverse("matching:choose", args=[request.pk])).content.decode()
    assert html.count("Choose Yara") == 3 and "2 adults, 1 child, pets" in " ".join(html.split())
    for secret in secrets:
        assert secret not in html
    assert AccessLogEntry.objects.filter(actor=world.parent, young_person=world.young_person).exists()
    profile = anonymised_profile(Proposal.objects.select_related("volunteer__user").get(pk=shown[0].pk))
    assert (profile.first_name, profile.adults, len(profile.children_ages)) == ("Yara", 2, 1)


def test_the_coordinator_page_shows_each_factor_and_logs_access(world: World, client: Client) -> None:
    families(world, 2)
    request = family_request(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    client.force_login(world.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        html = client.get(reverse("matching:round", args=[request.pk])).content.decode()
    assert "What each part adds to the fit" in html and "Distance" in html and " km " in html
    entry = AccessLogEntry.objects.get(actor=world.coordinator, young_person=world.young_person)
    assert entry.actor_role == Role.COORDINATOR


def test_the_case_professional_sees_each_factors_contribution(world: World, client: Client) -> None:
    families(world, 1)
    request = family_request(world)
    (proposal,) = services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    client.force_login(world.professional)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        html = client.get(reverse("matching:round", args=[request.pk])).content.decode()
        labels = [capfirst(str(FACTOR_LABELS[part["factor"]])) for part in proposal.contributions]
    # One row per factor: its label, its value from 0 to 1, and the points it adds to the score.
    assert len(labels) == len(FACTORS)
    for label, part in zip(labels, proposal.contributions, strict=True):
        row = html.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]
        assert f"{part['value']:.2f}" in row and f"{part['points']:.3f}" in row
    # The professional sees, but only a coordinator excludes.
    assert reverse("matching:exclude", args=[proposal.pk]) not in html


def test_the_waiting_list_page_compares_global_and_first_come(world: World, client: Client, settings: Any) -> None:
    # Tasks run at once here, so the first view computes the plan and shows it (matching.tasks).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    families(world, 2)
    family_request(world)
    client.force_login(world.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        html = " ".join(client.get(reverse("matching:waiting_list")).content.decode().split())
    assert "Families matched, whole list at once</dt><dd>1" in html
    assert "Families matched, longest waiting first</dt><dd>1" in html


@pytest.mark.parametrize(
    "data", [{}, {"proposal": "x"}, {"proposal": "999999999999"}, {"proposal": "-1"}, {"others": "on"}]
)
def test_no_input_breaks_the_family_page(world: World, client: Client, data: dict[str, str]) -> None:
    request, _found, _shown = shown_round(world, n=1)
    client.force_login(world.parent)
    assert client.post(reverse("matching:choose", args=[request.pk]), data).status_code in (302, 404)


# --- Every page for every persona, on its own request and on another organisation's ----------------------------


@prebuilt
def rounds(world: World) -> dict[bool, Proposal]:
    """Per side, a proposal the family chose (asked): own in world.organisation, with world.volunteer as the
    support family; foreign in another organisation, for world.foreign_case (whose professional is the outsider)."""
    own_family = ready_family(world.organisation, world.volunteer)
    request = family_request(world)
    services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    (own,) = services.proposal_round_show(actor=world.coordinator, support_request=request)
    assert own.volunteer_id == own_family.pk
    own = services.proposal_choose(actor=world.parent, proposal=own)
    other = OrganisationFactory()
    coordinator = user_with_role(Role.COORDINATOR, other)
    ready_family(other)
    foreign_request = supportrequest_create(
        actor=coordinator, case=world.foreign_case, organisation=other, what_for="weekends"
    )
    services.proposal_round_suggest(actor=coordinator, support_request=foreign_request)
    (foreign,) = services.proposal_round_show(actor=coordinator, support_request=foreign_request)
    parent = user_with_role(Role.PARENT)
    Guardianship.objects.create(young_person=world.foreign_young_person, guardian=parent, has_custody=True)
    foreign = services.proposal_choose(actor=parent, proposal=foreign)
    return {True: own, False: foreign}


FAMILY_OWN = expect(HIDDEN, parent=FORBIDDEN, young_person_user=FORBIDDEN)
VIEWS = [
    (
        "round",
        "get",
        lambda p: reverse("matching:round", args=[p.support_request_id]),
        expect(HIDDEN, parent=FORBIDDEN, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "suggest",
        "post",
        lambda p: reverse("matching:round_suggest", args=[p.support_request_id]),
        expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "show",
        "post",
        lambda p: reverse("matching:round_show", args=[p.support_request_id]),
        expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "exclude",
        "post",
        lambda p: reverse("matching:exclude", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": FORBIDDEN, "professional": FORBIDDEN, "coordinator": REDIRECT},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "approve",
        "post",
        lambda p: reverse("matching:approve", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": FORBIDDEN, "professional": REDIRECT, "coordinator": REDIRECT},
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "choose",
        "get",
        lambda p: reverse("matching:choose", args=[p.support_request_id]),
        expect(HIDDEN, parent=OK, young_person_user=OK),
        expect(HIDDEN),
    ),
    (
        "ask",
        "get",
        lambda p: reverse("matching:ask", args=[p.pk]),
        {**FAMILY_OWN, "volunteer": OK, "professional": FORBIDDEN, "coordinator": FORBIDDEN},
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "waiting list",
        "get",
        lambda p: reverse("matching:waiting_list"),
        expect(FORBIDDEN, coordinator=OK),
        expect(FORBIDDEN, coordinator=OK),
    ),
]


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    rounds: dict[bool, Proposal],
    client: Client,
    name: str,
    method: str,
    url: Callable[[Proposal], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    data = {"reason": "Kent de familie"} if name == "exclude" else {}
    response = getattr(client, method)(url(rounds[own]), data)
    assert response.status_code == expected


def test_the_request_page_links_to_the_round(world: World, rounds: dict[bool, Proposal], client: Client) -> None:
    client.force_login(world.professional)
    html = client.get(reverse("hostfamilies:request_detail", args=[rounds[True].support_request_id])).content
    assert reverse("matching:round", args=[rounds[True].support_request_id]).encode() in html
    assert SupportFamilyMatch.objects.count() == 0


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the session and the user's roles are read on the first page only
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == OK
    return len(captured)


def test_the_round_and_family_pages_take_the_same_queries_for_more_proposals(world: World, client: Client) -> None:
    few = shown_round(world, n=2)[0]
    families(world, 6)
    other_case = CaseFactory(young_person=YoungPersonFactory(), organisation=world.organisation)
    Guardianship.objects.create(young_person=other_case.young_person, guardian=world.parent, has_custody=True)
    many = supportrequest_create(
        actor=world.coordinator, case=other_case, organisation=world.organisation, what_for="Weekends"
    )
    services.proposal_round_suggest(actor=world.coordinator, support_request=many)
    services.proposal_round_show(actor=world.coordinator, support_request=many)
    services.proposal_round_suggest(actor=world.coordinator, support_request=many)
    client.force_login(world.coordinator)
    assert _queries(client, reverse("matching:round", args=[few.pk])) == _queries(
        client, reverse("matching:round", args=[many.pk])
    )
    client.force_login(world.parent)
    assert _queries(client, reverse("matching:choose", args=[few.pk])) == _queries(
        client, reverse("matching:choose", args=[many.pk])
    )


def test_the_volunteer_declines_on_the_page_with_a_reason(world: World, client: Client) -> None:
    _request, _found, shown = shown_round(world, n=1)
    chosen = services.proposal_choose(actor=world.parent, proposal=shown[0])
    client.force_login(chosen.volunteer.user)
    url = reverse("matching:ask", args=[chosen.pk])
    assert client.post(url, {"answer": "maybe"}).status_code == 400
    response = client.post(url, {"answer": "no", "reason": ""})
    assert response.status_code == REDIRECT
    assert Proposal.objects.get(pk=chosen.pk).status == ProposalStatus.ASKED, "a no needs a reason"
    client.post(url, {"answer": "no", "reason": "We verhuizen"})
    chosen.refresh_from_db()
    assert (chosen.status, chosen.reason) == (ProposalStatus.DECLINED, "We verhuizen")
    assert client.get(url).status_code == OK
    assert client.post(url, {"answer": "yes"}).status_code == FORBIDDEN
