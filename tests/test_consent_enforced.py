"""Consent that counts: what supporters see before and after a withdrawal, per purpose and role, the notice, that
nothing new starts, the answer a professional writes down, and the case badge (youth/consent.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from community.brokers import services as community_services
from hostfamilies.services import match_propose, supportrequest_create
from mentors import services as mentor_services
from mentors.states import State
from respite import services as respite_services
from respite.models import RespiteOption
from respite.services import stay_request
from tests.builders.hostfamilies import ready_family
from tests.builders.mentors import agree_all, mentorship_at
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    VolunteerFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    buddy_request_for,
    give_all_consents,
    ready_volunteer,
    user_with_role,
)
from volunteers.models import Household, VolunteerKind
from youth.consent import keeping_allowed, sharing_allowed, young_person_ids_with_consent
from youth.consent_texts import CONSENT_TEXTS
from youth.models import Consent, ConsentPurpose, NetworkPerson, YoungPerson
from youth.network.services import networkperson_add
from youth.services import consent_give, consent_withdraw

PURPOSES = [ConsentPurpose.DATA_PROCESSING, ConsentPurpose.NETWORK_SHARING]
TODAY = timezone.localdate()


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- The supporters' pages -------------------------------------------------------------------------------------------


def _mentor(world: World) -> tuple[User, str]:
    mentorship = mentorship_at(world, State.ACTIVE)
    assert mentorship.mentor is not None
    return mentorship.mentor, reverse("mentors:detail", args=[mentorship.pk])


def _support_family(world: World) -> tuple[User, str]:
    request = supportrequest_create(
        actor=world.coordinator, case=world.case, organisation=world.organisation, what_for="weekends"
    )
    match = match_propose(
        actor=world.coordinator, request=request, volunteer=ready_family(world.organisation, world.volunteer)
    )
    return world.volunteer, reverse("hostfamilies:match_detail", args=[match.pk])


def _broker(world: World) -> tuple[User, str]:
    broker = ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER], user=world.volunteer)
    request = community_services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Een sportclub")
    request = community_services.brokerrequest_link(user=world.coordinator, request=request, broker=broker)
    return world.volunteer, reverse("community:brokerrequest_detail", args=[request.pk])


def _host_option(world: World) -> RespiteOption:
    family = VolunteerFactory(
        user=world.volunteer, organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY]
    )
    Household.objects.create(volunteer=family, beds_for_stays=1)
    return respite_services.respiteoption_create(
        actor=world.coordinator,
        organisation=world.organisation,
        coordinator=world.coordinator,
        kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS,
        name="Logeren bij Ahmed",
        volunteer=family,
    )


SUPPORTERS: dict[str, Callable[[World], tuple[User, str]]] = {
    "mentor": _mentor,
    "support family": _support_family,
    "broker": _broker,
}


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("supporter", list(SUPPORTERS))
def test_a_withdrawal_pauses_the_supporters_page_at_once_and_a_new_yes_opens_it(
    world: World, english: Client, supporter: str, purpose: str
) -> None:
    user, url = SUPPORTERS[supporter](world)
    others = {name: world.by_role(name) for name in ("professional", "coordinator", "parent", "young_person_user")}
    before = {}
    for name, other in others.items():
        english.force_login(other)
        before[name] = english.get(url).status_code
    english.force_login(user)
    assert english.get(url).status_code == 200

    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=purpose)
    assert not sharing_allowed(world.young_person)
    paused = english.get(url)
    html = paused.content.decode()
    assert paused.status_code == 403
    assert "Paused" in html and world.young_person.first_name in html
    assert world.young_person.last_name not in html
    assert world.young_person.home_place not in html
    assert reverse("messaging:list") in html, "the conversation stays"
    # Those who see the case through their own part see what they saw before.
    for name, other in others.items():
        english.force_login(other)
        assert english.get(url).status_code == before[name], name

    consent_give(actor=world.parent, young_person=world.young_person, purpose=purpose)
    english.force_login(user)
    assert english.get(url).status_code == 200


def test_a_paused_supporter_changes_nothing(world: World, client: Client) -> None:
    user, url = _support_family(world)
    match_pk = int(url.rstrip("/").split("/")[-1])
    consent_withdraw(actor=world.young_person_user, young_person=world.young_person, purpose=PURPOSES[1])
    client.force_login(user)
    response = client.post(reverse("hostfamilies:match_move", args=[match_pk]), {"move": "stop", "reason": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("purpose", PURPOSES)
def test_the_respite_hosts_calendar_leaves_out_the_stay_without_consent(
    world: World, client: Client, purpose: str
) -> None:
    option = _host_option(world)
    stay = stay_request(
        actor=world.professional,
        option=option,
        case=world.case,
        arrival=TODAY + timedelta(days=7),
        departure=TODAY + timedelta(days=9),
    )
    respite_services.stay_confirm(actor=world.coordinator, stay=stay)
    assert option.volunteer is not None
    feed = respite_services.calendarfeed_get_or_create(actor=world.volunteer, volunteer=option.volunteer)
    url = reverse("respite:feed", args=[feed.token])
    client.logout()
    assert "Sanne" in client.get(url).content.decode()
    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=purpose)
    assert "Sanne" not in client.get(url).content.decode()
    consent_give(actor=world.parent, young_person=world.young_person, purpose=purpose)
    assert "Sanne" in client.get(url).content.decode()


def test_the_notice_goes_once_to_who_loses_access_without_names(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: list[EmailMessage]
) -> None:
    family, _url = _support_family(world)
    assert family.email is not None and world.professional.email is not None
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([family.email, world.professional.email])
    for mail in mailoutbox:
        text = str(mail.subject) + mail.body
        for name in (world.young_person.first_name, world.young_person.last_name, world.parent.first_name):
            assert name not in text
    # Already paused: the support family hears nothing more; the professional hears of this withdrawal too.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(
            actor=world.young_person_user, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING
        )
    assert [m.to[0] for m in mailoutbox] == [world.professional.email]
    # Both yeses back: the support family hears that the pages are open again, once.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consent_give(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING)
        consent_give(
            actor=world.young_person_user, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING
        )
    assert [m.to[0] for m in mailoutbox] == [family.email]


# --- Nothing new starts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", PURPOSES)
def test_no_match_link_or_stay_starts_without_consent(world: World, purpose: str) -> None:
    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=purpose)
    label = str(ConsentPurpose(purpose).label)
    request = supportrequest_create(
        actor=world.coordinator, case=world.case, organisation=world.organisation, what_for="weekends"
    )
    with pytest.raises(ValidationError, match=label):
        match_propose(actor=world.coordinator, request=request, volunteer=ready_family(world.organisation))
    assert not request.matches.exists()

    broker = ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER])
    asked = community_services.brokerrequest_ask(user=world.professional, case=world.case, purpose="Sport")
    with pytest.raises(ValidationError, match=label):
        community_services.brokerrequest_link(user=world.coordinator, request=asked, broker=broker)
    asked.refresh_from_db()
    assert asked.broker_id is None

    option = _host_option(world)
    with pytest.raises(ValidationError, match=label):
        stay_request(
            actor=world.professional,
            option=option,
            case=world.case,
            arrival=TODAY + timedelta(days=7),
            departure=TODAY + timedelta(days=9),
        )
    assert not option.stays.exists()


def test_a_mentorship_is_not_activated_without_consent(world: World) -> None:
    mentorship = mentorship_at(world, State.AGREEMENT)
    agree_all(world, mentorship)
    consent_withdraw(
        actor=world.young_person_user, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING
    )
    with pytest.raises(ValidationError, match=str(ConsentPurpose.NETWORK_SHARING.label)):
        mentor_services.mentorship_move(actor=world.professional, mentorship=mentorship, move="activate")
    mentorship.refresh_from_db()
    assert mentorship.state == State.AGREEMENT
    consent_give(actor=world.young_person_user, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING)
    assert (
        mentor_services.mentorship_move(actor=world.professional, mentorship=mentorship, move="activate").state
        == State.ACTIVE
    )


def test_without_the_consent_to_keep_data_the_network_is_not_kept_or_shown(world: World, english: Client) -> None:
    NetworkPerson.objects.create(
        young_person=world.young_person,
        first_name="Oma Truus",
        relation=NetworkPerson.Relation.FAMILY,
        closeness=1,
        trusted=True,
        added_by=world.professional,
    )
    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING)
    assert not keeping_allowed(world.young_person)
    assert sharing_allowed(world.young_person) is False, "what is not kept is not shared"
    with pytest.raises(ValidationError):
        networkperson_add(
            actor=world.professional,
            young_person=world.young_person,
            first_name="Opa",
            relation="family",
            closeness=1,
            trusted=True,
        )
    english.force_login(world.professional)
    page = english.get(reverse("youth:network_map", args=[world.young_person.pk])).content.decode()
    assert "Oma Truus" not in page and "no consent yet to keep" in page
    response = english.post(
        reverse("youth:networkperson_add", args=[world.young_person.pk]),
        {"first_name": "Opa", "relation": "family", "closeness": 1, "trusted": "on"},
    )
    assert response.status_code == 200
    assert NetworkPerson.objects.filter(young_person=world.young_person).count() == 1


# --- The rule --------------------------------------------------------------------------------------------------------


def _child(years: int, parents: int) -> YoungPerson:
    child = YoungPersonFactory(date_of_birth=born_years_ago(years))
    for _ in range(parents):
        add_guardian(child, user_with_role(Role.PARENT))
    return child


@pytest.mark.parametrize(
    ("years", "parents", "complete"),
    [(10, 0, False), (10, 1, True), (13, 2, True), (17, 0, True)],
)
def test_the_rule_asks_each_party_of_the_age_rule(db: None, years: int, parents: int, complete: bool) -> None:
    child = _child(years, parents)
    give_all_consents(child)
    assert bool(young_person_ids_with_consent([child.pk], PURPOSES)) is complete


def test_a_no_or_a_missing_parent_does_not_count_and_a_list_is_one_query(
    db: None, django_assert_num_queries: Any
) -> None:
    children = [_child(13, 2) for _ in range(3)]
    for child in children:
        give_all_consents(child)
    Consent.objects.filter(young_person=children[0], given_as="young_person").update(answer=Consent.Answer.NO)
    add_guardian(children[1], user_with_role(Role.PARENT))  # a third parent with custody who has not answered
    with django_assert_num_queries(1):
        allowed = young_person_ids_with_consent([c.pk for c in children], PURPOSES)
    assert allowed == {children[2].pk}


# --- An answer given in person or on paper ---------------------------------------------------------------------------


def _without_account(world: World) -> YoungPerson:
    """Sanne without an account yet, and no answers at all."""
    YoungPerson.objects.filter(pk=world.young_person.pk).update(user=None)
    Consent.objects.filter(young_person=world.young_person).delete()
    world.young_person.refresh_from_db()
    return world.young_person


def _record(client: Client, young_person: YoungPerson, **data: str) -> Any:
    purpose = data.get("purpose", ConsentPurpose.NETWORK_SHARING)
    values = {
        "purpose": purpose,
        "party": "young_person",
        "answer": "yes",
        "text_version": CONSENT_TEXTS.get(purpose, CONSENT_TEXTS[ConsentPurpose.NETWORK_SHARING]).version,
    } | data
    return client.post(reverse("youth:consent_record", args=[young_person.pk]), values)


def test_the_professional_writes_down_a_yes_given_on_paper(world: World, english: Client) -> None:
    sanne = _without_account(world)
    english.force_login(world.professional)
    assert _record(english, sanne).status_code == 302
    recorded = Consent.objects.get(young_person=sanne)
    assert (recorded.given_by, recorded.given_as, recorded.recorded_by, recorded.text_version) == (
        None,
        Consent.GivenAs.YOUNG_PERSON,
        world.professional,
        CONSENT_TEXTS[ConsentPurpose.NETWORK_SHARING].version,
    )
    page = english.get(reverse("youth:consent", args=[sanne.pk])).content.decode()
    assert "Said in person or on paper. Written down by Lisa" in page
    assert "You do not decide for them" in page
    # Written down twice is refused; a no replaces the yes and does not count.
    assert _record(english, sanne).status_code == 400
    assert _record(english, sanne, answer="no").status_code == 302
    assert not young_person_ids_with_consent([sanne.pk], [ConsentPurpose.NETWORK_SHARING])
    assert "said no on" in english.get(reverse("youth:consent", args=[sanne.pk])).content.decode()


def test_a_party_takes_back_a_yes_that_was_written_down_for_them(world: World, client: Client) -> None:
    sanne = _without_account(world)
    client.force_login(world.professional)
    assert _record(client, sanne, party=f"parent:{world.parent.pk}").status_code == 302
    consent_withdraw(actor=world.parent, young_person=sanne, purpose=ConsentPurpose.NETWORK_SHARING)
    assert not Consent.objects.filter(young_person=sanne, withdrawn_at__isnull=True).exists()
    # Once Sanne has an account, her written-down yes is hers to take back.
    assert _record(client, sanne).status_code == 302
    YoungPerson.objects.filter(pk=sanne.pk).update(user=world.young_person_user)
    sanne.refresh_from_db()
    consent_withdraw(actor=world.young_person_user, young_person=sanne, purpose=ConsentPurpose.NETWORK_SHARING)
    assert not Consent.objects.filter(young_person=sanne, withdrawn_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("professional", 302),
        ("coordinator", 403),
        ("parent", 403),
        ("young_person_user", 403),
        ("mentor", 404),
        ("volunteer", 404),
        ("outsider", 404),
    ],
)
def test_who_may_write_down_an_answer(world: World, client: Client, persona: str, status: int) -> None:
    Consent.objects.filter(young_person=world.young_person).delete()
    sanne = world.young_person
    client.force_login(world.by_role(persona))
    assert _record(client, sanne).status_code == status
    assert Consent.objects.filter(young_person=sanne).exists() is (status == 302)


def test_an_answer_for_another_organisations_young_person_is_404(world: World, client: Client) -> None:
    client.force_login(world.professional)
    before = Consent.objects.count()
    assert _record(client, world.foreign_young_person).status_code == 404
    assert Consent.objects.count() == before


@pytest.mark.parametrize(
    "data",
    [
        {"party": "parent:999999"},
        {"party": "someone"},
        {"answer": "maybe"},
        {"text_version": "1999-01"},
        {"purpose": "everything"},
        {"party": ""},
    ],
)
def test_bad_input_for_a_written_down_answer_changes_nothing(
    world: World, english: Client, data: dict[str, str]
) -> None:
    sanne = _without_account(world)
    english.force_login(world.professional)
    response = _record(english, sanne, **data)
    assert response.status_code == 400
    assert not Consent.objects.filter(young_person=sanne).exists()


# --- The badge -------------------------------------------------------------------------------------------------------


def test_the_badge_names_who_still_has_to_say_yes(world: World, english: Client) -> None:
    english.force_login(world.professional)
    list_url = reverse("youth:youngperson_list")
    assert "waiting for a yes" not in english.get(list_url).content.decode().lower()
    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING)
    page = english.get(list_url).content.decode()
    assert (
        "Sharing what is needed with a mentor, support family or social broker: waiting for a yes from Marieke." in page
    )
    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING)
    home = english.get(reverse("home")).content.decode()
    assert "Waiting for a yes from: Marieke" in home


def test_the_badge_costs_the_same_queries_for_one_or_four_cases(world: World, client: Client) -> None:
    client.force_login(world.professional)
    url = reverse("youth:youngperson_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for years in (10, 13, 17):
        child = _child(years, 1)
        assign(CaseFactory(young_person=child, organisation=world.organisation), world.professional)
    with CaptureQueriesContext(connection) as four:
        page = client.get(url)
    assert len(page.context["cases"]) == 4
    assert len(four) == len(one)


def test_a_buddy_from_a_proposal_round_is_not_approved_without_consent(world: World) -> None:
    from matching import services as matching_services
    from matching.models import ProposalStatus
    from mentors.models import Mentorship

    ready_volunteer(world.organisation, user=world.volunteer)
    request = buddy_request_for(world.case, world.professional)
    matching_services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    (proposal,) = matching_services.proposal_round_show(actor=world.coordinator, support_request=request)
    proposal = matching_services.proposal_choose(actor=world.parent, proposal=proposal)
    matching_services.proposal_answer(actor=world.volunteer, proposal=proposal, accept=True)
    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING)
    with pytest.raises(ValidationError, match=str(ConsentPurpose.NETWORK_SHARING.label)):
        matching_services.proposal_approve(actor=world.coordinator, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert not Mentorship.objects.filter(young_person=world.young_person).exists()
    consent_give(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING)
    assert isinstance(matching_services.proposal_approve(actor=world.coordinator, proposal=proposal), Mentorship)
