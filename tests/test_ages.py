"""youth/ages.py: one way to count an age, and the only home of the age rules' numbers."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from youth.ages import (
    ACCOUNT_AGE,
    ADULT_AGE,
    CONSENT_ALONE_AGE,
    CONSENT_OWN_AGE,
    adult_born_by,
    adult_on,
    age_on,
    birthday,
    born_by,
    is_adult_on,
)
from youth.selectors import consent_deciders

ROOT = Path(__file__).resolve().parent.parent
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


# No clock in the test: a busy shared machine must not fail it (deadline, slow generation).
@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(born=days, day=days, years=st.integers(min_value=0, max_value=30))
def test_the_age_the_birthday_and_the_last_date_of_birth_agree(born: date, day: date, years: int) -> None:
    assert (age_on(born, day) >= years) == (born <= born_by(years, day)) == (day >= birthday(born, years))
    assert is_adult_on(born, day) == (born <= adult_born_by(day)) == (day >= adult_on(born))


def test_29_february_counts_from_1_march() -> None:
    assert birthday(date(2008, 2, 29), 18) == adult_on(date(2008, 2, 29)) == date(2026, 3, 1)
    assert birthday(date(2008, 2, 29), 16) == date(2024, 2, 29)
    assert born_by(18, date(2028, 2, 29)) == date(2010, 2, 28)
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_the_consent_rule_turns_on_the_named_ages() -> None:
    assert (CONSENT_OWN_AGE, CONSENT_ALONE_AGE, ADULT_AGE, ACCOUNT_AGE) == (12, 16, 18, 12)
    assert consent_deciders(CONSENT_OWN_AGE - 1) == (False, True)
    assert consent_deciders(CONSENT_OWN_AGE) == (True, True)
    assert consent_deciders(CONSENT_ALONE_AGE - 1) == (True, True)
    assert consent_deciders(CONSENT_ALONE_AGE) == (True, False)


def test_the_day_before_and_on_the_18th_birthday() -> None:
    born = date(2009, 6, 15)
    assert not is_adult_on(born, adult_on(born) - timedelta(days=1))
    assert is_adult_on(born, adult_on(born))


def _python_sources() -> list[Path]:
    skip = {".venv", "tests", "migrations", "bench", "node_modules"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


def test_no_module_counts_ages_on_its_own() -> None:
    """Only youth/ages.py defines how to count an age or a birthday; everyone else imports it."""
    found = []
    for path in _python_sources():
        if path == ROOT / "youth" / "ages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and (
                "age_on" in node.name or "birthday" in node.name or "born" in node.name or "years_before" in node.name
            ):
                found.append(f"{path.relative_to(ROOT)}: {node.name}")
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("_AGE") for t in node.targets
            ):
                if isinstance(node.value, ast.Constant):
                    found.append(f"{path.relative_to(ROOT)}: {ast.unparse(node)}")
    assert found == []
