"""One solver per pattern of hidden cells: a page that finds another one solving the same counts waits for its
answer instead of spending seconds of CPU on the same linear programmes (insights.suppression, SOLVING)."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from insights import suppression
from insights.suppression import SOLVING, Cube, _cache_key, suppress_together


def _cube() -> Cube:
    """Four areas of a 4 x 4 table with small counts: more cells than are solved without the cache."""
    counts = [[[(a + i * 3 + j * 7) % 9 + 1 for j in range(4)] for i in range(4)] for a in range(4)]
    return Cube(counts, shape=(4, 4))


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def _solved_alone() -> list[list[list[list[bool]]]]:
    cube = _cube()
    suppress_together([cube])
    return [cube.hidden]


def test_a_page_that_finds_the_claim_waits_for_the_answer_and_does_not_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = _solved_alone()
    cache.clear()
    cube = _cube()
    key = _cache_key([cube], [])
    assert key is not None
    assert cache.add(key + SOLVING, True, 30)  # another page is solving these counts
    monkeypatch.setattr(suppression, "_suppress_together", _must_not_solve)
    threading.Timer(0.3, lambda: cache.set(key, answer)).start()  # ... and puts its answer in the cache
    suppress_together([cube])
    assert [cube.hidden] == answer


def test_the_solver_ends_its_claim_and_keeps_the_answer() -> None:
    cube = _cube()
    key = _cache_key([cube], [])
    assert key is not None
    suppress_together([cube])
    assert cache.get(key + SOLVING) is None
    assert cache.get(key) == [cube.hidden]


def test_a_failed_solve_ends_its_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    cube = _cube()
    key = _cache_key([cube], [])
    assert key is not None
    monkeypatch.setattr(suppression, "_suppress_together", _must_not_solve)
    with pytest.raises(AssertionError):
        suppress_together([cube])
    assert cache.get(key + SOLVING) is None  # the next page solves at once instead of waiting for nothing


def test_without_an_answer_in_time_the_page_solves_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = _solved_alone()
    cache.clear()
    cube = _cube()
    key = _cache_key([cube], [])
    assert key is not None
    cache.add(key + SOLVING, True, 30)  # a solver that died: its claim outlives it
    monkeypatch.setattr(suppression, "SOLVE_WAIT_SECONDS", 0.3)
    suppress_together([cube])
    assert [cube.hidden] == answer


def _must_not_solve(*_args: object) -> None:
    raise AssertionError("solved again although another page was solving the same counts")
