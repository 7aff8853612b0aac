"""On PostgreSQL: twenty stays for twenty children ask for the one bed of an option on the same nights, and
twenty coordinators' confirmations arrive at the same moment. Exactly one may win; the others hear that there is
no bed and can go on the waiting list. And lowering an option's beds while a stay is confirmed never leaves more
confirmed stays than beds.

SQLite serialises all writes, so the race only exists (and the option's row lock only matters) on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone, translation

from accounts.models import Role
from respite import services
from respite.models import RespiteOption, Stay
from tests.factories import CaseFactory, OrganisationFactory, assign, user_with_role, with_consents

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
        coordinator=coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Logeerhuis met één bed",
        beds_per_night=1,
    )
    arrival = timezone.localdate() + timedelta(days=7)
    stays = [
        services.stay_request(
            actor=professional,
            option=option,
            case=assign(with_consents(CaseFactory(organisation=organisation)), professional),
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
                # Connect before the barrier: opening twenty connections takes long enough to spread the threads
                # out, and then the test would pass without the option's row lock too.
                connection.ensure_connection()
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


ROUNDS = 10


def _race(actions: dict[str, Callable[[], object]]) -> tuple[dict[str, ValidationError], list[BaseException]]:
    """Run the actions in threads that start at the same moment; the ValidationErrors by action, and anything else."""
    start = threading.Barrier(len(actions))
    refused: dict[str, ValidationError] = {}
    unexpected: list[BaseException] = []

    def run(name: str, action: Callable[[], object]) -> None:
        try:
            with translation.override("en"):
                connection.ensure_connection()  # before the barrier, as above
                start.wait(timeout=10)
                action()
        except ValidationError as error:
            refused[name] = error
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return refused, unexpected


@pytest.mark.django_db(transaction=True)
def test_lowering_the_beds_while_a_stay_is_confirmed_never_leaves_more_stays_than_beds() -> None:
    """Each round: an option with two beds, one stay confirmed and a second asked for on the same nights. One
    coordinator lowers the beds to 1 while another confirms the second stay, at the same moment. Whichever comes
    first wins and the other is refused with its message; never two confirmed stays in one bed."""
    organisation = OrganisationFactory()
    coordinator = user_with_role(Role.COORDINATOR, organisation)
    colleague = user_with_role(Role.COORDINATOR, organisation)
    professional = user_with_role(Role.PROFESSIONAL, organisation)
    arrival = timezone.localdate() + timedelta(days=7)
    for round_ in range(ROUNDS):
        option = services.respiteoption_create(
            actor=coordinator,
            organisation=organisation,
            coordinator=coordinator,
            kind=RespiteOption.Kind.STAY_HOUSE,
            name=f"Logeerhuis {round_}",
            beds_per_night=2,
        )
        first, second = (
            services.stay_request(
                actor=professional,
                option=option,
                case=assign(with_consents(CaseFactory(organisation=organisation)), professional),
                arrival=arrival,
                departure=arrival + timedelta(days=2),
            )
            for _ in range(2)
        )
        services.stay_confirm(actor=coordinator, stay=first)

        refused, unexpected = _race(
            {
                "lower": partial(services.respiteoption_update, actor=colleague, option=option, beds_per_night=1),
                "confirm": partial(services.stay_confirm, actor=coordinator, stay=second),
            }
        )

        assert not unexpected, unexpected
        option.refresh_from_db()
        confirmed = Stay.objects.filter(option=option, status=Stay.Status.CONFIRMED).count()
        # Both stays are on the same nights, so the confirmed count is the count on each night.
        assert confirmed <= option.beds_per_night
        assert len(refused) == 1, refused  # exactly one of the two went through
        if "lower" in refused:
            assert (option.beds_per_night, confirmed) == (2, 2)
            assert "2 children are already staying here" in refused["lower"].message_dict["beds_per_night"][0]
        else:
            assert (option.beds_per_night, confirmed) == (1, 1)
            assert refused["confirm"].code == "full"
