"""Who may see figures about groups, and that an analyst reaches no page about a person anywhere in the project.

The insights pages have no object of their own: "own" and "foreign" are the same page, so both columns of the
matrix are equal. Analysts (their region) and coordinators (their organisation) see them; everyone else gets 403.

The sweep walks the URL resolver: every named URL of the project's own apps that takes a parameter (a pk of a
young person, case, mentorship, request, match, stay, volunteer, …, or a token) is opened by the analyst with the
id of every person-level object that exists, and must answer 403, 404 or 405. Pages without a parameter may
answer, but must not name the young people.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mentors.models import Mentorship
from respite import services as respite_services
from respite.models import RespiteOption
from tests.builders.hostfamilies import request_for, support_family
from tests.conftest import World
from tests.permissions import FORBIDDEN, OK, expect, role_matrix
from youth.models import NetworkPerson

INSIGHTS = expect(FORBIDDEN, analyst=OK, coordinator=OK)
VIEWS = [
    ("insights:dashboard", INSIGHTS, INSIGHTS),
    ("insights:report", INSIGHTS, INSIGHTS),
    ("insights:export", INSIGHTS, INSIGHTS),
]


@pytest.mark.parametrize(("name", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World, client: Client, name: str, persona: str, own: bool, expected: int
) -> None:
    client.force_login(world.by_role(persona))
    assert client.get(reverse(name)).status_code == expected
    # Bad filters never make a 500.
    assert client.get(reverse(name), {"from": "x", "to": "2025-Q7", "area": "’", "basis": "?"}).status_code == expected


@pytest.mark.parametrize("name", [view[0] for view in VIEWS])
def test_anonymous_visitors_are_sent_to_login(client: Client, db: None, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# ---------------------------------------------------------------------------------------------------------------
# The sweep

PROJECT_NAMESPACES = {"youth", "volunteers", "training", "hostfamilies", "respite", "expenses", "mentors", "matching"}
PROJECT_NAMESPACES |= {"messaging", "insights", "community"}


def named_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern | URLResolver, list[str]]]:
    """(full name, pattern, parameter names) for every named URL below the resolver."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from named_patterns(entry, inner)
        elif entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name, entry, list(entry.pattern.regex.groupindex)


def project_urls() -> list[tuple[str, list[str]]]:
    return [
        (name, params)
        for name, _pattern, params in named_patterns()
        if name.split(":")[0] in PROJECT_NAMESPACES and ":" in name
    ]


@pytest.fixture
def people_everywhere(world: World) -> list[int]:
    """A person-level object of every kind the world needs, and the ids they have (the ids the sweep tries).

    Requests for a social broker (community.BrokerRequest) are counted in the figures, but have no page of their
    own yet (no URL takes their pk), so there is nothing to sweep for them; when they get pages, add one here."""
    host = support_family(world.organisation, world.coordinator, user=world.volunteer)
    from hostfamilies import services

    match = services.match_propose(actor=world.coordinator, request=request_for(world), volunteer=host)
    option = respite_services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis",
        beds_per_night=1,
        age_min=4,
        age_max=17,
    )
    person = NetworkPerson.objects.create(
        young_person=world.young_person,
        first_name="Karin",
        relation="family",
        closeness=1,
        trusted=True,
        added_by=world.professional,
    )
    mentorship = Mentorship.objects.create(
        young_person=world.young_person, case=world.case, nominee_name="Karin", nominated_by=world.professional
    )
    ids = {world.young_person.pk, world.foreign_young_person.pk, world.case.pk, world.foreign_case.pk}
    ids |= {host.pk, match.pk, match.request_id, option.pk, person.pk, mentorship.pk}
    return sorted(ids)


def test_the_resolver_has_person_level_urls_to_sweep(db: None) -> None:
    names = {name for name, params in project_urls() if params}
    assert {"youth:youngperson_detail", "youth:case_detail", "mentors:detail", "hostfamilies:match_detail"} <= names
    assert {"respite:stay_detail", "volunteers:detail"} <= names


def _id_combinations(params: list[str], ids: list[int]) -> set[tuple[Any, ...]]:
    """The values to try in a URL's parameters (a token gets a made-up one). One id parameter: every id. Two or more:
    every id in every place, the other places holding the same id or the next one; all n² pairs took a minute."""
    nexts = dict(zip(ids, ids[1:] + ids[:1], strict=True))
    combinations = set()
    for place in range(len(params)):
        for value in ids:
            for other in (value, nexts[value]):
                combinations.add(
                    tuple(
                        "x" * 20 if "token" in param else value if i == place else other
                        for i, param in enumerate(params)
                    )
                )
    return combinations


@pytest.mark.parametrize("namespace", sorted(PROJECT_NAMESPACES))
def test_an_analyst_reaches_no_person_level_page(
    world: World, client: Client, people_everywhere: list[int], namespace: str
) -> None:
    # One test per app, so the two test processes share the sweep.
    client.force_login(world.analyst)
    tried = 0
    for name, params in project_urls():
        if not params or name.split(":")[0] != namespace:
            continue
        for values in _id_combinations(params, people_everywhere):
            url = reverse(name, kwargs=dict(zip(params, values, strict=True)))
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                assert status in (403, 404, 405), f"{method.upper()} {name} {values}: {status}"
                tried += 1
    urls = [name for name, params in project_urls() if params and name.split(":")[0] == namespace]
    assert tried >= 2 * len(urls)


def test_no_page_without_a_parameter_names_a_young_person_to_an_analyst(world: World, client: Client) -> None:
    client.force_login(world.analyst)
    names = [world.young_person.first_name, world.young_person.last_name, world.foreign_young_person.last_name]
    for name, params in [*project_urls(), ("home", [])]:
        if params:
            continue
        response = client.get(reverse(name))
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            text = response.content.decode()
            assert not any(n in text for n in names), name
