"""A new volunteer from registration to matchable, with the coordinator's steps in between, axe-clean throughout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import AssertAccessible, LoginAs, follow
from training.models import Session
from volunteers.models import Volunteer

pytestmark = pytest.mark.browser


def _fill_registration(page: Page, base: str, assert_accessible: AssertAccessible) -> None:
    page.goto(f"{base}/vrijwilligers/aanmelden/")
    assert_accessible(page)
    page.get_by_label("Voornaam").fill("Rosa")
    page.get_by_label("Achternaam").fill("Kramer")
    page.get_by_label("E-mailadres").fill("rosa@test.example")
    page.get_by_label("Organisatie waar je vrijwilliger wilt worden").select_option(
        label="Vrijwilligerscentrum Rijnland (demo)"
    )
    page.get_by_label("Maatje", exact=True).check()
    page.get_by_label("Plaats waar je woont").fill("Leiden")
    page.get_by_label("Gemeente").select_option(label="Leiden")
    page.get_by_label("zaterdag middag").check()
    page.get_by_label("Jongeren vanaf").fill("14")
    page.get_by_label("tot en met leeftijd").fill("12")
    page.get_by_role("button", name="Aanmelden").click()
    # An impossible age range: the error summary says so and nothing is saved.
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    assert not Volunteer.objects.filter(user__email="rosa@test.example").exists()
    page.get_by_label("tot en met leeftijd").fill("18")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bedankt voor je aanmelding")


def _screen(page: Page, assert_accessible: AssertAccessible) -> None:
    today = timezone.localdate().isoformat()
    follow(page, page.get_by_role("link", name="Vrijwilligers", exact=True).first)
    assert_accessible(page)
    follow(page, page.get_by_role("link", name="Rosa Kramer"))
    assert_accessible(page)

    intake = page.locator("section", has=page.get_by_role("heading", name="Kennismakingsgesprek"))
    intake.get_by_label("Uitkomst").select_option("positive")
    intake.get_by_role("button", name="Kennismaking opslaan").click()
    expect(page.locator(".messages")).to_contain_text("Opgeslagen")

    for name in ("Piet de Wit", "Els Mulder"):
        references = page.locator("section", has=page.get_by_role("heading", name="Referenties"))
        references.get_by_label("Naam").fill(name)
        references.get_by_label("Hoe kent deze persoon de vrijwilliger?").fill("buurman")
        references.get_by_label("Telefoon of e-mail").fill("071-5550000")
        references.get_by_role("button", name="Referentie toevoegen").click()
    for name in ("Piet de Wit", "Els Mulder"):
        form = page.locator("form", has=page.get_by_role("button", name=f"Gesprek met {name} opslaan"))
        form.get_by_label("Uitkomst").select_option("positive")
        form.get_by_role("button").click()

    vog = page.locator("section", has=page.get_by_role("heading", name=re.compile("VOG")))
    vog.get_by_role("button", name="VOG aangevraagd").click()
    vog = page.locator("section", has=page.get_by_role("heading", name=re.compile("VOG")))
    vog.get_by_label("Datum van afgifte").fill(today)
    vog.get_by_label("Screeningsprofiel").fill("Minderjarigen")
    vog.get_by_role("button", name="VOG ontvangen").click()
    expect(page.get_by_text("Geldig tot en met")).to_be_visible()
    assert_accessible(page)


def _attend(page: Page, base: str, session: Session, assert_accessible: AssertAccessible) -> None:
    page.goto(f"{base}/training/bijeenkomsten/{session.pk}/")
    page.get_by_role("link", name="Vrijwilliger inschrijven").click()
    page.get_by_label("Vrijwilliger", exact=True).select_option(label="Rosa Kramer")
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator(".messages")).to_contain_text("Rosa Kramer")
    took_place = timezone.now() - timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(starts_at=took_place, ends_at=took_place + timedelta(hours=2))
    page.reload()
    with page.expect_navigation():
        page.get_by_role("button", name="Aanwezig", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("aanwezig")
    page.wait_for_load_state()
    assert_accessible(page)


def test_a_new_volunteer_becomes_matchable(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    _fill_registration(page, demo_world, assert_accessible)
    assert Volunteer.objects.filter(user__email="rosa@test.example").exists()
    # The invitation link sets a password; here the coordinator's part comes first.
    login_as(page, "peter")
    _screen(page, assert_accessible)
    detail = page.url
    expect(page.get_by_role("heading", name="Nog niet klaar om te koppelen")).to_be_visible()
    expect(page.get_by_text("Training nog niet gevolgd: Basistraining maatje.")).to_be_visible()

    # The training: the coordinator enrols Rosa in the next basic course, it takes place, she was there.
    session = Session.objects.filter(course__title="Basistraining maatje").order_by("starts_at").first()
    assert session is not None
    _attend(page, demo_world, session, assert_accessible)

    page.goto(detail)
    expect(page.get_by_text("Klaar om te koppelen: screening en training zijn klaar.")).to_be_visible()
    assert_accessible(page)
