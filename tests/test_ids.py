"""Ids from outside past the database's range (core/ids.py): which lookups Django answers itself, and where the one
guard is needed. Runs on SQLite and on PostgreSQL (DATABASE_URL) and states what each does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.ids import MAX_ID, id_clamped, id_in_range
from messaging.models import Member
from messaging.selectors import conversation_access_of, memberships_current
from tests.conftest import World
from youth.models import NetworkPerson, YoungPerson
from youth.network.services import mentorchoice_set, networkperson_add

TOO_BIG = [MAX_ID + 1, 2**64, -(2**63) - 1]


def test_the_range_is_a_bigint() -> None:
    assert id_in_range(1) and id_in_range(MAX_ID) and id_in_range(2**31)
    assert not id_in_range(0) and not id_in_range(-1) and not id_in_range(MAX_ID + 1)
    assert [id_clamped(v) for v in (-5, 0, 7, MAX_ID, MAX_ID + 1, 2**80)] == [0, 0, 7, MAX_ID, MAX_ID, MAX_ID]


@pytest.mark.parametrize("value", TOO_BIG)
def test_django_answers_an_out_of_range_pk_itself(world: World, value: int) -> None:
    """`pk=`, `pk__gt` and `pk__lte` need no guard: past the top nothing is greater and everything is smaller."""
    everyone = set(YoungPerson.objects.values_list("pk", flat=True))
    assert everyone
    assert not YoungPerson.objects.filter(pk=value).exists()
    above = set(YoungPerson.objects.filter(pk__gt=value).values_list("pk", flat=True))
    below = set(YoungPerson.objects.filter(pk__lte=value).values_list("pk", flat=True))
    assert (above, below) == ((set(), everyone) if value > 0 else (everyone, set()))


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", ["pk__in", "conversation_id__in", "conversation_id", "conversation"])
@pytest.mark.parametrize("value", TOO_BIG)
def test_an_in_list_or_a_foreign_key_with_an_out_of_range_id(lookup: str, value: int) -> None:
    """Not guarded by Django: PostgreSQL answers with nothing, SQLite refuses the number (hence core.ids)."""
    found = Member.objects.filter(**{lookup: [value] if lookup.endswith("__in") else value})
    if connection.vendor == "sqlite":
        with pytest.raises(OverflowError):
            list(found)
    else:
        assert list(found) == []


def test_a_forged_choice_past_the_range_is_not_in_the_network(world: World) -> None:
    karin = networkperson_add(
        actor=world.professional,
        young_person=world.young_person,
        first_name="Karin",
        relation=NetworkPerson.Relation.FAMILY,
        closeness=1,
        trusted=True,
    )
    for forged in (MAX_ID + 1, 2**31, 0):
        with pytest.raises(ValidationError, match="eigen netwerk"):
            mentorchoice_set(
                actor=world.young_person_user, young_person=world.young_person, person_ids=[karin.pk, forged]
            )


@pytest.mark.parametrize("value", TOO_BIG)
def test_messaging_reads_past_the_range_find_nothing(world: World, value: int) -> None:
    user = world.young_person_user
    assert memberships_current({(user.pk, value)}) == set()
    assert conversation_access_of(user, value) is None


@pytest.mark.parametrize(
    ("name", "extra"),
    [("mentors:detail", []), ("mentors:nominate", []), ("messaging:detail", []), ("messaging:report", [MAX_ID + 1])],
)
def test_pages_with_an_id_past_the_range_answer_not_found(
    world: World, client: Client, name: str, extra: list[int]
) -> None:
    client.force_login(world.professional)
    url = reverse(name, args=[MAX_ID + 1, *extra])
    response = client.post(url) if extra else client.get(url)
    assert response.status_code == 404
