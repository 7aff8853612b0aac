"""Writes to the access log: one row per read of a young person's record, or of figures about groups.

Why one row per young person, also for a list (issue #23 asked whether one row per list view with an array of
young people, GIN-indexed, would do better). `bench/accesslog.py` measured both on PostgreSQL 15 with the same
2 M name reads (80,000 list views of 25 names; one young person named 20,000 times, one 10 times), median of 50
interleaved runs on the shared 2-core machine:

| | rows (this table) | array + GIN |
|---|---|---|
| write one list view of 25 names (one INSERT, committed) | 10.8 ms (ORM: 16.0) | 4.9 ms |
| "who looked at my data": count + newest 50, 20,000 reads | 3.6 ms | 24.0 ms |
| the same, 10 reads | 2.2 ms | 1.2 ms |
| table + indexes | 240 + 165 MB | 26 + 17 MB |

The array saves space and half a write, but reads the young person's own page 6 times slower as their reads grow
(GIN finds the views, then every one is counted and sorted, while a row's (young_person, -at) index is read in
order), and that page is what the log is for. An array row would also need a role and organisation per name (they
differ within one list), and NEN 7513 logs each access per subject, which a row is. So the log stays one row per
young person; a list stays cheap by logging only the page it shows (at most 25 names: one INSERT of 25 rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

from accesslog.models import AccessLogEntry
from accesslog.whats import What
from accounts.models import User
from accounts.selectors import AnyUser

if TYPE_CHECKING:
    from youth.models import Case, YoungPerson


# Through which role (and organisation) someone reads a young person's record is youth's rule, and youth sits above
# this app (pyproject.toml's layers): youth hands its rule in when it loads (YouthConfig.ready), and the services
# below ask it when the caller gives no basis.
YoungPersonBasis = Callable[[User, "YoungPerson"], tuple[str, str]]
CaseBasis = Callable[[AnyUser, "Case"], tuple[str, str]]


@dataclass
class _Rules:
    young_person_basis: YoungPersonBasis | None = None
    case_basis: CaseBasis | None = None


_rules = _Rules()


def accesslog_rules_register(*, young_person_basis: YoungPersonBasis, case_basis: CaseBasis) -> None:
    """Register how the basis of a read is found: for a young person, and for a case shown in a list (the role
    through which a professional or coordinator works on it, and its organisation)."""
    _rules.young_person_basis = young_person_basis
    _rules.case_basis = case_basis


def _known(what: str) -> str:
    if what not in What.values:
        raise ValueError(f"Unknown kind of read for the access log: {what!r} (add it to accesslog.whats).")
    return what


def _accesslog_entry(
    request: HttpRequest, *, young_person_id: int, role: str, organisation: str, action: str, what: str
) -> AccessLogEntry:
    actor = request.user
    assert isinstance(actor, User)
    return _entry_by(
        actor,
        request.META.get("REMOTE_ADDR") or None,
        young_person_id=young_person_id,
        role=role,
        organisation=organisation,
        action=action,
        what=what,
    )


def _entry_by(
    actor: User,
    ip_address: str | None,
    *,
    young_person_id: int,
    role: str,
    organisation: str,
    action: str,
    what: str,
) -> AccessLogEntry:
    return AccessLogEntry(
        actor=actor,
        actor_name=str(actor),
        actor_role=role,
        actor_organisation=organisation,
        young_person_id=young_person_id,
        action=action,
        what=_known(what),
        ip_address=ip_address,
    )


def accesslog_record_by(
    *,
    actor: User,
    ip_address: str | None,
    young_person_id: int,
    what: str,
    basis: tuple[str, str],
    action: str = AccessLogEntry.Action.VIEW,
) -> AccessLogEntry:
    """Append one row for a read outside an HTTP request, such as a chat socket's catch-up frame: the same row as
    `accesslog_record`, with the actor and address the socket was opened with and the basis the caller found."""
    role, organisation = basis
    entry = _entry_by(
        actor,
        ip_address,
        young_person_id=young_person_id,
        role=role,
        organisation=organisation,
        action=action,
        what=what,
    )
    entry.save()
    return entry


def accesslog_record(
    *,
    request: HttpRequest,
    young_person: YoungPerson,
    what: str,
    action: str = AccessLogEntry.Action.VIEW,
    basis: tuple[str, str] | None = None,
) -> AccessLogEntry:
    """Append one NEN 7513 row: who (with the role and organisation that gave access) saw whose record, from where.

    `what` is a code (accesslog.whats.What), translated when the young person reads the log. `basis` (role,
    organisation name) is given by pages that reach the young person through something else than their case,
    such as a support-family match; without it the case decides (youth's rule, registered above).
    """
    assert isinstance(request.user, User)
    if basis is None:
        assert _rules.young_person_basis is not None, "youth registers its rule when it loads (YouthConfig.ready)"
        basis = _rules.young_person_basis(request.user, young_person)
    role, organisation = basis
    entry = _accesslog_entry(
        request, young_person_id=young_person.pk, role=role, organisation=organisation, action=action, what=what
    )
    entry.save()
    return entry


def accesslog_record_insights(
    *, request: HttpRequest, role: str, organisation: str, detail: str, action: str = AccessLogEntry.Action.VIEW
) -> AccessLogEntry:
    """Append one row saying that a user saw (or exported) figures about groups: which page, area and period
    (`detail`), in which role. No young person is named: the figures are aggregates, so the row has no subject
    and never shows up in a young person's own log."""
    actor = request.user
    assert isinstance(actor, User)
    entry = AccessLogEntry(
        actor=actor,
        actor_name=str(actor),
        actor_role=role,
        actor_organisation=organisation,
        young_person=None,
        action=action,
        what=What.INSIGHTS,
        detail=detail[:300],
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
    entry.save()
    return entry


def accesslog_record_many(
    *, request: HttpRequest, shown: Iterable[tuple[int, tuple[str, str]]], what: str = What.LIST
) -> None:
    """Log that a page showed these young people: `shown` holds (young person id, (role, organisation name) that
    gave access). One row per young person (the first basis given wins), in one insert, so a page's query count
    does not grow with its rows."""
    bases: dict[int, tuple[str, str]] = {}
    for young_person_id, basis in shown:
        bases.setdefault(young_person_id, basis)
    AccessLogEntry.objects.bulk_create(
        _accesslog_entry(
            request,
            young_person_id=young_person_id,
            role=role,
            organisation=organisation,
            action=AccessLogEntry.Action.VIEW,
            what=what,
        )
        for young_person_id, (role, organisation) in bases.items()
    )


def accesslog_record_cases(*, request: HttpRequest, cases: Sequence[Case]) -> None:
    """Log that a list page showed these cases' young people to a professional or coordinator (see
    `accesslog_record_many`). The cases must come with `organisation`."""
    case_basis = _rules.case_basis
    assert case_basis is not None, "youth registers its rule when it loads (YouthConfig.ready)"
    accesslog_record_many(
        request=request,
        shown=((case.young_person_id, case_basis(request.user, case)) for case in cases),
    )
