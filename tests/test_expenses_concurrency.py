"""On PostgreSQL: simultaneous claims by one volunteer never add up to more than the yearly maximum.

SQLite serialises all writes, so the race only exists (and the row lock only matters) on PostgreSQL.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Sum
from django.utils import timezone

from expenses import services
from expenses.models import ExpenseClaim
from tests.factories import VolunteerFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

THREADS = 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_claims_do_not_exceed_the_yearly_maximum() -> None:
    volunteer = VolunteerFactory()
    # Each claim fits alone (€ 500 of € 2.100); all five together would be € 2.500.
    start = threading.Barrier(THREADS)
    accepted: list[ExpenseClaim] = []
    refused: list[ValidationError] = []
    unexpected: list[BaseException] = []

    def claim() -> None:
        try:
            start.wait(timeout=10)
            accepted.append(
                services.claim_submit(
                    volunteer=volunteer,
                    date=timezone.localdate(),
                    kilometres=Decimal("0"),
                    costs=Decimal("500"),
                    description="Weekend weg",
                )
            )
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            unexpected.append(error)
        finally:
            # Each thread has its own connection; left open, it blocks dropping the test database.
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not unexpected, unexpected
    assert (len(accepted), len(refused)) == (4, 1)
    total = ExpenseClaim.objects.filter(volunteer=volunteer).aggregate(total=Sum("amount"))["total"]
    assert total == Decimal("2000.00") <= Decimal("2100.00")
