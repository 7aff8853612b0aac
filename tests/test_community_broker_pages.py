"""The social broker's pages: every view for every role on its own and a foreign request, a request walked from
the case page to a referral followed up twice, bad input (a clear error, nothing changed), the access log and
the overview's queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accesslog.models import AccessLogEntry
from accounts.models import Role
from community import services as kaart_services
from community.brokers import services
from community.models import BrokerRequest, Referral
from community.states import State
from matching.models import Proposal, ProposalStatus
from tests.builders.community import data
from tests.conftest import World, prebuilt
from tests.factories import CaseFactory, assign, ready_volunteer, user_with_role
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Case

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english(client: Client) -> Iterator[None]:
    # Messages are checked in English (the pages' language from the cookie, the services' from the override).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@dataclass
class Side:
    """One organisation's objects: a linked request with one referral, a request waiting for a broker with a
    broker who could take it, and a case without any request."""

    linked: BrokerRequest
    referral: Referral
    waiting: BrokerRequest
    spare_broker: Volunteer
    free_case: Case


def _side(world: World, *, own: bool) -> Side:
    organisation = world.organisation if own else world.other_organisation
    professional = world.professional if own else world.outsider
    coordinator = world.coordinator if own else user_with_role(Role.COORDINATOR, organisation)
    extra = {"user": world.volunteer} if own else {}
    broker = ready_volunteer(organisation, kinds=[VolunteerKind.SOCIAL_BROKER], **extra)
    linked = services.brokerrequest_ask(
        user=professional, case=world.case if own else world.foreign_case, purpose="Een sportclub vinden"
    )
    linked = services.brokerrequest_link(user=coordinator, request=linked, broker=broker)
    resource = kaart_services.resource_create(actor=coordinator, organisation=organisation, data=data())
    referral = services.referral_record(user=broker.user, request=linked, resource=resource, for_whom="young_person")
    waiting = services.brokerrequest_ask(
        user=professional, case=assign(CaseFactory(organisation=organisation), professional), purpose="Huiswerkhulp"
    )
    return Side(
        linked=linked,
        referral=referral,
        waiting=waiting,
        spare_broker=ready_volunteer(organisation, kinds=[VolunteerKind.SOCIAL_BROKER]),
        free_case=assign(CaseFactory(organisation=organisation), professional),
    )


@prebuilt
def sides(world: World) -> dict[bool, Side]:
    return {True: _side(world, own=True), False: _side(world, own=False)}


Sides = dict[bool, Side]
READERS_OWN = expect(HIDDEN, young_person_user=OK, parent=OK, volunteer=OK, professional=OK, coordinator=OK)
READERS_FOREIGN = expect(HIDDEN, outsider=OK)
BROKER_WRITES_OWN = expect(
    HIDDEN,
    young_person_user=FORBIDDEN,
    parent=FORBIDDEN,
    volunteer=REDIRECT,
    professional=FORBIDDEN,
    coordinator=FORBIDDEN,
)
BROKER_WRITES_FOREIGN = expect(HIDDEN, outsider=FORBIDDEN)
LIST = expect(FORBIDDEN, young_person_user=OK, parent=OK, volunteer=OK, professional=OK, coordinator=OK, outsider=OK)

VIEWS: list[tuple[str, str, Callable[[Sides, bool], str], dict[str, int], dict[str, int]]] = [
    ("overview", "get", lambda s, own: reverse("community:brokerrequests"), LIST, LIST),
    (
        "ask",
        "get",
        lambda s, own: reverse("community:brokerrequest_ask", args=[s[own].linked.case_id]),
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "ask (post)",
        "post",
        lambda s, own: reverse("community:brokerrequest_ask", args=[s[own].free_case.pk]),
        expect(HIDDEN, professional=REDIRECT, coordinator=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "request",
        "get",
        lambda s, own: reverse("community:brokerrequest_detail", args=[s[own].linked.pk]),
        READERS_OWN,
        READERS_FOREIGN,
    ),
    (
        "end (post)",
        "post",
        lambda s, own: reverse("community:brokerrequest_end", args=[s[own].linked.pk]),
        expect(
            HIDDEN,
            young_person_user=FORBIDDEN,
            parent=FORBIDDEN,
            volunteer=FORBIDDEN,
            professional=REDIRECT,
            coordinator=REDIRECT,
        ),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "referral create (post)",
        "post",
        lambda s, own: reverse("community:referral_create", args=[s[own].linked.pk]),
        BROKER_WRITES_OWN,
        BROKER_WRITES_FOREIGN,
    ),
    (
        "referral",
        "get",
        lambda s, own: reverse("community:referral_detail", args=[s[own].referral.pk]),
        READERS_OWN,
        READERS_FOREIGN,
    ),
    (
        "referral move (post)",
        "post",
        lambda s, own: reverse("community:referral_move", args=[s[own].referral.pk]),
        BROKER_WRITES_OWN,
        BROKER_WRITES_FOREIGN,
    ),
]

POST_DATA: dict[str, Callable[[Sides, bool], dict[str, Any]]] = {
    "ask (post)": lambda s, own: {"purpose": "Een oudergroep"},
    "link (post)": lambda s, own: {"broker": s[own].spare_broker.pk},
    "end (post)": lambda s, own: {"reason": "done"},
    "referral create (post)": lambda s, own: {
        "referral-resource": s[own].referral.resource_id,
        "referral-for_whom": "young_person",
    },
    "referral move (post)": lambda s, own: {"move": "agree", "agree-on": TODAY.isoformat()},
}


def _state() -> tuple[Any, ...]:
    return (
        BrokerRequest.objects.filter(ended_on__isnull=True).count(),
        BrokerRequest.objects.filter(broker__isnull=False).count(),
        Referral.objects.count(),
        sorted(Referral.objects.values_list("state", flat=True)),
    )


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    sides: Sides,
    client: Client,
    name: str,
    method: str,
    url: Callable[[Sides, bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    payload = POST_DATA[name](sides, own) if name in POST_DATA else {}
    before = _state()
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(url(sides, own), payload)
    assert response.status_code == expected
    if name in POST_DATA:
        assert (_state() == before) == (expected != REDIRECT), "a write changes something only when it is allowed"


@pytest.mark.parametrize(("name", "method", "url"), [(v[0], v[1], v[2]) for v in VIEWS])
def test_anonymous_visitors_are_sent_to_login(
    world: World, sides: Sides, client: Client, name: str, method: str, url: Callable[[Sides, bool], str]
) -> None:
    response = getattr(client, method)(url(sides, True))
    assert response.status_code == REDIRECT
    assert response["Location"].startswith(reverse("account_login"))


def test_unknown_ids_are_not_found(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    for name in ("brokerrequest_detail", "referral_detail", "brokerrequest_ask"):
        assert client.get(reverse(f"community:{name}", args=[99_999_999])).status_code == HIDDEN


# A request walked through the pages


def test_a_request_is_asked_from_the_case_found_in_a_round_and_a_referral_followed_up_twice(
    world: World, client: Client
) -> None:
    broker = ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER], user=world.volunteer)
    resource = kaart_services.resource_create(actor=world.coordinator, organisation=world.organisation, data=data())
    case_url = reverse("youth:case_detail", args=[world.case.pk])

    client.force_login(world.professional)
    assert "Ask for a social broker" in client.get(case_url).content.decode()
    response = client.post(
        reverse("community:brokerrequest_ask", args=[world.case.pk]), {"purpose": "Een sportclub voor Sanne"}
    )
    request = BrokerRequest.objects.get()
    assert response["Location"] == reverse("community:brokerrequest_detail", args=[request.pk])
    assert "A social broker has been asked for" in client.get(case_url).content.decode()

    # The broker is found in a proposal round (matching): the coordinator shows, the parent chooses, the broker says
    # yes and the coordinator approves, which links them.
    client.force_login(world.coordinator)
    page = client.get(reverse("community:brokerrequest_detail", args=[request.pk])).content.decode()
    assert reverse("matching:broker_round", args=[request.pk]) in page
    client.post(reverse("matching:broker_round_suggest", args=[request.pk]))
    client.post(reverse("matching:broker_round_show", args=[request.pk]))
    (proposal,) = Proposal.objects.filter(broker_request=request, status=ProposalStatus.SHOWN)
    assert proposal.volunteer == broker
    client.force_login(world.parent)
    client.post(reverse("matching:broker_choose", args=[request.pk]), {"proposal": proposal.pk})
    client.force_login(world.volunteer)
    client.post(reverse("matching:ask", args=[proposal.pk]), {"answer": "yes"})
    client.force_login(world.coordinator)
    client.post(reverse("matching:approve", args=[proposal.pk]))
    request.refresh_from_db()
    assert (request.broker, request.linked_on) == (broker, TODAY)

    client.force_login(world.volunteer)
    response = client.post(
        reverse("community:referral_create", args=[request.pk]),
        {"referral-resource": resource.pk, "referral-for_whom": "parent", "referral-parent": world.parent.pk},
    )
    referral = Referral.objects.get()
    assert (referral.parent, referral.state) == (world.parent, State.PROPOSED)
    move_url = reverse("community:referral_move", args=[referral.pk])
    for step in [
        {"move": "agree", "agree-on": (TODAY - timedelta(days=30)).isoformat()},
        {"move": "contact", "contact-on": (TODAY - timedelta(days=28)).isoformat()},
        {"move": "follow_up_4_weeks", "follow_up_4_weeks-answer": "yes"},
        {"move": "follow_up_3_months", "follow_up_3_months-answer": "yes"},
    ]:
        assert client.post(move_url, step).status_code == REDIRECT, step
    referral.refresh_from_db()
    assert (referral.state, referral.week4, referral.month3) == (State.CONNECTED, "yes", "yes")

    # The family and the professional read the status; only the broker sees the forms.
    for reader in (world.parent, world.young_person_user, world.professional):
        client.force_login(reader)
        page = client.get(reverse("community:referral_detail", args=[referral.pk])).content.decode()
        assert "still taking part after 3 months" in page
        assert move_url not in page
    client.force_login(world.volunteer)
    assert move_url not in client.get(reverse("community:referral_detail", args=[referral.pk])).content.decode()


# Bad input: a clear error, nothing changed, never a 500


@pytest.mark.parametrize(
    ("purpose", "message"),
    [("   ", "This field is required."), ("x" * 1001, "at most 1000 characters")],
)
def test_asking_without_a_good_purpose_is_refused(world: World, client: Client, purpose: str, message: str) -> None:
    client.force_login(world.professional)
    response = client.post(reverse("community:brokerrequest_ask", args=[world.case.pk]), {"purpose": purpose})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BrokerRequest.objects.exists()


def test_asking_twice_for_one_case_is_refused(world: World, sides: Sides, client: Client) -> None:
    client.force_login(world.professional)
    response = client.post(reverse("community:brokerrequest_ask", args=[world.case.pk]), {"purpose": "Nog een"})
    assert response.status_code == 400
    assert "already has an open request" in response.content.decode()
    assert BrokerRequest.objects.filter(case=world.case).count() == 1


def test_ending_needs_a_reason_and_case_closed_is_not_one(world: World, sides: Sides, client: Client) -> None:
    client.force_login(world.professional)
    url = reverse("community:brokerrequest_end", args=[sides[True].linked.pk])
    for reason in ("", "case_closed", "nonsense"):
        assert client.post(url, {"reason": reason}).status_code == 400
    assert BrokerRequest.objects.get(pk=sides[True].linked.pk).is_open


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"referral-resource": "", "referral-for_whom": "young_person"}, "This field is required."),
        ({"referral-for_whom": "parent"}, "Choose a parent of this young person."),
        ({"referral-for_whom": "parent", "referral-parent": "PARENT_OF_OTHER"}, "Select a valid choice."),
        ({"referral-for_whom": "cousin"}, "Select a valid choice."),
    ],
)
def test_a_wrong_referral_is_refused_on_the_page(
    world: World, sides: Sides, client: Client, payload: dict[str, Any], message: str
) -> None:
    side = sides[True]
    payload = {"referral-resource": side.referral.resource_id, **payload}
    if payload.get("referral-parent") == "PARENT_OF_OTHER":
        payload["referral-parent"] = user_with_role(Role.PARENT).pk
    client.force_login(world.volunteer)
    response = client.post(reverse("community:referral_create", args=[side.linked.pk]), payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Referral.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"move": "agree", "agree-on": (TODAY + timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"move": "agree", "agree-on": "gisteren"}, "Enter a valid date."),
        ({"move": "agree"}, "This field is required."),
        ({"move": "decline", "decline-reason": " "}, "This field is required."),
        ({"move": "contact", "contact-on": TODAY.isoformat()}, "You cannot do this step now"),
    ],
)
def test_a_wrong_move_is_refused_on_the_page(
    world: World, sides: Sides, client: Client, payload: dict[str, str], message: str
) -> None:
    referral = sides[True].referral
    client.force_login(world.volunteer)
    response = client.post(reverse("community:referral_move", args=[referral.pk]), payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == State.PROPOSED


def test_a_follow_up_no_needs_a_reason(world: World, sides: Sides, client: Client) -> None:
    referral = sides[True].referral
    for move in ("agree", "contact"):
        referral = services.referral_move(user=world.volunteer, referral=referral, move=move, on=TODAY)
    client.force_login(world.volunteer)
    url = reverse("community:referral_move", args=[referral.pk])
    response = client.post(url, {"move": "follow_up_4_weeks", "follow_up_4_weeks-answer": "no"})
    assert response.status_code == 400
    assert "Give a reason." in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == State.CONTACTED


@pytest.mark.parametrize("move", ["", "jump", "../"])
def test_an_unknown_move_is_a_message(world: World, sides: Sides, client: Client, move: str) -> None:
    client.force_login(world.volunteer)
    referral = sides[True].referral
    response = client.post(reverse("community:referral_move", args=[referral.pk]), {"move": move}, follow=True)
    assert "Something went wrong. Please choose again." in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == State.PROPOSED


# The access log and the queries


def test_the_broker_reading_a_request_is_logged_with_the_request_as_basis(
    world: World, sides: Sides, client: Client
) -> None:
    client.force_login(world.volunteer)
    client.get(reverse("community:brokerrequest_detail", args=[sides[True].linked.pk]))
    client.get(reverse("community:referral_detail", args=[sides[True].referral.pk]))
    entries = list(AccessLogEntry.objects.order_by("pk"))
    assert [(e.young_person, e.actor_role, e.what) for e in entries] == [
        (world.young_person, Role.VOLUNTEER, AccessLogEntry.What.SOCIAL_BROKER)
    ] * 2


def test_the_overview_logs_each_young_person_once_with_the_role_that_gave_access(
    world: World, sides: Sides, client: Client
) -> None:
    client.force_login(world.professional)
    client.get(reverse("community:brokerrequests"))
    rows = {(e.young_person_id, e.actor_role, e.what) for e in AccessLogEntry.objects.all()}
    assert rows == {
        (sides[True].linked.case.young_person_id, Role.PROFESSIONAL, AccessLogEntry.What.LIST),
        (sides[True].waiting.case.young_person_id, Role.PROFESSIONAL, AccessLogEntry.What.LIST),
    }


def test_the_overview_asks_the_same_queries_for_one_or_four_requests(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    url = reverse("community:brokerrequests")

    def ask_one() -> None:
        case = assign(CaseFactory(organisation=world.organisation), world.professional)
        services.brokerrequest_ask(user=world.professional, case=case, purpose="Een club")

    ask_one()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _i in range(3):
        ask_one()
    with CaptureQueriesContext(connection) as four:
        page = client.get(url)
    assert page.context["found"].count == 4
    assert len(four) == len(one)


def test_the_overview_has_a_plain_empty_state(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    page = client.get(reverse("community:brokerrequests")).content.decode()
    assert "There are no open requests for a social broker." in page  # staff see the open ones first
    assert 'href="?staat=all"' in page  # and the way to all of them
    client.force_login(world.parent)
    assert (
        "There are no requests for a social broker yet."
        in client.get(reverse("community:brokerrequests")).content.decode()
    )


def test_the_family_sees_the_menu_entry_only_with_a_request(world: World, client: Client) -> None:
    client.force_login(world.parent)
    url = reverse("community:brokerrequests")
    assert url not in client.get(reverse("home")).content.decode()
    services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Een club")
    assert url in client.get(reverse("home")).content.decode()
