"""Sanne and Karin chat in two browsers while Lisa reads along. The test server speaks HTTP only (no WebSocket), so
this walks the way messaging keeps working when sockets are down: the chat script shows "Reconnecting…", sends over
HTTP and catches up by asking for everything after the last id it saw; and a browser without JavaScript posts the
plain form. axe-core on the list and on the conversation. (The socket itself is tested with Channels'
WebsocketCommunicator in tests/test_messaging_consumer.py.) Read in English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from messaging.models import Message
from tests.browser.conftest import TIMEOUT_MS, AssertAccessible, LoginAs

pytestmark = pytest.mark.browser


@pytest.fixture
def browsers(browser: Browser, demo_world: str, login_as: LoginAs) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_as(local: str, *, javascript: bool = True) -> Page:
        context = browser.new_context(locale="nl-NL", java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": demo_world}])
        contexts.append(context)
        page = context.new_page()
        login_as(page, local)
        return page

    yield open_as
    for context in contexts:
        context.close()


def open_chat(page: Page, assert_accessible: AssertAccessible) -> None:
    page.get_by_role("link", name="Messages").first.click()
    expect(page.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="About Sanne: young person, mentor and professional").click()
    expect(page.get_by_role("heading", name="Who can read this")).to_be_visible()


def test_young_person_and_mentor_chat_while_the_professional_reads(
    browsers: Any, assert_accessible: AssertAccessible
) -> None:
    sanne, karin = browsers("sanne"), browsers("karin")
    for page in (sanne, karin):
        open_chat(page, assert_accessible)
    expect(karin.get_by_text("I'll bring the dog")).to_have_count(0)
    # No socket here: the page says it is reconnecting and still sends over HTTP.
    expect(sanne.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    assert_accessible(sanne)
    sanne.get_by_label("Your message").fill("Can we walk on Wednesday? <b>not bold</b>")
    sanne.get_by_role("button", name="Send").click()
    expect(sanne.get_by_text("Sent", exact=False).last).to_be_visible()
    # Karin's page catches up after the last id it saw.
    expect(karin.get_by_text("Can we walk on Wednesday? <b>not bold</b>")).to_be_visible(timeout=TIMEOUT_MS + 10_000)
    karin.get_by_label("Your message").fill("Yes! Half past three.")
    karin.get_by_role("button", name="Send").click()
    expect(sanne.get_by_text("Yes! Half past three.")).to_be_visible(timeout=TIMEOUT_MS + 10_000)
    lisa = browsers("lisa")
    open_chat(lisa, assert_accessible)
    expect(lisa.get_by_text("Can we walk on Wednesday?")).to_be_visible()
    expect(lisa.get_by_text("Yes! Half past three.")).to_be_visible()
    assert Message.objects.filter(body__startswith="Can we walk").count() == 1


def test_the_chat_works_without_javascript(browsers: Any) -> None:
    # axe needs JavaScript in the page, so it runs on these pages in the test above.
    karin = browsers("karin", javascript=False)
    karin.get_by_role("link", name="Messages").first.click()
    karin.get_by_role("link", name="About Sanne: young person, mentor and professional").click()
    karin.get_by_label("Your message").fill("Sent without JavaScript.")
    karin.get_by_role("button", name="Send").click()
    expect(karin.get_by_text("Sent without JavaScript.")).to_be_visible()
    assert Message.objects.filter(body="Sent without JavaScript.").count() == 1
