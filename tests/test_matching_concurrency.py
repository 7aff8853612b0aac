"""On PostgreSQL: five coordinators show the same support family to five families at the same moment, with a limit
of one open proposal per volunteer. Exactly one family may see it.

SQLite serialises all writes, so the race only exists (and the row lock only matters) on PostgreSQL.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts.models import Role
from hostfamilies.services import supportrequest_create
from matching import services
from matching.models import Proposal, ProposalStatus
from tests.builders.hostfamilies import ready_family
from tests.factories import CaseFactory, OrganisationFactory, user_with_role

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

THREADS = 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_rounds_never_exceed_the_open_proposal_limit(settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_PROPOSALS = 1
    organisation = OrganisationFactory()
    coordinators = [user_with_role(Role.COORDINATOR, organisation) for _ in range(THREADS)]
    family = ready_family(organisation)
    requests = [
        supportrequest_create(
            actor=coordinator, case=CaseFactory(organisation=organisation), organisation=organisation, what_for="Rust"
        )
        for coordinator in coordinators
    ]
    # Every round suggested before any was shown, so each has the family among its suggestions.
    for coordinator, request in zip(coordinators, requests, strict=True):
        assert [
            p.volunteer_id for p in services.proposal_round_suggest(actor=coordinator, support_request=request)
        ] == [family.pk]
    start = threading.Barrier(THREADS)
    shown: list[Proposal] = []
    refused: list[ValidationError] = []
    unexpected: list[BaseException] = []

    def show(index: int) -> None:
        try:
            start.wait(timeout=10)
            shown.extend(services.proposal_round_show(actor=coordinators[index], support_request=requests[index]))
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=show, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not unexpected, unexpected
    assert (len(shown), len(refused)) == (1, THREADS - 1)
    assert Proposal.objects.filter(volunteer=family, status=ProposalStatus.SHOWN).count() == 1
