from __future__ import annotations

from django.test import Client

from tests.conftest import PERSONAS, World


def test_every_persona_reaches_home(world: World, client: Client) -> None:
    for name in PERSONAS:
        client.force_login(world.by_role(name))
        response = client.get("/")
        assert response.status_code == 200, name
        client.logout()
