"""The match page's agreements and reviews: every new view for every role on its own and a foreign match, what
the page offers to whom, access logging, and no server error on odd input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accesslog.models import AccessLogEntry
from accounts.models import Role
from agreements.models import AgreementVersion
from hostfamilies import services
from hostfamilies.models import MatchReview, SupportFamilyMatch
from tests.builders.hostfamilies import ready_family
from tests.builders.matching import running_match
from tests.conftest import World, prebuilt
from tests.factories import (
    SUPPORT_FAMILY_TEXTS,
    OrganisationFactory,
    user_with_role,
)
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix

TODAY_FIELDS = {"review-family_view": "Goed", "review-host_view": "Fijn", "review-agreed_next": "Zo door"}


@prebuilt
def matches(world: World) -> dict[bool, SupportFamilyMatch]:
    own = running_match(
        world.coordinator,
        world.professional,
        world.parent,
        world.case,
        world.organisation,
        ready_family(world.organisation, world.volunteer),
    )
    other = OrganisationFactory()
    foreign = running_match(
        user_with_role(Role.COORDINATOR, other),
        world.outsider,
        None,
        world.foreign_case,
        other,
        ready_family(other),
    )
    return {True: own, False: foreign}


def pending_version(match: SupportFamilyMatch) -> int:
    return (
        AgreementVersion.objects.filter(agreement__object_id=match.pk)
        .order_by("-number")
        .values_list("pk", flat=True)[0]
    )


def agreement_data(match: SupportFamilyMatch) -> dict[str, str]:
    return {
        "agreement-schedule": "Om het weekend",
        "agreement-house_rules": "Om 20:00 naar bed.",
        "agreement-who_to_call": "Moeder: 06-12345678",
        "agreement-change_note": "Om het weekend",
    }


def review_data(match: SupportFamilyMatch) -> dict[str, str]:
    return {**TODAY_FIELDS, "review-held_on": match.started_on.isoformat() if match.started_on else ""}


def agree_data(match: SupportFamilyMatch) -> dict[str, str]:
    return {"version": str(pending_version(match))}


PARTY_OWN = dict(parent=REDIRECT, volunteer=REDIRECT, professional=REDIRECT, coordinator=REDIRECT)
VIEWS = [
    (
        "match page",
        "hostfamilies:match_detail",
        "get",
        lambda m: {},
        expect(HIDDEN, parent=OK, volunteer=OK, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "propose agreements",
        "hostfamilies:match_agreement_propose",
        "post",
        agreement_data,
        expect(HIDDEN, **PARTY_OWN),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "agree",
        "hostfamilies:match_agreement_agree",
        "post",
        agree_data,
        # Only those asked to agree: the professional and the coordinator are not.
        expect(HIDDEN, parent=REDIRECT, volunteer=REDIRECT, professional=FORBIDDEN, coordinator=FORBIDDEN),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "record review",
        "hostfamilies:match_review_record",
        "post",
        review_data,
        expect(HIDDEN, parent=FORBIDDEN, volunteer=FORBIDDEN, professional=REDIRECT, coordinator=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
]


@pytest.mark.parametrize(("name", "url", "method", "data", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    matches: dict[bool, SupportFamilyMatch],
    client: Client,
    name: str,
    url: str,
    method: str,
    data: Callable[[SupportFamilyMatch], dict[str, str]],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    match = matches[own]
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(reverse(url, args=[match.pk]), data(match))
    assert response.status_code == expected, response.content.decode()[:2000]


@pytest.mark.parametrize("url", ["match_agreement_propose", "match_agreement_agree", "match_review_record"])
def test_the_new_views_only_take_posts_and_a_finished_match_is_read_only(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client, url: str
) -> None:
    match = matches[True]
    client.force_login(world.coordinator)
    assert client.get(reverse(f"hostfamilies:{url}", args=[match.pk])).status_code == 405
    services.match_move(actor=world.coordinator, match=match, move="stop", reason="Verhuisd")
    assert client.post(reverse(f"hostfamilies:{url}", args=[match.pk]), {}).status_code == FORBIDDEN


def test_the_page_offers_each_party_what_they_may_do(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client
) -> None:
    match = matches[True]
    page = reverse("hostfamilies:match_detail", args=[match.pk])
    client.force_login(world.parent)
    html = client.get(page).content.decode()
    assert 'name="version"' in html, "the parent still has to agree to version 2"
    assert "review-held_on" not in html, "the family does not record reviews"
    assert "agreement-schedule" in html, "any party may propose a change"
    client.force_login(world.coordinator)
    html = client.get(page).content.decode()
    assert 'name="version"' not in html
    assert "review-held_on" in html
    assert "Om het weekend" not in html and "Elk weekend" in html, "the form starts from the newest texts"


def test_the_agreement_is_agreed_and_a_review_recorded_through_the_pages(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client
) -> None:
    match = matches[True]
    version = pending_version(match)
    agree = reverse("hostfamilies:match_agreement_agree", args=[match.pk])
    for user in (world.parent, world.volunteer):
        client.force_login(user)
        assert client.post(agree, {"version": version}).status_code == REDIRECT
    assert AgreementVersion.objects.get(pk=version).in_force_at is not None
    response = client.post(agree, {"version": version}, follow=True)
    assert response.status_code == OK and 'class="messages' in response.content.decode(), "agreeing twice is explained"

    client.force_login(world.professional)
    review = reverse("hostfamilies:match_review_record", args=[match.pk])
    assert client.post(review, review_data(match)).status_code == REDIRECT
    assert MatchReview.objects.filter(match=match, held_on__isnull=False).count() == 1
    again = client.post(review, review_data(match))
    assert again.status_code == 400 and 'class="error-summary"' in again.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {"version": "abc"}, {"version": "99999999"}, {"version": "-1"}, {"version": "1" * 40}],
    ids=["empty", "text", "unknown", "negative", "huge"],
)
def test_odd_input_to_agree_is_no_server_error(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client, data: dict[str, str]
) -> None:
    client.force_login(world.parent)
    response = client.post(reverse("hostfamilies:match_agreement_agree", args=[matches[True].pk]), data)
    assert response.status_code == HIDDEN


def test_a_version_of_another_match_is_not_found(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client
) -> None:
    client.force_login(world.parent)
    foreign_version = pending_version(matches[False])
    response = client.post(
        reverse("hostfamilies:match_agreement_agree", args=[matches[True].pk]), {"version": foreign_version}
    )
    assert response.status_code == HIDDEN


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"agreement-schedule": " ", "agreement-house_rules": "x", "agreement-who_to_call": "y"},
        {"agreement-schedule": "x" * 5000, "agreement-house_rules": "x", "agreement-who_to_call": "y"},
        dict.fromkeys(("agreement-schedule", "agreement-house_rules", "agreement-who_to_call"), "Elk weekend"),
    ],
    ids=["empty", "blank", "too-long", "same-again"],
)
def test_odd_agreement_input_shows_the_form_again(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client, data: dict[str, str]
) -> None:
    match = matches[True]
    client.force_login(world.coordinator)
    url = reverse("hostfamilies:match_agreement_propose", args=[match.pk])
    if data.get("agreement-schedule") == "Elk weekend":
        data = {f"agreement-{key}": value for key, value in {**SUPPORT_FAMILY_TEXTS, "schedule": "Elk weekend"}.items()}
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {**TODAY_FIELDS, "review-held_on": "gisteren"}, {**TODAY_FIELDS, "review-held_on": "2999-01-01"}],
    ids=["empty", "not-a-date", "future"],
)
def test_odd_review_input_shows_the_form_again(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client, data: dict[str, str]
) -> None:
    client.force_login(world.coordinator)
    response = client.post(reverse("hostfamilies:match_review_record", args=[matches[True].pk]), data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()


def test_a_refused_form_is_logged_as_a_page_view_with_the_role_that_gave_access(
    world: World, matches: dict[bool, SupportFamilyMatch], client: Client
) -> None:
    client.force_login(world.professional)
    client.post(reverse("hostfamilies:match_review_record", args=[matches[True].pk]), {})
    entry = AccessLogEntry.objects.get()
    assert (entry.young_person, entry.actor_role, entry.what) == (
        world.young_person,
        Role.PROFESSIONAL,
        "support_family",
    )
