"""Every sociale kaart view, for every persona, on an entry of their own organisation and on a foreign one.

Professionals, coordinators and screened social brokers read the whole directory (public information about
organisations), so "foreign" differs only where writing starts: changing or checking another organisation's entry
is 403 ("you may see it, not change it", DESIGN.md). Everyone else gets 403 on every page, whatever the entry:
the directory is not theirs to use here (a family gets the printed overview). Import and export are for
coordinators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from community.models import Resource
from tests.builders.community import data, entry, social_broker
from tests.conftest import World
from tests.permissions import FORBIDDEN, OK, REDIRECT, expect, role_matrix

READERS = expect(FORBIDDEN, professional=OK, coordinator=OK, outsider=OK)
COORDINATOR_ONLY = expect(FORBIDDEN, coordinator=OK)
NOBODY = expect(FORBIDDEN)

Url = Callable[[dict[bool, Resource], bool], str]


def on(name: str) -> Url:
    return lambda entries, own: reverse(name, args=[entries[own].pk])


def fixed(name: str) -> Url:
    return lambda entries, own: reverse(name)


def form(world: World) -> dict[str, Any]:
    values = data()
    posted: dict[str, Any] = {k: v for k, v in values.items() if k not in ("municipality",)}
    municipality = values["municipality"]
    assert municipality is not None
    posted |= {"municipality": municipality.pk, "organisation": world.organisation.pk}
    return posted


def csv_upload(world: World) -> dict[str, Any]:
    content = b"naam;categorie;omschrijving;plaats;telefoon\nClub;other;Iets.;Leiden;071-5550100"
    return {"organisation": world.organisation.pk, "file": SimpleUploadedFile("k.csv", content)}


# (view, method, url, POST data from the world, codes on the own entry, codes on the foreign entry)
VIEWS: list[tuple[str, str, Url, Callable[[World], dict[str, Any]] | None, dict[str, int], dict[str, int]]] = [
    ("index", "get", fixed("community:index"), None, READERS, READERS),
    ("search", "get", fixed("community:search"), None, READERS, READERS),
    ("detail", "get", on("community:detail"), None, READERS, READERS),
    ("print", "get", lambda e, own: f"{reverse('community:print')}?id={e[own].pk}", None, READERS, READERS),
    ("create page", "get", fixed("community:create"), None, COORDINATOR_ONLY, COORDINATOR_ONLY),
    (
        "create",
        "post",
        fixed("community:create"),
        form,
        expect(FORBIDDEN, coordinator=REDIRECT),
        expect(FORBIDDEN, coordinator=REDIRECT),
    ),
    ("update page", "get", on("community:update"), None, COORDINATOR_ONLY, NOBODY),
    ("update", "post", on("community:update"), form, expect(FORBIDDEN, coordinator=REDIRECT), NOBODY),
    ("mark checked", "post", on("community:mark_checked"), None, expect(FORBIDDEN, coordinator=REDIRECT), NOBODY),
    ("import page", "get", fixed("community:import"), None, COORDINATOR_ONLY, COORDINATOR_ONLY),
    (
        "import",
        "post",
        fixed("community:import"),
        csv_upload,
        expect(FORBIDDEN, coordinator=REDIRECT),
        expect(FORBIDDEN, coordinator=REDIRECT),
    ),
    ("export", "get", fixed("community:export"), None, COORDINATOR_ONLY, COORDINATOR_ONLY),
]


@pytest.fixture
def entries(world: World) -> dict[bool, Resource]:
    return {True: entry(world.organisation, name="Eigen club"), False: entry(world.other_organisation, name="Andere")}


@pytest.mark.parametrize(("view", "method", "url", "post", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    client: Client,
    entries: dict[bool, Resource],
    view: str,
    method: str,
    url: Url,
    post: Callable[[World], dict[str, Any]] | None,
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    payload = post(world) if post else {}
    response = getattr(client, method)(url(entries, own), payload)
    assert response.status_code == expected


BROKER_VIEWS = [
    ("index", "get", fixed("community:index"), OK, OK),
    ("detail", "get", on("community:detail"), OK, OK),
    ("update page", "get", on("community:update"), OK, FORBIDDEN),
    ("mark checked", "post", on("community:mark_checked"), REDIRECT, FORBIDDEN),
    ("create page", "get", fixed("community:create"), OK, OK),
    ("import page", "get", fixed("community:import"), FORBIDDEN, FORBIDDEN),
    ("export", "get", fixed("community:export"), FORBIDDEN, FORBIDDEN),
]


@pytest.mark.parametrize(
    ("view", "method", "url", "on_own", "on_foreign"), BROKER_VIEWS, ids=[v[0] for v in BROKER_VIEWS]
)
def test_a_screened_social_broker_keeps_the_entries_of_their_organisation(
    world: World,
    client: Client,
    entries: dict[bool, Resource],
    view: str,
    method: str,
    url: Url,
    on_own: int,
    on_foreign: int,
) -> None:
    broker = social_broker(world.organisation)
    client.force_login(broker.user)
    assert getattr(client, method)(url(entries, True)).status_code == on_own
    assert getattr(client, method)(url(entries, False)).status_code == on_foreign


@pytest.mark.parametrize(
    ("view", "method", "url", "on_own", "on_foreign"), BROKER_VIEWS, ids=[v[0] for v in BROKER_VIEWS]
)
def test_a_broker_without_screening_gets_nothing(
    world: World,
    client: Client,
    entries: dict[bool, Resource],
    view: str,
    method: str,
    url: Url,
    on_own: int,
    on_foreign: int,
) -> None:
    broker = social_broker(world.organisation, screened=False)
    client.force_login(broker.user)
    assert getattr(client, method)(url(entries, True)).status_code == FORBIDDEN


@pytest.mark.parametrize("view", VIEWS, ids=[v[0] for v in VIEWS])
def test_anonymous_visitors_are_sent_to_login(
    client: Client, entries: dict[bool, Resource], view: tuple[Any, ...]
) -> None:
    _name, method, url, *_rest = view
    response = getattr(client, method)(url(entries, True))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_an_unknown_entry_is_404_for_readers(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    assert client.get(reverse("community:detail", args=[999999])).status_code == 404
    assert client.post(reverse("community:mark_checked", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("professional", True), ("coordinator", True), ("outsider", True), ("parent", False), ("analyst", False)],
)
def test_the_menu_shows_the_sociale_kaart_to_those_who_may_use_it(
    world: World, client: Client, persona: str, shown: bool
) -> None:
    client.force_login(world.by_role(persona))
    # The href exactly: the activities' link (shown to parents too) starts with the same path.
    assert (f'href="{reverse("community:index")}"' in client.get(reverse("home")).content.decode()) is shown


def test_the_menu_shows_the_sociale_kaart_to_a_broker_not_to_other_volunteers(world: World, client: Client) -> None:
    client.force_login(world.volunteer)
    assert f'href="{reverse("community:index")}"' not in client.get(reverse("home")).content.decode()
    broker = social_broker(world.organisation)
    client.force_login(broker.user)
    assert f'href="{reverse("community:index")}"' in client.get(reverse("home")).content.decode()
