"""Respite moved out of hostfamilies into its own app (issue #24) without losing a row: a database that holds an
option, a stay and a calendar feed at the old state (hostfamilies 0005) is migrated forward and respite finds them,
in tables with respite's names."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from respite.models import HostCalendarFeed, RespiteOption, Stay
from tests.factories import CaseFactory, OrganisationFactory, VolunteerFactory

OLD_STATE = ("hostfamilies", "0005_introduction_visits")
BEFORE: list[tuple[str, str | None]] = [OLD_STATE, ("respite", None)]
OLD_TABLES = {"hostfamilies_respiteoption", "hostfamilies_hostcalendarfeed", "hostfamilies_stay"}
NEW_TABLES = {"respite_respiteoption", "respite_hostcalendarfeed", "respite_stay"}


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader that sees what is applied now


def _tables() -> set[str]:
    return set(connection.introspection.table_names()) & (OLD_TABLES | NEW_TABLES)


@pytest.mark.django_db(transaction=True)
def test_stays_made_in_hostfamilies_are_found_in_respite() -> None:
    organisation = OrganisationFactory()
    case = CaseFactory(organisation=organisation)
    volunteer = VolunteerFactory()
    ContentType.objects.get_for_model(Stay)  # the content type made by the current state, which follows the model

    executor = _migrate(BEFORE)
    try:
        old = executor.loader.project_state(OLD_STATE).apps
        assert _tables() == OLD_TABLES
        option = old.get_model("hostfamilies", "RespiteOption").objects.create(
            kind="stay_house", name="Logeerhuis De Linde", organisation_id=organisation.pk, beds_per_night=2
        )
        stay = old.get_model("hostfamilies", "Stay").objects.create(
            option=option, case_id=case.pk, arrival=date(2026, 5, 1), departure=date(2026, 5, 3), status="confirmed"
        )
        feed = old.get_model("hostfamilies", "HostCalendarFeed").objects.create(
            volunteer_id=volunteer.pk, token="t" * 43
        )
        assert ContentType.objects.filter(app_label="hostfamilies", model="stay").exists()
    finally:
        _migrate(executor.loader.graph.leaf_nodes())  # the other tests need the database as it is now
    assert _tables() == NEW_TABLES
    moved = Stay.objects.select_related("option").get(pk=stay.pk)
    assert (moved.option.name, moved.option.organisation_id) == ("Logeerhuis De Linde", organisation.pk)
    assert moved.case_id == case.pk
    assert (moved.arrival, moved.departure, moved.status) == (date(2026, 5, 1), date(2026, 5, 3), Stay.Status.CONFIRMED)
    assert RespiteOption.objects.get(pk=option.pk).stays.get() == moved
    assert HostCalendarFeed.objects.get(pk=feed.pk).volunteer_id == volunteer.pk
    assert ContentType.objects.filter(app_label="respite", model="stay").exists()
    assert not ContentType.objects.filter(app_label="hostfamilies", model="stay").exists()
