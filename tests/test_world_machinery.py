"""The shared `world` (tests/conftest.py) runs only with the pytest-django it was written for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest_django

from tests.conftest import PYTEST_DJANGO_VERSION, world_version_problem


def test_another_pytest_django_is_refused_with_both_versions_named() -> None:
    problem = world_version_problem("4.15.0")
    assert problem is not None
    assert "4.15.0" in problem and PYTEST_DJANGO_VERSION in problem and "validate_django_db" in problem


def test_the_installed_pytest_django_is_the_one_the_world_was_written_for() -> None:
    assert world_version_problem(pytest_django.__version__) is None


def test_the_pin_in_pyproject_is_the_version_the_world_checks() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'"pytest-django==([^"]+)"', pyproject)
    assert pins == [PYTEST_DJANGO_VERSION]
