"""Dutch is the default language and must be complete; English (the source language) is one click away."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LOCALE = Path(settings.BASE_DIR) / "locale"
LOGIN_URL = "/accounts/login/"


def _msgfmt_statistics(po: Path) -> str:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("GNU gettext (msgfmt) is not installed")
    result = subprocess.run(  # noqa: S603 - a fixed tool on a file of this repository
        [msgfmt, "--statistics", "--check-format", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


# The project's catalogue and those of apps that keep their own (`make translations` updates them all).
APP_CATALOGUES = sorted(Path(settings.BASE_DIR).glob("*/locale/nl/LC_MESSAGES/django.po"))
DUTCH_CATALOGUES = [LOCALE / "nl" / "LC_MESSAGES" / "django.po", *APP_CATALOGUES]


@pytest.mark.parametrize("po", DUTCH_CATALOGUES, ids=lambda po: str(po.relative_to(settings.BASE_DIR)))
def test_dutch_catalogue_is_complete(po: Path) -> None:
    statistics = _msgfmt_statistics(po)
    # A complete catalogue reads "N translated messages." and nothing else.
    assert "translated message" in statistics, statistics
    assert "untranslated" not in statistics, statistics
    assert "fuzzy" not in statistics, statistics


def test_every_text_in_the_code_is_in_the_dutch_catalogues(tmp_path: Path) -> None:
    """What `make translations` would add to the catalogues must already be there, translated: a text added to the
    code without its Dutch fails here, not only when someone runs makemessages. Runs makemessages on a copy."""
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(
        base,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.mo", "node_modules", ".*_cache"),
    )
    apps = sorted(po.parents[3].name for po in APP_CATALOGUES)
    ignores = [f"--ignore={name}" for name in (".venv", "tests", *apps)]
    runs = [(copy, ["manage.py", *ignores]), *((copy / app, ["../manage.py"]) for app in apps)]
    for folder, (script, *options) in runs:
        result = subprocess.run(  # noqa: S603 - Django's own command on a copy of this repository
            [sys.executable, script, "makemessages", "-l", "nl", "--no-obsolete", "-v0", *options],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    for po in sorted(copy.glob("**/locale/nl/LC_MESSAGES/django.po")):
        statistics = _msgfmt_statistics(po)
        assert "untranslated" not in statistics and "fuzzy" not in statistics, (
            f"{po.relative_to(copy)}: {statistics}. Run `make translations` and translate what is new."
        )


def test_translation_functions_keep_names_makemessages_knows() -> None:
    """makemessages finds texts by the function's name (`_`, `gettext_lazy`, …); a text marked through another
    alias (`gettext_lazy as _lazy`) is never collected and stays English in the Dutch interface."""
    base = Path(settings.BASE_DIR)
    alias = re.compile(r"from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)(\w+)")
    wrong = [
        f"{path.relative_to(base)}: {match.group(1)} as {match.group(2)}"
        for path in base.glob("**/*.py")
        if ".venv" not in path.parts
        for match in alias.finditer(path.read_text())
    ]
    assert wrong == [], "Import these under their own name or as `_`: " + "; ".join(wrong)


def test_english_catalogue_compiles() -> None:
    # English is the source language: empty msgstrs fall back to the msgid, but the file must be valid.
    _msgfmt_statistics(LOCALE / "en" / "LC_MESSAGES" / "django.po")


@pytest.mark.django_db
def test_login_page_is_dutch_by_default(client: Client) -> None:
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="nl"' in page
    assert "Inloggen" in page
    assert "Naar de inhoud" in page
    assert "Wachtwoord vergeten?" in page


@pytest.mark.django_db
def test_language_cookie_switches_to_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "Log in" in page
    assert "Skip to content" in page
    assert "Inloggen" not in page


@pytest.mark.django_db
def test_language_switch_form_switches_to_english_and_back(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN_URL})
    assert response.status_code == 302
    page = client.get(LOGIN_URL).content.decode()
    assert '<html lang="en"' in page
    assert "Log in" in page

    client.post("/i18n/setlang/", {"language": "nl", "next": LOGIN_URL})
    page = client.get(LOGIN_URL).content.decode()
    assert '<html lang="nl"' in page
    assert "Inloggen" in page
