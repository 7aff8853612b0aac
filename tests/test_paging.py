"""core.paging: one page of a list, the nearest page when the one asked for does not exist, and searching words."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.models import Organisation
from core.paging import Listing, listing_of, words_in

pytestmark = pytest.mark.django_db

ROWS = list(range(1, 61))  # 60 rows: pages of 25, 25 and 10


def _listing(query: str) -> tuple[list[int], bool, int]:
    listing = listing_of(RequestFactory().get("/lijst/" + query), ROWS)
    return listing.rows, listing.asked_page_missing, listing.page.number


@pytest.mark.parametrize(
    ("query", "first_row", "missing", "number"),
    [
        ("", 1, False, 1),
        ("?pagina=2", 26, False, 2),
        ("?pagina=3", 51, False, 3),
        ("?pagina=4", 51, True, 3),  # above the end: the last page, and the page says so
        ("?pagina=0", 1, True, 1),
        ("?pagina=-2", 1, True, 1),
        ("?pagina=twee", 1, True, 1),
        ("?pagina=", 1, True, 1),
    ],
)
def test_the_page_asked_for_or_the_nearest(query: str, first_row: int, missing: bool, number: int) -> None:
    rows, asked_page_missing, page_number = _listing(query)
    assert rows[0] == first_row
    assert (asked_page_missing, page_number) == (missing, number)


def test_an_empty_list_has_one_empty_page() -> None:
    listing: Listing[int] = listing_of(RequestFactory().get("/lijst/"), [])
    assert (listing.rows, listing.count, listing.asked_page_missing) == ([], 0, False)
    assert (listing.previous_link, listing.next_link) == ("", "")


def test_the_links_keep_the_search_and_filters_but_not_the_page() -> None:
    listing = listing_of(RequestFactory().get("/lijst/", {"q": "van dijk", "staat": "open", "pagina": "2"}), ROWS)
    assert listing.previous_link == "?q=van+dijk&staat=open&pagina=1"
    assert listing.next_link == "?q=van+dijk&staat=open&pagina=3"


def test_two_lists_on_one_page_keep_each_others_page() -> None:
    request = RequestFactory().get("/lijst/", {"pagina": "2", "pagina_koppelingen": "3"})
    matches = listing_of(request, ROWS, param="pagina_koppelingen")
    assert matches.page.number == 3
    assert matches.previous_link == "?pagina=2&pagina_koppelingen=2"


def test_every_word_must_appear_in_one_of_the_fields() -> None:
    Organisation.objects.create(name="Jeugdteam Leiden Noord")
    Organisation.objects.create(name="Jeugdteam Delft")

    def names(text: str) -> list[str]:
        return sorted(words_in(Organisation.objects.all(), text, ["name"]).values_list("name", flat=True))

    assert names("leiden") == ["Jeugdteam Leiden Noord"]
    assert names("JEUGDTEAM noord") == ["Jeugdteam Leiden Noord"]
    assert names("delft noord") == []
    assert "Jeugdteam Delft" in names("  ")
