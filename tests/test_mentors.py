"""JIM mentorships: the life of a mentorship through its table of moves, who may make each move, the invitation
link, mandate and consent by age, the agreement, check-ins with reminders, coaching notes, ratings, the closure,
and (on PostgreSQL) what happens when two people act at the same moment."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from accounts.models import Role, User
from agreements.models import AgreementVersion
from agreements.selectors import agreement_of
from mentors import selectors, services
from mentors.models import CheckIn, Invitation, Mandate, Mentorship, Rating
from mentors.states import FINISHED_STATES, MOVES, NOMINATION_STATES, OPEN_STATES, State, Via
from mentors.tasks import checkin_reminder
from tests.builders.concurrency import at_once, postgres_only
from tests.builders.mentors import (
    JIM_TEXTS,
    PATH,
    TODAY,
    _to_accepted,
    _to_invited,
    _to_talk,
    agree_all,
    choose,
    invite,
    mentorship_at,
    nominated,
    refresh,
)
from tests.conftest import PERSONAS, World
from tests.factories import add_guardian, born_years_ago, give_all_consents, user_with_role
from volunteers.models import ScreeningRequirement, ScreeningStep, VolunteerKind
from youth.models import MentorChoice, NetworkPerson, YoungPerson
from youth.network.services import mentorchoice_set, networkperson_remove

TASK = "mentors.tasks.checkin_reminder"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # Messages are read in English, so that these tests hold once the Dutch is in the catalogue.
    with translation.override("en"):
        yield


# --- Building mentorships -------------------------------------------------------------------------------------


def test_the_happy_path_goes_through_every_state_in_order(world: World) -> None:
    m = nominated(world)
    seen = [m.state]
    m = _to_invited(world, m)
    seen.append(m.state)
    m = _to_talk(world, m)
    seen.append(m.state)
    for _reached, step in PATH[1:]:
        m = step(world, m)
        seen.append(m.state)
    m = services.mentorship_complete(
        actor=world.professional,
        mentorship=m,
        reason="Sanne redt het zelf, Karin blijft in de buurt.",
        placement_averted=Mentorship.Averted.YES,
        goals_young_person=Mentorship.Goals.YES,
        goals_parents=Mentorship.Goals.PARTLY,
        satisfaction=5,
    )
    seen.append(m.state)
    assert seen == [
        "nominated",
        "invited",
        "talk",
        "accepted",
        "screening",
        "mandate",
        "agreement",
        "active",
        "stepped_back",
        "completed",
    ]
    assert m.mentor == world.mentor
    assert (m.started_on, m.stepped_back_on, m.ended_on) == (TODAY, TODAY, TODAY)
    # The role ends, the relationship does not: Karin stays in Sanne's network map, and in her choice.
    assert m.nominee_id is not None
    assert NetworkPerson.objects.filter(pk=m.nominee_id, young_person=world.young_person).exists()
    assert MentorChoice.objects.filter(person_id=m.nominee_id).exists()


# --- Every move by every party ---------------------------------------------------------------------------------

# Who may make each move (the nominee's own moves are tested with the link below). Written out, not derived from
# the table, so that a change to the table is a deliberate change here too.
ALLOWED: dict[str, set[str]] = {
    "invite": {"professional"},
    "invite_again": {"professional"},
    "talk": {"professional"},
    "decline": {"professional"},
    "start_screening": {"professional"},
    "screening_done": {"professional"},
    "give_mandate": {"young_person_user", "parent"},
    "activate": {"professional"},
    "step_back": {"professional"},
    "complete": {"professional"},
    "stop": {"young_person_user", "parent", "mentor", "professional", "coordinator"},
}
SOURCE = {
    "invite": State.NOMINATED,
    "invite_again": State.INVITED,
    "talk": State.INVITED,
    "decline": State.TALK,
    "start_screening": State.ACCEPTED,
    "screening_done": State.SCREENING,
    "give_mandate": State.MANDATE,
    "activate": State.AGREEMENT,
    "step_back": State.ACTIVE,
    "complete": State.STEPPED_BACK,
    "stop": State.ACTIVE,
}


def make_move(world: World, actor: User, m: Mentorship, move: str) -> Mentorship:
    """Make `move` as `actor` through the service the page uses for it."""
    step = MOVES[move]
    if move == "screening_done":
        services.mentorship_screening_record(actor=world.professional, mentorship=m, vog_issued_on=TODAY)
    if move == "activate":
        agree_all(world, m)
    if step.via == Via.INVITE:
        services.mentorship_invite(actor=actor, mentorship=m, first_name="Karin", phone="0612345678", by_sms=True)
    elif step.via == Via.MANDATE:
        services.mandate_give(actor=actor, mentorship=m, decision=Mandate.Decision.YES)
    elif step.via == Via.CLOSURE:
        services.mentorship_complete(
            actor=actor,
            mentorship=m,
            reason="Klaar",
            placement_averted="not_applicable",
            goals_young_person="yes",
            goals_parents="yes",
            satisfaction=4,
        )
    else:
        services.mentorship_move(actor=actor, mentorship=m, move=move, reason="Een reden")
    return refresh(m)


def test_the_table_covers_every_move_of_the_issue() -> None:
    assert set(MOVES) == set(ALLOWED) | {"ask_call", "accept"}
    assert MOVES["stop"].sources == frozenset(OPEN_STATES)
    assert {m.name for m in MOVES.values() if m.needs_reason} == {"decline", "complete", "stop"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("move", sorted(ALLOWED))
def test_each_move_is_made_only_by_the_parties_allowed(
    world: World, sms: list[tuple[str, str]], move: str, persona: str
) -> None:
    m = mentorship_at(world, SOURCE[move])
    actor = world.by_role(persona)
    if persona in ALLOWED[move]:
        after = make_move(world, actor, m, move)
        target = MOVES[move].target or SOURCE[move]
        # One parent's yes is not yet everyone's: the young person must say yes too.
        assert after.state == (State.MANDATE if move == "give_mandate" else target)
    else:
        with pytest.raises(PermissionDenied):
            make_move(world, actor, m, move)
        assert refresh(m).state == SOURCE[move]


@pytest.mark.parametrize("state", OPEN_STATES)
def test_any_party_can_stop_from_any_open_state_with_a_reason(world: World, state: str) -> None:
    m = mentorship_at(world, state)
    with pytest.raises(ValidationError) as refused:
        services.mentorship_move(actor=world.young_person_user, mentorship=m, move="stop", reason="  ")
    assert "reason" in refused.value.message_dict
    m = services.mentorship_move(actor=world.parent, mentorship=m, move="stop", reason="We willen het niet meer")
    assert (m.state, m.end_reason, m.ended_by, m.ended_on) == (
        "stopped",
        "We willen het niet meer",
        world.parent,
        TODAY,
    )
    assert not CheckIn.objects.filter(mentorship=m, held_on__isnull=True).exists()
    assert not Invitation.objects.filter(mentorship=m, used_at__isnull=True, revoked_at__isnull=True).exists()
    if m.mentor_id is None:
        assert (m.nominee_email, m.nominee_phone) == ("", ""), "a nominee who never said yes leaves no contact"


def test_the_mentor_can_stop_but_only_after_saying_yes(world: World) -> None:
    m = mentorship_at(world, State.INVITED)
    with pytest.raises(PermissionDenied):
        services.mentorship_move(actor=world.mentor, mentorship=m, move="stop", reason="Toch niet")
    m = _to_accepted(world, m)
    assert m.mentor == world.mentor
    m = services.mentorship_move(actor=world.mentor, mentorship=m, move="stop", reason="Ik verhuis")
    assert m.state == State.STOPPED


@pytest.mark.parametrize("move", ["talk", "start_screening", "screening_done", "activate", "step_back", "decline"])
def test_a_move_from_the_wrong_state_is_refused_naming_the_state(world: World, move: str) -> None:
    m = nominated(world)
    with pytest.raises(ValidationError) as refused:
        services.mentorship_move(actor=world.professional, mentorship=m, move=move, reason="x")
    assert "nominated" in " ".join(refused.value.messages)


def test_a_finished_mentorship_takes_no_more_moves(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    m = services.mentorship_move(actor=world.professional, mentorship=m, move="stop", reason="Klaar")
    with pytest.raises(ValidationError, match="stopped"):
        services.mentorship_move(actor=world.professional, mentorship=m, move="stop", reason="Nog eens")
    with pytest.raises(ValidationError):
        services.mentorship_move(actor=world.professional, mentorship=m, move="no_such_move")
    with pytest.raises(ValidationError):
        services.mentorship_move(actor=world.professional, mentorship=m, move="accept")


# --- Starting a nomination ------------------------------------------------------------------------------------


def test_the_professional_nominates_the_first_choice_or_a_chosen_one(world: World) -> None:
    karin, joke = choose(world)
    m = services.mentorship_nominate(actor=world.professional, young_person=world.young_person)
    assert (m.nominee, m.nominee_name, m.case, m.state) == (karin, "Karin", world.case, State.NOMINATED)
    services.mentorship_move(actor=world.professional, mentorship=m, move="stop", reason="Opnieuw")
    second = MentorChoice.objects.get(person=joke)
    m2 = services.mentorship_nominate(actor=world.professional, young_person=world.young_person, choice=second)
    assert m2.nominee == joke


@pytest.mark.parametrize("persona", ["coordinator", "parent", "young_person_user", "mentor", "outsider"])
def test_only_the_professional_of_the_case_starts_a_nomination(world: World, persona: str) -> None:
    choose(world)
    with pytest.raises(PermissionDenied):
        services.mentorship_nominate(actor=world.by_role(persona), young_person=world.young_person)


def test_a_nomination_needs_a_choice_of_this_young_person_and_no_open_mentorship(world: World) -> None:
    with pytest.raises(ValidationError, match="not chosen anyone"):
        services.mentorship_nominate(actor=world.professional, young_person=world.young_person)
    choose(world)
    foreign_person = NetworkPerson.objects.create(
        young_person=world.foreign_young_person,
        first_name="Vreemd",
        relation="friend",
        closeness=1,
        trusted=True,
        added_by=world.outsider,
    )
    foreign_choice = MentorChoice.objects.create(
        young_person=world.foreign_young_person, person=foreign_person, rank=1, chosen_by=world.outsider
    )
    with pytest.raises(ValidationError):
        services.mentorship_nominate(actor=world.professional, young_person=world.young_person, choice=foreign_choice)
    services.mentorship_nominate(actor=world.professional, young_person=world.young_person)
    with pytest.raises(ValidationError, match="already has a mentor"):
        services.mentorship_nominate(actor=world.professional, young_person=world.young_person)


def test_the_database_keeps_one_open_mentorship_per_young_person(world: World) -> None:
    from django.db import IntegrityError, transaction

    m = nominated(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Mentorship.objects.create(
            young_person=world.young_person, case=world.case, nominee_name="X", nominated_by=world.professional
        )
    Mentorship.objects.filter(pk=m.pk).update(state=State.STOPPED)
    Mentorship.objects.create(
        young_person=world.young_person, case=world.case, nominee_name="X", nominated_by=world.professional
    )


def test_the_choice_stays_as_it_is_while_a_nomination_waits_for_an_answer(world: World) -> None:
    karin, joke = choose(world)
    m = nominated(world)
    for state in NOMINATION_STATES:
        Mentorship.objects.filter(pk=m.pk).update(state=state)
        with pytest.raises(ValidationError, match="being asked to be your mentor"):
            mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[joke.pk])
        with pytest.raises(ValidationError, match="being asked to be your mentor"):
            networkperson_remove(actor=world.professional, person=joke)
    Mentorship.objects.filter(pk=m.pk).update(state=State.ACCEPTED)
    mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[joke.pk, karin.pk])


def test_after_a_no_the_professional_asks_the_next_choice(world: World) -> None:
    _karin, joke = choose(world)
    m = nominated(world)
    token = invite(world, m)
    services.invitation_decline(token=token, reason="Ik heb er geen tijd voor.")
    rows = selectors.nomination_choices(world.young_person)
    assert [row.earlier for row in rows] == ["the nominee said no", ""]
    nxt = services.mentorship_nominate(
        actor=world.professional, young_person=world.young_person, choice=MentorChoice.objects.get(person=joke)
    )
    assert nxt.nominee == joke


# --- The invitation link ----------------------------------------------------------------------------------------


def test_the_invitation_goes_by_sms_and_email_with_a_link_and_no_names(
    world: World, sms: list[tuple[str, str]], mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    m = nominated(world)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.mentorship_invite(
            actor=world.professional,
            mentorship=m,
            first_name="Karin",
            last_name="Bos",
            email="karin.bos@example.org",
            phone="06 1234 5678",
            by_sms=True,
            by_email=True,
        )
    [(to, body)] = sms
    assert to == "+31612345678"
    assert f"/mentoren/uitnodiging/{token}/" in body
    [email] = [e for e in mailoutbox if "karin.bos@example.org" in e.to]
    assert f"/mentoren/uitnodiging/{token}/" in email.body
    for text in (body, email.subject, email.body):
        assert "Sanne" not in text and "Karin" not in text and "Bos" not in text, "no names in an SMS or email"
    # Only a hash of the token is stored.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - timezone.now() > timedelta(days=13)
    m = refresh(m)
    assert (m.state, m.nominee_name, m.nominee_phone) == (State.INVITED, "Karin Bos", "+31612345678")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"first_name": "", "email": "a@b.nl", "by_email": True}, "first_name"),
        ({"first_name": "K", "email": "a@b.nl"}, "by_sms"),
        ({"first_name": "K", "by_sms": True}, "phone"),
        ({"first_name": "K", "by_email": True}, "email"),
        ({"first_name": "K", "phone": "hallo", "by_sms": True}, "phone"),
    ],
)
def test_an_invitation_needs_a_name_and_a_way_to_reach_the_nominee(
    world: World, arguments: dict[str, Any], field: str
) -> None:
    m = nominated(world)
    with pytest.raises(ValidationError) as refused:
        services.mentorship_invite(actor=world.professional, mentorship=m, **arguments)
    assert field in refused.value.message_dict
    assert refresh(m).state == State.NOMINATED


def test_the_invitation_days_are_a_setting(world: World, settings: Any) -> None:
    settings.MENTOR_INVITATION_DAYS = 3
    m = nominated(world)
    invitation, _token = services.mentorship_invite(
        actor=world.professional, mentorship=m, first_name="K", email="k@example.org", by_email=True
    )
    assert timedelta(days=2) < invitation.expires_at - timezone.now() <= timedelta(days=3)


def test_the_link_works_once(world: World) -> None:
    m = mentorship_at(world, State.NOMINATED)
    token = invite(world, m)
    assert selectors.invitation_lookup(token).status == "valid"
    services.invitation_accept(token=token, first_name="Karin", last_name="Bos")
    assert selectors.invitation_lookup(token).status == "used"
    with pytest.raises(ValidationError, match="already used"):
        services.invitation_accept(token=token, first_name="Karin", last_name="Bos")
    with pytest.raises(ValidationError, match="already used"):
        services.invitation_decline(token=token, reason="Toch niet")


def test_an_expired_link_is_refused_and_a_new_one_replaces_the_old(world: World) -> None:
    m = nominated(world)
    old = invite(world, m)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert selectors.invitation_lookup(old).status == "expired"
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(token=old, first_name="Karin", last_name="Bos")
    new = invite(world, refresh(m))
    assert refresh(m).state == State.INVITED, "a new link keeps the step"
    assert selectors.invitation_lookup(old).status == "replaced"
    with pytest.raises(ValidationError, match="newer link"):
        services.invitation_ask_call(token=old)
    assert selectors.invitation_lookup(new).status == "valid"


@pytest.mark.parametrize("token", ["", "abc", "x" * 43, "x" * 500, "../../etc", "%00"])
def test_a_wrong_link_opens_nothing(world: World, token: str) -> None:
    invite(world, nominated(world))
    assert selectors.invitation_lookup(token).status == "unknown"
    with pytest.raises(ValidationError, match="does not work"):
        services.invitation_accept(token=token, first_name="X", last_name="Y")


def test_a_link_of_a_stopped_mentorship_is_closed(world: World) -> None:
    m = nominated(world)
    token = invite(world, m)
    services.mentorship_move(actor=world.young_person_user, mentorship=m, move="stop", reason="Ik wil iemand anders")
    assert selectors.invitation_lookup(token).status == "closed"
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, first_name="Karin", last_name="Bos")


def test_asking_for_a_call_moves_to_the_talk_and_keeps_the_link(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    m = nominated(world)
    token = invite(world, m)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        m = services.invitation_ask_call(token=token)
    assert (m.state, m.talk_requested_at is not None) == (State.TALK, True)
    assert [e.to for e in mailoutbox] == [[world.professional.email]]
    assert "Sanne" not in mailoutbox[0].body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_ask_call(token=token)
    assert not mailoutbox, "asked once is enough"
    assert selectors.invitation_lookup(token).valid
    services.invitation_accept(token=token, first_name="Karin", last_name="Bos")
    assert refresh(m).state == State.ACCEPTED


def test_saying_no_records_the_reason_and_forgets_the_contact_details(world: World) -> None:
    m = nominated(world)
    token = invite(world, m, phone="0612345678", by_sms=True)
    with pytest.raises(ValidationError):
        services.invitation_decline(token=token, reason=" ")
    m = services.invitation_decline(token=token, reason="Ik woon te ver weg.")
    assert (m.state, m.end_reason, m.ended_by, m.nominee_email, m.nominee_phone) == (
        State.DECLINED,
        "Ik woon te ver weg.",
        None,
        "",
        "",
    )
    assert m.nominee is not None and NetworkPerson.objects.filter(pk=m.nominee.pk).exists()


def test_the_professional_records_a_no_said_on_the_phone(world: World) -> None:
    m = mentorship_at(world, State.TALK)
    m = services.mentorship_move(actor=world.professional, mentorship=m, move="decline", reason="Geen tijd")
    assert (m.state, m.ended_by) == (State.DECLINED, world.professional)


def test_accepting_after_an_sms_makes_a_minimal_account_with_a_password_link(
    world: World, sms: list[tuple[str, str]], mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    m = nominated(world)
    token = invite(world, m, email="", by_email=False, phone="06-12345678", by_sms=True)
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=token, first_name="Karin", last_name="Bos")
    assert "email" in refused.value.message_dict
    # Someone else's account cannot be attached by typing its address: only an emailed invitation links one.
    assert world.parent.email is not None
    with pytest.raises(ValidationError, match="already an account"):
        services.invitation_accept(token=token, first_name="Karin", last_name="Bos", email=world.parent.email)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mentor = services.invitation_accept(
            token=token, first_name=" Karin ", last_name="Bos", email="Karin.Nieuw@Example.org"
        )
    assert (mentor.first_name, mentor.last_name, mentor.phone) == ("Karin", "Bos", "+31612345678")
    assert mentor.email is not None and mentor.email.lower() == "karin.nieuw@example.org"
    assert not mentor.has_usable_password()
    assert set(mentor.roles.values_list("role", flat=True)) == {Role.MENTOR}
    [welcome] = [e for e in mailoutbox if mentor.email in e.to]
    assert "/accounts/password/reset/key/" in welcome.body
    m = refresh(m)
    assert (m.state, m.mentor, m.nominee_name) == (State.ACCEPTED, mentor, "Karin Bos")


def test_a_number_another_account_has_stays_off_the_new_mentors_account(world: World) -> None:
    # A number belongs to one account: the nominee's yes still makes the account, reachable by email.
    world.parent.phone = "+31612345678"
    world.parent.save(update_fields=["phone"])
    m = nominated(world)
    token = invite(world, m, email="", by_email=False, phone="06-12345678", by_sms=True)
    mentor = services.invitation_accept(token=token, first_name="Karin", last_name="Bos", email="karin@example.org")
    assert (mentor.phone, mentor.phone_verified) == ("", False)
    assert refresh(m).state == State.ACCEPTED


def test_the_number_an_sms_invitation_reached_is_proved_by_the_yes(world: World) -> None:
    m = nominated(world)
    token = invite(world, m, email="", by_email=False, phone="06-12345678", by_sms=True)
    mentor = services.invitation_accept(token=token, first_name="Karin", last_name="Bos", email="karin@example.org")
    mentor.refresh_from_db()
    assert (mentor.phone, mentor.phone_verified) == ("+31612345678", True)


def test_the_young_person_or_a_custodial_parent_cannot_be_the_mentor(world: World) -> None:
    m = nominated(world)
    token = invite(world, m, email=world.parent.email)
    with pytest.raises(ValidationError, match="cannot be the mentor"):
        services.invitation_accept(token=token, first_name="Marieke", last_name="X")
    assert refresh(m).mentor is None


def test_an_emailed_invitation_links_the_existing_account(world: World) -> None:
    m = mentorship_at(world, State.ACCEPTED)
    assert m.mentor == world.mentor
    assert User.objects.filter(email__iexact=world.mentor.email).count() == 1


# --- Screening -------------------------------------------------------------------------------------------------


def test_the_organisation_asks_a_vog_by_default_and_it_must_be_recorded(world: World) -> None:
    m = mentorship_at(world, State.SCREENING)
    assert m.vog_required is True
    with pytest.raises(ValidationError, match="VOG"):
        services.mentorship_move(actor=world.professional, mentorship=m, move="screening_done")
    with pytest.raises(ValidationError) as refused:
        services.mentorship_screening_record(
            actor=world.professional, mentorship=m, vog_issued_on=TODAY + timedelta(days=1)
        )
    assert "vog_issued_on" in refused.value.message_dict
    with pytest.raises(ValidationError, match="older than 3 years"):
        services.mentorship_screening_record(
            actor=world.professional, mentorship=m, vog_issued_on=TODAY - timedelta(days=4 * 365)
        )
    with pytest.raises(PermissionDenied):
        services.mentorship_screening_record(actor=world.coordinator, mentorship=m, vog_issued_on=TODAY)
    services.mentorship_screening_record(actor=world.professional, mentorship=m, vog_issued_on=TODAY)
    m = services.mentorship_move(actor=world.professional, mentorship=m, move="screening_done")
    assert (m.state, m.vog_checked_by) == (State.MANDATE, world.professional)


def test_an_organisation_that_asks_no_vog_of_its_buddies_asks_none_of_a_jim(world: World) -> None:
    ScreeningRequirement.objects.create(
        organisation=world.organisation, kind=VolunteerKind.BUDDY, step=ScreeningStep.INTAKE
    )
    assert not selectors.screening_needed(world.organisation.pk).vog
    m = mentorship_at(world, State.SCREENING)
    assert m.vog_required is False
    assert services.mentorship_move(actor=world.professional, mentorship=m, move="screening_done").state == "mandate"


# --- Mandate and consent by age --------------------------------------------------------------------------------


def set_age(world: World, years: int) -> None:
    YoungPerson.objects.filter(pk=world.young_person.pk).update(date_of_birth=born_years_ago(years))
    world.young_person.refresh_from_db()


def test_from_12_to_15_the_young_person_and_both_custodial_parents_say_yes(world: World) -> None:
    second = user_with_role(Role.PARENT, first_name="Jeroen")
    add_guardian(world.young_person, second)
    give_all_consents(world.young_person)  # Jeroen's yes to keep and share: the choice of a mentor needs it
    no_custody = user_with_role(Role.PARENT, first_name="Stiefvader")
    add_guardian(world.young_person, no_custody, custody=False)
    m = mentorship_at(world, State.MANDATE)
    status = selectors.mandate_status(m)
    assert [(p.given_as, p.user) for p in status.parties] == [
        ("young_person", world.young_person_user),
        ("custodial_parent", world.parent),
        ("custodial_parent", second),
    ]
    with pytest.raises(PermissionDenied):
        services.mandate_give(actor=no_custody, mentorship=m, decision="yes")
    services.mandate_give(actor=world.young_person_user, mentorship=m, decision="yes")
    services.mandate_give(actor=world.parent, mentorship=m, decision="reservations", reservations="Ze is druk.")
    assert refresh(m).state == State.MANDATE, "one parent is still missing"
    services.mandate_give(actor=second, mentorship=m, decision="yes")
    assert refresh(m).state == State.AGREEMENT
    answer = Mandate.objects.get(given_by=world.parent)
    assert (answer.decision, answer.reservations, answer.text_version) == (
        "reservations",
        "Ze is druk.",
        "jim-mandate-1",
    )


def test_reservations_must_be_written_down(world: World) -> None:
    m = mentorship_at(world, State.MANDATE)
    with pytest.raises(ValidationError) as refused:
        services.mandate_give(actor=world.parent, mentorship=m, decision="reservations", reservations=" ")
    assert "reservations" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.mandate_give(actor=world.parent, mentorship=m, decision="maybe")


def test_a_no_waits_for_a_talk_and_can_become_a_yes(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    m = mentorship_at(world, State.MANDATE)
    services.mandate_give(actor=world.young_person_user, mentorship=m, decision="yes")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.mandate_give(actor=world.parent, mentorship=m, decision="no")
    assert refresh(m).state == State.MANDATE
    assert selectors.mandate_status(refresh(m)).refused
    assert [e.to for e in mailoutbox] == [[world.professional.email]]
    services.mandate_give(actor=world.parent, mentorship=m, decision="yes")
    assert refresh(m).state == State.AGREEMENT
    history = list(Mandate.objects.filter(given_by=world.parent).values_list("decision", "replaced_at"))
    assert [d for d, _r in history] == ["no", "yes"] and history[0][1] is not None and history[1][1] is None


def test_under_12_the_custodial_parents_decide_and_the_child_is_heard(world: World) -> None:
    set_age(world, 10)
    m = mentorship_at(world, State.MANDATE)
    status = selectors.mandate_status(m)
    assert status.young_person_heard
    assert [p.given_as for p in status.parties] == ["custodial_parent"]
    with pytest.raises(PermissionDenied):
        services.mandate_give(actor=world.young_person_user, mentorship=m, decision="yes")
    services.mandate_give(actor=world.parent, mentorship=m, decision="yes")
    assert refresh(m).state == State.AGREEMENT


def test_from_16_the_young_person_decides_alone(world: World) -> None:
    set_age(world, 16)
    m = mentorship_at(world, State.MANDATE)
    with pytest.raises(PermissionDenied):
        services.mandate_give(actor=world.parent, mentorship=m, decision="yes")
    services.mandate_give(actor=world.young_person_user, mentorship=m, decision="yes")
    assert refresh(m).state == State.AGREEMENT


def test_from_18_the_young_person_alone_gives_the_mandate_and_the_parents_do_not_sign(world: World) -> None:
    set_age(world, 18)
    m = mentorship_at(world, State.MANDATE)
    assert [p.given_as for p in selectors.mandate_status(m).parties] == ["young_person"]
    with pytest.raises(PermissionDenied):
        services.mandate_give(actor=world.parent, mentorship=m, decision="yes")
    services.mandate_give(actor=world.young_person_user, mentorship=m, decision="yes")
    assert refresh(m).state == State.AGREEMENT
    parties = {party for _user, party in selectors.mentorship_signatories(refresh(m))}
    assert parties == {"young_person", "mentor", "professional"}, "custody ends at 18"


def test_the_professional_records_the_yes_of_a_young_person_without_an_account(world: World) -> None:
    set_age(world, 17)
    YoungPerson.objects.filter(pk=world.young_person.pk).update(user=None)
    world.young_person.refresh_from_db()
    m = mentorship_at(world, State.MANDATE)
    with pytest.raises(PermissionDenied):
        services.mandate_give(actor=world.coordinator, mentorship=m, decision="yes", for_young_person=True)
    services.mandate_give(actor=world.professional, mentorship=m, decision="yes", for_young_person=True)
    assert refresh(m).state == State.AGREEMENT
    assert Mandate.objects.get().given_as == "young_person"


def test_a_young_person_with_an_account_says_yes_themself(world: World) -> None:
    m = mentorship_at(world, State.MANDATE)
    with pytest.raises(PermissionDenied):
        services.mandate_give(actor=world.professional, mentorship=m, decision="yes", for_young_person=True)


def test_without_anyone_to_give_the_mandate_the_screening_cannot_finish(world: World) -> None:
    # The choice of a mentor needs the parents' consent, so they leave after the nomination.
    m = mentorship_at(world, State.SCREENING)
    set_age(world, 10)
    world.young_person.guardianships.all().delete()
    services.mentorship_screening_record(actor=world.professional, mentorship=m, vog_issued_on=TODAY)
    with pytest.raises(ValidationError, match="no parent with custody"):
        services.mentorship_move(actor=world.professional, mentorship=m, move="screening_done")


def test_the_mandate_is_only_given_at_its_step(world: World) -> None:
    m = mentorship_at(world, State.SCREENING)
    with pytest.raises(ValidationError, match="screening"):
        services.mandate_give(actor=world.parent, mentorship=m, decision="yes")


# --- The agreement ---------------------------------------------------------------------------------------------


def test_active_only_with_an_agreement_everyone_agreed_to(world: World) -> None:
    second = user_with_role(Role.PARENT, first_name="Jeroen")
    add_guardian(world.young_person, second)
    give_all_consents(world.young_person)  # Jeroen's yes to keep and share: the choice of a mentor needs it
    m = mentorship_at(world, State.MANDATE)
    for user in (world.young_person_user, world.parent, second):
        services.mandate_give(actor=user, mentorship=m, decision="yes")
    m = refresh(m)
    with pytest.raises(ValidationError, match="agreements"):
        services.mentorship_move(actor=world.professional, mentorship=m, move="activate")
    with pytest.raises(PermissionDenied, match="first agreements"):
        services.mentorship_agreement_propose(actor=world.mentor, mentorship=m, sections=JIM_TEXTS)
    with pytest.raises(PermissionDenied):
        services.mentorship_agreement_propose(actor=world.coordinator, mentorship=m, sections=JIM_TEXTS)
    version = services.mentorship_agreement_propose(actor=world.professional, mentorship=m, sections=JIM_TEXTS)
    assert {(s.user, s.party) for s in version.signatures.all()} == {
        (world.young_person_user, "young_person"),
        (world.mentor, "mentor"),
        (world.parent, "parent"),
        (second, "parent"),
        (world.professional, "professional"),
    }
    for user in (world.young_person_user, world.mentor, world.parent, second):
        services.mentorship_agreement_agree(actor=user, mentorship=m, version=version)
    with pytest.raises(ValidationError):
        services.mentorship_move(actor=world.professional, mentorship=m, move="activate")
    services.mentorship_agreement_agree(actor=world.professional, mentorship=m, version=version)
    assert services.mentorship_move(actor=world.professional, mentorship=m, move="activate").state == State.ACTIVE


def test_a_later_change_by_any_party_needs_everyone_again(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    first = AgreementVersion.objects.get(agreement=agreement_of(m))
    change = services.mentorship_agreement_propose(
        actor=world.mentor, mentorship=m, sections=JIM_TEXTS | {"meetings": "Elke week"}, change_note="Vaker"
    )
    assert change.number == 2 and change.in_force_at is None
    assert change.signatures.filter(agreed_at__isnull=True).count() == 4, "everyone but nobody has agreed yet"
    first.refresh_from_db()
    assert first.in_force_at is not None, "the version in force stays in force"
    services.mentorship_move(actor=world.parent, mentorship=m, move="stop", reason="Gestopt")
    with pytest.raises(ValidationError, match="ended"):
        services.mentorship_agreement_agree(actor=world.young_person_user, mentorship=m, version=change)


def test_a_version_of_another_mentorship_is_refused(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    other = Mentorship.objects.create(
        young_person=world.foreign_young_person,
        case=world.foreign_case,
        nominee_name="X",
        nominated_by=world.outsider,
        state=State.AGREEMENT,
    )
    foreign = services.mentorship_agreement_propose(actor=world.outsider, mentorship=other, sections=JIM_TEXTS)
    with pytest.raises(PermissionDenied):
        services.mentorship_agreement_agree(actor=world.young_person_user, mentorship=m, version=foreign)


# --- Check-ins, reminders, coaching notes, ratings ---------------------------------------------------------------


def test_starting_plans_the_first_check_in_with_a_reminder_a_week_before(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    planned = CheckIn.objects.get(mentorship=m, held_on__isnull=True)
    assert planned.due_on == TODAY + timedelta(weeks=8)
    task = DBTaskResult.objects.get(task_path=TASK)
    assert task.args_kwargs["args"] == [planned.pk]
    assert timezone.localtime(task.run_after).date() == planned.due_on - timedelta(weeks=1)


def test_recording_a_check_in_plans_the_next(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    held = services.checkin_record(actor=world.professional, mentorship=m, held_on=TODAY, note=" Gaat goed ")
    assert (held.held_on, held.note, held.recorded_by) == (TODAY, "Gaat goed", world.professional)
    planned = CheckIn.objects.get(mentorship=m, held_on__isnull=True)
    assert planned.due_on == TODAY + timedelta(weeks=8)
    with pytest.raises(ValidationError) as refused:
        services.checkin_record(actor=world.professional, mentorship=m, held_on=TODAY, note="Nog eens")
    assert "held_on" in refused.value.message_dict, "a form sent twice does not fill in the next one"
    for bad in (TODAY + timedelta(days=1), TODAY - timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.checkin_record(actor=world.professional, mentorship=m, held_on=bad, note="x")
    for persona in ("mentor", "coordinator", "parent"):
        with pytest.raises(PermissionDenied):
            services.checkin_record(actor=world.by_role(persona), mentorship=m, held_on=TODAY, note="x")
    # Check-ins go on after the professional stepped back.
    m = services.mentorship_move(actor=world.professional, mentorship=m, move="step_back")
    CheckIn.objects.filter(mentorship=m, held_on__isnull=False).update(held_on=TODAY - timedelta(days=1))
    Mentorship.objects.filter(pk=m.pk).update(started_on=TODAY - timedelta(days=2))
    services.checkin_record(actor=world.professional, mentorship=refresh(m), held_on=TODAY, note="Nog steeds goed")


def test_the_weeks_between_check_ins_are_set_from_1_to_26(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    for weeks in (0, 27):
        with pytest.raises(ValidationError):
            services.checkin_interval_set(actor=world.professional, mentorship=m, weeks=weeks)
    with pytest.raises(PermissionDenied):
        services.checkin_interval_set(actor=world.coordinator, mentorship=m, weeks=4)
    services.checkin_interval_set(actor=world.professional, mentorship=m, weeks=4)
    planned = CheckIn.objects.get(mentorship=m, held_on__isnull=True)
    assert (refresh(m).checkin_weeks, planned.due_on) == (4, TODAY + timedelta(weeks=4))
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 2


def test_the_reminder_is_sent_once_and_only_when_due(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    assert world.professional.email is not None and world.mentor.email is not None
    m = mentorship_at(world, State.ACTIVE)
    planned = CheckIn.objects.get(mentorship=m, held_on__isnull=True)
    assert not services.checkin_remind(checkin_id=planned.pk), "eight weeks away: too early"
    CheckIn.objects.filter(pk=planned.pk).update(due_on=TODAY + timedelta(days=6))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.checkin_remind(checkin_id=planned.pk)
        assert not services.checkin_remind(checkin_id=planned.pk)
    assert sorted(a for e in mailoutbox for a in e.to) == sorted([world.professional.email, world.mentor.email])
    assert "Sanne" not in mailoutbox[0].body and "Karin" not in mailoutbox[0].body
    assert not services.checkin_remind(checkin_id=987654)


def test_a_stopped_mentorship_has_no_planned_check_in_and_no_reminder(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    planned = CheckIn.objects.get(mentorship=m, held_on__isnull=True)
    services.mentorship_move(actor=world.mentor, mentorship=m, move="stop", reason="Verhuisd")
    assert not CheckIn.objects.filter(pk=planned.pk).exists()
    assert not services.checkin_remind(checkin_id=planned.pk)


@pytest.mark.django_db(transaction=True)
def test_the_reminder_task_runs_when_due_and_only_once(world: World, mailoutbox: list[EmailMessage]) -> None:
    m = mentorship_at(world, State.ACTIVE)
    planned = CheckIn.objects.get(mentorship=m, held_on__isnull=True)
    CheckIn.objects.filter(pk=planned.pk).update(due_on=TODAY + timedelta(days=3))
    DBTaskResult.objects.filter(task_path=TASK).update(run_after=timezone.now() - timedelta(minutes=1))
    mailoutbox.clear()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mailoutbox) == 2
    checkin_reminder.enqueue(planned.pk)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mailoutbox) == 2
    assert DBTaskResult.objects.filter(task_path=TASK, status="SUCCESSFUL").count() == 2


def test_coaching_notes_are_for_the_professionals_of_the_case_only(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    services.coachingnote_add(actor=world.professional, mentorship=m, text="Karin twijfelt of ze genoeg doet.")
    second = user_with_role(Role.PROFESSIONAL, world.organisation)
    from tests.factories import assign

    assign(world.case, second, lead=False)
    for persona in PERSONAS:
        user = world.by_role(persona)
        notes = selectors.coaching_notes_for(selectors.mentorship_parties(user, m), m)
        assert (notes is not None) == (persona == "professional"), persona
        if persona != "professional":
            with pytest.raises(PermissionDenied):
                services.coachingnote_add(actor=user, mentorship=m, text="x")
    notes = selectors.coaching_notes_for(selectors.mentorship_parties(second, m), m)
    assert notes is not None and [n.text for n in notes] == ["Karin twijfelt of ze genoeg doet."]
    with pytest.raises(ValidationError):
        services.coachingnote_add(actor=world.professional, mentorship=m, text="  ")


def test_the_young_person_and_the_mentor_rate_how_it_goes_several_times(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    services.rating_give(actor=world.young_person_user, mentorship=m, score=4, comment="Fijn")
    services.rating_give(actor=world.young_person_user, mentorship=m, score=5)
    services.rating_give(actor=world.mentor, mentorship=m, score=3, comment="Zoeken nog")
    assert list(Rating.objects.order_by("pk").values_list("given_as", "score")) == [
        ("young_person", 4),
        ("young_person", 5),
        ("mentor", 3),
    ]
    for persona in ("parent", "professional", "coordinator", "outsider"):
        with pytest.raises(PermissionDenied):
            services.rating_give(actor=world.by_role(persona), mentorship=m, score=3)
    for score in (0, 6):
        with pytest.raises(ValidationError):
            services.rating_give(actor=world.mentor, mentorship=m, score=score)

    def seen(persona: str) -> int:
        user = world.by_role(persona)
        return len(selectors.ratings_for(user, selectors.mentorship_parties(user, m), m))

    assert (seen("professional"), seen("young_person_user"), seen("mentor"), seen("parent"), seen("coordinator")) == (
        3,
        2,
        1,
        0,
        0,
    )


def test_ratings_only_while_running(world: World) -> None:
    m = mentorship_at(world, State.AGREEMENT)
    with pytest.raises(ValidationError):
        services.rating_give(actor=world.young_person_user, mentorship=m, score=4)


# --- Closure ---------------------------------------------------------------------------------------------------------


def test_completing_needs_the_reason_and_every_outcome_field(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    with pytest.raises(ValidationError) as refused:
        services.mentorship_complete(
            actor=world.professional,
            mentorship=m,
            reason="Klaar",
            placement_averted="misschien",
            goals_young_person="",
            goals_parents="yes",
            satisfaction=9,
        )
    assert set(refused.value.message_dict) == {"placement_averted", "goals_young_person", "satisfaction"}
    with pytest.raises(ValidationError) as refused:
        services.mentorship_complete(
            actor=world.professional,
            mentorship=m,
            reason="",
            placement_averted="yes",
            goals_young_person="yes",
            goals_parents="yes",
            satisfaction=3,
        )
    assert "reason" in refused.value.message_dict
    m = services.mentorship_complete(
        actor=world.professional,
        mentorship=m,
        reason="Doelen bereikt",
        placement_averted="yes",
        goals_young_person="yes",
        goals_parents="partly",
        satisfaction=4,
    )
    assert (m.state, m.placement_averted, m.goals_parents, m.satisfaction, m.end_reason) == (
        State.COMPLETED,
        "yes",
        "partly",
        4,
        "Doelen bereikt",
    )


def test_the_professional_records_the_outcome_after_someone_stopped(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    outcome: dict[str, Any] = {
        "placement_averted": "no",
        "goals_young_person": "no",
        "goals_parents": "unknown",
        "satisfaction": 2,
    }
    with pytest.raises(ValidationError, match="ended"):
        services.mentorship_outcome_record(actor=world.professional, mentorship=m, **outcome)
    services.mentorship_move(actor=world.young_person_user, mentorship=m, move="stop", reason="Klikt niet")
    for persona in ("coordinator", "young_person_user", "mentor"):
        with pytest.raises(PermissionDenied):
            services.mentorship_outcome_record(actor=world.by_role(persona), mentorship=m, **outcome)
    m = services.mentorship_outcome_record(actor=world.professional, mentorship=m, **outcome)
    assert (m.state, m.placement_averted, m.satisfaction) == (State.STOPPED, "no", 2)


# --- Who sees a mentorship, and notices -------------------------------------------------------------------------


def test_who_sees_a_mentorship(world: World) -> None:
    m = mentorship_at(world, State.ACTIVE)
    seers = {p for p in PERSONAS if selectors.mentorship_visible_to(world.by_role(p)).filter(pk=m.pk).exists()}
    assert seers == {"young_person_user", "parent", "mentor", "professional", "coordinator"}
    services.mentorship_move(actor=world.professional, mentorship=m, move="stop", reason="x")
    assert selectors.mentorship_visible_to(world.mentor).filter(pk=m.pk).exists(), "history stays readable"
    assert not selectors.mentorship_writable_by(world.mentor).filter(pk=m.pk).exists()


def test_the_other_parties_hear_of_each_step_without_names(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    m = mentorship_at(world, State.SCREENING)
    services.mentorship_screening_record(actor=world.professional, mentorship=m, vog_issued_on=TODAY)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.mentorship_move(actor=world.professional, mentorship=m, move="screening_done")
    assert {a for e in mailoutbox for a in e.to} == {
        world.young_person_user.email,
        world.parent.email,
        world.mentor.email,
    }
    for email in mailoutbox:
        assert "Sanne" not in email.body and "Karin" not in email.body


def test_finished_states_are_the_closures() -> None:
    assert FINISHED_STATES == {"declined", "completed", "stopped"}


# --- Two people at the same moment (PostgreSQL) ----------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_parents_giving_the_last_yes_at_once_move_on_once(world: World, mailoutbox: list[EmailMessage]) -> None:
    second = user_with_role(Role.PARENT, first_name="Jeroen")
    add_guardian(world.young_person, second)
    give_all_consents(world.young_person)  # Jeroen's yes to keep and share: the choice of a mentor needs it
    m = mentorship_at(world, State.MANDATE)
    services.mandate_give(actor=world.young_person_user, mentorship=m, decision="yes")
    _results, errors = at_once(
        lambda: services.mandate_give(actor=world.parent, mentorship=m, decision="yes"),
        lambda: services.mandate_give(actor=second, mentorship=m, decision="yes"),
    )
    assert not errors, errors
    assert refresh(m).state == State.AGREEMENT
    assert Mandate.objects.filter(mentorship=m, replaced_at__isnull=True).count() == 3


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_professionals_nominating_at_once_make_one_nomination(world: World) -> None:
    choose(world)
    colleague = user_with_role(Role.PROFESSIONAL, world.organisation)
    from tests.factories import assign

    assign(world.case, colleague, lead=False)
    results, errors = at_once(
        *(
            (lambda actor=actor: services.mentorship_nominate(actor=actor, young_person=world.young_person))
            for actor in (world.professional, colleague, world.professional)
        )
    )
    assert len(results) == 1 and len(errors) == 2
    assert all(isinstance(error, ValidationError) for error in errors), errors
    assert Mentorship.objects.filter(young_person=world.young_person).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_yes_and_a_stop_at_once_leave_a_stopped_mentorship_either_way(world: World) -> None:
    m = nominated(world)
    token = invite(world, m)
    results, errors = at_once(
        lambda: services.invitation_accept(token=token, first_name="Karin", last_name="Bos"),
        lambda: services.mentorship_move(actor=world.young_person_user, mentorship=m, move="stop", reason="Nee"),
    )
    assert all(isinstance(error, ValidationError) for error in errors), errors
    assert refresh(m).state == State.STOPPED
    assert len(results) + len(errors) == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_choice_changed_while_nominating_waits_for_the_lock(world: World) -> None:
    karin, joke = choose(world)
    _results, errors = at_once(
        lambda: services.mentorship_nominate(actor=world.professional, young_person=world.young_person),
        lambda: mentorchoice_set(actor=world.young_person_user, young_person=world.young_person, person_ids=[joke.pk]),
    )
    assert all(isinstance(error, ValidationError) for error in errors), errors
    m = Mentorship.objects.get(young_person=world.young_person)
    ranks = list(MentorChoice.objects.filter(young_person=world.young_person).values_list("person_id", flat=True))
    # Either the nomination came first (the choice was refused and Karin is asked), or the choice did (Joke is).
    assert (m.nominee_id, ranks) in [(karin.pk, [karin.pk, joke.pk]), (joke.pk, [joke.pk])]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_reminders_at_once_send_one_notice(world: World, mailoutbox: list[EmailMessage]) -> None:
    m = mentorship_at(world, State.ACTIVE)
    planned = CheckIn.objects.get(mentorship=m, held_on__isnull=True)
    CheckIn.objects.filter(pk=planned.pk).update(due_on=TODAY + timedelta(days=2))
    mailoutbox.clear()
    results, errors = at_once(*(lambda: services.checkin_remind(checkin_id=planned.pk) for _ in range(4)))
    assert not errors, errors
    assert sorted(results) == [False, False, False, True]
    assert len(mailoutbox) == 2


def test_the_demo_world_has_mentorships_in_several_states(db: None) -> None:
    from demo.world import HISTORY_ORGANISATION, demo_load
    from mentors.selectors import checkins_of

    demo_load(history=False)
    # The made-up history for the figures (its own organisation, no demo login) has mentorships of its own.
    cast = Mentorship.objects.exclude(case__organisation__name=HISTORY_ORGANISATION)
    states = {(m.young_person.first_name, m.state) for m in cast.select_related("young_person")}
    assert states == {("Sanne", "stopped"), ("Sanne", "active"), ("Mees", "declined"), ("Mees", "invited")}
    assert not YoungPerson.objects.get(first_name="Daan").network.exists(), "Daan's map stays empty for its search"
    sanne = Mentorship.objects.get(young_person__first_name="Sanne", state="active")
    assert sanne.mentor is not None and sanne.mentor.email == "karin@demo.dichtbij.example"
    assert AgreementVersion.objects.filter(agreement=agreement_of(sanne), in_force_at__isnull=False).exists()
    planned, _held = checkins_of(sanne)
    assert planned is not None and planned.due_on == TODAY + timedelta(weeks=8)
    demo_load(history=False)
    assert cast.count() == 4
