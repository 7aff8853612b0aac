"""Support-family pages: every view for every role, and a request walked to a trial period through the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accesslog.models import AccessLogEntry
from accounts.models import Role, User
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.services import match_move
from hostfamilies.states import Visit
from tests.builders.hostfamilies import TODAY, ready_family
from tests.conftest import World
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix

PARTIES_OWN = expect(HIDDEN, parent=OK, volunteer=OK, professional=OK, coordinator=OK)
VIEWS = [
    (
        "overview",
        "get",
        lambda m, own: reverse("hostfamilies:overview"),
        expect(FORBIDDEN, parent=OK, volunteer=OK, professional=OK, coordinator=OK, outsider=OK),
        expect(FORBIDDEN, parent=OK, volunteer=OK, professional=OK, coordinator=OK, outsider=OK),
    ),
    (
        "request create",
        "get",
        lambda m, own: reverse("hostfamilies:request_create"),
        expect(FORBIDDEN, professional=OK, coordinator=OK, outsider=OK),
        expect(FORBIDDEN, professional=OK, coordinator=OK, outsider=OK),
    ),
    # A new request for the persona's own case, or for the foreign one (POST_DATA): only who works on that case
    # makes one; anyone else who may make requests gets the form back with an error.
    (
        "request create (post)",
        "post",
        lambda m, own: reverse("hostfamilies:request_create"),
        expect(FORBIDDEN, professional=REDIRECT, coordinator=REDIRECT, outsider=OK),
        expect(FORBIDDEN, professional=OK, coordinator=OK, outsider=REDIRECT),
    ),
    (
        "request",
        "get",
        lambda m, own: reverse("hostfamilies:request_detail", args=[m[own].request_id]),
        expect(HIDDEN, parent=OK, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "propose",
        "post",
        lambda m, own: reverse("hostfamilies:propose", args=[m[own].request_id]),
        expect(HIDDEN, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "match",
        "get",
        lambda m, own: reverse("hostfamilies:match_detail", args=[m[own].pk]),
        PARTIES_OWN,
        expect(HIDDEN, outsider=OK),
    ),
    (
        "move",
        "post",
        lambda m, own: reverse("hostfamilies:match_move", args=[m[own].pk]),
        expect(HIDDEN, parent=REDIRECT, volunteer=REDIRECT, professional=REDIRECT, coordinator=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    # Only the coordinator starts the introduction visits; the other parties of the match are refused.
    (
        "move introduce",
        "post",
        lambda m, own: reverse("hostfamilies:match_move", args=[m[own].pk]),
        expect(HIDDEN, parent=FORBIDDEN, volunteer=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
]


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    matches: dict[bool, SupportFamilyMatch],
    client: Client,
    name: str,
    method: str,
    url: Callable[[dict[bool, SupportFamilyMatch], bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    data = POST_DATA[name](world, own) if name in POST_DATA else {}
    before = SupportRequest.objects.count(), list(SupportFamilyMatch.objects.values_list("state", flat=True))
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(url(matches, own), data)
    assert response.status_code == expected
    if name in POST_DATA and expected != REDIRECT:
        after = SupportRequest.objects.count(), list(SupportFamilyMatch.objects.values_list("state", flat=True))
        assert after == before, "a refused write changes nothing"


POST_DATA: dict[str, Callable[[World, bool], dict[str, Any]]] = {
    "request create (post)": lambda w, own: {
        "case": (w.case if own else w.foreign_case).pk,
        "organisation": w.organisation.pk,
        "what_for": "Een weekend per maand",
        "wishes": "",
    },
    "move": lambda w, own: {"move": "stop", "reason": "We stoppen"},
    "move introduce": lambda w, own: {"move": "introduce"},
}


def test_a_request_is_walked_to_the_trial_period_through_the_pages(world: World, client: Client) -> None:
    family = ready_family(world.organisation, world.volunteer)
    client.force_login(world.professional)
    response = client.post(
        reverse("hostfamilies:request_create"),
        {
            "case": world.case.pk,
            "organisation": world.organisation.pk,
            "what_for": "Een weekend per maand",
            "wishes": "",
        },
    )
    support_request = SupportRequest.objects.get()
    assert response["Location"] == reverse("hostfamilies:request_detail", args=[support_request.pk])

    client.force_login(world.coordinator)
    page = client.get(reverse("hostfamilies:request_detail", args=[support_request.pk]))
    assert family in page.context["propose_form"].fields["volunteer"].queryset
    response = client.post(reverse("hostfamilies:propose", args=[support_request.pk]), {"volunteer": family.pk})
    match = SupportFamilyMatch.objects.get()
    move = reverse("hostfamilies:match_move", args=[match.pk])
    client.force_login(world.coordinator)
    assert client.post(move, {"move": "introduce"}).status_code == 302
    for visit in Visit.values:
        url = reverse("hostfamilies:match_introduction_record", args=[match.pk, visit])
        assert client.post(url, {f"visit-{visit}-on": TODAY.isoformat()}).status_code == 302
    for actor, step in [
        (world.parent, "family_yes"),
        (world.volunteer, "host_yes"),
        (world.professional, "approve"),
        (world.coordinator, "start_trial"),
    ]:
        client.force_login(actor)
        assert client.post(move, {"move": step}).status_code == 302
    match.refresh_from_db()
    assert match.state == "trial"

    client.force_login(world.parent)
    response = client.post(move, {"move": "stop", "reason": ""})
    assert response.status_code == 400, "stopping needs a reason"
    assert 'class="error-summary"' in response.content.decode()
    client.post(move, {"move": "stop", "reason": "We verhuizen"})
    match.refresh_from_db()
    assert match.state == "stopped"


def test_opening_a_match_is_logged_with_the_role_that_gave_access(world: World, matches: Any, client: Client) -> None:
    client.force_login(world.volunteer)
    client.get(reverse("hostfamilies:match_detail", args=[matches[True].pk]))
    entry = AccessLogEntry.objects.get()
    assert (entry.young_person, entry.actor_role, entry.what) == (world.young_person, Role.VOLUNTEER, "support_family")


@pytest.mark.parametrize(("persona", "role"), [("professional", Role.PROFESSIONAL), ("coordinator", Role.COORDINATOR)])
def test_opening_a_request_is_logged_with_the_role_that_gave_access(
    world: World, matches: Any, client: Client, persona: str, role: str
) -> None:
    client.force_login(world.by_role(persona))
    client.get(reverse("hostfamilies:request_detail", args=[matches[True].request_id]))
    assert AccessLogEntry.objects.get().actor_role == role


# --- The introduction visits on the match page ------------------------------------------------------------------


@pytest.fixture
def introduced(world: World, matches: dict[bool, SupportFamilyMatch]) -> dict[bool, SupportFamilyMatch]:
    """Both matches at their introduction step, without visits."""
    own = match_move(actor=world.coordinator, match=matches[True], move="introduce")
    # Any coordinator of the foreign organisation may introduce its match.
    foreign_coordinator = User.objects.filter(
        roles__role=Role.COORDINATOR, roles__organisation=matches[False].request.organisation
    ).first()
    assert foreign_coordinator is not None
    foreign = match_move(actor=foreign_coordinator, match=matches[False], move="introduce")
    return {True: own, False: foreign}


def visit_url(match: SupportFamilyMatch, visit: str = Visit.FAMILY) -> str:
    return reverse("hostfamilies:match_introduction_record", args=[match.pk, visit])


VISIT_VIEWS = [
    (
        "record visit",
        expect(HIDDEN, parent=FORBIDDEN, volunteer=FORBIDDEN, professional=FORBIDDEN, coordinator=REDIRECT),
        # The outsider is the foreign match's professional: they see it, but only its coordinator records visits.
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
]


@pytest.mark.parametrize(("name", "persona", "own", "expected"), role_matrix(VISIT_VIEWS))
def test_recording_a_visit_answers_each_role(
    world: World,
    introduced: dict[bool, SupportFamilyMatch],
    client: Client,
    name: str,
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    response = client.post(visit_url(introduced[own]), {"visit-family-on": TODAY.isoformat()})
    assert response.status_code == expected
    recorded = SupportFamilyMatch.objects.get(pk=introduced[own].pk).family_visited_on
    assert recorded == (TODAY if expected == REDIRECT else None)


def test_recording_a_visit_takes_only_posts_of_a_known_visit(
    world: World, introduced: dict[bool, SupportFamilyMatch], client: Client
) -> None:
    client.force_login(world.coordinator)
    assert client.get(visit_url(introduced[True])).status_code == 405
    assert client.post(visit_url(introduced[True], "party"), {"visit-party-on": TODAY.isoformat()}).status_code == 404


def test_the_page_shows_the_visits_and_the_coordinator_records_them(
    world: World, introduced: dict[bool, SupportFamilyMatch], client: Client
) -> None:
    match = introduced[True]
    page_url = reverse("hostfamilies:match_detail", args=[match.pk])
    client.force_login(world.parent)
    content = client.get(page_url).content.decode()
    assert content.count("nog niet") == 5, "three visits not yet recorded, and neither yes"
    assert "Bezoek aan het steungezin" in content
    assert "/kennismaking/" not in content, "the family sees the visits but does not record them"

    client.force_login(world.coordinator)
    page = client.get(page_url)
    forms = [form for _record, form in page.context["visits"]]
    assert [form.visit for form in forms] == list(Visit.values)
    content = page.content.decode()
    for visit in Visit.values:
        assert f'action="{visit_url(match, visit)}"' in content
        assert f'<label for="id_visit-{visit}-on">' in content
    response = client.post(visit_url(match, Visit.HOST), {"visit-host-on": TODAY.isoformat()})
    assert response["Location"] == page_url

    client.force_login(world.volunteer)
    content = client.get(page_url).content.decode()
    assert f"opgeschreven door {escape(str(world.coordinator))}" in content  # a made-up name may hold an apostrophe


@pytest.mark.parametrize(
    "value",
    ["", "gisteren", "2024-02-30", (TODAY.replace(year=TODAY.year + 1)).isoformat(), "2000-01-01"],
    ids=["empty", "words", "no-such-day", "future", "before-the-proposal"],
)
def test_odd_visit_input_shows_the_error_beside_the_field_and_changes_nothing(
    world: World, introduced: dict[bool, SupportFamilyMatch], client: Client, value: str
) -> None:
    match = introduced[True]
    client.force_login(world.coordinator)
    response = client.post(visit_url(match, Visit.MEETING), {"visit-meeting-on": value})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_visit-meeting-on_error"' in content
    assert 'aria-describedby="id_visit-meeting-on_error"' in content
    assert 'aria-invalid="true"' in content
    assert SupportFamilyMatch.objects.get(pk=match.pk).families_met_on is None


def test_a_visit_for_a_match_past_its_introduction_shows_why_it_is_refused(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client
) -> None:
    client.force_login(world.coordinator)
    response = client.post(visit_url(matches[True]), {"visit-family-on": TODAY.isoformat()})
    assert response.status_code == 400
    assert "voorgesteld door de coördinator" in response.content.decode(), "the step the match is at"
    assert SupportFamilyMatch.objects.get(pk=matches[True].pk).family_visited_on is None
