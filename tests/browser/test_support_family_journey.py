"""A request walked to a running support-family match in the browser, each person in their own browser: the
coordinator proposes, introduces and records the three introduction visits on the match page, both families say
yes, the match is approved and tried, the coordinator writes the agreements, both families agree, and the
coordinator lets the match continue. axe-clean on the match page with the visit, agreement and review forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from hostfamilies.models import MatchReview, SupportFamilyMatch, SupportRequest
from hostfamilies.services import supportrequest_create
from tests.browser.conftest import AssertAccessible, LoginAs, OpenAs, lieke_gets_a_case
from training.models import Course, CourseCompletion
from volunteers.models import HomeVisit, Outcome, Volunteer, VolunteerKind, VolunteerRole
from volunteers.selectors import volunteer_readiness, with_readiness_data

pytestmark = pytest.mark.browser


def _lieke_asks_for_a_support_family() -> tuple[SupportRequest, Volunteer]:
    """Marieke's third child Lieke gets a case and a request; Ahmed's family also becomes a ready support family."""
    case = lieke_gets_a_case()
    lisa = User.objects.get(email__startswith="lisa@")
    ahmed = Volunteer.objects.get(user__email__startswith="ahmed@")
    VolunteerRole.objects.create(volunteer=ahmed, kind=VolunteerKind.SUPPORT_FAMILY)
    HomeVisit.objects.create(
        volunteer=ahmed, held_on=timezone.localdate(), outcome=Outcome.POSITIVE, recorded_by=ahmed.user
    )
    CourseCompletion.objects.create(
        volunteer=ahmed,
        course=Course.objects.get(title="Basistraining steungezin"),
        completed_on=timezone.localdate(),
    )
    assert volunteer_readiness(with_readiness_data(Volunteer.objects.filter(pk=ahmed.pk)).get()).matchable
    request = supportrequest_create(
        actor=lisa, case=case, organisation=ahmed.organisation, what_for="Een middag per week rust voor moeder."
    )
    return request, ahmed


@pytest.fixture
def people(open_as: OpenAs) -> dict[str, Page]:
    """One logged-in browser per person, so nobody has to log out."""
    return {local: open_as(local) for local in ("peter", "marieke", "ahmed")}


def _move(page: Page, move: str) -> None:
    page.locator(f"form:has(input[name='move'][value='{move}']) button").click()
    expect(page.locator(".messages")).to_be_visible()


def test_a_request_is_walked_to_a_running_match_with_agreements(
    demo_world: str, people: dict[str, Page], assert_accessible: AssertAccessible
) -> None:
    request, ahmed = _lieke_asks_for_a_support_family()
    peter, marieke, ahmed_page = people["peter"], people["marieke"], people["ahmed"]

    peter.goto(f"{demo_world}/steungezinnen/aanvragen/{request.pk}/")
    propose = peter.locator("form[action$='/voorstellen/']")
    propose.locator("select").select_option(label=str(ahmed))
    propose.locator("button").click()
    expect(peter.get_by_role("heading", level=1)).to_have_text("Lieke met Ahmed Yilmaz")
    match = SupportFamilyMatch.objects.get(request=request)
    match_url = f"{demo_world}/steungezinnen/koppelingen/{match.pk}/"
    _move(peter, "introduce")

    # The coordinator records the three introduction visits; a day in the future is refused beside the field.
    today = timezone.localdate()
    meeting = peter.locator("form[action$='/kennismaking/meeting/']")
    meeting.locator("input[type='date']").fill((today + timedelta(days=1)).isoformat())
    meeting.locator("button").click()
    expect(peter.locator("#id_visit-meeting-on_error")).to_be_visible()
    expect(peter.locator("#id_visit-meeting-on")).to_have_attribute("aria-invalid", "true")
    assert_accessible(peter)
    for visit in ("family", "host", "meeting"):
        form = peter.locator(f"form[action$='/kennismaking/{visit}/']")
        form.locator("input[type='date']").fill(today.isoformat())
        form.locator("button").click()
        expect(peter.locator(".messages")).to_be_visible()
    expect(peter.get_by_text("opgeschreven door Peter", exact=False)).to_have_count(3)
    assert_accessible(peter)
    match.refresh_from_db()
    assert match.visits_recorded

    for page, move in [(marieke, "family_yes"), (ahmed_page, "host_yes")]:
        page.goto(match_url)
        _move(page, move)
    peter.goto(match_url)
    for move in ("approve", "start_trial"):
        _move(peter, move)

    # Continuing is refused until both families agreed to the agreements.
    peter.locator("form:has(input[name='move'][value='activate']) button").click()
    expect(peter.locator(".error-summary")).to_be_visible()
    peter.goto(match_url)
    peter.locator("details:has(#id_agreement-schedule) > summary").click()
    peter.locator("#id_agreement-schedule").fill("Elke woensdag van 13:00 tot 17:00.")
    peter.locator("#id_agreement-house_rules").fill("Eerst huiswerk, dan spelen.")
    peter.locator("#id_agreement-who_to_call").fill("Marieke: 06-11111111.")
    peter.locator("form[action$='/afspraken/'] button[type='submit']").click()
    expect(peter.locator(".messages")).to_be_visible()
    assert_accessible(peter)

    for page in (marieke, ahmed_page):
        page.goto(match_url)
        expect(page.get_by_text("Elke woensdag van 13:00 tot 17:00.").first).to_be_visible()
        assert_accessible(page)
        page.locator("form[action$='/afspraken/akkoord/'] button").click()
        expect(page.locator(".messages")).to_be_visible()
        expect(page.locator("form[action$='/afspraken/akkoord/']")).to_have_count(0)

    peter.goto(match_url)
    _move(peter, "activate")
    match.refresh_from_db()
    assert match.state == "active"
    assert MatchReview.objects.filter(match=match, held_on__isnull=True).exists()
    # The running match, with the agreements in force, the change form and the review form open: axe-clean.
    peter.locator("details:has(#id_agreement-schedule) > summary").click()
    peter.locator("details:has(#id_review-held_on) > summary").click()
    expect(peter.locator("#id_review-held_on")).to_be_visible()
    assert_accessible(peter)


def test_the_demos_running_match_shows_its_agreements_and_planned_review(
    demo_world: str, login_as: LoginAs, page: Page, assert_accessible: AssertAccessible
) -> None:
    match = SupportFamilyMatch.objects.get(state="active", volunteer__user__email__startswith="fatima@")
    login_as(page, "marieke")
    page.goto(f"{demo_world}/steungezinnen/koppelingen/{match.pk}/")
    expect(page.get_by_text("Elke woensdag van 13:00 tot 18:00.", exact=False).first).to_be_visible()
    expect(page.locator("form[action$='/afspraken/akkoord/']")).to_have_count(0)
    page.locator("details:has(#id_agreement-schedule) > summary").click()
    assert_accessible(page)
