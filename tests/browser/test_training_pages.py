"""Training in a real browser: a volunteer enrols in a session, the coordinator sees them on the session page and
marks them present. axe-core checks every page on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import AssertAccessible, LoginAs
from training.models import CourseCompletion, Enrolment, Session

pytestmark = pytest.mark.browser

COURSE = "Intervisie autisme"


def test_volunteer_enrols_and_coordinator_marks_attendance(
    browser: Browser, page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    login_as(page, "ahmed")
    page.goto(f"{demo_world}/training/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training")
    assert_accessible(page)

    card = page.locator("li.card").filter(has=page.get_by_role("heading", name=COURSE)).first
    card.get_by_role("button", name="Inschrijven").click()
    expect(page.locator(".messages")).to_contain_text("Je bent ingeschreven. Tot dan!")
    expect(page.get_by_role("region", name="Jouw inschrijvingen")).to_contain_text(COURSE)
    assert_accessible(page)

    enrolment = Enrolment.objects.select_related("session").get(
        volunteer__user__email__startswith="ahmed@", session__course__title=COURSE
    )
    assert enrolment.status == Enrolment.Status.ENROLLED

    coordinator_context = browser.new_context(locale="nl-NL")
    try:
        coordinator = coordinator_context.new_page()
        login_as(coordinator, "peter")
        coordinator.goto(f"{demo_world}/training/")
        expect(coordinator.get_by_role("heading", name="Training in jouw organisatie")).to_be_visible()
        assert_accessible(coordinator)

        session_url = f"{demo_world}/training/bijeenkomsten/{enrolment.session_id}/"
        coordinator.goto(session_url)
        expect(coordinator.get_by_role("region", name="Ingeschreven")).to_contain_text("Ahmed Yilmaz")
        assert_accessible(coordinator)

        coordinator.goto(f"{session_url}vrijwilliger-inschrijven/")
        assert_accessible(coordinator)

        # The session has taken place: attendance can be filled in now.
        Session.objects.filter(pk=enrolment.session_id).update(
            starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
        )
        coordinator.goto(session_url)
        person = coordinator.locator("li.card").filter(has=coordinator.get_by_role("heading", name="Ahmed Yilmaz"))
        person.get_by_role("button", name="Aanwezig", exact=True).click()
        expect(coordinator.locator(".messages")).to_contain_text("Ahmed Yilmaz was aanwezig.")
        assert_accessible(coordinator)
    finally:
        coordinator_context.close()

    assert CourseCompletion.objects.filter(volunteer=enrolment.volunteer, course__title=COURSE).exists()
    page.goto(f"{demo_world}/training/")
    expect(page.get_by_role("region", name="Cursussen die je gedaan hebt")).to_contain_text(COURSE)


def test_course_form_errors_and_phone_width(
    browser: Browser, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    context = browser.new_context(locale="nl-NL", viewport={"width": 375, "height": 667}, is_mobile=True)
    try:
        page = context.new_page()
        login_as(page, "peter")
        page.goto(f"{demo_world}/training/cursussen/nieuw/")
        page.locator("main form button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page)
        for path in ("/training/", "/training/cursussen/nieuw/"):
            page.goto(f"{demo_world}{path}")
            scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll_width <= inner_width, f"{path} is {scroll_width}px wide on a {inner_width}px screen"
    finally:
        context.close()
