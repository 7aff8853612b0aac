"""The shape every permission matrix shares: each view, for each persona, on its own object and a foreign one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.conftest import PERSONAS

OK, REDIRECT, FORBIDDEN, HIDDEN = 200, 302, 403, 404


def expect(default: int, **special: int) -> dict[str, int]:
    """The expected status per persona: `default`, except where named."""
    return {name: special.get(name, default) for name in PERSONAS}


def role_matrix(views: Sequence[tuple[Any, ...]]) -> list[Any]:
    """From rows `(name, *arguments, codes_on_own, codes_on_foreign)`, one test case per view, persona and object:
    `(name, *arguments, persona, own, expected)`."""
    return [
        pytest.param(
            name,
            *arguments,
            persona,
            own,
            (own_codes if own else foreign_codes)[persona],
            id=f"{name}-{persona}-{'own' if own else 'foreign'}",
        )
        for name, *arguments, own_codes, foreign_codes in views
        # Own and foreign in runs of their own: the cases of one view on one object share a prebuilt setup.
        for own in (True, False)
        for persona in PERSONAS
    ]
