"""The access log as an app of its own (issue #24): its rows came over from accounts with their ids, `what` is no
database choice, and the database refuses to change a row on whichever database the suite runs on."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record_by
from accounts.models import Role, User
from tests.conftest import World

BEFORE_THE_MOVE = ("accounts", "0014_user_email_optional_phone_unique")
OLD_ID = 4242


def test_the_database_refuses_an_update_of_a_row_written_by_the_service(world: World) -> None:
    entry = accesslog_record_by(
        actor=world.professional,
        ip_address=None,
        young_person_id=world.young_person.pk,
        what=AccessLogEntry.What.PROFILE,
        basis=(Role.PROFESSIONAL, world.organisation.name),
    )
    table = connection.ops.quote_name(AccessLogEntry._meta.db_table)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_name = 'someone else' WHERE id = %s", [entry.pk])  # noqa: S608
    assert AccessLogEntry.objects.get(pk=entry.pk).actor_name == str(world.professional)


def test_what_is_no_database_choice_and_the_service_refuses_an_unknown_kind(world: World) -> None:
    assert not AccessLogEntry._meta.get_field("what").choices
    with pytest.raises(ValueError, match=r"accesslog\.whats"):
        accesslog_record_by(
            actor=world.professional,
            ip_address=None,
            young_person_id=world.young_person.pk,
            what="diary",
            basis=(Role.PROFESSIONAL, world.organisation.name),
        )
    assert not AccessLogEntry.objects.exists()


# Migrating back and forth takes a few seconds (the executor renders the project's model states): one test only.
@pytest.mark.django_db(transaction=True)
def test_a_row_of_the_old_table_is_found_in_the_new_one_with_its_id() -> None:
    actor = User.objects.create_user(email="analist@example.org", password=None, first_name="An", last_name="Alist")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([BEFORE_THE_MOVE])  # undoes accounts' 0015 (copy) and 0016 (old table removed)
    old_model = executor.loader.project_state([BEFORE_THE_MOVE]).apps.get_model("accounts", "AccessLogEntry")
    old_model.objects.create(
        id=OLD_ID, actor_id=actor.pk, actor_name="An Alist", actor_role=Role.ANALYST, action="view", what="insights"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    entry = AccessLogEntry.objects.get(pk=OLD_ID)
    assert (entry.actor, entry.what, entry.young_person, entry.actor_role) == (actor, "insights", None, Role.ANALYST)
    assert "accounts_accesslogentry" not in connection.introspection.table_names()
    # The id sequence continues after the copied rows, and the new table still refuses changes.
    later = AccessLogEntry.objects.create(actor=actor, actor_name="An Alist", action="view", what="insights")
    assert later.pk > OLD_ID
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AccessLogEntry._meta.db_table} SET what = 'case' WHERE id = %s", [OLD_ID])  # noqa: S608
