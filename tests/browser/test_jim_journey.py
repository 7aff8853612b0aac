"""A JIM journey in the browser with five people, each in their own browser: Lieke (13) chose her aunt Ria; Lisa
(professional) starts the nomination from the network map and invites Ria by SMS and email; Ria opens the link
without an account, asks for a call first and then says yes; Lisa does the screening; Lieke and both her parents
with custody (Marieke, with reservations, and Jeroen) give their yes; everyone agrees to the agreements; the
mentorship runs, with a coaching note and ratings; Lisa steps back and completes it. axe-core on every page, the
mentorship page also on a phone. Read in English, so the checks hold whatever Dutch is merged later."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import Role, User
from mentors.models import Mentorship
from tests.browser.conftest import TIMEOUT_MS, AssertAccessible, LoginAs, follow
from tests.factories import add_guardian, give_all_consents, user_with_role
from youth.models import Case, CaseAssignment, NetworkPerson, YoungPerson
from youth.network.services import mentorchoice_set, networkperson_add

pytestmark = pytest.mark.browser


def _lieke_chose_her_aunt() -> YoungPerson:
    """Marieke's daughter Lieke (13), with her own account, a second parent with custody (Jeroen), a case with Lisa,
    and her aunt Ria chosen first."""
    marieke = User.objects.get(email__startswith="marieke@")
    lisa = User.objects.get(email__startswith="lisa@")
    sanne = YoungPerson.objects.get(first_name="Sanne", last_name="de Vries")
    lieke_user = user_with_role(
        Role.YOUNG_PERSON, first_name="Lieke", last_name="de Vries", email="lieke@demo.dichtbij.example"
    )
    lieke = YoungPerson.objects.create(
        first_name="Lieke",
        last_name="de Vries",
        date_of_birth=timezone.localdate() - timedelta(days=13 * 365 + 100),
        residence_municipality=sanne.residence_municipality,
        paying_municipality=sanne.paying_municipality,
        home_place="Leiden",
        latitude=sanne.latitude,
        longitude=sanne.longitude,
        languages=["nl"],
        user=lieke_user,
    )
    add_guardian(lieke, marieke)
    jeroen = user_with_role(
        Role.PARENT, first_name="Jeroen", last_name="de Vries", email="jeroen@demo.dichtbij.example"
    )
    add_guardian(lieke, jeroen)
    give_all_consents(lieke)  # Lieke and both parents said yes: the network and a mentorship need it
    case = Case.objects.create(
        young_person=lieke, organisation=sanne.cases.get().organisation, opened_on=timezone.localdate()
    )
    CaseAssignment.objects.create(case=case, professional=lisa, is_lead=True)
    ria = networkperson_add(
        actor=lieke_user,
        young_person=lieke,
        first_name="Ria",
        relation=NetworkPerson.Relation.FAMILY,
        relation_description="tante",
        closeness=1,
        trusted=True,
    )
    mentorchoice_set(actor=lieke_user, young_person=lieke, person_ids=[ria.pk])
    return lieke


@pytest.fixture
def browsers(browser: Browser, demo_world: str, login_as: LoginAs) -> Iterator[Any]:
    """Open a browser for a person (logged in by their demo button, or not logged in with None), in English."""
    contexts: list[BrowserContext] = []

    def open_as(local: str | None) -> Page:
        context = browser.new_context(locale="nl-NL")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": demo_world}])
        contexts.append(context)
        page = context.new_page()
        if local is not None:
            login_as(page, local)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _done(page: Page) -> None:
    expect(page.locator(".messages")).to_be_visible()


def _move(page: Page, move: str) -> None:
    page.locator(f"form:has(input[name='move'][value='{move}']) button").click()
    _done(page)


def _state(mentorship: Mentorship) -> str:
    mentorship.refresh_from_db()
    return mentorship.state


def test_five_people_walk_a_jim_from_the_choice_to_the_closure(
    demo_world: str, browsers: Any, sms: list[tuple[str, str]], assert_accessible: AssertAccessible
) -> None:
    lieke = _lieke_chose_her_aunt()
    lisa = browsers("lisa")

    # Lisa starts the nomination from Lieke's network map and invites Ria by SMS and email.
    lisa.goto(f"{demo_world}/jongeren/{lieke.pk}/netwerk/")
    lisa.get_by_role("link", name="Nominations and mentorship (JIM)").click()
    expect(lisa.get_by_role("heading", level=1)).to_have_text("A JIM for Lieke")
    assert_accessible(lisa)
    lisa.get_by_role("button", name="Start the nomination").click()
    _done(lisa)
    mentorship = Mentorship.objects.get(young_person=lieke)
    url = f"{demo_world}/mentoren/{mentorship.pk}/"
    expect(lisa.get_by_role("heading", level=1)).to_have_text("JIM of Lieke: Ria")
    assert_accessible(lisa)
    lisa.get_by_role("button", name="Send the invitation").click()  # nothing filled in: accessible errors
    expect(lisa.locator(".error-summary")).to_be_visible()
    assert_accessible(lisa)
    lisa.locator("#id_invite-last_name").fill("de Boer")
    lisa.locator("#id_invite-phone").fill("06 12345678")
    lisa.locator("#id_invite-email").fill("ria@demo.dichtbij.example")
    lisa.locator("#id_invite-by_sms").check()
    lisa.locator("#id_invite-by_email").check()
    lisa.get_by_role("button", name="Send the invitation").click()
    _done(lisa)
    assert _state(mentorship) == "invited"
    [(to, text)] = sms
    assert to == "+31612345678" and "Lieke" not in text and "Ria" not in text
    link = re.search(r"https?://\S+/mentoren/uitnodiging/\S+/", text)
    assert link is not None
    invitation_path = "/" + link.group(0).split("/", 3)[3]

    # Ria opens the link without an account, asks for a call first, and then says yes.
    ria = browsers(None)
    ria.goto(f"{demo_world}{invitation_path}")
    expect(ria.get_by_role("heading", level=1)).to_have_text("You were asked to be a mentor")
    expect(ria.get_by_text("Lieke chose you as mentor, because Lieke trusts you.", exact=False)).to_be_visible()
    assert_accessible(ria)
    ria.get_by_role("button", name="Call me first").click()
    _done(ria)
    assert _state(mentorship) == "talk"
    ria.get_by_text("No, I do not want to be a mentor").click()
    assert_accessible(ria)
    ria.get_by_role("button", name="Yes, I want to").click()
    expect(ria.get_by_role("heading", level=1)).to_have_text("Thank you for saying yes")
    assert_accessible(ria)
    assert _state(mentorship) == "accepted"
    ria.goto(f"{demo_world}{invitation_path}")
    expect(ria.get_by_role("heading", level=1)).to_have_text("Thank you for saying yes")

    # Lisa does the screening: the organisation asks a VOG.
    lisa.goto(url)
    _move(lisa, "start_screening")
    lisa.get_by_role("button", name="Record the VOG").click()
    expect(lisa.locator(".error-summary")).to_be_visible()
    assert_accessible(lisa)
    lisa.locator("#id_screening-vog_issued_on").fill(timezone.localdate().isoformat())
    lisa.get_by_role("button", name="Record the VOG").click()
    _done(lisa)
    _move(lisa, "screening_done")
    assert _state(mentorship) == "mandate"

    # Lieke (13) and both parents with custody say yes; Marieke with reservations.
    lieke_page, marieke, jeroen = browsers("lieke"), browsers("marieke"), browsers("jeroen")
    follow(lieke_page, lieke_page.get_by_role("link", name="Mentors", exact=True))
    assert_accessible(lieke_page)
    follow(lieke_page, lieke_page.get_by_role("link", name="JIM of Lieke: Ria de Boer"))
    assert_accessible(lieke_page)
    lieke_page.get_by_role("group", name="Your answer").get_by_label("yes", exact=True).check()
    lieke_page.get_by_role("button", name="Give my answer").click()
    _done(lieke_page)
    marieke.goto(url)
    marieke.get_by_role("group", name="Your answer").get_by_label("yes, with reservations").check()
    marieke.get_by_role("button", name="Give my answer").click()
    expect(marieke.locator(".error-summary")).to_be_visible()
    assert_accessible(marieke)
    marieke.get_by_label("Your reservations").fill("Ria werkt veel. Heeft ze genoeg tijd?")
    marieke.get_by_role("button", name="Give my answer").click()
    _done(marieke)
    assert _state(mentorship) == "mandate", "Jeroen has custody too"
    jeroen.goto(url)
    assert_accessible(jeroen)
    jeroen.get_by_role("group", name="Your answer").get_by_label("yes", exact=True).check()
    jeroen.get_by_role("button", name="Give my answer").click()
    _done(jeroen)
    assert _state(mentorship) == "agreement"

    # Lisa writes the agreements; everyone agrees.
    lisa.goto(url)
    lisa.locator("details:has(#id_agreement-pass_on_parents) > summary").click()
    lisa.locator("#id_agreement-pass_on_parents").fill("Alleen hoe het in grote lijnen gaat.")
    lisa.locator("#id_agreement-pass_on_professional").fill("Zorgen over school en thuis.")
    lisa.locator("#id_agreement-meetings").fill("Elke twee weken op zaterdag.")
    lisa.locator("#id_agreement-reach_professional").fill("Lisa: 071-5550199, op werkdagen.")
    lisa.get_by_role("button", name="Propose these agreements").click()
    _done(lisa)
    assert_accessible(lisa)
    ria = browsers("ria")
    for page in (lisa, lieke_page, marieke, jeroen, ria):
        page.goto(url)
        expect(page.get_by_text("Elke twee weken op zaterdag.").first).to_be_visible()
        page.get_by_role("button", name="I agree").click()
        _done(page)
    assert_accessible(ria)

    # Lisa starts the mentorship: a check-in is planned; she writes a coaching note. Lieke and Ria rate how it goes.
    lisa.goto(url)
    _move(lisa, "activate")
    assert _state(mentorship) == "active"
    expect(lisa.get_by_text("Next check-in: before", exact=False)).to_be_visible()
    lisa.locator("#id_note-text").fill("Ria vraagt hoe ze met Marieke's zorgen omgaat.")
    lisa.get_by_role("button", name="Save the note").click()
    _done(lisa)
    lisa.get_by_text("Write down a check-in").click()
    lisa.get_by_text("How often are the check-ins?").click()
    assert_accessible(lisa)
    for page, score in ((lieke_page, "Very good"), (ria, "So-so")):
        page.goto(url)
        expect(page.get_by_text("Ria vraagt hoe")).to_have_count(0)
        # The faces are hidden from screen readers: each choice is named by its words alone.
        page.get_by_role("radio", name=score, exact=True).check()
        page.get_by_role("button", name="Send").click()
        _done(page)
        assert_accessible(page)
    marieke.goto(url)
    expect(marieke.get_by_text("Ria vraagt hoe")).to_have_count(0)

    # On a phone the page fits the screen.
    phone = browsers("lisa")
    phone.set_viewport_size({"width": 360, "height": 740})
    phone.goto(url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone)

    # Lisa steps back, and later completes the mentorship with its outcome.
    lisa.goto(url)
    _move(lisa, "step_back")
    lisa.get_by_text("Complete the mentorship").first.click()
    lisa.get_by_label("Why does the mentorship end?").fill("Lieke redt het weer. Ria blijft haar tante.")
    lisa.get_by_role("group", name="Was a threatened placement out of home averted?").get_by_label(
        "not applicable: no placement was threatened"
    ).check()
    lisa.get_by_role("group", name="Were the goals reached, in the eyes of the young person?").get_by_label(
        "yes", exact=True
    ).check()
    lisa.get_by_role("group", name="Were the goals reached, in the eyes of the parents?").get_by_label("partly").check()
    lisa.get_by_role("group", name="How satisfied are those involved? (1 = not at all, 5 = very)").get_by_label(
        "4", exact=True
    ).check()
    assert_accessible(lisa)
    lisa.locator("form[action$='/afronden/'] button[type='submit']").click()
    _done(lisa)
    assert_accessible(lisa)
    mentorship.refresh_from_db()
    assert (mentorship.state, mentorship.goals_parents, mentorship.satisfaction) == ("completed", "partly", 4)
    assert NetworkPerson.objects.filter(young_person=lieke, first_name="Ria").exists(), "Ria stays in the map"


def test_the_demos_running_mentorship_and_an_expired_link(
    demo_world: str, browsers: Any, assert_accessible: AssertAccessible
) -> None:
    karin = browsers("karin")
    karin.get_by_role("link", name="Mentors", exact=True).click()
    karin.get_by_role("link", name="JIM of Sanne: Karin Bos").click()
    expect(karin.get_by_text("Eens per twee weken op woensdagmiddag", exact=False).first).to_be_visible()
    assert_accessible(karin)
    anonymous = browsers(None)
    anonymous.goto(f"{demo_world}/mentoren/uitnodiging/{'x' * 43}/")
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_accessible(anonymous)
