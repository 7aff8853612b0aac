"""Dutch is the default language and must be complete; English (the source language) is one click away."""

from __future__ import annotations

import shutil
import subprocess
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
