"""On PostgreSQL: twenty stays for twenty children ask for the one bed of an option on the same nights, and
twenty coordinators' confirmations arrive at the same moment. Exactly one may win; the others hear that there is
no bed and can go on the waiting list.

SQLite serialises all writes, so the race only exists (and the option's row lock only matters) on PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone, translation

from accounts.models import Role
from hostfamilies import respite_services as services
from hostfamilies.models import RespiteOption, Stay
from tests.factories import CaseFactory, OrganisationFactory, assign, user_with_role

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirmations_never_exceed_the_beds() -> None:
    organisation = OrganisationFactory()
    coordinator = user_with_role(Role.COORDINATOR, organisation)
    professional = user_with_role(Role.PROFESSIONAL, organisation)
    option = services.respiteoption_create(
        actor=coordinator,
        organisation=organisation,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis met één bed",
        beds_per_night=1,
    )
    arrival = timezone.localdate() + timedelta(days=7)
    stays = [
        services.stay_request(
            actor=professional,
            option=option,
            case=assign(CaseFactory(organisation=organisation), professional),
            arrival=arrival,
            departure=arrival + timedelta(days=2),
        )
        for _ in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    confirmed: list[Stay] = []
    refused: list[tuple[Stay, ValidationError]] = []
    unexpected: list[BaseException] = []

    def confirm(stay: Stay) -> None:
        try:
            with translation.override("en"):
                start.wait(timeout=10)
                confirmed.append(services.stay_confirm(actor=coordinator, stay=stay))
        except ValidationError as error:
            refused.append((stay, error))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            unexpected.append(error)
        finally:
            # Each thread has its own connection; left open, it blocks dropping the test database.
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(stay,)) for stay in stays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not unexpected, unexpected
    assert (len(confirmed), len(refused)) == (1, THREADS - 1)
    assert Stay.objects.filter(option=option, status=Stay.Status.CONFIRMED).count() == 1
    for stay, error in refused:
        assert error.code == "full"
        assert "There is no bed left on" in error.messages[0]
        assert services.stay_wait(actor=coordinator, stay=stay).status == Stay.Status.WAITING
    assert Stay.objects.filter(option=option, status=Stay.Status.WAITING).count() == THREADS - 1
