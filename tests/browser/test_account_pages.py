"""Our versions of allauth's password and second-step pages pass axe-core's WCAG 2.1 A/AA rules, errors included."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Organisation, Role
from demo.people import DEMO_PASSWORD
from demo.world import DEMO_TOTP_SECRET
from tests.browser.conftest import AssertAccessible, LoginAs
from tests.builders.accounts import current_totp
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.browser


def submit(page: Page, button_name: str) -> None:
    page.locator("main").get_by_role("button", name=button_name, exact=True).click()
    page.wait_for_load_state()


def log_in_with_form(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("main form").filter(has=page.locator('input[name="password"]'))
    form.locator('input[name="login"]').fill(email)
    form.locator('input[name="password"]').fill(password)
    form.locator("button[type=submit]").click()


def test_password_reset_pages(page: Page, demo_world: str, assert_accessible: AssertAccessible) -> None:
    page.goto(f"{demo_world}/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten?")
    assert_accessible(page)

    submit(page, "Stuur mij een e-mail")
    page.locator(".error-summary").wait_for()
    assert_accessible(page)

    page.locator('main input[name="email"]').fill("lisa@demo.dichtbij.example")
    submit(page, "Stuur mij een e-mail")
    page.wait_for_url("**/accounts/password/reset/done/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")
    assert_accessible(page)


def test_login_code_page(page: Page, demo_world: str, assert_accessible: AssertAccessible) -> None:
    log_in_with_form(page, demo_world, "lisa@demo.dichtbij.example", DEMO_PASSWORD)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen: stap 2")
    assert_accessible(page)

    page.get_by_label("Code").fill("000000")
    submit(page, "Inloggen")
    expect(page.locator(".error-summary")).to_contain_text("Deze code klopt niet.")
    assert_accessible(page)

    # "Stop" ends the half-finished login.
    submit(page, "Stoppen met inloggen")
    page.wait_for_url("**/accounts/login/")


def test_security_pages_of_a_professional_with_the_app(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    login_as(page, "lisa")
    page.locator("header").get_by_role("link", name="Beveiliging").click()
    page.wait_for_url("**/accounts/2fa/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie")
    assert_accessible(page)

    # Making backup codes first asks who you are: the password page offers the app code as another way.
    page.locator("main").get_by_role("link", name="Nieuwe codes maken").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert_accessible(page)
    page.locator("main").get_by_role("link", name="Met een code uit je app of een reservecode").click()
    page.wait_for_url("**/accounts/2fa/reauthenticate/**")
    assert_accessible(page)
    page.get_by_label("Code").fill(current_totp(DEMO_TOTP_SECRET))
    submit(page, "Bevestigen")

    page.wait_for_url("**/accounts/2fa/recovery-codes/generate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe reservecodes maken")
    assert_accessible(page)
    submit(page, "Nieuwe codes maken")

    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    expect(page.get_by_label("Je reservecodes")).not_to_be_empty()
    assert_accessible(page)

    # Lisa has just shown who she is, so these open without asking again. Their allauth scripts (webauthn, the
    # question before removing an email address) must load and read their JSON under our CSP without an error.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    for path, heading in [
        ("/accounts/2fa/webauthn/add/", "Beveiligingssleutel toevoegen"),
        ("/accounts/password/change/", "Je wachtwoord veranderen"),
        ("/accounts/email/", "Je e-mailadres"),
        ("/accounts/logout/", "Uitloggen"),
    ]:
        page.goto(f"{demo_world}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    assert not errors, errors


def test_professional_without_second_step_sets_up_the_app(
    page: Page, demo_world: str, assert_accessible: AssertAccessible
) -> None:
    organisation = Organisation.objects.get(name="Jeugd- en Gezinsteam Leiden (demo)")
    professional = user_with_role(Role.PROFESSIONAL, organisation, mfa=False, first_name="Noor")
    assert professional.email is not None
    log_in_with_form(page, demo_world, professional.email, PASSWORD)
    # Staff without a second step can go nowhere else.
    page.wait_for_url("**/accounts/2fa/")
    expect(page.locator("main")).to_contain_text("Tweestapsverificatie staat nog niet aan.")
    assert_accessible(page)

    page.locator("main").get_by_role("link", name="App instellen").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_label("Wachtwoord").fill("niet-mijn-wachtwoord")
    submit(page, "Bevestigen")
    page.locator(".error-summary").wait_for()
    assert_accessible(page)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    submit(page, "Bevestigen")

    page.wait_for_url("**/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("App voor inlogcodes instellen")
    expect(page.locator("main img")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Code uit de app").fill("000000")
    submit(page, "Aanzetten")
    expect(page.locator(".error-summary")).to_contain_text("Deze code klopt niet.")
    assert_accessible(page)

    # What the phone app would show for the key on the page switches the second step on.
    secret = page.locator("#authenticator_secret").inner_text().strip()
    page.get_by_label("Code uit de app").fill(current_totp(secret))
    submit(page, "Aanzetten")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    expect(page.locator(".messages")).to_contain_text("Tweestapsverificatie met een app staat nu aan.")
    assert_accessible(page)

    page.locator("main").get_by_role("link", name="Naar de startpagina").click()
    page.wait_for_url(f"{demo_world}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Noor")


def test_login_by_code_pages(page: Page, demo_world: str, assert_accessible: AssertAccessible) -> None:
    page.goto(f"{demo_world}/accounts/login/")
    code_form = page.locator("main form").filter(has=page.locator('input[name="contact"]'))
    code_form.get_by_role("button").click()  # empty: the code page shows the error
    page.wait_for_url("**/accounts/login/code/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in met een code")
    page.locator(".error-summary").wait_for()
    assert_accessible(page)

    page.get_by_label("Je telefoonnummer of e-mailadres").fill("sanne@demo.dichtbij.example")
    submit(page, "Stuur mij een code")
    page.wait_for_url("**/accounts/login/code/confirm/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vul je code in")
    code = page.get_by_label("Code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    assert_accessible(page)

    sent = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert sent, mail.outbox[-1].body
    code.fill("000000" if sent.group(1) != "000000" else "111111")
    submit(page, "Inloggen")
    expect(page.locator(".error-summary")).to_contain_text("Deze code klopt niet.")
    assert_accessible(page)

    code.fill(sent.group(1))
    submit(page, "Inloggen")
    page.wait_for_url(f"{demo_world}/")
