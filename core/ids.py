"""The one guard for ids that come from outside (a URL, a form, a socket's frame) before they reach a lookup that
Django does not guard itself.

Django 5.2 answers an out-of-range integer in `pk=`, `__gt`, `__gte`, `__lt` and `__lte` on the field itself with
nothing (or everything, for `__lt`/`__lte`), so those need no guard. It does not guard `__in` lists nor the exact
lookup through a foreign key (`conversation_id=`, `conversation=`): PostgreSQL answers those with nothing, but
SQLite (the embedded default) refuses an id past its 64-bit INTEGER with an OverflowError, a 500.
tests/test_ids.py shows both, on whichever database the suite runs.
"""

from __future__ import annotations

# The largest id a BigAutoField holds (PostgreSQL bigint, SQLite INTEGER); DEFAULT_AUTO_FIELD is BigAutoField.
MAX_ID = 2**63 - 1


def id_in_range(pk: int) -> bool:
    """Whether `pk` can be an id at all: from 1 to MAX_ID. A value outside is no object, on any database."""
    return 0 < pk <= MAX_ID


def id_clamped(value: int) -> int:
    """A whole number brought into the range a database holds (0 to MAX_ID), for a position such as "the last
    message seen", where 0 means none and anything past MAX_ID means past every id."""
    return min(max(value, 0), MAX_ID)
