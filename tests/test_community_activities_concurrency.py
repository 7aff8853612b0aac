"""On PostgreSQL: twenty families ask for the last place of a group activity at the same moment. Exactly one gets
it; the nineteen others hear that the activity is full, and the activity never holds more families than places.

SQLite serialises all writes, so the race only exists (and the activity's row lock only matters) on PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone, translation

from accounts.models import Role
from community.activities import services
from community.brokers import services as broker_services
from community.models import ActivitySignUp
from tests.factories import CaseFactory, OrganisationFactory, assign, ready_volunteer, user_with_role, with_consents
from volunteers.models import VolunteerKind
from youth.models import Case

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_families_for_the_last_place_one_gets_it() -> None:
    organisation = OrganisationFactory()
    coordinator = user_with_role(Role.COORDINATOR, organisation)
    professional = user_with_role(Role.PROFESSIONAL, organisation)
    # Each of the twenty linked families takes one of the broker's places.
    broker = ready_volunteer(organisation, kinds=[VolunteerKind.SOCIAL_BROKER], capacity=25)
    starts = timezone.now() + timedelta(days=3)

    def linked_case() -> Case:
        case = assign(with_consents(CaseFactory(organisation=organisation)), professional)
        request = broker_services.brokerrequest_ask(user=professional, case=case, purpose="Een oudergroep")
        broker_services.brokerrequest_link(user=coordinator, request=request, broker=broker)
        return case

    activity = services.groupactivity_create(
        actor=broker.user,
        organisation=organisation,
        data={
            "title": "Voorleesclub",
            "description": "Samen lezen.",
            "place": "Bibliotheek",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=1),
            "places": 2,
            "age_min": None,
            "age_max": None,
        },
    )
    services.activitysignup_create(actor=professional, activity=activity, case=linked_case())
    cases = [linked_case() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    signed_up: list[ActivitySignUp] = []
    refused: list[ValidationError] = []
    unexpected: list[BaseException] = []

    def sign_up(case: Case) -> None:
        try:
            with translation.override("en"):
                # Connect before the barrier: otherwise opening twenty connections spreads the threads out so
                # far that they seldom meet in the short locked part, and the test would pass without the lock.
                connection.ensure_connection()
                start.wait(timeout=10)
                signed_up.append(services.activitysignup_create(actor=professional, activity=activity, case=case))
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            unexpected.append(error)
        finally:
            # Each thread has its own connection; left open, it blocks dropping the test database.
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not unexpected, unexpected
    assert (len(signed_up), len(refused)) == (1, THREADS - 1)
    for error in refused:
        assert error.code == "full"
        assert error.messages == ["This activity is full: there is no place left."]
    assert ActivitySignUp.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 2
