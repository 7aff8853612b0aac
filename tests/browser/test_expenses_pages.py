"""In a real browser: a volunteer claims expenses, a coordinator approves one claim and refuses another.

axe-core checks every page on the way, with and without form errors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import Role, User
from expenses import services
from expenses.models import ExpenseClaim
from tests.browser.conftest import TIMEOUT_MS, AssertAccessible
from tests.factories import OrganisationFactory, VolunteerFactory, user_with_role

pytestmark = pytest.mark.browser


def logged_in_page(browser: Browser, live_server: Any, user: User) -> tuple[BrowserContext, Page]:
    """A fresh browser context carrying a session for `user` (made by the test client's force_login)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


def test_volunteer_claims_and_coordinator_approves(
    browser: Browser, live_server: Any, assert_accessible: AssertAccessible
) -> None:
    organisation = OrganisationFactory(name="Vrijwilligerscentrum Test")
    volunteer = VolunteerFactory(
        user=user_with_role(Role.VOLUNTEER, organisation, first_name="Ahmed"), organisation=organisation
    )
    coordinator = user_with_role(Role.COORDINATOR, organisation, first_name="Peter")
    url = f"{live_server.url}/onkosten/"

    context, page = logged_in_page(browser, live_server, volunteer.user)
    try:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Vrijwilligersvergoeding")
        expect(page.locator("main")).to_contain_text("€\u00a00,23 per kilometer")
        assert_accessible(page)

        # Sent without a description, the form shows its error summary.
        page.get_by_label("Kilometers").fill("12,5")
        page.get_by_label("Andere kosten (€)").fill("3,50")
        page.get_by_role("button", name="Declaratie versturen").click()
        page.locator(".error-summary").wait_for()
        assert_accessible(page)

        page.get_by_label("Waarvoor was het?").fill("Naar de kinderboerderij")
        page.get_by_role("button", name="Declaratie versturen").click()
        expect(page.locator(".messages")).to_contain_text("Je declaratie is verstuurd")
        expect(page.locator("table")).to_contain_text("wacht op besluit")
        expect(page.locator("table")).to_contain_text("€\u00a06,38")  # 12,5 km at € 0,23 plus € 3,50
        assert_accessible(page)
    finally:
        context.close()

    claim = ExpenseClaim.objects.get()
    second = services.claim_submit(
        volunteer=volunteer, date=claim.date, kilometres=Decimal("0"), costs=Decimal("12"), description="Bioscoop"
    )
    context, page = logged_in_page(browser, live_server, coordinator)
    try:
        page.goto(url)
        card = page.locator("article.card").filter(has_text="Naar de kinderboerderij")
        expect(card).to_contain_text("Ahmed")
        assert_accessible(page)

        card.get_by_role("button", name="Goedkeuren").click()
        expect(page.locator(".messages")).to_contain_text("is goedgekeurd")
        expect(page.locator("table")).to_contain_text("goedgekeurd")
        assert_accessible(page)

        # Refusing asks for a reason on its own page.
        page.locator("article.card").filter(has_text="Bioscoop").get_by_role("link", name="Afwijzen").click()
        page.get_by_role("button", name="Declaratie afwijzen").click()
        page.locator(".error-summary").wait_for()
        assert_accessible(page)
        page.get_by_label("Waarom wijs je deze declaratie af?").fill("Dit was geen activiteit met een jongere")
        page.get_by_role("button", name="Declaratie afwijzen").click()
        expect(page.locator(".messages")).to_contain_text("is afgewezen")
        expect(page.locator("main")).to_contain_text("Er wachten geen declaraties op een besluit.")
        assert_accessible(page)
    finally:
        context.close()

    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.APPROVED
    assert claim.decided_by == coordinator
    second.refresh_from_db()
    assert second.status == ExpenseClaim.Status.REFUSED
