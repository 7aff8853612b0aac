"""Respite in the browser: a parent asks for a stay, the coordinator confirms it, the parent sees it confirmed; the
support family's calendar page; axe-clean on every page, and the month calendar on a phone.

Elements are found by address, name and value rather than by their text, so the journey holds before and after
the Dutch catalogue has the new sentences."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.people import DEMO_PASSWORD
from demo.world import STAY_HOUSE
from respite.models import RespiteOption, Stay
from tests.browser.conftest import AssertAccessible, LoginAs, follow
from youth.models import Case

pytestmark = pytest.mark.browser


def switch_to(page: Page, login_as: LoginAs, local: str) -> None:
    page.context.clear_cookies()
    login_as(page, local)


def test_a_parent_books_a_stay_and_the_coordinator_confirms_it(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    house = RespiteOption.objects.get(name=STAY_HOUSE)
    daan = Case.objects.get(young_person__first_name="Daan")
    arrival = timezone.localdate() + timedelta(days=60)

    login_as(page, "marieke")
    page.locator('nav a[href="/logeren/"]').click()
    expect(page.locator(f'main a[href="/logeren/opties/{house.pk}/"]')).to_be_visible()
    assert_accessible(page)

    page.locator(f'main a[href="/logeren/opties/{house.pk}/"]').click()
    expect(page.locator("table.month caption")).to_be_visible()
    assert_accessible(page)

    follow(page, page.locator(f'main a[href="/logeren/opties/{house.pk}/boeken/"]'))
    assert_accessible(page)
    page.locator('select[name="case"]').select_option(str(daan.pk))
    page.locator('input[name="arrival"]').fill(arrival.isoformat())
    page.locator('input[name="departure"]').fill((arrival - timedelta(days=2)).isoformat())
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    assert not Stay.objects.filter(case=daan, arrival=arrival).exists()

    page.locator('input[name="departure"]').fill((arrival + timedelta(days=2)).isoformat())
    page.locator('input[name="with_parent"]').check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/logeren/verblijven/\d+/$"))
    expect(page.locator(".status-requested")).to_be_visible()
    assert_accessible(page)
    stay = Stay.objects.get(case=daan, arrival=arrival)
    stay_url = f"{demo_world}/logeren/verblijven/{stay.pk}/"

    switch_to(page, login_as, "peter")
    page.locator('nav a[href="/logeren/"]').click()
    expect(page.locator(f'main a[href="/logeren/verblijven/{stay.pk}/"]').first).to_be_visible()
    assert_accessible(page)
    page.goto(stay_url)
    assert_accessible(page)
    page.locator('button[name="decision"][value="confirm"]').click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(".status-confirmed")).to_be_visible()
    assert_accessible(page)

    # The coordinator's calendar names who stays; on the night of arrival one of two beds is taken.
    page.goto(f"{demo_world}/logeren/opties/{house.pk}/?maand={arrival:%Y-%m}")
    cell = page.locator(f'td:has(time[datetime="{arrival.isoformat()}"])')
    expect(cell.locator(".guests")).to_contain_text("Daan")
    expect(cell.locator(".beds-long")).to_contain_text("1")
    assert_accessible(page)

    switch_to(page, login_as, "marieke")
    page.goto(stay_url)
    expect(page.locator(".status-confirmed")).to_be_visible()
    assert_accessible(page)

    # The cancel page asks before it cancels.
    follow(page, page.locator(f'main a[href="/logeren/verblijven/{stay.pk}/annuleren/"]'))
    assert_accessible(page)


def test_the_month_calendar_fits_a_phone(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    house = RespiteOption.objects.get(name=STAY_HOUSE)
    full_night = Stay.objects.filter(option=house, status=Stay.Status.CONFIRMED).order_by("arrival").first()
    assert full_night is not None
    page.set_viewport_size({"width": 360, "height": 740})
    login_as(page, "lisa")
    page.goto(f"{demo_world}/logeren/opties/{house.pk}/?maand={full_night.arrival:%Y-%m}")
    table = page.locator("table.month")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    # The demo's full weekend: the short text is shown, the full sentence is still there for screen readers.
    cell = page.locator(f'td:has(time[datetime="{full_night.arrival.isoformat()}"])')
    expect(cell.locator(".beds-short")).to_be_visible()
    expect(cell.locator(".beds-long")).to_have_count(1)
    expect(cell).to_have_class(re.compile(r"\bfull\b"))
    # Only the coordinators see names.
    expect(page.locator("table.month .guests")).to_have_count(0)
    assert_accessible(page)


def test_the_support_family_finds_and_renews_its_calendar_address(
    page: Page, demo_world: str, assert_accessible: AssertAccessible
) -> None:
    page.goto(f"{demo_world}/accounts/login/")
    form = page.locator("main form").filter(has=page.locator('input[name="password"]'))
    form.locator('input[name="login"]').fill("willem@voorbeeld.dichtbij.example")
    form.locator('input[name="password"]').fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{demo_world}/")

    follow(page, page.locator('nav a[href="/logeren/"]'))
    assert_accessible(page)
    follow(page, page.locator('main a[href="/logeren/agenda/"]'))
    assert_accessible(page)
    address = page.locator("#feed-url").input_value()
    path = "/" + address.split("/", 3)[3]
    feed = page.request.get(f"{demo_world}{path}")
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "Daan" in feed.text()

    page.locator('form[action="/logeren/agenda/vernieuwen/"] button').click()
    expect(page.locator(".messages")).to_be_visible()
    assert page.locator("#feed-url").input_value() != address
    assert page.request.get(f"{demo_world}{path}").status == 404
    assert_accessible(page)


def test_a_coordinator_offers_a_stay_house_and_changes_it(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    login_as(page, "peter")
    page.locator('nav a[href="/logeren/"]').click()
    page.locator('main a[href="/logeren/opties/nieuw/"]').click()
    expect(page.locator('input[name="kind"][value="stay_house"]')).to_be_checked()
    assert_accessible(page)

    # Peter coordinates in two organisations, so he chooses one. A stay house needs its beds: the form comes back
    # with the error on the field.
    centre = RespiteOption.objects.get(name=STAY_HOUSE).organisation
    page.locator('select[name="organisation"]').select_option(str(centre.pk))
    page.locator('input[name="name"]').fill("Logeerhuis De Beuk")
    page.locator('input[name="age_min"]').fill("6")
    page.locator('input[name="age_max"]').fill("16")
    page.locator('textarea[name="rules"]').fill("Om 21 uur naar bed.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".field-error input[name='beds_per_night']")).to_be_visible()
    assert_accessible(page)
    assert not RespiteOption.objects.filter(name="Logeerhuis De Beuk").exists()

    page.locator('input[name="beds_per_night"]').fill("3")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/logeren/opties/\d+/$"))
    expect(page.locator(".messages")).to_be_visible()
    house = RespiteOption.objects.get(name="Logeerhuis De Beuk")
    assert (house.organisation, house.beds_per_night, house.age_min, house.age_max) == (centre, 3, 6, 16)
    assert house.coordinator is not None and house.coordinator.email == "peter@demo.dichtbij.example"
    expect(page.locator("main dl.facts")).to_contain_text(house.coordinator.get_full_name())
    assert_accessible(page)

    follow(page, page.locator(f'main a[href="/logeren/opties/{house.pk}/wijzigen/"]'))
    assert_accessible(page)
    page.locator('input[name="beds_per_night"]').fill("2")
    page.locator('input[name="active"]').uncheck()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{demo_world}/logeren/opties/{house.pk}/")
    house.refresh_from_db()
    assert (house.beds_per_night, house.active) == (2, False)
    assert_accessible(page)


def test_fewer_beds_than_the_confirmed_stays_is_explained_on_the_form(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    house = RespiteOption.objects.get(name=STAY_HOUSE)
    login_as(page, "peter")
    page.goto(f"{demo_world}/logeren/opties/{house.pk}/wijzigen/")
    page.locator('input[name="beds_per_night"]').fill("1")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_beds_per_night_error")).to_be_visible()
    assert_accessible(page)
    house.refresh_from_db()
    assert house.beds_per_night == 2
