"""The case list and the home page at the size of a region: the consent rule in SQL (equal to the overview), search,
filters, paging, an access log of the page's names only, and queries that do not grow with the cases."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessLogEntry
from accounts.models import Role, Team, User
from core.paging import PAGE_SIZE
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    give_all_consents,
    user_with_role,
)
from tests.querycounts import assert_queries_do_not_grow
from youth import services
from youth.ages import age_on
from youth.consent_texts import CONSENT_TEXTS
from youth.models import Case, Consent, ConsentPurpose, Guardianship, YoungPerson
from youth.selectors import (
    case_counts,
    case_list_for,
    case_list_search,
    consent_age_band,
    consent_complete_condition,
    consent_complete_stored,
    consent_overview,
    with_consent_data,
)
from youth.services import consent_state_refresh, consent_state_refresh_due

LIST = reverse("youth:youngperson_list")
HOME = reverse("home")


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- The consent rule in SQL -----------------------------------------------------------------------------------------


def _varied_young_people(seed: int) -> None:
    """Young people of every age around the rule's birthdays, with none, one or two parents (with and without
    custody, confirmed or still waiting), and for every party and purpose no answer, a yes, a no or a withdrawn yes."""
    chance = random.Random(seed)
    ages = [(5, 30), (11, 364), (12, 0), (12, 30), (13, 30), (15, 364), (16, 0), (17, 30), (18, 0), (19, 30)]
    for years, days_after in ages:
        for parents in range(3):
            child = YoungPersonFactory(date_of_birth=born_years_ago(years, days_after_birthday=days_after))
            givers: list[tuple[str, User | None]] = [(Consent.GivenAs.YOUNG_PERSON, None)]
            for _ in range(parents):
                guardianship = add_guardian(child, user_with_role(Role.PARENT), custody=chance.random() < 0.8)
                if chance.random() < 0.15:
                    Guardianship.objects.filter(pk=guardianship.pk).update(status=Guardianship.Status.WAITING)
                if chance.random() < 0.2:
                    Guardianship.objects.filter(pk=guardianship.pk).update(adult_access_granted_at=timezone.now())
                givers.append((Consent.GivenAs.CUSTODIAL_PARENT, guardianship.guardian))
            for purpose, text in CONSENT_TEXTS.items():
                for given_as, given_by in givers:
                    answer = chance.choice(["none", "no", "withdrawn", *["yes"] * 9])
                    if answer == "none":
                        continue
                    Consent.objects.create(
                        young_person=child,
                        purpose=purpose,
                        given_by=given_by,
                        given_as=given_as,
                        text_version=text.version,
                        answer=Consent.Answer.NO if answer == "no" else Consent.Answer.YES,
                        withdrawn_at=timezone.now() if answer == "withdrawn" else None,
                    )


@pytest.mark.parametrize("days_later", [0, 1, 180, 365])
def test_the_sql_rule_says_what_the_overview_says(db: None, days_later: int) -> None:
    _varied_young_people(seed=23)
    on = timezone.localdate() + timedelta(days=days_later)
    by_overview = {
        young_person.pk
        for young_person in with_consent_data(YoungPerson.objects.all())
        if all(status.complete for status in consent_overview(young_person=young_person, on=on))
    }
    by_sql = set(YoungPerson.objects.filter(consent_complete_condition(on=on)).values_list("pk", flat=True))
    assert 5 < len(by_overview) < YoungPerson.objects.count() - 5  # both answers occur, so the test can fail
    assert by_sql == by_overview
    for purpose in ConsentPurpose:
        one = {
            young_person.pk
            for young_person in with_consent_data(YoungPerson.objects.all())
            if next(s for s in consent_overview(young_person=young_person, on=on) if s.purpose == purpose).complete
        }
        found = YoungPerson.objects.filter(consent_complete_condition(purposes=[purpose], on=on))
        assert set(found.values_list("pk", flat=True)) == one


# --- The stored consent answer ----------------------------------------------------------------------------------------


def _stored_says_the_rule(on: date | None = None) -> None:
    by_rule = set(YoungPerson.objects.filter(consent_complete_condition(on=on)).values_list("pk", flat=True))
    by_stored = set(YoungPerson.objects.filter(consent_complete_stored(on=on)).values_list("pk", flat=True))
    assert by_stored == by_rule


@pytest.mark.parametrize("days_earlier", [0, 1, 180, 365, 2000])
def test_the_stored_answer_says_what_the_rule_says_also_after_a_birthday(db: None, days_earlier: int) -> None:
    """Stored on an earlier day (nothing refreshed since), for all but a few young people: the lists count what the
    rule says today, as the rows whose birthday of the rule passed, or that were never worked out, ask the rule."""
    _varied_young_people(seed=23)
    today = timezone.localdate()
    ids = list(YoungPerson.objects.order_by("pk").values_list("pk", flat=True))
    consent_state_refresh(ids[3:], on=today - timedelta(days=days_earlier))
    passed = YoungPerson.objects.exclude(consent_age_band=consent_age_band()).exclude(consent_complete=None).count()
    assert (passed > 0) is (days_earlier > 0)  # the fallback to the rule is exercised (birthdays today too)
    _stored_says_the_rule()
    _stored_says_the_rule(on=today + timedelta(days=1))
    # And the stored answer itself, refreshed today, is the overview's.
    consent_state_refresh(ids)
    for young_person in with_consent_data(YoungPerson.objects.all()):
        overview = consent_overview(young_person=young_person)
        assert young_person.consent_complete is all(status.complete for status in overview)
        assert young_person.consent_age_band == _band(young_person.date_of_birth, today)


def test_the_daily_refresh_works_out_only_what_is_unknown_or_past_a_birthday(db: None) -> None:
    _varied_young_people(seed=5)
    today = timezone.localdate()
    ids = list(YoungPerson.objects.order_by("pk").values_list("pk", flat=True))
    consent_state_refresh(ids[2:], on=today - timedelta(days=400))
    stale = YoungPerson.objects.exclude(consent_age_band=consent_age_band()).count()
    out = StringIO()
    call_command("consent_state_refresh", stdout=out)
    assert out.getvalue().strip() == f"{stale} refreshed"
    assert consent_state_refresh_due() == 0
    for young_person in with_consent_data(YoungPerson.objects.all()):
        assert young_person.consent_complete is all(s.complete for s in consent_overview(young_person=young_person))


def _band(born: date, on: date) -> int:
    return sum(age_on(born, on) >= years for years in (12, 16, 18))


def test_the_age_band_changes_on_the_12th_16th_and_18th_birthday(db: None) -> None:
    today = timezone.localdate()
    for years in (11, 12, 15, 16, 17, 18, 19):
        for days_after in (0, 1, 364):
            YoungPersonFactory(date_of_birth=born_years_ago(years, days_after_birthday=days_after))
    found = YoungPerson.objects.annotate(band=consent_age_band()).values_list("date_of_birth", "band")
    assert all(band == _band(born, today) for born, band in found)
    assert {band for _born, band in found} == {0, 1, 2, 3}


def test_the_counts_with_the_stored_answer_equal_the_counts_with_the_rule(world: World) -> None:
    _varied_young_people(seed=7)
    for young_person in YoungPerson.objects.exclude(cases__isnull=False):
        CaseFactory(young_person=young_person, organisation=world.organisation)
    consent_state_refresh(YoungPerson.objects.values_list("pk", flat=True)[::2])
    cases = case_list_for(world.coordinator)
    by_rule = sum(
        1
        for case in cases
        if case.young_person_id
        not in set(YoungPerson.objects.filter(consent_complete_condition()).values_list("pk", flat=True))
    )
    assert 5 < case_counts(cases).waiting_for_consent == by_rule
    waiting = case_list_search(cases, user=world.coordinator, waiting_for_consent=True)
    assert waiting.count() == by_rule


def _holds(young_person: YoungPerson) -> bool:
    """The stored answer of the young person is the overview's now; returns it."""
    fresh = with_consent_data(YoungPerson.objects.filter(pk=young_person.pk)).get()
    complete = all(status.complete for status in consent_overview(young_person=fresh))
    assert fresh.consent_complete is complete
    assert fresh.consent_age_band == _band(fresh.date_of_birth, timezone.localdate())
    return complete


def test_every_service_that_changes_what_the_rule_reads_stores_the_answer(world: World) -> None:
    """Register, link parents (at once, asked and confirmed, asked and refused), record, give and withdraw
    consent, the 18th birthday and the young adult's choice about a parent: after each, the stored answer is the
    overview's."""
    professional = world.professional
    case = services.youngperson_register(
        actor=professional,
        organisation=world.organisation,
        first_name="Vera",
        last_name="Smit",
        date_of_birth=born_years_ago(14),
        residence_municipality=world.young_person.residence_municipality,
        paying_municipality=world.young_person.paying_municipality,
        home_place="Leiden",
        home_postcode="",
        languages=["nl"],
        threatened_out_of_home_placement=False,
    )
    vera = case.young_person
    assert _holds(vera) is False
    kind = Guardianship.Kind.PARENT
    services.guardian_add(
        actor=professional,
        young_person=vera,
        first_name="Els",
        last_name="Smit",
        email="els.smit@example.org",
        kind=kind,
        has_custody=True,
    )
    assert _holds(vera) is False

    def ask_as_parent(person: User) -> Guardianship:
        """A professional asks someone who has an account whether they are Vera's parent."""
        return services.guardian_add(
            actor=professional,
            young_person=vera,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email or "",
            kind=kind,
            has_custody=True,
        )

    father = user_with_role(Role.PARENT)
    services.guardianship_confirm(actor=father, guardianship=ask_as_parent(father))
    assert _holds(vera) is False
    stranger = user_with_role(Role.PARENT)
    services.guardianship_refuse(actor=stranger, guardianship=ask_as_parent(stranger))
    assert _holds(vera) is False
    mother = Guardianship.objects.get(young_person=vera, guardian__email="els.smit@example.org").guardian
    for purpose, text in CONSENT_TEXTS.items():
        for party in ("young_person", f"parent:{mother.pk}"):
            services.consent_record(
                actor=professional,
                young_person=vera,
                purpose=purpose,
                party=party,
                answer=Consent.Answer.YES,
                text_version=text.version,
            )
            assert _holds(vera) is False
        services.consent_give(actor=father, young_person=vera, purpose=purpose)
    assert _holds(vera) is True
    services.consent_withdraw(actor=father, young_person=vera, purpose=ConsentPurpose.NETWORK_SHARING)
    assert _holds(vera) is False
    # The 18th birthday (the task runs it) and the young adult's choice about a parent.
    sanne = world.young_person
    YoungPerson.objects.filter(pk=sanne.pk).update(date_of_birth=born_years_ago(18, days_after_birthday=0))
    services.adulthood_begin(young_person_id=sanne.pk)
    _holds(sanne)
    guardianship = Guardianship.objects.get(young_person=sanne, guardian=world.parent)
    services.parent_access_grant(actor=world.young_person_user, guardianship=guardianship)
    _holds(sanne)
    services.parent_access_revoke(actor=world.young_person_user, guardianship=guardianship)
    _holds(sanne)


def _case(world: World, first_name: str = "", *, place: str = "Leiden", consent: bool = True, **kwargs: object) -> Case:
    young_person = YoungPersonFactory(
        date_of_birth=born_years_ago(16), home_place=place, **({"first_name": first_name} if first_name else {})
    )
    if consent:
        give_all_consents(young_person)
    return CaseFactory(young_person=young_person, organisation=world.organisation, **kwargs)


def _mark() -> int:
    """The newest access-log row now (the log is append-only: a test reads what came after)."""
    return AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _logged_since(mark: int) -> list[int]:
    return list(AccessLogEntry.objects.filter(pk__gt=mark).values_list("young_person_id", flat=True))


def _names(client: Client, **params: str) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [row.case.young_person.first_name for row in response.context["cases"]]


# --- Search and filters ----------------------------------------------------------------------------------------------


def test_search_finds_a_name_or_a_place(world: World, client: Client) -> None:
    _case(world, "Zoë", place="Katwijk")
    _case(world, "Yara", place="Leiden")
    client.force_login(world.coordinator)
    assert _names(client, q="zoë") == ["Zoë"]
    assert _names(client, q="katwijk") == ["Zoë"]
    assert _names(client, q="yara leiden") == ["Yara"]
    assert _names(client, q="yara katwijk") == []


def test_the_filters_team_consent_professional_and_mine(world: World, client: Client) -> None:
    team = Team.objects.create(organisation=world.organisation, name="Noord")
    in_team = assign(_case(world, "Tessa", team=team), world.professional)
    waiting = assign(_case(world, "Wout", consent=False), world.professional)
    _case(world, "Otto")  # nobody works on it yet
    client.force_login(world.coordinator)
    assert _names(client, team=str(team.pk)) == [in_team.young_person.first_name]
    assert _names(client, toestemming="on") == [waiting.young_person.first_name]
    assert _names(client, zonder_professional="on") == ["Otto"]
    everything = _names(client)
    assert {"Tessa", "Wout", "Otto", world.young_person.first_name} <= set(everything)
    # A professional's own cases; the coordinator is no professional, so the filter is not offered there.
    assert "alleen_mijn" not in client.get(LIST).context["search"].fields
    client.force_login(world.professional)
    assert set(_names(client, alleen_mijn="on")) == {"Tessa", "Wout", world.young_person.first_name}


def test_a_team_of_another_organisation_or_nonsense_is_a_clear_error(world: World, english: Client) -> None:
    foreign = Team.objects.create(organisation=world.other_organisation, name="Elders")
    english.force_login(world.coordinator)
    for value in (str(foreign.pk), "abc", "-1"):
        response = english.get(LIST, {"team": value})
        assert response.status_code == 200
        assert response.context["search"].errors["team"]
        assert "Select a valid choice" in response.content.decode()
        # The filter that could not be read filters nothing.
        assert len(response.context["cases"]) == 1


def test_nothing_found_says_so_with_a_way_back(world: World, english: Client) -> None:
    english.force_login(world.coordinator)
    page = english.get(LIST, {"q": "nobody-is-called-this"}).content.decode()
    assert "No case matches your search." in page
    assert 'href="?"' in page
    assert 'role="status"' in page


# --- Paging and the access log ---------------------------------------------------------------------------------------


def test_the_list_pages_and_logs_only_the_names_on_the_page(world: World, client: Client) -> None:
    for _ in range(PAGE_SIZE + 5):
        _case(world)
    client.force_login(world.coordinator)
    mark = _mark()
    first = client.get(LIST)
    shown = {row.case.young_person_id for row in first.context["cases"]}
    assert len(shown) == PAGE_SIZE
    assert sorted(_logged_since(mark)) == sorted(shown)
    mark = _mark()
    second = client.get(LIST, {"pagina": "2"})
    rest = {row.case.young_person_id for row in second.context["cases"]}
    assert len(rest) == 6 and not rest & shown
    assert sorted(_logged_since(mark)) == sorted(rest)


def test_the_home_page_shows_the_top_with_counts_and_logs_only_those(world: World, client: Client) -> None:
    for n in range(15):
        _case(world, consent=n % 3 != 0)
    client.force_login(world.coordinator)
    mark = _mark()
    response = client.get(HOME)
    rows = response.context["case_rows"]
    assert len(rows) == 10
    assert response.context["case_count"] == 16
    assert response.context["cases_waiting_for_consent"] == 5
    assert response.context["cases_without_professional"] == 15
    assert sorted(_logged_since(mark)) == sorted(row.case.young_person_id for row in rows)
    assert f"{LIST}?toestemming=on" in response.content.decode()


# --- Queries ---------------------------------------------------------------------------------------------------------


def _grow(world: World) -> Callable[[int], None]:
    def grow(n: int) -> None:
        for i in range(n):
            case = _case(world, consent=i % 2 == 0)
            if i % 3:
                assign(case, world.professional)
            add_guardian(case.young_person, user_with_role(Role.PARENT))

    return grow


@pytest.mark.parametrize(
    ("persona", "url", "params"),
    [
        ("coordinator", LIST, {}),
        ("coordinator", LIST, {"toestemming": "on", "q": "Leiden"}),
        ("coordinator", LIST, {"pagina": "2"}),
        ("professional", LIST, {"alleen_mijn": "on"}),
        ("coordinator", HOME, {}),
        ("professional", HOME, {}),
    ],
)
def test_the_queries_do_not_grow_with_the_cases(
    world: World, client: Client, persona: str, url: str, params: dict[str, str]
) -> None:
    client.force_login(world.by_role(persona))
    assert_queries_do_not_grow(client, url, _grow(world), params)
