"""Every read of a young person's record is logged (NEN 7513), the log is append-only, and the young person sees it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesslog.models import AccessLogEntry
from accounts.models import Role
from tests.conftest import World
from tests.factories import add_guardian, user_with_role


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


def test_a_name_with_an_apostrophe_shows_as_written(world: World, client: Client) -> None:
    """Dutch names like "van 't Erve": the page escapes the apostrophe once, so the browser shows it as written."""
    world.professional.last_name = "van 't Erve"
    world.professional.save(update_fields=["last_name"])
    client.force_login(world.professional)
    client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk]))
    client.force_login(world.young_person_user)
    page = client.get(reverse("youth:accesslog", args=[world.young_person.pk])).content.decode()
    assert f"{world.professional.first_name} van &#x27;t Erve" in page
    assert "&amp;#x27;" not in page


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


# "Who looked at the data?" pages through every row, newest first, 50 a page.


def _viewers(world: World, count: int) -> None:
    """`count` rows about the young person, the newest last: "Kijker 001" is the oldest."""
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            actor=world.professional,
            actor_name=f"Kijker {n:03}",
            actor_role=Role.PROFESSIONAL,
            actor_organisation=world.organisation.name,
            young_person=world.young_person,
            action=AccessLogEntry.Action.VIEW,
            what=AccessLogEntry.What.PROFILE,
        )
        for n in range(1, count + 1)
    )


def _log_page(world: World, client: Client, page: str | None = None) -> tuple[int, str, list[str]]:
    client.force_login(world.young_person_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("youth:accesslog", args=[world.young_person.pk])
    response = client.get(url, {"pagina": page} if page is not None else {})
    body = response.content.decode()
    return response.status_code, body, re.findall(r"Kijker (\d{3})", body)


def _numbers(first: int, last: int) -> list[str]:
    return [f"{n:03}" for n in range(first, last - 1, -1)]


def test_the_first_page_shows_the_newest_fifty_and_links_to_the_next(world: World, client: Client) -> None:
    _viewers(world, 120)
    status, body, shown = _log_page(world, client)
    assert (status, shown) == (200, _numbers(120, 71))
    assert "Page 1 of 3" in body
    assert "The data were opened 120 times." in body
    assert 'href="?pagina=2" rel="next"' in body
    assert 'rel="prev"' not in body
    assert "This page does not exist" not in body


def test_a_middle_page_links_both_ways(world: World, client: Client) -> None:
    _viewers(world, 120)
    status, body, shown = _log_page(world, client, "2")
    assert (status, shown) == (200, _numbers(70, 21))
    assert "Page 2 of 3" in body
    assert 'href="?pagina=1" rel="prev"' in body
    assert 'href="?pagina=3" rel="next"' in body


def test_the_last_page_holds_the_oldest_rows(world: World, client: Client) -> None:
    _viewers(world, 120)
    status, body, shown = _log_page(world, client, "3")
    assert (status, shown) == (200, _numbers(20, 1))
    assert "Page 3 of 3" in body
    assert 'href="?pagina=2" rel="prev"' in body
    assert 'rel="next"' not in body


@pytest.mark.parametrize(
    ("asked", "shown_page"),
    [("9", 3), (str(10**30), 3), ("0", 1), ("-2", 1), ("abc", 1), ("", 1), ("2.5", 1), ("<b>", 1)],
)
def test_a_page_that_does_not_exist_says_so_and_shows_the_nearest(
    world: World, client: Client, asked: str, shown_page: int
) -> None:
    _viewers(world, 120)
    status, body, shown = _log_page(world, client, asked)
    assert status == 200
    assert f"This page does not exist. You see page {shown_page} of 3." in body
    assert shown == (_numbers(120, 71) if shown_page == 1 else _numbers(20, 1))
    assert "<b>" not in body


def test_an_empty_log_says_so_plainly_and_has_no_pages(world: World, client: Client) -> None:
    status, body, shown = _log_page(world, client)
    assert (status, shown) == (200, [])
    assert "Nobody has looked at the data yet." in body
    assert '<nav aria-label="Pages' not in body
    assert "This page does not exist" not in body
    status, body, _shown = _log_page(world, client, "4")
    assert status == 200
    assert "This page does not exist. You see page 1 of 1." in body


def test_one_page_has_no_links(world: World, client: Client) -> None:
    _viewers(world, 50)
    _status, body, shown = _log_page(world, client)
    assert shown == _numbers(50, 1)
    assert 'rel="next"' not in body
    assert 'rel="prev"' not in body


def test_the_log_takes_the_same_queries_for_any_number_of_rows(world: World, client: Client) -> None:
    _viewers(world, 3)
    _log_page(world, client)  # the session and per-process caches

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            status, _body, _shown = _log_page(world, client, "1")
            assert status == 200
        return len(context.captured_queries)

    few = count()
    _viewers(world, 200)
    assert count() == few


@pytest.mark.parametrize(
    ("reader", "expected"),
    [("young_person_user", 200), ("parent", 200), ("parent_without_custody", 404), ("professional", 403)],
)
def test_only_the_young_person_and_a_parent_with_custody_read_the_log(
    world: World, client: Client, reader: str, expected: int
) -> None:
    _viewers(world, 60)
    if reader == "parent_without_custody":
        user = user_with_role(Role.PARENT, first_name="Joost")
        add_guardian(world.young_person, user, custody=False)
    else:
        user = world.by_role(reader)
    client.force_login(user)
    for page in ("1", "2"):
        response = client.get(reverse("youth:accesslog", args=[world.young_person.pk]), {"pagina": page})
        assert response.status_code == expected
        assert ("Kijker" in response.content.decode()) == (expected == 200)
    # Someone else's log is not there for anyone of them.
    assert client.get(reverse("youth:accesslog", args=[world.foreign_young_person.pk])).status_code in (403, 404)


def test_the_young_person_reads_about_their_own_data_and_a_parent_about_the_childs(
    world: World, client: Client
) -> None:
    """In Dutch, the default: a young person is spoken to as "you" on their home page and on the log; a parent
    reads the child's name."""
    client.force_login(world.young_person_user)
    home = client.get(reverse("home")).content.decode()
    assert "Wie keek er naar jouw gegevens?" in home
    log = client.get(reverse("youth:accesslog", args=[world.young_person.pk])).content.decode()
    assert "<h1>Wie keek er naar jouw gegevens?</h1>" in log
    assert "Hier zie je wie jouw gegevens heeft bekeken" in log
    client.force_login(world.parent)
    assert "jouw gegevens" not in client.get(reverse("home")).content.decode()
    log = client.get(reverse("youth:accesslog", args=[world.young_person.pk])).content.decode()
    assert "<h1>Wie heeft de gegevens bekeken?</h1>" in log
    assert f"wie de gegevens van {world.young_person.first_name} heeft bekeken" in log
