"""Respite pages: every view for every role on its own and a foreign object, the booking form's refusals, the month
calendar, the coordinator's decisions with their notices, and the support family's private calendar feed.

Pages are asked for in English (Accept-Language), so the checks hold before and after the Dutch catalogue has them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, cast

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar

from accesslog.models import AccessLogEntry
from accounts.models import Role, RoleAssignment, User
from respite import services
from respite.models import HostCalendarFeed, RespiteOption, Stay
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    VolunteerFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    give_all_consents,
    user_with_role,
)
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Household, Volunteer, VolunteerKind
from youth.models import Case


def soon(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def client() -> Client:
    client = Client(headers={"accept-language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def option(world: World) -> RespiteOption:
    """A stay house of world.organisation with two beds, for children of 4 to 17."""
    return services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis De Linde",
        beds_per_night=2,
        age_min=4,
        age_max=17,
        rules="Om 21 uur naar bed.",
    )


@pytest.fixture
def foreign_option(world: World) -> RespiteOption:
    coordinator = user_with_role(Role.COORDINATOR, world.other_organisation)
    return services.respiteoption_create(
        actor=coordinator,
        organisation=world.other_organisation,
        coordinator=coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis De Eik",
        beds_per_night=1,
    )


@pytest.fixture
def host(world: World) -> RespiteOption:
    """world.volunteer's family has one bed for stays, offered as a respite option of world.organisation."""
    family = VolunteerFactory(
        user=world.volunteer, organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY]
    )
    Household.objects.create(volunteer=family, beds_for_stays=1)
    return services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS,
        name="Logeren bij Ahmed",
        volunteer=family,
    )


def book(
    world: World, option: RespiteOption, case: Case | None = None, start: int = 7, end: int = 9, **kw: Any
) -> Stay:
    return services.stay_request(
        actor=kw.pop("actor", world.professional),
        option=option,
        case=case or world.case,
        arrival=soon(start),
        departure=soon(end),
        **kw,
    )


def another_child(world: World, first_name: str = "Jesse") -> Case:
    case = assign(
        CaseFactory(organisation=world.organisation, young_person=YoungPersonFactory(first_name=first_name)),
        world.professional,
    )
    give_all_consents(case.young_person)  # a stay is booked only with consent (youth/consent.py)
    return case


@pytest.fixture
def stays(world: World, option: RespiteOption, foreign_option: RespiteOption, host: RespiteOption) -> dict[bool, Stay]:
    """A requested stay of world.case at world.organisation's stay house, and one of the foreign case elsewhere."""
    return {
        True: book(world, option),
        False: book(world, foreign_option, case=world.foreign_case, actor=world.outsider),
    }


BOOKERS = expect(HIDDEN, parent=OK, professional=OK, coordinator=OK, outsider=OK)
VIEWS = [
    (
        "overview",
        "get",
        lambda s, own: reverse("respite:overview"),
        expect(FORBIDDEN, parent=OK, volunteer=OK, professional=OK, coordinator=OK, outsider=OK),
        expect(FORBIDDEN, parent=OK, volunteer=OK, professional=OK, coordinator=OK, outsider=OK),
    ),
    ("option", "get", lambda s, own: reverse("respite:option_detail", args=[s[own].option_id]), BOOKERS, BOOKERS),
    ("book", "get", lambda s, own: reverse("respite:stay_create", args=[s[own].option_id]), BOOKERS, BOOKERS),
    # A new option has no owner yet: every coordinator may make one for their own organisation.
    (
        "option-new",
        "get",
        lambda s, own: reverse("respite:option_create"),
        expect(FORBIDDEN, coordinator=OK),
        expect(FORBIDDEN, coordinator=OK),
    ),
    (
        "option-new-empty",
        "post",
        lambda s, own: reverse("respite:option_create"),
        expect(FORBIDDEN, coordinator=OK),
        expect(FORBIDDEN, coordinator=OK),
    ),
    (
        "option-edit",
        "get",
        lambda s, own: reverse("respite:option_edit", args=[s[own].option_id]),
        expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=OK, outsider=FORBIDDEN),
        expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=FORBIDDEN, outsider=FORBIDDEN),
    ),
    (
        "option-edit-empty",
        "post",
        lambda s, own: reverse("respite:option_edit", args=[s[own].option_id]),
        expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=OK, outsider=FORBIDDEN),
        expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=FORBIDDEN, outsider=FORBIDDEN),
    ),
    ("book-empty", "post", lambda s, own: reverse("respite:stay_create", args=[s[own].option_id]), BOOKERS, BOOKERS),
    (
        "stay",
        "get",
        lambda s, own: reverse("respite:stay_detail", args=[s[own].pk]),
        expect(HIDDEN, parent=OK, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    *(
        (
            name,
            "post",
            lambda s, own: reverse("respite:stay_decide", args=[s[own].pk]),
            expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
            expect(HIDDEN, outsider=FORBIDDEN),
        )
        for name in ("decide-wait", "decide-confirm", "decide-refuse")
    ),
    (
        "cancel-page",
        "get",
        lambda s, own: reverse("respite:stay_cancel", args=[s[own].pk]),
        expect(HIDDEN, parent=OK, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "cancel",
        "post",
        lambda s, own: reverse("respite:stay_cancel", args=[s[own].pk]),
        expect(HIDDEN, parent=REDIRECT, professional=REDIRECT, coordinator=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "feed-page",
        "get",
        lambda s, own: reverse("respite:feed_page"),
        expect(FORBIDDEN, volunteer=OK),
        expect(FORBIDDEN, volunteer=OK),
    ),
    (
        "feed-renew",
        "post",
        lambda s, own: reverse("respite:feed_renew"),
        expect(FORBIDDEN, volunteer=REDIRECT),
        expect(FORBIDDEN, volunteer=REDIRECT),
    ),
    # The feed needs no login: the secret address is the key. "Foreign" here is an address that is not (or no
    # longer) in use.
    (
        "feed",
        "get",
        lambda s, own: reverse("respite:feed", args=[_token(s) if own else "x" * 43]),
        expect(OK),
        expect(HIDDEN),
    ),
]


DECISIONS = {
    "decide-wait": {"decision": "wait"},
    "decide-confirm": {"decision": "confirm"},
    "decide-refuse": {"decision": "refuse", "reason": "Geen plek"},
}


def _token(stays: dict[bool, Stay]) -> str:
    volunteer = Volunteer.objects.get(respite_options__isnull=False)
    return HostCalendarFeed.objects.get_or_create(volunteer=volunteer, defaults={"token": "t" * 43})[0].token


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    stays: dict[bool, Stay],
    client: Client,
    name: str,
    method: str,
    url: Callable[[dict[bool, Stay], bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    data = DECISIONS.get(name, {})
    response = getattr(client, method)(url(stays, own), data)
    assert response.status_code == expected


@pytest.mark.parametrize(
    "path",
    [
        reverse("respite:overview"),
        reverse("respite:option_detail", args=[1]),
        reverse("respite:option_create"),
        reverse("respite:option_edit", args=[1]),
        reverse("respite:stay_create", args=[1]),
        reverse("respite:stay_detail", args=[1]),
        reverse("respite:stay_cancel", args=[1]),
        reverse("respite:feed_page"),
    ],
)
def test_pages_ask_to_log_in(db: None, client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "path",
    [
        "/logeren/opties/999999/",
        "/logeren/opties/999999/boeken/",
        "/logeren/opties/999999/wijzigen/",
        "/logeren/verblijven/999999/",
        "/logeren/verblijven/999999/annuleren/",
        "/logeren/opties/abc/",
        "/logeren/verblijven/99999999999999999999999/",
        "/logeren/agenda/short.ics",
    ],
)
def test_unknown_ids_are_not_found(world: World, client: Client, path: str) -> None:
    client.force_login(world.coordinator)
    assert client.get(path).status_code == 404


# Booking


def post_booking(client: Client, option: RespiteOption, case: Case, arrival: date, departure: date) -> Any:
    return client.post(
        reverse("respite:stay_create", args=[option.pk]),
        {"case": case.pk, "arrival": arrival.isoformat(), "departure": departure.isoformat()},
    )


def test_a_parent_books_a_stay_and_sees_it_requested(world: World, option: RespiteOption, client: Client) -> None:
    client.force_login(world.parent)
    page = client.get(reverse("respite:stay_create", args=[option.pk]))
    assert list(page.context["form"].fields["case"].queryset) == [world.case]
    response = post_booking(client, option, world.case, soon(3), soon(5))
    stay = Stay.objects.get()
    assert response["Location"] == reverse("respite:stay_detail", args=[stay.pk])
    assert (stay.requested_by, stay.status) == (world.parent, Stay.Status.REQUESTED)
    assert "Requested: the coordinator decides." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("arrival", "departure", "field", "message"),
    [
        (-1, 2, "arrival", "already passed"),
        (5, 3, "departure", "must come after"),
        (5, 5, "departure", "must come after"),
    ],
)
def test_wrong_dates_are_refused_on_their_field(
    world: World, option: RespiteOption, client: Client, arrival: int, departure: int, field: str, message: str
) -> None:
    client.force_login(world.professional)
    response = post_booking(client, option, world.case, soon(arrival), soon(departure))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'class="error-summary"' in response.content.decode()
    assert message in response.content.decode()
    assert not Stay.objects.exists()


def test_an_overlapping_stay_is_refused_with_a_message(world: World, option: RespiteOption, client: Client) -> None:
    book(world, option, start=7, end=10)
    client.force_login(world.parent)
    response = post_booking(client, option, world.case, soon(9), soon(12))
    assert "Sanne already has a stay from" in response.content.decode()
    assert Stay.objects.count() == 1


@pytest.mark.parametrize(("age_min", "age_max"), [(4, 10), (16, 23)])
def test_a_child_too_young_or_too_old_is_refused(world: World, client: Client, age_min: int, age_max: int) -> None:
    option = services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis",
        beds_per_night=2,
        age_min=age_min,
        age_max=age_max,
    )
    client.force_login(world.professional)
    response = post_booking(client, option, world.case, soon(3), soon(5))
    assert "Sanne will be 15 on the day of arrival" in response.content.decode()
    assert not Stay.objects.exists()


def test_nonsense_dates_and_foreign_cases_are_form_errors(world: World, option: RespiteOption, client: Client) -> None:
    client.force_login(world.professional)
    url = reverse("respite:stay_create", args=[option.pk])
    for data in (
        {"case": world.case.pk, "arrival": "31-02-2027", "departure": "gisteren"},
        {"case": world.foreign_case.pk, "arrival": soon(3).isoformat(), "departure": soon(5).isoformat()},
        {"case": "x", "arrival": "9999-99-99", "departure": ""},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Stay.objects.exists()


def test_booking_twice_makes_one_stay(world: World, option: RespiteOption, client: Client) -> None:
    client.force_login(world.professional)
    post_booking(client, option, world.case, soon(3), soon(5))
    second = post_booking(client, option, world.case, soon(3), soon(5))
    assert second.status_code == 200
    assert Stay.objects.count() == 1


def test_a_closed_option_cannot_be_booked(world: World, option: RespiteOption, client: Client) -> None:
    RespiteOption.objects.filter(pk=option.pk).update(active=False)
    client.force_login(world.professional)
    assert client.get(reverse("respite:stay_create", args=[option.pk])).status_code == 404
    client.force_login(world.coordinator)  # the coordinator still sees the option, and is told it is closed
    response = post_booking(client, option, world.case, soon(3), soon(5))
    assert "does not take bookings" in response.content.decode()
    assert not Stay.objects.exists()


# The calendar


def calendar_day(response: Any, day: date) -> dict[str, Any]:
    return next(d for week in response.context["weeks"] for d in week if d and d["date"] == day)


def test_the_calendar_counts_free_beds_per_night(world: World, option: RespiteOption, client: Client) -> None:
    first = book(world, option, start=20, end=22)
    services.stay_confirm(actor=world.coordinator, stay=first)
    second = book(world, option, case=another_child(world), start=21, end=23)
    services.stay_confirm(actor=world.coordinator, stay=second)
    book(world, option, case=another_child(world, "Bo"), start=30, end=31)  # requested only: takes no bed
    client.force_login(world.professional)
    for day, free in [(soon(20), 1), (soon(21), 0), (soon(22), 1), (soon(23), 2), (soon(30), 2)]:
        response = client.get(reverse("respite:option_detail", args=[option.pk]), {"maand": day.strftime("%Y-%m")})
        cell = calendar_day(response, day)
        assert cell["free"] == free, day
    page = client.get(reverse("respite:option_detail", args=[option.pk]), {"maand": soon(21).strftime("%Y-%m")})
    html = page.content.decode()
    assert "Full: all 2 beds are taken" in html
    assert "1 of 2 beds free" in html
    assert "<caption>" in html
    assert '<th scope="col">' in html


def test_only_the_coordinators_see_who_stays(world: World, option: RespiteOption, client: Client) -> None:
    stay = book(world, option, start=20, end=22, with_parent=True)
    services.stay_confirm(actor=world.coordinator, stay=stay)
    url = reverse("respite:option_detail", args=[option.pk])
    month = {"maand": soon(20).strftime("%Y-%m")}
    client.force_login(world.coordinator)
    html = client.get(url, month).content.decode()
    assert "Sanne (with a parent)" in html
    assert world.young_person.last_name not in html
    assert AccessLogEntry.objects.get().actor_role == Role.COORDINATOR
    for persona in ("professional", "parent", "outsider"):
        client.force_login(world.by_role(persona))
        assert "Sanne" not in client.get(url, month).content.decode(), persona


@pytest.mark.parametrize("month", ["", "abc", "2026-13", "2026-00", "0000-01", "9999-12", "2026-1", "1999-12"])
def test_a_bad_month_shows_this_month(world: World, option: RespiteOption, client: Client, month: str) -> None:
    client.force_login(world.professional)
    response = client.get(reverse("respite:option_detail", args=[option.pk]), {"maand": month})
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_the_months_at_the_edges_have_no_link_beyond(world: World, option: RespiteOption, client: Client) -> None:
    client.force_login(world.professional)
    url = reverse("respite:option_detail", args=[option.pk])
    assert client.get(url, {"maand": "2100-12"}).context["following"] is None
    assert client.get(url, {"maand": "2000-01"}).context["previous"] is None


# Decisions and notices


def test_confirming_tells_the_family(
    world: World,
    option: RespiteOption,
    client: Client,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[EmailMessage],
) -> None:
    user_with_role(Role.COORDINATOR, world.organisation)  # a colleague, not named for this option
    with django_capture_on_commit_callbacks(execute=True):
        stay = book(world, option)
    # Only the option's named coordinator hears of the request.
    assert [m.to for m in mailoutbox] == [[world.coordinator.email]]
    mailoutbox.clear()
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("respite:stay_decide", args=[stay.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    assert Stay.objects.get().status == Stay.Status.CONFIRMED
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        cast("list[str]", [world.professional.email, world.parent.email])
    )
    for mail in mailoutbox:
        # A notice carries no personal details: no child's name, just a link.
        assert "Sanne" not in mail.body + str(mail.subject)
        assert reverse("respite:stay_detail", args=[stay.pk]) in mail.body


def test_a_colleague_of_the_named_coordinator_sees_the_stay_but_does_not_decide(
    world: World, option: RespiteOption, client: Client
) -> None:
    stay = book(world, option)
    client.force_login(user_with_role(Role.COORDINATOR, world.organisation))
    page = client.get(reverse("respite:stay_detail", args=[stay.pk])).content.decode()
    assert "Sanne" in page
    assert reverse("respite:stay_decide", args=[stay.pk]) not in page
    response = client.post(reverse("respite:stay_decide", args=[stay.pk]), {"decision": "confirm"})
    assert response.status_code == 403
    assert Stay.objects.get().status == Stay.Status.REQUESTED


@pytest.mark.parametrize(("decision", "status"), [("wait", "waiting"), ("refuse", "refused")])
def test_waiting_and_refusing_tell_the_family(
    world: World,
    option: RespiteOption,
    client: Client,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[EmailMessage],
    decision: str,
    status: str,
) -> None:
    stay = book(world, option, actor=world.parent)
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("respite:stay_decide", args=[stay.pk]), {"decision": decision, "reason": "Geen plek"})
    assert Stay.objects.get().status == status
    assert [m.to for m in mailoutbox] == [[world.parent.email]]
    assert "Geen plek" not in mailoutbox[0].body


def test_refusing_needs_a_reason(world: World, option: RespiteOption, client: Client) -> None:
    stay = book(world, option)
    client.force_login(world.coordinator)
    response = client.post(reverse("respite:stay_decide", args=[stay.pk]), {"decision": "refuse", "reason": " "})
    assert response.status_code == 400
    assert "Write down why" in response.content.decode()
    assert Stay.objects.get().status == Stay.Status.REQUESTED


def test_a_full_night_is_named_and_the_waiting_list_offered(
    world: World, client: Client, django_capture_on_commit_callbacks: Any, mailoutbox: list[EmailMessage]
) -> None:
    small = services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Klein huis",
        beds_per_night=1,
    )
    first = book(world, small, start=7, end=9)
    services.stay_confirm(actor=world.coordinator, stay=first)
    other_parent = user_with_role(Role.PARENT)
    second_case = another_child(world)
    add_guardian(second_case.young_person, other_parent)
    give_all_consents(second_case.young_person)
    second = book(world, small, case=second_case, start=8, end=10, actor=other_parent)
    client.force_login(world.coordinator)
    url = reverse("respite:stay_decide", args=[second.pk])
    response = client.post(url, {"decision": "confirm"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is no bed left on" in html
    assert 'name="decision" value="wait"' in html
    assert 'value="confirm"' not in html
    assert client.post(url, {"decision": "wait"}).status_code == 302
    assert client.get(reverse("respite:overview")).context["waiting"].rows[0].position == 1

    # The first stay is cancelled: the freed bed goes to the waiting stay, and its parent and the coordinator hear.
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("respite:stay_cancel", args=[first.pk]))
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.offered_at is not None) == (Stay.Status.REQUESTED, True)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        cast("list[str]", [other_parent.email, world.coordinator.email])
    )
    client.force_login(world.coordinator)
    overview = client.get(reverse("respite:overview"))
    assert overview.context["requested"].rows[0] == second
    assert "A bed came free" in overview.content.decode()


def test_double_posts_answer_without_an_error(world: World, option: RespiteOption, client: Client) -> None:
    stay = book(world, option)
    client.force_login(world.coordinator)
    url = reverse("respite:stay_decide", args=[stay.pk])
    assert client.post(url, {"decision": "confirm"}).status_code == 302
    again = client.post(url, {"decision": "confirm"})
    assert again.status_code == 400
    assert "This is not possible now" in again.content.decode()
    assert client.post(url, {"decision": "nonsense"}).status_code == 302
    cancel = reverse("respite:stay_cancel", args=[stay.pk])
    assert client.post(cancel).status_code == 302
    assert client.post(cancel).status_code == 302
    assert client.get(cancel).status_code == 302  # nothing left to cancel: back to the stay
    assert Stay.objects.get().status == Stay.Status.CANCELLED


def test_the_stay_page_says_the_status_in_words(world: World, option: RespiteOption, client: Client) -> None:
    stay = book(world, option)
    services.stay_wait(actor=world.coordinator, stay=stay)
    client.force_login(world.parent)
    html = client.get(reverse("respite:stay_detail", args=[stay.pk])).content.decode()
    assert "On the waiting list, number 1." in html
    assert "Confirm the stay" not in html
    assert "Cancel this stay" in html


def test_opening_a_stay_is_logged_with_the_role_that_gave_access(
    world: World, stays: dict[bool, Stay], client: Client
) -> None:
    for persona, role in [
        ("coordinator", Role.COORDINATOR),
        ("professional", Role.PROFESSIONAL),
        ("parent", Role.PARENT),
    ]:
        client.force_login(world.by_role(persona))
        client.get(reverse("respite:stay_detail", args=[stays[True].pk]))
        entry = AccessLogEntry.objects.order_by("-pk").first()
        assert entry is not None
        assert (entry.actor_id, entry.actor_role, entry.young_person_id) == (
            world.by_role(persona).pk,
            role,
            world.young_person.pk,
        )


def test_the_overview_asks_the_same_queries_for_three_or_seven_stays(
    world: World, option: RespiteOption, host: RespiteOption, client: Client
) -> None:
    confirmed = book(world, option)
    services.stay_confirm(actor=world.coordinator, stay=confirmed)
    # One stay in each of the coordinator's lists (an empty list asks one query less: no page of rows to read).
    book(world, option, case=another_child(world, "Eerst"), start=30, end=31)
    services.stay_wait(
        actor=world.coordinator,
        stay=book(world, option, case=another_child(world, "Wacht"), start=32, end=33),
    )
    client.force_login(world.coordinator)
    client.get(reverse("respite:overview"))  # the first request also writes the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("respite:overview"))
    for number in range(4):
        stay = book(world, option, case=another_child(world, f"Kind{number}"), start=10 + number, end=11 + number)
        if number % 2:
            services.stay_wait(actor=world.coordinator, stay=stay)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("respite:overview"))
    assert response.context["stays"].count == 7
    assert len(many.captured_queries) == len(few.captured_queries)
    logged = AccessLogEntry.objects.filter(what=AccessLogEntry.What.LIST, actor=world.coordinator)
    assert logged.values("young_person").distinct().count() == 7


def test_overview_empty_states_are_plain(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    html = client.get(reverse("respite:overview")).content.decode()
    for sentence in (
        "Nobody is waiting for your decision.",
        "Nobody is on the waiting list.",
        "There are no stays planned.",
        "There are no places to stay that you can book.",
    ):
        assert sentence in html


# Offering and changing an option


def option_data(**changes: Any) -> dict[str, Any]:
    data = {
        "kind": RespiteOption.Kind.STAY_HOUSE,
        "name": "Logeerhuis De Beuk",
        "beds_per_night": "3",
        "age_min": "6",
        "age_max": "16",
        "rules": "Om 21 uur naar bed.",
        "active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def new_option(client: Client, world: World, **changes: Any) -> Any:
    data = option_data(**{"organisation": world.organisation.pk, "coordinator": world.coordinator.pk, **changes})
    return client.post(reverse("respite:option_create"), data)


def test_a_coordinator_offers_a_stay_house(world: World, client: Client) -> None:
    colleague = user_with_role(Role.COORDINATOR, world.organisation, first_name="Ineke", last_name="Vos")
    client.force_login(world.coordinator)
    page = client.get(reverse("respite:option_create"))
    form = page.context["form"]
    # One organisation: nothing to choose; the coordinator is named unless they choose a colleague.
    assert form.fields["organisation"].widget.is_hidden
    assert form["coordinator"].value() == world.coordinator.pk
    assert set(form.fields["coordinator"].queryset) == {world.coordinator, colleague}
    response = new_option(client, world, coordinator=colleague.pk)
    option = RespiteOption.objects.get()
    assert response["Location"] == reverse("respite:option_detail", args=[option.pk])
    assert (option.name, option.kind, option.beds_per_night, option.age_min, option.age_max) == (
        "Logeerhuis De Beuk",
        RespiteOption.Kind.STAY_HOUSE,
        3,
        6,
        16,
    )
    assert (option.coordinator, option.organisation, option.active) == (colleague, world.organisation, True)
    html = client.get(response["Location"]).content.decode()
    assert "The new place to stay is saved." in html
    assert "Ineke Vos" in html


def test_a_support_familys_beds_default_to_the_household(world: World, client: Client) -> None:
    family = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    Household.objects.create(volunteer=family, beds_for_stays=2)
    VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.BUDDY])
    foreign = VolunteerFactory(organisation=world.other_organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    stopped = VolunteerFactory(
        organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY], status=Volunteer.Status.STOPPED
    )
    client.force_login(world.coordinator)
    page = client.get(reverse("respite:option_create"))
    assert list(page.context["form"].fields["volunteer"].queryset) == [family]
    assert "(beds for stays: 2)" in page.content.decode()
    for other in (foreign, stopped):
        response = new_option(client, world, kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS, volunteer=other.pk)
        assert response.status_code == 200
        assert response.context["form"].errors["volunteer"]
    response = new_option(
        client, world, kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS, volunteer=family.pk, beds_per_night=""
    )
    assert response.status_code == 302
    option = RespiteOption.objects.get()
    assert (option.volunteer, option.beds_per_night) == (family, 2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"beds_per_night": ""}, "beds_per_night", "at least one bed per night"),
        ({"kind": RespiteOption.Kind.SUPPORT_FAMILY_BEDS}, "volunteer", "Choose the support family"),
        ({"name": "   "}, "name", "This field is required."),
        ({"age_min": "12", "age_max": "8"}, "age_max", "highest age cannot be lower"),
    ],
)
def test_a_new_option_shows_the_services_errors_on_their_fields(
    world: World, client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    client.force_login(world.coordinator)
    response = new_option(client, world, **changes)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'aria-describedby="id_' in html
    assert not RespiteOption.objects.exists()


def test_a_new_option_only_for_the_coordinators_own_organisations(world: World, client: Client) -> None:
    stranger = user_with_role(Role.COORDINATOR, world.other_organisation)
    client.force_login(world.coordinator)
    response = new_option(client, world, organisation=world.other_organisation.pk)
    assert response.context["form"].errors["organisation"]
    response = new_option(client, world, coordinator=stranger.pk)
    assert response.context["form"].errors["coordinator"]
    assert not RespiteOption.objects.exists()
    # A coordinator of two organisations chooses one; the service checks the coordinator belongs to it.
    RoleAssignment.objects.create(user=world.coordinator, role=Role.COORDINATOR, organisation=world.other_organisation)
    client.force_login(world.coordinator)
    page = client.get(reverse("respite:option_create"))
    assert not page.context["form"].fields["organisation"].widget.is_hidden
    response = new_option(client, world, organisation=world.other_organisation.pk, coordinator=world.coordinator.pk)
    assert response.status_code == 302
    response = new_option(client, world, organisation=world.organisation.pk, coordinator=stranger.pk)
    assert "Choose a coordinator of the organisation" in " ".join(response.context["form"].errors["coordinator"])
    assert RespiteOption.objects.get().organisation == world.other_organisation


def test_a_coordinator_changes_an_option_on_its_page(world: World, option: RespiteOption, client: Client) -> None:
    colleague = user_with_role(Role.COORDINATOR, world.organisation, first_name="Ineke", last_name="Vos")
    client.force_login(world.coordinator)
    detail = client.get(reverse("respite:option_detail", args=[option.pk])).content.decode()
    url = reverse("respite:option_edit", args=[option.pk])
    assert f'href="{url}"' in detail
    page = client.get(url)
    assert page.context["form"]["beds_per_night"].value() == 2
    assert page.context["form"]["coordinator"].value() == world.coordinator.pk
    html = page.content.decode()
    assert "A new age range only counts for new requests." in html
    assert 'name="kind"' not in html  # the kind and the support family stay
    response = client.post(url, option_data(name="De Linde", beds_per_night="4", coordinator=colleague.pk))
    assert response["Location"] == reverse("respite:option_detail", args=[option.pk])
    option.refresh_from_db()
    assert (option.name, option.beds_per_night, option.coordinator, option.active) == ("De Linde", 4, colleague, True)
    assert "The changes to De Linde are saved." in client.get(response["Location"]).content.decode()


def test_fewer_beds_than_confirmed_stays_is_refused_on_the_page(
    world: World, option: RespiteOption, client: Client
) -> None:
    services.stay_confirm(actor=world.coordinator, stay=book(world, option, start=7, end=9))
    services.stay_confirm(actor=world.coordinator, stay=book(world, option, case=another_child(world), start=8, end=9))
    client.force_login(world.coordinator)
    url = reverse("respite:option_edit", args=[option.pk])
    response = client.post(url, option_data(beds_per_night="1", name="Anders", coordinator=world.coordinator.pk))
    assert response.status_code == 200
    with translation.override("en"):
        night = formats.date_format(soon(8))
    errors = " ".join(response.context["form"].errors["beds_per_night"])
    assert f"On {night}, 2 children are already staying here." in errors
    assert f"On {night}, 2 children are already staying here." in response.content.decode()
    option.refresh_from_db()
    assert (option.beds_per_night, option.name) == (2, "Logeerhuis De Linde")


def test_closing_an_option_keeps_its_stays(world: World, option: RespiteOption, client: Client) -> None:
    stay = book(world, option)
    services.stay_confirm(actor=world.coordinator, stay=stay)
    client.force_login(world.coordinator)
    data = option_data(name=option.name, beds_per_night="2", active=None, coordinator=world.coordinator.pk)
    assert client.post(reverse("respite:option_edit", args=[option.pk]), data).status_code == 302
    option.refresh_from_db()
    assert option.active is False
    assert Stay.objects.get().status == Stay.Status.CONFIRMED
    html = client.get(reverse("respite:overview")).content.decode()
    assert "closed for now" in html
    client.force_login(world.professional)
    assert client.get(reverse("respite:option_detail", args=[option.pk])).status_code == 404


def test_a_closed_option_of_another_organisation_cannot_be_changed(
    world: World, foreign_option: RespiteOption, client: Client
) -> None:
    RespiteOption.objects.filter(pk=foreign_option.pk).update(active=False)
    client.force_login(world.coordinator)
    assert client.get(reverse("respite:option_edit", args=[foreign_option.pk])).status_code == 404
    response = client.post(reverse("respite:option_edit", args=[foreign_option.pk]), option_data(beds_per_night="9"))
    assert response.status_code == 404
    assert RespiteOption.objects.get(pk=foreign_option.pk).beds_per_night == 1


@pytest.mark.parametrize("persona", ["coordinator", "professional", "parent"])
def test_the_coordinator_is_named_on_the_option_and_the_overview(
    world: World, option: RespiteOption, client: Client, persona: str
) -> None:
    world.coordinator.last_name = "de Boer"
    world.coordinator.save()
    client.force_login(world.by_role(persona))
    for url in (reverse("respite:overview"), reverse("respite:option_detail", args=[option.pk])):
        html = client.get(url).content.decode()
        assert "<dt>Coordinator</dt><dd>Peter de Boer</dd>" in html, url
        assert "<dt>Organisation</dt><dd>Jeugdteam A</dd>" in html, url
    overview = client.get(reverse("respite:overview")).content.decode()
    detail = client.get(reverse("respite:option_detail", args=[option.pk])).content.decode()
    coordinates = persona == "coordinator"
    assert (f'href="{reverse("respite:option_create")}"' in overview) is coordinates
    assert (f'href="{reverse("respite:option_edit", args=[option.pk])}"' in detail) is coordinates


def test_an_option_without_a_named_coordinator_says_so(world: World, option: RespiteOption, client: Client) -> None:
    RespiteOption.objects.filter(pk=option.pk).update(coordinator=None)
    stay = book(world, option)
    client.force_login(world.parent)
    for url in (
        reverse("respite:overview"),
        reverse("respite:option_detail", args=[option.pk]),
        reverse("respite:stay_detail", args=[stay.pk]),
    ):
        assert "not named yet: any coordinator of the organisation" in client.get(url).content.decode(), url
    # Saving the option asks for a name.
    client.force_login(world.coordinator)
    url = reverse("respite:option_edit", args=[option.pk])
    response = client.post(url, option_data(name=option.name, beds_per_night="2", coordinator=""))
    assert response.context["form"].errors["coordinator"]


# The menu


@pytest.mark.parametrize(
    ("persona", "respite", "support_families"),
    [
        ("parent", True, True),
        ("professional", True, True),
        ("coordinator", True, True),
        ("volunteer", True, True),
        ("young_person_user", False, False),
        ("mentor", False, False),
        ("analyst", False, False),
    ],
)
def test_the_menu_shows_stays_to_whom_they_concern(
    world: World, host: RespiteOption, client: Client, persona: str, respite: bool, support_families: bool
) -> None:
    client.force_login(world.by_role(persona))
    html = client.get("/").content.decode()
    assert (f'href="{reverse("respite:overview")}"' in html) is respite
    assert (f'href="{reverse("hostfamilies:overview")}"' in html) is support_families


def test_a_volunteer_without_beds_has_no_stays_menu(world: World, client: Client) -> None:
    client.force_login(world.volunteer)
    assert f'href="{reverse("respite:overview")}"' not in client.get("/").content.decode()
    assert client.get(reverse("respite:overview")).status_code == 403


# The support family's calendar feed


def feed_url(client: Client, volunteer_user: User) -> str:
    client.force_login(volunteer_user)
    page = client.get(reverse("respite:feed_page"))
    url: str = page.context["url"]
    assert url.startswith(settings.SITE_URL)
    assert url in page.content.decode()
    client.logout()
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


def test_the_feed_lists_confirmed_stays_by_first_name_only(world: World, host: RespiteOption) -> None:
    confirmed = book(world, host, start=7, end=9, with_parent=True)
    services.stay_confirm(actor=world.coordinator, stay=confirmed)
    other = book(world, host, case=another_child(world, "Jesse"), start=14, end=16)
    services.stay_confirm(actor=world.coordinator, stay=other)
    book(world, host, case=another_child(world, "Bo"), start=20, end=21)  # requested only
    path = feed_url(Client(), world.volunteer)
    anonymous = Client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "no-store" in response["Cache-Control"]
    parsed = Calendar.from_ical(response.content)
    events = sorted(parsed.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    with translation.override(settings.LANGUAGE_CODE):
        expected = [
            gettext("Stay: %(name)s (with a parent)") % {"name": "Sanne"},
            gettext("Stay: %(name)s") % {"name": "Jesse"},
        ]
    assert [str(e["summary"]) for e in events] == expected
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [(soon(7), soon(9)), (soon(14), soon(16))]
    assert len({str(e["uid"]) for e in events}) == 2
    body = response.content.decode()
    assert world.young_person.last_name not in body
    assert "Bo" not in body.replace("BODY", "")
    # The UID stays the same from one fetch to the next, so calendar apps update instead of duplicating.
    again = Calendar.from_ical(anonymous.get(path).content)
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(str(e["uid"]) for e in events)

    services.stay_cancel(actor=world.coordinator, stay=confirmed)
    remaining = Calendar.from_ical(anonymous.get(path).content).walk("VEVENT")
    assert [e.decoded("dtstart") for e in remaining] == [soon(14)]


def test_renewing_makes_the_old_address_stop_working(world: World, host: RespiteOption, client: Client) -> None:
    old = feed_url(client, world.volunteer)
    client.force_login(world.volunteer)
    assert client.post(reverse("respite:feed_renew")).status_code == 302
    new = feed_url(client, world.volunteer)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert HostCalendarFeed.objects.count() == 1


def test_the_feed_refuses_a_post(world: World, host: RespiteOption) -> None:
    path = feed_url(Client(), world.volunteer)
    assert Client().post(path).status_code == 405


def test_a_feed_is_only_for_the_family_itself(world: World, host: RespiteOption) -> None:
    family = Volunteer.objects.get(user=world.volunteer)
    with pytest.raises(PermissionDenied):
        services.calendarfeed_get_or_create(actor=world.coordinator, volunteer=family)
    stranger = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    with pytest.raises(PermissionDenied):
        services.calendarfeed_renew(actor=stranger.user, volunteer=stranger)
    feed = services.calendarfeed_get_or_create(actor=world.volunteer, volunteer=family)
    assert services.calendarfeed_get_or_create(actor=world.volunteer, volunteer=family).token == feed.token
    assert len(feed.token) >= 40
