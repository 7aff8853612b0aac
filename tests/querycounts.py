"""Query-count guards for list pages: a page that pages must cost the same queries at two sizes of data."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.paging import PAGE_SIZE

# The larger size holds more than one page, so that paging itself is measured too.
SMALL, LARGE = 2, PAGE_SIZE + 5


def page_queries(client: Client, url: str, params: Mapping[str, str] | None = None) -> int:
    """The queries one GET of `url` takes (asserting it answers 200)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries)


def assert_queries_do_not_grow(
    client: Client, url: str, grow: Callable[[int], object], params: Mapping[str, str] | None = None
) -> None:
    """`grow(n)` adds n more rows that the page lists; the page must take as many queries with SMALL as with
    SMALL + LARGE of them. The first GET warms the session and the per-process caches."""
    grow(SMALL)
    client.get(url, params or {})
    few = page_queries(client, url, params)
    grow(LARGE)
    assert page_queries(client, url, params) == few
