"""Every view, for every role, on its own object and on another organisation's: the expected status code.

404 means "does not exist for you" (the same answer as a missing object); 403 means "you may see it, not this".
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from tests.conftest import PERSONAS, World
from tests.factories import CaseFactory, assign
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from youth.models import ConsentPurpose

# For each view: how to build its URL from (world, own?), the method, and the status per persona for the own
# object, then for the foreign object (another organisation's young person, on whom only `outsider` works).
ALL = dict.fromkeys(PERSONAS)


def yp(world: World, own: bool) -> int:
    return (world.young_person if own else world.foreign_young_person).pk


def case(world: World, own: bool) -> int:
    return (world.case if own else world.foreign_case).pk


ON_OWN_RECORD = expect(HIDDEN, young_person_user=OK, parent=OK, professional=OK, coordinator=OK)
ON_FOREIGN_RECORD = expect(HIDDEN, outsider=OK)

VIEWS: list[tuple[str, str, Callable[[World, bool], str], dict[str, int], dict[str, int]]] = [
    ("home", "get", lambda w, own: reverse("home"), expect(OK), expect(OK)),
    (
        "young people list",
        "get",
        lambda w, own: reverse("youth:youngperson_list"),
        expect(FORBIDDEN, professional=OK, coordinator=OK, outsider=OK),
        expect(FORBIDDEN, professional=OK, coordinator=OK, outsider=OK),
    ),
    (
        "register",
        "get",
        lambda w, own: reverse("youth:youngperson_register"),
        expect(FORBIDDEN, professional=OK, outsider=OK),
        expect(FORBIDDEN, professional=OK, outsider=OK),
    ),
    (
        "profile",
        "get",
        lambda w, own: reverse("youth:youngperson_detail", args=[yp(w, own)]),
        ON_OWN_RECORD,
        ON_FOREIGN_RECORD,
    ),
    (
        "case",
        "get",
        lambda w, own: reverse("youth:case_detail", args=[case(w, own)]),
        ON_OWN_RECORD,
        ON_FOREIGN_RECORD,
    ),
    (
        "consent page",
        "get",
        lambda w, own: reverse("youth:consent", args=[yp(w, own)]),
        ON_OWN_RECORD,
        ON_FOREIGN_RECORD,
    ),
    (
        "consent decision",
        "post",
        lambda w, own: reverse("youth:consent_decide", args=[yp(w, own)]),
        expect(HIDDEN, young_person_user=REDIRECT, parent=REDIRECT, professional=FORBIDDEN, coordinator=FORBIDDEN),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "add guardian",
        "get",
        lambda w, own: reverse("youth:guardian_add", args=[yp(w, own)]),
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=FORBIDDEN, professional=OK, coordinator=OK),
        expect(HIDDEN, outsider=OK),
    ),
    (
        "who looked",
        "get",
        lambda w, own: reverse("youth:accesslog", args=[yp(w, own)]),
        expect(HIDDEN, young_person_user=OK, parent=OK, professional=FORBIDDEN, coordinator=FORBIDDEN),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "admin site",
        "get",
        # Django's admin sends non-staff to its login, which allauth guards: see test_security.
        lambda w, own: reverse("admin:index"),
        expect(REDIRECT, admin=OK),
        expect(REDIRECT, admin=OK),
    ),
]

CASES = role_matrix(VIEWS)


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), CASES)
def test_view_answers_each_role(
    world: World,
    client: Client,
    name: str,
    method: str,
    url: Callable[[World, bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    data = {"purpose": ConsentPurpose.DATA_PROCESSING, "decision": "give"} if method == "post" else None
    response = getattr(client, method)(url(world, own), data)
    assert response.status_code == expected


@pytest.mark.parametrize(("name", "method", "url"), [(v[0], v[1], v[2]) for v in VIEWS])
def test_anonymous_visitors_are_sent_to_login(
    world: World, client: Client, name: str, method: str, url: Callable[[World, bool], str]
) -> None:
    response = getattr(client, method)(url(world, True), follow=True)
    assert response.redirect_chain
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


@pytest.mark.parametrize("path_name", ["home", "youth:youngperson_list"])
def test_list_pages_use_the_same_number_of_queries_for_any_number_of_rows(
    world: World, client: Client, django_assert_num_queries: DjangoAssertNumQueries, path_name: str
) -> None:
    client.force_login(world.professional)
    client.get(reverse(path_name))  # warm the session and the per-process caches

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse(path_name)).status_code == 200
        return len(context.captured_queries)

    with_one = count_queries()
    for _ in range(6):
        assign(CaseFactory(organisation=world.organisation), world.professional)
    assert count_queries() == with_one
