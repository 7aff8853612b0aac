"""Every expenses view, for every persona, on a claim of their own organisation and on another organisation's.

404 means "does not exist for you" (the same answer as a missing claim); 403 means "you may see it, not this".
"Own" is a claim of world.volunteer in world.organisation (where world.coordinator decides); "foreign" is a claim
of a volunteer of world.other_organisation, which nobody in the cast may see.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from expenses import services
from expenses.models import ExpenseClaim
from tests.conftest import World
from tests.factories import VolunteerFactory, user_with_role
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Volunteer

TODAY = timezone.localdate()


def new_claim(volunteer: Volunteer, costs: str = "5") -> ExpenseClaim:
    return services.claim_submit(
        volunteer=volunteer,
        date=TODAY,
        kilometres=Decimal("10"),
        costs=Decimal(costs),
        description="Naar het zwembad",
    )


@pytest.fixture
def claims(world: World) -> dict[bool, ExpenseClaim]:
    own = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    foreign = VolunteerFactory(organisation=world.other_organisation)
    return {True: new_claim(own), False: new_claim(foreign)}


def claim_url(name: str) -> Callable[[dict[bool, ExpenseClaim], bool], str]:
    return lambda claims, own: reverse(name, args=[claims[own].pk])


LIST = reverse("expenses:claim_list")
ON_OWN_DECIDE = expect(HIDDEN, volunteer=FORBIDDEN, coordinator=REDIRECT)
ON_FOREIGN = expect(HIDDEN)

# (view, method, url from (claims, own?), POST data, codes on the own claim, codes on the foreign claim)
VIEWS: list[
    tuple[str, str, Callable[[dict[bool, ExpenseClaim], bool], str], dict[str, str], dict[str, int], dict[str, int]]
] = [
    (
        "list",
        "get",
        lambda claims, own: LIST,
        {},
        expect(FORBIDDEN, volunteer=OK, coordinator=OK),
        expect(FORBIDDEN, volunteer=OK, coordinator=OK),
    ),
    (
        "submit",
        "post",
        lambda claims, own: LIST,
        {"date": TODAY.isoformat(), "kilometres": "3", "costs": "0", "description": "Bibliotheek"},
        expect(FORBIDDEN, volunteer=REDIRECT),
        expect(FORBIDDEN, volunteer=REDIRECT),
    ),
    ("approve", "post", claim_url("expenses:claim_approve"), {}, ON_OWN_DECIDE, ON_FOREIGN),
    (
        "refuse page",
        "get",
        claim_url("expenses:claim_refuse"),
        {},
        expect(HIDDEN, volunteer=FORBIDDEN, coordinator=OK),
        ON_FOREIGN,
    ),
    ("refuse", "post", claim_url("expenses:claim_refuse"), {"reason": "Geen bonnetje"}, ON_OWN_DECIDE, ON_FOREIGN),
    (
        "withdraw",
        "post",
        claim_url("expenses:claim_withdraw"),
        {},
        expect(HIDDEN, volunteer=REDIRECT, coordinator=FORBIDDEN),
        ON_FOREIGN,
    ),
]

CASES = role_matrix(VIEWS)


@pytest.mark.parametrize(("name", "method", "url", "data", "persona", "own", "expected"), CASES)
def test_view_answers_each_role(
    world: World,
    claims: dict[bool, ExpenseClaim],
    client: Client,
    name: str,
    method: str,
    url: Callable[[dict[bool, ExpenseClaim], bool], str],
    data: dict[str, str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    before = {claim.pk: claim.status for claim in ExpenseClaim.objects.all()}
    response = getattr(client, method)(url(claims, own), data or None)
    assert response.status_code == expected
    if expected in (FORBIDDEN, HIDDEN):
        # A refused request changes nothing.
        assert {claim.pk: claim.status for claim in ExpenseClaim.objects.all()} == before


@pytest.mark.parametrize(("name", "method", "url"), [(v[0], v[1], v[2]) for v in VIEWS])
def test_anonymous_visitors_are_sent_to_login(
    world: World,
    claims: dict[bool, ExpenseClaim],
    client: Client,
    name: str,
    method: str,
    url: Callable[[dict[bool, ExpenseClaim], bool], str],
) -> None:
    response = getattr(client, method)(url(claims, True), follow=True)
    assert response.redirect_chain
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_a_coordinator_of_the_other_organisation_sees_only_that_claim(
    world: World, claims: dict[bool, ExpenseClaim], client: Client
) -> None:
    client.force_login(user_with_role(Role.COORDINATOR, world.other_organisation))
    assert list(client.get(LIST).context["waiting"]) == [claims[False]]
    assert client.get(reverse("expenses:claim_refuse", args=[claims[True].pk])).status_code == HIDDEN
    assert client.get(reverse("expenses:claim_refuse", args=[claims[False].pk])).status_code == OK


def count_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(LIST).status_code == 200
    return len(context.captured_queries)


def test_coordinator_list_uses_the_same_number_of_queries_for_any_number_of_claims(
    world: World, client: Client
) -> None:
    volunteer = VolunteerFactory(organisation=world.organisation)
    services.claim_decide(actor=world.coordinator, claim=new_claim(volunteer), approve=True, reason="")
    new_claim(volunteer)
    client.force_login(world.coordinator)
    client.get(LIST)  # warm the session and the per-process caches
    with_one = count_queries(client)
    for _ in range(5):
        services.claim_decide(actor=world.coordinator, claim=new_claim(volunteer), approve=False, reason="Nee")
        new_claim(VolunteerFactory(organisation=world.organisation))
    assert ExpenseClaim.objects.filter(status=ExpenseClaim.Status.SUBMITTED).count() == 6
    assert count_queries(client) == with_one


def test_volunteer_list_uses_the_same_number_of_queries_for_any_number_of_claims(world: World, client: Client) -> None:
    volunteer = VolunteerFactory(user=world.volunteer, organisation=world.organisation)
    services.claim_decide(actor=world.coordinator, claim=new_claim(volunteer), approve=False, reason="Nee")
    client.force_login(world.volunteer)
    client.get(LIST)
    with_one = count_queries(client)
    for _ in range(5):
        services.claim_decide(actor=world.coordinator, claim=new_claim(volunteer), approve=True, reason="")
    assert count_queries(client) == with_one
