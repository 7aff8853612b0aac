"""The whole JIM journey of a NEW young person, made through the pages (issue #17, "Done when"): Lisa (the demo's
professional) registers Tim (14, Leiden), adds his mother with a new email address and invites Tim by SMS; Tim
opens the link on a phone, makes his account and logs in with the code from the SMS; Tim and his mother (who logs
in with a code by email) give their consent; Tim adds his aunt Ria to his network map and chooses her; Lisa starts
the nomination and invites Ria by email; Ria says yes without an account and later logs in with a code; Lisa does
the screening; Tim and his mother give the mandate; all four agree to the agreements; Lisa starts the mentorship;
Tim, Ria and Lisa chat in the triad conversation without reloading; Tim sees that Lisa looked at his data.

axe-core on every new kind of page, and Tim's pages fit a phone of 360 pixels. Read in English (language cookie),
so the checks hold whatever Dutch wording is merged later."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mentors.models import Mentorship
from messaging.models import Message
from tests.browser.conftest import TIMEOUT_MS, AssertAccessible, LoginAs, follow
from youth.models import Consent, Guardianship, YoungPerson

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
TIM_PHONE = "06 23456789"
MOTHER_EMAIL = "anouk.bakker@example.org"
RIA_EMAIL = "ria.bakker@example.org"
# A chat message reaches an open page by the page's catch-up over HTTP (the test server has no socket).
LIVE_MS = TIMEOUT_MS + 10_000


@pytest.fixture
def browsers(browser: Browser, demo_world: str) -> Iterator[Any]:
    """A browser of its own per person, not logged in, in English; `phone=True` gives a phone-size touch screen."""
    contexts: list[BrowserContext] = []

    def open_browser(*, phone: bool = False) -> Page:
        options: dict[str, Any] = {"locale": "nl-NL"}
        if phone:
            options.update(viewport=PHONE, is_mobile=True, has_touch=True)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": demo_world}])
        contexts.append(context)
        return context.new_page()

    yield open_browser
    for context in contexts:
        context.close()


def _done(page: Page) -> None:
    expect(page.locator(".messages")).to_be_visible()


def _fits_the_phone(page: Page) -> None:
    # Sizes are final only after the style sheets have loaded.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def _code_from(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def _log_in_with_code(
    page: Page, base: str, contact: str, read_code: Any, assert_accessible: AssertAccessible | None = None
) -> None:
    """Log in with a code: the login page's first form, then the code that was sent (read by `read_code`). Starts
    on the login page the person is on, or opens it."""
    if not page.url.endswith("/accounts/login/"):
        page.goto(f"{base}/accounts/login/")
    if assert_accessible is not None:
        assert_accessible(page)
    form = page.locator("main form").filter(has=page.locator('input[name="contact"]'))
    form.locator('input[name="contact"]').fill(contact)
    form.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fill in your code")
    if assert_accessible is not None:
        assert_accessible(page)
    page.get_by_label("Code").fill(read_code())
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{base}/")


def _agree_to_consent(page: Page) -> None:
    """Say yes to each purpose on the consent page that asks this person."""
    buttons = page.get_by_role("button", name="Yes, I agree")
    expect(buttons).to_have_count(2)
    for _ in range(2):
        page.get_by_role("button", name="Yes, I agree").first.click()
        _done(page)
    expect(page.get_by_role("button", name="Take back my yes")).to_have_count(2)


def test_a_new_young_person_walks_the_whole_jim_journey(
    demo_world: str,
    browsers: Any,
    login_as: LoginAs,
    sms: list[tuple[str, str]],
    assert_accessible: AssertAccessible,
) -> None:
    base = demo_world

    # 1. Lisa registers Tim (14) in Leiden.
    lisa = browsers()
    login_as(lisa, "lisa")
    follow(lisa, lisa.get_by_role("link", name="Register a young person").first)
    lisa.get_by_label("First name").fill("Tim")
    lisa.get_by_label("Last name").fill("Bakker")
    born = timezone.localdate() - timedelta(days=14 * 365 + 40)
    lisa.get_by_label("Date of birth").fill(born.isoformat())
    lisa.get_by_label("Place where they live").fill("Leiden")
    lisa.get_by_label("Municipality where they live").select_option(label="Leiden")
    lisa.get_by_label("Paying municipality").select_option(label="Leiden")
    lisa.get_by_role("button", name="Register and open case").click()
    _done(lisa)
    tim = YoungPerson.objects.get(first_name="Tim", last_name="Bakker")
    assert tim.latitude is not None, "Leiden is found by the geocoder"
    expect(lisa.get_by_role("heading", level=1)).to_contain_text("Tim")
    tim_url = f"{base}/jongeren/{tim.pk}/"

    # 2. Lisa adds Tim's mother with a new email address; custody is chosen, never assumed.
    follow(lisa, lisa.get_by_role("link", name="Add a parent or guardian"))
    lisa.get_by_label("First name").fill("Anouk")
    lisa.get_by_label("Last name").fill("Bakker")
    lisa.get_by_label("Email address").fill(MOTHER_EMAIL)
    lisa.get_by_role("button", name="Add").click()
    expect(lisa.locator(".error-summary")).to_contain_text("Choose whether this person has custody.")
    assert_accessible(lisa)
    lisa.get_by_label("Yes, this person has custody").check()
    lisa.get_by_role("button", name="Add").click()
    _done(lisa)
    guardianship = Guardianship.objects.get(young_person=tim)
    assert (guardianship.has_custody, guardianship.status) == (True, Guardianship.Status.CONFIRMED)

    # 3. Lisa invites Tim by SMS; Tim opens the link on his phone, makes his account and logs in with the code.
    lisa.goto(tim_url)
    follow(lisa, lisa.get_by_role("link", name="Invite Tim"))
    lisa.get_by_label("Mobile number of the young person").fill(TIM_PHONE)
    lisa.get_by_role("button", name=re.compile("Send")).click()
    _done(lisa)
    [(to, text)] = sms
    assert to == "+31623456789" and "Tim" not in text
    link = re.search(r"https?://\S+/jongeren/welkom/\S+/", text)
    assert link is not None, text
    welcome_path = "/" + link.group(0).split("/", 3)[3]

    tim_phone = browsers(phone=True)
    tim_phone.goto(f"{base}{welcome_path}")
    expect(tim_phone.get_by_role("heading", level=1)).to_have_text("Welcome Tim. This is your place in Dichtbij.")
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    tim_phone.get_by_role("button", name="Yes, make my account").click()
    expect(tim_phone.get_by_role("heading", level=1)).to_have_text("Your account is ready")
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    follow(tim_phone, tim_phone.locator("main").get_by_role("link", name="Log in"))
    tim.refresh_from_db()
    assert tim.user is not None and tim.user.phone == "+31623456789"
    sms.clear()
    _log_in_with_code(tim_phone, base, TIM_PHONE, lambda: _code_from(sms[-1][1]), assert_accessible)

    # 4. Tim's home lists his consent; he says yes to both purposes. His mother logs in by email and does too.
    expect(tim_phone.get_by_role("heading", level=1)).to_have_text("Hello Tim")
    todo = tim_phone.locator(".todo-item[data-kind='consent']")
    expect(todo).to_be_visible()
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    follow(tim_phone, todo.get_by_role("link"))
    expect(tim_phone.get_by_role("heading", level=1)).to_have_text("Consent for Tim")
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    _agree_to_consent(tim_phone)

    mother = browsers()
    mail.outbox.clear()
    _log_in_with_code(mother, base, MOTHER_EMAIL, lambda: _code_from(str(mail.outbox[-1].body)))
    follow(mother, mother.locator(".todo-item[data-kind='consent']").get_by_role("link"))
    _agree_to_consent(mother)
    assert Consent.objects.filter(young_person=tim, withdrawn_at__isnull=True).count() == 4

    # 5. Tim adds his aunt Ria to his network map on his phone and chooses her. His consent is off his list.
    tim_phone.goto(f"{base}/")
    expect(tim_phone.locator(".todo-item[data-kind='consent']")).to_have_count(0)
    follow(tim_phone, tim_phone.get_by_role("link", name="My network"))
    expect(tim_phone.get_by_role("heading", level=1)).to_have_text("My network")
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    follow(tim_phone, tim_phone.get_by_role("link", name="Add a person"))
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    tim_phone.get_by_label("First name").fill("Ria")
    for question, answer in (
        ("How do you know this person?", "Family"),
        ("How close is this person to you?", "Very close"),
        ("Do you trust this person?", "Yes"),
    ):
        tim_phone.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    tim_phone.get_by_role("button", name="Save").click()
    expect(tim_phone.locator(".messages")).to_contain_text("Ria is added to the network.")
    follow(tim_phone, tim_phone.get_by_role("link", name="Choose up to three people"))
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    tim_phone.get_by_label("1st choice").select_option(label="Ria")
    tim_phone.get_by_role("button", name="Save my choice").click()
    expect(tim_phone.locator(".messages")).to_contain_text("Your choice is saved.")
    expect(tim_phone.locator("ol.mentor-choices li")).to_have_text(["Ria"])
    _fits_the_phone(tim_phone)

    # 6. Lisa starts the nomination from Tim's network map and invites Ria by email; Ria says yes without an account.
    lisa.goto(tim_url)
    follow(lisa, lisa.get_by_role("link", name="Network map"))
    follow(lisa, lisa.get_by_role("link", name="Nominations and mentorship (JIM)"))
    expect(lisa.get_by_role("heading", level=1)).to_have_text("A JIM for Tim")
    lisa.get_by_role("button", name="Start the nomination").click()
    _done(lisa)
    mentorship = Mentorship.objects.get(young_person=tim)
    mentorship_url = f"{base}/mentoren/{mentorship.pk}/"
    expect(lisa.get_by_role("heading", level=1)).to_have_text("JIM of Tim: Ria")
    lisa.locator("#id_invite-last_name").fill("Bakker")
    lisa.locator("#id_invite-email").fill(RIA_EMAIL)
    lisa.locator("#id_invite-by_email").check()
    mail.outbox.clear()
    lisa.get_by_role("button", name="Send the invitation").click()
    _done(lisa)
    [invitation_mail] = [message for message in mail.outbox if RIA_EMAIL in message.to]
    link = re.search(r"https?://\S+/mentoren/uitnodiging/\S+/", str(invitation_mail.body))
    assert link is not None, invitation_mail.body
    assert "Tim" not in str(invitation_mail.body)

    ria = browsers()
    ria.goto(link.group(0).replace(link.group(0).split("/mentoren/")[0], base))
    expect(ria.get_by_role("heading", level=1)).to_have_text("You were asked to be a mentor")
    ria.get_by_role("button", name="Yes, I want to").click()
    expect(ria.get_by_role("heading", level=1)).to_have_text("Thank you for saying yes")
    mentorship.refresh_from_db()
    assert mentorship.state == "accepted" and mentorship.mentor is not None
    assert mentorship.mentor.email == RIA_EMAIL

    # 7. Lisa records the screening; Tim and his mother give the mandate (his mother from her to-do list).
    lisa.goto(mentorship_url)
    lisa.locator("form:has(input[name='move'][value='start_screening']) button").click()
    _done(lisa)
    lisa.locator("#id_screening-vog_issued_on").fill(timezone.localdate().isoformat())
    lisa.get_by_role("button", name="Record the VOG").click()
    _done(lisa)
    lisa.locator("form:has(input[name='move'][value='screening_done']) button").click()
    _done(lisa)
    mentorship.refresh_from_db()
    assert mentorship.state == "mandate"

    for page in (tim_phone, mother):
        page.goto(f"{base}/")
        follow(page, page.locator(".todo-item[data-kind='mandate']").get_by_role("link"))
        page.get_by_role("group", name="Your answer").get_by_label("yes", exact=True).check()
        page.get_by_role("button", name="Give my answer").click()
        _done(page)
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    mentorship.refresh_from_db()
    assert mentorship.state == "agreement"

    # 8. Lisa proposes the agreements; Tim, his mother, Ria (logged in with a code by email) and Lisa agree.
    lisa.goto(mentorship_url)
    lisa.locator("details:has(#id_agreement-pass_on_parents) > summary").click()
    lisa.locator("#id_agreement-pass_on_parents").fill("Alleen hoe het in grote lijnen gaat.")
    lisa.locator("#id_agreement-pass_on_professional").fill("Zorgen over school en thuis.")
    lisa.locator("#id_agreement-meetings").fill("Elke week op woensdag.")
    lisa.locator("#id_agreement-reach_professional").fill("Lisa: 071-5550199, op werkdagen.")
    lisa.get_by_role("button", name="Propose these agreements").click()
    _done(lisa)

    mail.outbox.clear()
    _log_in_with_code(ria, base, RIA_EMAIL, lambda: _code_from(str(mail.outbox[-1].body)))
    for page in (tim_phone, mother, ria):
        page.goto(f"{base}/")
        follow(page, page.locator(".todo-item[data-kind='agreement']").get_by_role("link"))
        expect(page.get_by_text("Elke week op woensdag.").first).to_be_visible()
        page.get_by_role("button", name="I agree").click()
        _done(page)
    _fits_the_phone(tim_phone)
    lisa.goto(mentorship_url)
    lisa.get_by_role("button", name="I agree").click()
    _done(lisa)

    # 9. Lisa starts the mentorship. Tim writes in the triad conversation; Ria and Lisa see it without a reload.
    lisa.locator("form:has(input[name='move'][value='activate']) button").click()
    _done(lisa)
    mentorship.refresh_from_db()
    assert mentorship.state == "active"
    conversation = "About Tim: young person, mentor and professional"
    for page in (ria, lisa, tim_phone):
        page.goto(f"{base}/")
        follow(page, page.get_by_role("link", name="Messages").first)
        follow(page, page.get_by_role("link", name=conversation))
        expect(page.get_by_role("heading", name="Who can read this")).to_be_visible()
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
    tim_phone.get_by_label("Your message").fill("Hoi Ria, zullen we woensdag naar de markt?")
    tim_phone.get_by_role("button", name="Send").click()
    for page in (ria, lisa):
        expect(page.get_by_text("Hoi Ria, zullen we woensdag naar de markt?")).to_be_visible(timeout=LIVE_MS)
    ria.get_by_label("Your message").fill("Leuk! Ik haal je om drie uur op.")
    ria.get_by_role("button", name="Send").click()
    expect(tim_phone.get_by_text("Leuk! Ik haal je om drie uur op.")).to_be_visible(timeout=LIVE_MS)
    assert Message.objects.filter(body__startswith="Hoi Ria").count() == 1

    # 10. Tim sees that Lisa looked at his data.
    tim_phone.goto(f"{base}/")
    follow(tim_phone, tim_phone.get_by_role("link", name="Who looked at your data?"))
    expect(tim_phone.get_by_role("heading", level=1)).to_have_text("Who looked at your data?")
    expect(tim_phone.get_by_role("cell", name="Lisa Jansen").first).to_be_visible()
    assert_accessible(tim_phone)
    _fits_the_phone(tim_phone)
