"""The JIM pages: every view for every persona on their own and a foreign mentorship, the invitation page without
login, what each page offers to whom, access-log rows, a constant number of queries, and no server error on odd
input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accesslog.models import AccessLogEntry
from accounts.models import Role, User
from agreements.models import AgreementVersion
from mentors import services
from mentors.models import Invitation, Mentorship
from mentors.states import State
from tests.builders.mentors import JIM_TEXTS, agree_all, choose, foreign_cast, invite, mentorship_at, refresh
from tests.conftest import PERSONAS, World, prebuilt
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from youth.models import MentorChoice, YoungPerson

TODAY = timezone.localdate()
GONE = 410


@pytest.fixture(autouse=True)
def english(client: Client) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def build(world: World, own: bool, state: str) -> tuple[Any, Mentorship | None]:
    """The cast and its mentorship at `state`; "none": only a choice of candidates, no mentorship yet."""
    cast: Any = world if own else foreign_cast(world)
    if state == "none":
        choose(cast)
        return cast, None
    return cast, mentorship_at(cast, state)


def stopped(world: Any) -> Mentorship:
    m = mentorship_at(world, State.ACTIVE)
    return services.mentorship_move(actor=world.professional, mentorship=m, move="stop", reason="Gestopt")


def pending_change(cast: Any, m: Mentorship) -> dict[str, str]:
    version = services.mentorship_agreement_propose(
        actor=cast.professional, mentorship=m, sections=JIM_TEXTS | {"meetings": "Elke week"}
    )
    return {"version": str(version.pk)}


def agreed_then_activate(cast: Any, m: Mentorship) -> dict[str, str]:
    agree_all(cast, m)
    return {"move": "activate"}


def agreement_data(cast: Any, m: Mentorship) -> dict[str, str]:
    return {f"agreement-{key}": value for key, value in (JIM_TEXTS | {"meetings": "Elke maandag"}).items()}


OUTCOME = {
    "outcome-placement_averted": "yes",
    "outcome-goals_young_person": "yes",
    "outcome-goals_parents": "partly",
    "outcome-satisfaction": "4",
}
CLOSURE = {key.replace("outcome-", "closure-"): value for key, value in OUTCOME.items()} | {"closure-reason": "Klaar"}

PARTIES = ("young_person_user", "parent", "mentor", "professional", "coordinator")
ONLY_PROFESSIONAL = expect(HIDDEN, **(dict.fromkeys(PARTIES, FORBIDDEN) | dict(professional=REDIRECT)))
FOREIGN_PROFESSIONAL = expect(HIDDEN, outsider=REDIRECT)

# (name, state, method, url(cast, mentorship), data(cast, mentorship), codes on own, codes on foreign)
UrlOf = Callable[[Any, Any], str]
DataOf = Callable[[Any, Any], dict[str, str]]
Row = tuple[str, str, str, UrlOf, DataOf, dict[str, int], dict[str, int]]


def _first_choice(young_person: YoungPerson) -> MentorChoice:
    choice = MentorChoice.objects.filter(young_person=young_person).first()
    assert choice is not None
    return choice


def detail_url(name: str) -> Callable[[Any, Mentorship], str]:
    return lambda cast, m: reverse(f"mentors:{name}", args=[m.pk])


def none(cast: Any, m: Any) -> dict[str, str]:
    return {}


VIEWS: list[Row] = [
    (
        "list",
        State.ACTIVE,
        "get",
        lambda cast, m: reverse("mentors:list"),
        none,
        expect(FORBIDDEN, **(dict.fromkeys(PARTIES, OK) | dict(outsider=OK))),
        expect(FORBIDDEN, **(dict.fromkeys(PARTIES, OK) | dict(outsider=OK))),
    ),
    (
        "detail",
        State.ACTIVE,
        "get",
        detail_url("detail"),
        none,
        expect(HIDDEN, **dict.fromkeys(PARTIES, OK)),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "nominate page",
        State.ACTIVE,
        "get",
        lambda cast, m: reverse("mentors:nominate", args=[cast.young_person.pk]),
        none,
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "nominate",
        "none",
        "post",
        lambda cast, m: reverse("mentors:nominate", args=[cast.young_person.pk]),
        lambda cast, m: {"nominate-choice": str(_first_choice(cast.young_person).pk)},
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=REDIRECT, coordinator=FORBIDDEN),
        FOREIGN_PROFESSIONAL,
    ),
    (
        "invite",
        State.NOMINATED,
        "post",
        detail_url("invite"),
        lambda cast, m: {"invite-first_name": "Karin", "invite-phone": "0612345678", "invite-by_sms": "on"},
        # Before her yes, the mentor is nobody in the mentorship.
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=REDIRECT, coordinator=FORBIDDEN),
        FOREIGN_PROFESSIONAL,
    ),
    (
        "move: talk",
        State.INVITED,
        "post",
        detail_url("move"),
        lambda cast, m: {"move": "talk"},
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=REDIRECT, coordinator=FORBIDDEN),
        FOREIGN_PROFESSIONAL,
    ),
    (
        "move: start screening",
        State.ACCEPTED,
        "post",
        detail_url("move"),
        lambda c, m: {"move": "start_screening"},
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
    (
        "screening",
        State.SCREENING,
        "post",
        detail_url("screening"),
        lambda cast, m: {"screening-vog_issued_on": TODAY.isoformat()},
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
    (
        "mandate",
        State.MANDATE,
        "post",
        detail_url("mandate"),
        lambda cast, m: {"mandate-decision": "yes"},
        expect(HIDDEN, **(dict.fromkeys(PARTIES, FORBIDDEN) | dict(young_person_user=REDIRECT, parent=REDIRECT))),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "propose agreements",
        State.ACTIVE,
        "post",
        detail_url("agreement_propose"),
        agreement_data,
        expect(HIDDEN, **(dict.fromkeys(PARTIES, REDIRECT) | dict(coordinator=FORBIDDEN))),
        FOREIGN_PROFESSIONAL,
    ),
    (
        "agree",
        State.ACTIVE,
        "post",
        detail_url("agreement_agree"),
        pending_change,
        # The coordinator is not asked to agree.
        expect(HIDDEN, **(dict.fromkeys(PARTIES, REDIRECT) | dict(coordinator=FORBIDDEN))),
        FOREIGN_PROFESSIONAL,
    ),
    (
        "move: activate",
        State.AGREEMENT,
        "post",
        detail_url("move"),
        agreed_then_activate,
        ONLY_PROFESSIONAL,
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "check-in",
        State.ACTIVE,
        "post",
        detail_url("checkin"),
        lambda cast, m: {"checkin-held_on": TODAY.isoformat(), "checkin-note": "Gaat goed"},
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
    (
        "interval",
        State.ACTIVE,
        "post",
        detail_url("interval"),
        lambda c, m: {"interval-weeks": "6"},
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
    (
        "note",
        State.ACTIVE,
        "post",
        detail_url("note"),
        lambda c, m: {"note-text": "Karin is onzeker."},
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
    (
        "rating",
        State.ACTIVE,
        "post",
        detail_url("rating"),
        lambda cast, m: {"rating-score": "4", "rating-comment": "Fijn"},
        expect(HIDDEN, **(dict.fromkeys(PARTIES, FORBIDDEN) | dict(young_person_user=REDIRECT, mentor=REDIRECT))),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "move: step back",
        State.ACTIVE,
        "post",
        detail_url("move"),
        lambda c, m: {"move": "step_back"},
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
    (
        "complete",
        State.STEPPED_BACK,
        "post",
        detail_url("complete"),
        lambda c, m: CLOSURE,
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
    (
        "move: stop",
        State.MANDATE,
        "post",
        detail_url("move"),
        lambda cast, m: {"move": "stop", "reason": "Het past niet"},
        expect(HIDDEN, **dict.fromkeys(PARTIES, REDIRECT)),
        FOREIGN_PROFESSIONAL,
    ),
    (
        "outcome",
        State.STOPPED,
        "post",
        detail_url("outcome"),
        lambda c, m: OUTCOME,
        ONLY_PROFESSIONAL,
        FOREIGN_PROFESSIONAL,
    ),
]


def build_at(world: World, own: bool, state: str) -> tuple[Any, Mentorship | None]:
    if state == State.STOPPED:
        cast: Any = world if own else foreign_cast(world)
        return cast, stopped(cast)
    return build(world, own, state)


@prebuilt
def mentorship_built(world: World, own: bool, state: str) -> tuple[Any, Mentorship | None]:
    return build_at(world, own, state)


@pytest.mark.parametrize(("name", "state", "method", "url", "data", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    mentorship_built: tuple[Any, Mentorship | None],
    client: Client,
    name: str,
    state: str,
    method: str,
    url: UrlOf,
    data: DataOf,
    persona: str,
    own: bool,
    expected: int,
) -> None:
    cast, mentorship = mentorship_built
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(url(cast, mentorship), data(cast, mentorship))
    assert response.status_code == expected, response.content.decode()[:3000]
    if expected == REDIRECT and method == "post":
        assert "/accounts/login/" not in response["Location"]


@pytest.mark.parametrize(("name", "state", "method", "url", "data"), [row[:5] for row in VIEWS])
def test_anonymous_visitors_are_sent_to_login(
    world: World, client: Client, name: str, state: str, method: str, url: UrlOf, data: DataOf
) -> None:
    cast, mentorship = build_at(world, True, state)
    response = getattr(client, method)(url(cast, mentorship), data(cast, mentorship))
    assert response.status_code == REDIRECT and response["Location"].startswith(reverse("account_login"))


def test_the_foreign_young_person_and_parent_see_nothing_of_it(world: World, client: Client) -> None:
    m = mentorship_at(world, State.ACTIVE)
    foreign = foreign_cast(world)
    names = ["detail", "move", "invite", "screening", "mandate", "agreement_propose", "agreement_agree", "checkin"]
    names += ["interval", "note", "rating", "complete", "outcome"]
    for user in (foreign.young_person_user, foreign.parent, world.outsider):
        client.force_login(user)
        for name in names:
            method = client.get if name == "detail" else client.post
            assert method(reverse(f"mentors:{name}", args=[m.pk]), {}).status_code == HIDDEN, (user, name)
        assert "Sanne" not in client.get(reverse("mentors:list")).content.decode()
        assert client.get(reverse("mentors:nominate", args=[world.young_person.pk])).status_code == HIDDEN


def test_a_finished_mentorship_is_read_only(world: World, client: Client) -> None:
    m = stopped(world)
    for persona in PARTIES:
        client.force_login(world.by_role(persona))
        assert client.get(reverse("mentors:detail", args=[m.pk])).status_code == OK
        for name in ("move", "rating", "note", "agreement_propose"):
            assert client.post(reverse(f"mentors:{name}", args=[m.pk]), {}).status_code == FORBIDDEN


@pytest.mark.parametrize(
    "url",
    [
        "/mentoren/99999999999999999999999/",
        "/mentoren/99999999999999999999999/stap/",
        "/mentoren/nieuw/99999999999999999999999/",
    ],
)
def test_a_very_large_id_is_a_404(world: World, client: Client, url: str) -> None:
    client.force_login(world.professional)
    response = client.post(url, {}) if url.endswith("stap/") else client.get(url)
    assert response.status_code == HIDDEN


# --- What the page offers to whom ----------------------------------------------------------------------------


def page(client: Client, user: User, m: Mentorship) -> str:
    client.force_login(user)
    response = client.get(reverse("mentors:detail", args=[m.pk]))
    assert response.status_code == OK
    return response.content.decode()


def test_the_page_says_the_step_in_plain_words_and_who_still_has_to_act(world: World, client: Client) -> None:
    m = mentorship_at(world, State.MANDATE)
    services.mandate_give(actor=world.young_person_user, mentorship=m, decision="yes")
    html = page(client, world.parent, m)
    assert "Step now: mandate and consent" in html
    assert "The parents with custody give the mandate" in html
    assert f"<strong>{world.parent}</strong>: give the mandate." in html
    assert 'name="mandate-decision"' in html, "the parent is asked"
    html = page(client, world.young_person_user, m)
    assert "Change your answer" in html, "Sanne already answered, and may change it"
    assert 'name="move" value="stop"' in html, "anyone may stop"


def test_the_parties_read_the_safety_clause_and_every_version_with_who_agreed_when(
    world: World, client: Client
) -> None:
    m = mentorship_at(world, State.ACTIVE)
    services.mentorship_agreement_propose(
        actor=world.mentor, mentorship=refresh(m), sections=JIM_TEXTS | {"meetings": "Elke week op woensdag"}
    )
    for persona in ("young_person_user", "parent", "mentor", "professional"):
        html = page(client, world.by_role(persona), refresh(m))
        assert "If there is danger, for you or for someone else, then the mentor does pass it on." in html, persona
        assert "All versions and who agreed when" in html, persona
        assert "Version 1, proposed by" in html and f"Version 2, proposed by {world.mentor.get_full_name()}" in html
        assert html.count("agreed on ") >= 4, "version 1 was agreed by all four parties"
        assert "not agreed" in html, "version 2 waits for the others"


def test_coaching_notes_show_to_the_professional_only(world: World, client: Client) -> None:
    m = mentorship_at(world, State.ACTIVE)
    services.coachingnote_add(actor=world.professional, mentorship=m, text="Geheime coachingnotitie")
    assert "Geheime coachingnotitie" in page(client, world.professional, m)
    for persona in ("coordinator", "parent", "young_person_user", "mentor"):
        html = page(client, world.by_role(persona), m)
        assert "Geheime coachingnotitie" not in html and "Coaching notes" not in html, persona


def test_reservations_are_read_by_the_professional_and_the_parent_who_wrote_them(world: World, client: Client) -> None:
    m = mentorship_at(world, State.MANDATE)
    services.mandate_give(
        actor=world.parent, mentorship=m, decision="reservations", reservations="Ik ken haar niet goed"
    )
    assert "Ik ken haar niet goed" in page(client, world.professional, m)
    assert "Ik ken haar niet goed" in page(client, world.parent, m)
    html = page(client, world.young_person_user, m)
    assert "Ik ken haar niet goed" not in html and "yes, with reservations" in html


def test_ratings_are_faces_with_words_and_read_by_the_professional(world: World, client: Client) -> None:
    m = mentorship_at(world, State.ACTIVE)
    html = page(client, world.young_person_user, m)
    for words in ("Very good", "Good", "So-so", "Not so good", "Bad"):
        assert f"<span>{words}</span>" in html
    assert 'aria-hidden="true">😀</span>' in html
    client.post(reverse("mentors:rating", args=[m.pk]), {"rating-score": "2", "rating-comment": "Moeilijk"})
    assert "Moeilijk" in page(client, world.professional, m)
    assert "Moeilijk" not in page(client, world.parent, m)
    assert "Moeilijk" in page(client, world.young_person_user, m)
    assert "Moeilijk" not in page(client, world.mentor, m)


def test_the_whole_life_through_the_pages(world: World, client: Client, mailoutbox: list[EmailMessage]) -> None:
    choose(world)
    client.force_login(world.professional)
    start = reverse("mentors:nominate", args=[world.young_person.pk])
    first = MentorChoice.objects.get(young_person=world.young_person, rank=1)
    assert f'value="{first.pk}"' in client.get(start).content.decode()
    response = client.post(start, {"nominate-choice": first.pk})
    m = Mentorship.objects.get()
    assert response["Location"] == reverse("mentors:detail", args=[m.pk])
    detail = reverse("mentors:detail", args=[m.pk])
    assert "invite-first_name" in client.get(detail).content.decode()
    client.post(
        reverse("mentors:invite", args=[m.pk]),
        {
            "invite-first_name": "Karin",
            "invite-last_name": "Bos",
            "invite-email": world.mentor.email,
            "invite-by_email": "on",
        },
    )
    assert refresh(m).state == State.INVITED


def test_the_network_map_links_to_the_nomination_for_the_professional(world: World, client: Client) -> None:
    choose(world)
    link = reverse("mentors:nominate", args=[world.young_person.pk])
    client.force_login(world.professional)
    assert link in client.get(reverse("youth:network_map", args=[world.young_person.pk])).content.decode()
    client.force_login(world.young_person_user)
    assert link not in client.get(reverse("youth:network_map", args=[world.young_person.pk])).content.decode()


def test_the_menu_shows_mentors_to_those_who_take_part(world: World, client: Client) -> None:
    for persona in PERSONAS:
        client.force_login(world.by_role(persona))
        html = client.get(reverse("mentors:list") if persona in (*PARTIES, "outsider") else "/").content.decode()
        shown = f'href="{reverse("mentors:list")}"' in html
        assert shown == (persona in (*PARTIES, "outsider")), persona


# --- Access log and queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "role", "organisation"),
    [
        ("young_person_user", Role.YOUNG_PERSON, ""),
        ("parent", Role.PARENT, ""),
        ("mentor", Role.MENTOR, ""),
        ("professional", Role.PROFESSIONAL, "Jeugdteam A"),
        ("coordinator", Role.COORDINATOR, "Jeugdteam A"),
    ],
)
def test_the_page_is_logged_with_the_role_that_gave_access(
    world: World, client: Client, persona: str, role: str, organisation: str
) -> None:
    m = mentorship_at(world, State.ACTIVE)
    before = AccessLogEntry.objects.count()
    page(client, world.by_role(persona), m)
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry is not None
    assert (entry.young_person, entry.what, entry.actor_role, entry.actor_organisation, entry.action) == (
        world.young_person,
        "mentorship",
        role,
        organisation,
        "view",
    )


def test_a_change_is_logged_as_a_change(world: World, client: Client) -> None:
    m = mentorship_at(world, State.ACTIVE)
    client.force_login(world.professional)
    client.post(reverse("mentors:note", args=[m.pk]), {"note-text": "Notitie"})
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert entry is not None and (entry.action, entry.what) == ("change", "mentorship")


def test_the_list_logs_each_young_person_and_costs_the_same_queries_for_more(world: World, client: Client) -> None:
    mentorship_at(world, State.ACTIVE)
    client.force_login(world.coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("mentors:list")).status_code == OK
        return len(queries)

    count()  # the first request of a session writes the session's timestamps
    with_one = count()
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert entry is not None and (entry.what, entry.actor_role) == ("list", Role.COORDINATOR)
    for _ in range(3):
        from tests.factories import CaseFactory, YoungPersonFactory

        child = YoungPersonFactory()
        case = CaseFactory(young_person=child, organisation=world.organisation)
        Mentorship.objects.create(young_person=child, case=case, nominee_name="Oom", nominated_by=world.professional)
    assert count() == with_one


# --- The invitation page, without login ------------------------------------------------------------------------


def invitation_at(world: World, **kwargs: Any) -> tuple[Mentorship, str]:
    m = mentorship_at(world, State.NOMINATED)
    return m, invite(world, m, **kwargs)


def test_the_invitation_page_explains_in_plain_words(world: World, client: Client) -> None:
    _m, token = invitation_at(world)
    response = client.get(reverse("mentors:invitation", args=[token]))
    html = response.content.decode()
    assert response.status_code == OK
    assert "You were asked to be a mentor" in html
    assert "Sanne chose you as mentor, because Sanne trusts you." in html
    assert "Unless there is danger: then you tell the professional." in html
    assert "You can stop at any time." in html
    assert response["Cache-Control"].count("no-store") == 1 or "no-cache" in response["Cache-Control"]
    assert 'name="accept-email"' not in html, "the invitation went to an email address: that is the account"
    assert Invitation.objects.get().opened_at is not None


def test_accepting_on_the_page_leaves_nobody_logged_in(world: World, client: Client) -> None:
    m, token = invitation_at(world, email="", by_email=False, phone="0612345678", by_sms=True)
    url = reverse("mentors:invitation", args=[token])
    assert 'name="accept-email"' in client.get(url).content.decode()
    response = client.post(url, {"action": "accept", "accept-first_name": "Karin", "accept-last_name": "Bos"})
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    response = client.post(
        url,
        {"action": "accept", "accept-first_name": "Karin", "accept-last_name": "Bos", "accept-email": "k@example.org"},
        follow=True,
    )
    assert response.status_code == OK
    assert "We sent you an email with a link to choose your password." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert refresh(m).state == State.ACCEPTED


def test_asking_for_a_call_and_declining_on_the_page(world: World, client: Client) -> None:
    m, token = invitation_at(world)
    url = reverse("mentors:invitation", args=[token])
    response = client.post(url, {"action": "call"}, follow=True)
    assert "We asked the professional to call you." in response.content.decode()
    assert refresh(m).state == State.TALK
    assert client.post(url, {"action": "decline", "decline-reason": ""}).status_code == 400
    response = client.post(url, {"action": "decline", "decline-reason": "Geen tijd"}, follow=True)
    assert "You said no." in response.content.decode()
    assert refresh(m).state == State.DECLINED


@pytest.mark.parametrize(
    ("situation", "status", "text"),
    [
        ("unknown", HIDDEN, "This link does not work"),
        ("expired", GONE, "This link has expired"),
        ("replaced", GONE, "There is a newer link"),
        ("closed", GONE, "This invitation is closed"),
        ("used", OK, "Thank you for saying yes"),
    ],
)
def test_a_link_that_no_longer_works_gets_a_clear_page(
    world: World, client: Client, situation: str, status: int, text: str
) -> None:
    m, token = invitation_at(world)
    if situation == "unknown":
        token = "x" * 43
    elif situation == "expired":
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif situation == "replaced":
        invite(world, refresh(m))
    elif situation == "closed":
        services.mentorship_move(actor=world.parent, mentorship=m, move="stop", reason="Toch niet")
    else:
        services.invitation_accept(token=token, first_name="Karin", last_name="Bos")
    for method in (client.get, client.post):
        response = method(reverse("mentors:invitation", args=[token]), {"action": "accept"})
        assert response.status_code == status
        assert text in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "dance"},
        {"action": "accept"},
        {"action": "accept", "accept-first_name": "x" * 500},
        {"action": "decline", "decline-reason": "x" * 5000},
    ],
)
def test_odd_input_on_the_invitation_page_is_no_server_error(
    world: World, client: Client, data: dict[str, str]
) -> None:
    _m, token = invitation_at(world)
    response = client.post(reverse("mentors:invitation", args=[token]), data)
    assert response.status_code in (OK, 400)


def test_a_very_long_token_is_a_404(world: World, client: Client) -> None:
    assert client.get(reverse("mentors:invitation", args=["x" * 5000])).status_code == HIDDEN


# --- Odd input on the mentorship pages -----------------------------------------------------------------------------

ODD = [
    ("move", {}),
    ("move", {"move": "accept"}),
    ("move", {"move": "stop", "reason": ""}),
    ("move", {"move": "stop", "reason": "x" * 5000}),
    ("move", {"move": "x" * 100}),
    ("invite", {}),
    ("invite", {"invite-first_name": "K", "invite-phone": "abc", "invite-by_sms": "on"}),
    ("screening", {"screening-vog_issued_on": "gisteren"}),
    ("screening", {"screening-vog_issued_on": "2999-01-01"}),
    ("mandate", {"mandate-decision": "misschien"}),
    ("mandate", {"mandate-decision": "reservations"}),
    ("agreement_propose", {}),
    ("agreement_agree", {}),
    ("agreement_agree", {"version": "abc"}),
    ("agreement_agree", {"version": "-1"}),
    ("agreement_agree", {"version": "1" * 40}),
    ("checkin", {"checkin-held_on": "2999-01-01", "checkin-note": "x"}),
    ("checkin", {}),
    ("interval", {"interval-weeks": "0"}),
    ("interval", {"interval-weeks": "abc"}),
    ("note", {"note-text": ""}),
    ("rating", {"rating-score": "9"}),
    ("rating", {}),
    ("complete", {}),
    ("complete", {**CLOSURE, "closure-satisfaction": "12"}),
    ("outcome", {}),
]


@pytest.mark.parametrize(("name", "data"), ODD)
def test_odd_input_is_no_server_error(world: World, client: Client, name: str, data: dict[str, str]) -> None:
    m = mentorship_at(world, State.ACTIVE)
    actor = world.young_person_user if name in ("mandate", "rating") else world.professional
    client.force_login(actor)
    response = client.post(reverse(f"mentors:{name}", args=[m.pk]), data)
    assert response.status_code in (REDIRECT, 400, HIDDEN), response.status_code
    if response.status_code == 400:
        assert 'class="error-summary"' in response.content.decode()
    assert AgreementVersion.objects.count() == 1


def test_the_nomination_page_points_to_the_running_mentorship(world: World, client: Client) -> None:
    m = mentorship_at(world, State.INVITED)
    client.force_login(world.professional)
    html = client.get(reverse("mentors:nominate", args=[world.young_person.pk])).content.decode()
    assert "A nomination or mentorship is running: Karin Bos, step: invited." in html
    assert reverse("mentors:detail", args=[m.pk]) in html
    assert 'name="nominate-choice"' not in html
    response = client.post(reverse("mentors:nominate", args=[world.young_person.pk]), {"nominate-choice": "1"})
    assert response.status_code == 400 and 'class="error-summary"' in response.content.decode()


def test_the_mentors_home_page_links_to_a_running_mentorship(world: World, client: Client) -> None:
    client.force_login(world.mentor)
    assert "Your mentorships" not in client.get(reverse("home")).content.decode()
    mentorship_at(world, State.ACTIVE)
    home = client.get(reverse("home")).content.decode()
    assert "A young person chose you as their mentor." in home
    assert reverse("mentors:list") in home
