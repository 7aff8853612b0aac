"""A group activity walked in the browser, each person in their own browser: Peter plans a cooking club for the
Leiden team's broker Gerda and chooses the team, Marieke signs Sanne up, Peter sees who takes part and cancels it,
Marieke gets a message and reads that it does not go ahead. axe-clean at every step; the names shown are logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accesslog.models import AccessLogEntry
from accounts.models import Role
from community.models import GroupActivity
from tests.browser.conftest import AssertAccessible, OpenAs, follow

pytestmark = pytest.mark.browser


@pytest.fixture
def people(open_as: OpenAs) -> dict[str, Page]:
    return {local: open_as(local) for local in ("peter", "marieke")}


def test_an_activity_is_planned_for_a_team_signed_up_for_and_cancelled(
    people: dict[str, Page], demo_world: str, assert_accessible: AssertAccessible
) -> None:
    starts = timezone.localtime() + timedelta(days=12)

    peter = people["peter"]
    peter.locator("header").get_by_role("link", name="Activiteiten").click()
    expect(peter.get_by_role("heading", level=1)).to_have_text("Groepsactiviteiten")
    assert_accessible(peter)
    follow(peter, peter.get_by_role("link", name="Activiteit plannen"))
    assert_accessible(peter)
    peter.get_by_role("button", name="Opslaan").click()
    expect(peter.locator(".error-summary")).to_be_visible()
    assert_accessible(peter)
    if peter.get_by_label("Organisatie", exact=True).count():
        peter.get_by_label("Organisatie", exact=True).select_option(label="Jeugd- en Gezinsteam Leiden (demo)")
    for label, option in (("Georganiseerd door", "Gerda de Wit"), ("Team", "Team Leiden Noord")):
        choice = peter.get_by_label(label, exact=True)
        choice.select_option(label=choice.locator("option", has_text=option).inner_text())
    peter.get_by_label("Naam van de activiteit").fill("Kookclub")
    peter.get_by_label("Wat jullie doen").fill("Samen koken en eten, met ouders en kinderen.")
    peter.get_by_label("Waar", exact=True).fill("Buurthuis De Kooi, Leiden")
    peter.get_by_label("Begint op").fill(starts.strftime("%Y-%m-%dT17:00"))
    peter.get_by_label("Eindigt op").fill(starts.strftime("%Y-%m-%dT19:00"))
    peter.get_by_label("Aantal plaatsen").fill("6")
    peter.get_by_role("button", name="Opslaan").click()
    expect(peter.locator(".messages")).to_contain_text("De activiteit Kookclub is gepland.")
    expect(peter.locator(".facts")).to_contain_text("Team Leiden Noord")
    assert_accessible(peter)
    activity = GroupActivity.objects.select_related("team", "organiser__user").get(title="Kookclub")
    assert activity.team is not None
    assert (activity.team.name, activity.organiser.user.first_name) == ("Team Leiden Noord", "Gerda")

    marieke = people["marieke"]
    marieke.locator("header").get_by_role("link", name="Activiteiten").click()
    follow(marieke, marieke.get_by_role("link", name="Kookclub"))
    assert_accessible(marieke)
    follow(marieke, marieke.get_by_role("link", name="Aanmelden"))
    assert_accessible(marieke)
    marieke.get_by_label("Sanne").check()
    marieke.get_by_role("button", name="Aanmelden").click()
    expect(marieke.locator(".messages")).to_contain_text("Sanne is aangemeld voor Kookclub.")
    expect(marieke.get_by_role("heading", name="Wie doet er mee")).to_be_visible()
    assert_accessible(marieke)

    logged = AccessLogEntry.objects.filter(what=AccessLogEntry.What.GROUP_ACTIVITY).count()
    peter.reload()
    expect(peter.locator("main")).to_contain_text("Sanne de Vries, aangemeld door Marieke")
    sanne_rows = AccessLogEntry.objects.filter(
        what=AccessLogEntry.What.GROUP_ACTIVITY, young_person__first_name="Sanne", actor__first_name="Peter"
    )
    assert AccessLogEntry.objects.filter(what=AccessLogEntry.What.GROUP_ACTIVITY).count() > logged
    assert set(sanne_rows.values_list("actor_role", flat=True)) == {Role.COORDINATOR}
    peter.get_by_role("link", name="Activiteit afzeggen").click()
    expect(peter.locator("main")).to_contain_text("Het gezin krijgt een bericht")
    assert_accessible(peter)
    mail.outbox.clear()
    peter.get_by_role("button", name="Ja, zeg de activiteit af").click()
    expect(peter.locator(".messages")).to_contain_text("De activiteit Kookclub gaat niet door.")
    assert_accessible(peter)
    told = [email for email in mail.outbox if "marieke@" in email.to[0]]
    assert told and "gaat niet door" in told[0].body and "Kookclub" not in told[0].body

    marieke.reload()
    expect(marieke.locator("main")).to_contain_text("Deze activiteit gaat niet door.")
    expect(marieke.get_by_role("link", name="Aanmelden")).to_have_count(0)
    assert_accessible(marieke)
