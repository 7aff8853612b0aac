"""On PostgreSQL: five coordinators propose the same support family with one place left, at the same moment, to
five families. Exactly one proposal may win.

SQLite serialises all writes, so the race only exists (and the row lock only matters) on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts.models import Role
from hostfamilies import services
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from tests.builders.hostfamilies import support_family
from tests.factories import CaseFactory, OrganisationFactory, user_with_role, with_consents

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

THREADS = 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_proposals_never_exceed_the_capacity() -> None:
    organisation = OrganisationFactory()
    coordinators = [user_with_role(Role.COORDINATOR, organisation) for _ in range(THREADS)]
    host = support_family(organisation, coordinators[0], capacity=1)
    requests = [
        services.supportrequest_create(
            actor=coordinator,
            case=with_consents(CaseFactory(organisation=organisation)),
            organisation=organisation,
            what_for="Weekendrust",
        )
        for coordinator in coordinators
    ]
    start = threading.Barrier(THREADS)
    accepted: list[SupportFamilyMatch] = []
    refused: list[ValidationError] = []
    unexpected: list[BaseException] = []

    def propose(index: int) -> None:
        try:
            start.wait(timeout=10)
            accepted.append(services.match_propose(actor=coordinators[index], request=requests[index], volunteer=host))
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            unexpected.append(error)
        finally:
            # Each thread has its own connection; left open, it blocks dropping the test database.
            connections.close_all()

    threads = [threading.Thread(target=propose, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not unexpected, unexpected
    assert (len(accepted), len(refused)) == (1, THREADS - 1)
    assert SupportFamilyMatch.objects.filter(volunteer=host).count() == 1
    statuses = sorted(SupportRequest.objects.values_list("status", flat=True))
    assert statuses == ["matched"] + ["waiting"] * (THREADS - 1)
