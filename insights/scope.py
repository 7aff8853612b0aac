"""Who sees figures of what, and for which period and area: the scope of a user and the filters of a page.

Who sees what (`insights_scope_for`):
- an analyst: the municipalities of the region(s) on their role, all organisations;
- a coordinator: their own organisation(s), in every municipality;
- anyone else: nothing (the views answer 403).
The area of a young person is their paying municipality (woonplaatsbeginsel) or, by choice, where they live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality, Role
from accounts.selectors import AnyUser, roles_of

MAX_QUARTERS = 20


@dataclass(frozen=True)
class Scope:
    """What a user may see figures of: municipality ids (None: any) and organisation ids (None: any)."""

    role: str
    organisation_name: str
    municipality_ids: tuple[int, ...] | None
    organisation_ids: tuple[int, ...] | None
    label: str


def insights_scope_for(user: AnyUser) -> Scope | None:
    """The analyst's region(s) or the coordinator's organisation(s); None for everyone else."""
    assignments = roles_of(user)
    regions = [a.region for a in assignments if a.role == Role.ANALYST and a.region is not None]
    if any(a.role == Role.ANALYST for a in assignments):
        ids = tuple(Municipality.objects.filter(region__in=regions).values_list("pk", flat=True))
        return Scope(Role.ANALYST, "", ids, None, ", ".join(r.name for r in regions))
    organisations = [a.organisation for a in assignments if a.role == Role.COORDINATOR and a.organisation]
    if organisations:
        names = ", ".join(o.name for o in organisations)
        return Scope(Role.COORDINATOR, names, None, tuple(o.pk for o in organisations), names)
    return None


# Everything, for the roll-up (which is made for all areas and organisations, and scoped when read).
EVERYTHING = Scope(Role.ADMIN, "", None, None, "")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None) -> Quarter | None:
        """'2026-Q3' → Quarter; anything else → None."""
        try:
            year_text, number_text = (text or "").upper().split("-Q")
            year, number = int(year_text), int(number_text)
        except ValueError:
            return None
        if not (2000 <= year <= 2100 and 1 <= number <= 4):
            return None
        return cls(year, number)


class Basis:
    PAYING = "paying"
    RESIDENCE = "residence"
    CHOICES = ((PAYING, _("paying municipality")), (RESIDENCE, _("municipality where they live")))


@dataclass(frozen=True)
class Filters:
    first: Quarter
    last: Quarter
    municipality_id: int | None  # None: the whole scope
    basis: str

    @property
    def start(self) -> dt.date:
        return self.first.start

    @property
    def end(self) -> dt.date:
        return self.last.end

    @property
    def quarters(self) -> list[Quarter]:
        found: list[Quarter] = []
        quarter = self.first
        while len(found) < MAX_QUARTERS and (quarter.year, quarter.number) <= (self.last.year, self.last.number):
            found.append(quarter)
            quarter = quarter.next()
        return found

    def as_query(self) -> str:
        area = f"&area={self.municipality_id}" if self.municipality_id else ""
        return f"from={self.first}&to={self.last}&basis={self.basis}{area}"

    def describe(self) -> str:
        area = f" municipality={self.municipality_id}" if self.municipality_id else ""
        return f"{self.first}..{self.last} basis={self.basis}{area}"


def municipalities_in(scope: Scope) -> QuerySet[Municipality]:
    """The municipalities a user can pick as the area."""
    if scope.municipality_ids is not None:
        return Municipality.objects.filter(pk__in=scope.municipality_ids)
    return Municipality.objects.filter(organisations__in=scope.organisation_ids or ()).distinct()


def filters_from(query: QueryDict, scope: Scope, *, today: dt.date | None = None) -> Filters:
    """Period and area from GET parameters; anything missing or wrong falls back to the default (the last four
    quarters up to the current one, the whole scope, paying municipality). Never raises."""
    current = Quarter.of(today or timezone.localdate())
    default_first = current.previous().previous().previous()
    first = Quarter.parse(query.get("from")) or default_first
    last = Quarter.parse(query.get("to")) or current
    if (last.year, last.number) > (current.year, current.number):
        last = current  # nothing is known about later quarters yet
    if (first.year, first.number) > (last.year, last.number):
        first, last = default_first, current
    while len(Filters(first, last, None, Basis.PAYING).quarters) == MAX_QUARTERS and first != last:
        # Keep the most recent MAX_QUARTERS quarters.
        span = Filters(first, last, None, Basis.PAYING).quarters
        if (span[-1].year, span[-1].number) >= (last.year, last.number):
            break
        first = first.next()
    basis = Basis.RESIDENCE if query.get("basis") == Basis.RESIDENCE else Basis.PAYING
    area_text = query.get("area") or ""
    municipality_id = int(area_text) if area_text.isdigit() and len(area_text) < 10 else None
    if municipality_id is not None and not municipalities_in(scope).filter(pk=municipality_id).exists():
        municipality_id = None
    return Filters(first, last, municipality_id, basis)


@dataclass(frozen=True)
class Areas:
    """The areas of a set of cubes: the municipalities one can choose (by name), and one more for everybody
    counted elsewhere (a coordinator's organisation also helps people of other municipalities) when there are
    such people. The whole scope is their sum."""

    ids: tuple[int, ...]
    names: tuple[str, ...]
    has_other: bool

    @property
    def count(self) -> int:
        return len(self.ids) + self.has_other

    @property
    def labels(self) -> list[Any]:
        return [*self.names, *([_("Other municipalities")] if self.has_other else [])]

    def index(self, area_id: int | None) -> int:
        """The cube's area index of a municipality (that of "other municipalities" for any other)."""
        return self.ids.index(area_id) if area_id in self.ids else len(self.ids)

    def chosen(self, filters: Filters) -> int | None:
        """The area of the filters (None: the whole scope)."""
        return self.ids.index(filters.municipality_id) if filters.municipality_id in self.ids else None

    def empty_cube(self, n_rows: int, n_cols: int) -> list[list[list[int]]]:
        """Zeros for a cube over these areas: areas x rows x columns."""
        return [[[0] * n_cols for _i in range(n_rows)] for _a in range(self.count)]


def areas_of(scope: Scope, present: Iterable[int | None]) -> Areas:
    """The scope's municipalities by name, with "other municipalities" when `present` names any other area."""
    municipalities = list(municipalities_in(scope).order_by("name").values_list("pk", "name"))
    ids = tuple(pk for pk, _name in municipalities)
    return Areas(ids, tuple(name for _pk, name in municipalities), any(a not in ids for a in present))
