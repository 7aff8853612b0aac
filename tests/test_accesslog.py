"""Every read of a young person's record is logged (NEN 7513), the log is append-only, and the young person sees it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import AccessLogEntry, Role
from tests.conftest import World


@pytest.mark.parametrize(
    ("view", "what"),
    [
        ("youth:youngperson_detail", AccessLogEntry.What.PROFILE),
        ("youth:consent", AccessLogEntry.What.CONSENT),
        ("youth:case_detail", AccessLogEntry.What.CASE),
    ],
)
def test_a_professional_reading_a_record_is_logged(world: World, client: Client, view: str, what: str) -> None:
    client.force_login(world.professional)
    pk = world.case.pk if view == "youth:case_detail" else world.young_person.pk
    client.get(reverse(view, args=[pk]), REMOTE_ADDR="192.0.2.7")
    entry = AccessLogEntry.objects.get()
    assert entry.actor == world.professional
    assert entry.young_person == world.young_person
    assert (entry.actor_role, entry.actor_organisation) == (Role.PROFESSIONAL, world.organisation.name)
    assert (entry.action, entry.what, entry.ip_address) == (AccessLogEntry.Action.VIEW, what, "192.0.2.7")


def test_a_coordinator_is_logged_as_coordinator(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk]))
    assert AccessLogEntry.objects.get().actor_role == Role.COORDINATOR


def test_refused_reads_write_nothing(world: World, client: Client) -> None:
    client.force_login(world.outsider)
    assert client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_the_young_person_and_parent_see_who_looked(world: World, client: Client) -> None:
    client.force_login(world.professional)
    client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk]))
    for reader in (world.young_person_user, world.parent):
        client.force_login(reader)
        page = client.get(reverse("youth:accesslog", args=[world.young_person.pk])).content.decode()
        assert world.professional.get_full_name() in page
        assert world.organisation.name in page


def test_rows_cannot_be_changed_or_removed_by_the_application(world: World, client: Client) -> None:
    client.force_login(world.professional)
    client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk]))
    entry = AccessLogEntry.objects.get()
    entry.what = AccessLogEntry.What.CASE
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(what="case")
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.all().delete()


def test_the_database_refuses_to_change_a_row(world: World, client: Client) -> None:
    client.force_login(world.professional)
    client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk]))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AccessLogEntry._meta.db_table} SET what = 'case'")  # noqa: S608
    assert AccessLogEntry.objects.get().what == AccessLogEntry.What.PROFILE


@pytest.mark.parametrize("view", ["home", "youth:youngperson_list"])
def test_names_shown_in_a_staff_list_are_logged_as_reads(world: World, client: Client, view: str) -> None:
    client.force_login(world.coordinator)
    client.get(reverse(view))
    entry = AccessLogEntry.objects.get()
    assert (entry.young_person, entry.what, entry.actor_role) == (
        world.young_person,
        AccessLogEntry.What.LIST,
        Role.COORDINATOR,
    )
    assert entry.actor_organisation == world.organisation.name


def test_a_parents_home_page_is_not_a_read_by_someone_else(world: World, client: Client) -> None:
    client.force_login(world.parent)
    client.get(reverse("home"))
    assert not AccessLogEntry.objects.exists()
