"""Lists that grow with a region: one page of rows at a time, the count of all, and links that keep the search.

Every list page of staff (cases, volunteers, requests, stays, conversations, the access log) pages through
`listing_of`, so a page costs the same two queries (the count and the page's rows) whether a region has ten young
people or twenty thousand. Searching is `words_in`: each word typed must appear in one of the named fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

T = TypeVar("T")
M = TypeVar("M", bound=Model)

# Rows per page: a phone scrolls through them, a screen reader's list stays short, and the query stays small.
PAGE_SIZE = 25
# The Dutch query parameter (`?pagina=2`), as the rest of the paths are Dutch.
PAGE_PARAM = "pagina"
# More words than this in a search box are not a search for a name or a place.
SEARCH_WORDS_MAX = 5


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a list: its rows (`page.object_list`), the count of all (`page.paginator.count`), whether the
    page asked for did not exist (the nearest one is shown, and the page says so instead of an error), and the
    rest of the query string so that the pager's links keep the search and filters."""

    page: Page[T]
    asked_page_missing: bool
    param: str
    query: str

    @property
    def rows(self) -> list[T]:
        return list(self.page.object_list)

    @property
    def count(self) -> int:
        return self.page.paginator.count

    def link(self, number: int) -> str:
        """The query string of page `number` with the same search and filters."""
        return f"?{self.query}&{self.param}={number}" if self.query else f"?{self.param}={number}"

    @property
    def previous_link(self) -> str:
        return self.link(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_link(self) -> str:
        return self.link(self.page.next_page_number()) if self.page.has_next() else ""


def listing_of(
    request: HttpRequest,
    items: QuerySet[Any, T] | Sequence[T],
    *,
    per_page: int = PAGE_SIZE,
    param: str = PAGE_PARAM,
) -> Listing[T]:
    """The page of `items` that `request` asks for (`?pagina=`), or the nearest one: the first for anything below
    1 or not a number, the last above the end. A queryset must be ordered (a page of an unordered one is not
    stable). Two queries for a queryset: its count and its page."""
    paginator = Paginator(items, per_page)
    asked = request.GET.get(param, "1")
    try:
        number = int(asked)
    except ValueError:
        number, exists = 1, False
    else:
        exists = 1 <= number <= paginator.num_pages
        number = min(max(number, 1), paginator.num_pages)
    query = request.GET.copy()
    query.pop(param, None)
    return Listing(paginator.page(number), asked_page_missing=not exists, param=param, query=query.urlencode())


def words_in(queryset: QuerySet[M], text: str, fields: Sequence[str]) -> QuerySet[M]:
    """The rows in which every word of `text` appears (case-insensitive, anywhere) in at least one of `fields`:
    "sanne leiden" finds Sanne from Leiden. An empty text leaves the queryset as it is."""
    for word in text.split()[:SEARCH_WORDS_MAX]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset
