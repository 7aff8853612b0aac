"""Logging in without a password: with a mobile number or email address and a one-time code (allauth's login by
code), and the accounts that this needs: an account may have only a mobile number, and a number belongs to one
account. Only the SMS transport is faked (it records what would be sent)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.notify import contact_channel, notify
from accounts.services import user_invite, user_phone_verified
from tests.builders.accounts import CONFIRM_CODE, REQUEST_CODE, ask_code, code_in, logged_in_user_id
from tests.conftest import World
from tests.factories import PASSWORD, UserFactory, user_with_role

# --- Accounts reachable by phone only ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_accounts_without_email_address_store_null_and_do_not_collide() -> None:
    first = User.objects.create_user(email="", phone="+31611111111")
    second = User.objects.create_user(email=None, phone="+31622222222")
    assert first.email is None and second.email is None
    assert str(first) == "+31611111111"  # no name yet: the number says who it is


@pytest.mark.django_db
def test_the_database_refuses_an_empty_email_address() -> None:
    UserFactory(email=None, phone="+31611111111")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(phone="+31611111111").update(email="")


@pytest.mark.django_db
def test_two_accounts_cannot_share_a_mobile_number() -> None:
    UserFactory(phone="+31612345678")
    UserFactory(phone="")  # many accounts have no number: they do not collide
    UserFactory(phone="")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(phone="+31612345678")


@pytest.mark.django_db
def test_a_number_is_stored_in_one_form_and_the_same_number_in_another_form_is_refused() -> None:
    UserFactory(phone="+31612345678")
    other = UserFactory.build(email="ander@test.example", phone="06 1234 5678")
    with pytest.raises(ValidationError) as error:
        other.full_clean()
    assert "phone" in error.value.message_dict
    alone = UserFactory.build(email="alleen@test.example", phone="0031 6 8765 4321")
    alone.full_clean(exclude=["password"])
    assert alone.phone == "+31687654321"


def test_the_admin_says_so_on_the_field_when_the_number_is_taken(world: World, client: Client) -> None:
    superuser = user_with_role(Role.ADMIN, is_staff=True, is_superuser=True, first_name="Beheer")
    client.force_login(superuser)
    world.professional.phone = "+31612345678"
    world.professional.save(update_fields=["phone"])
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "nieuw@test.example",
            "phone": "06-12345678",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["phone"] == ["Een ander account heeft dit mobiele nummer al."]
    assert not User.objects.filter(email="nieuw@test.example").exists()


def test_the_admin_asks_for_an_email_address_or_a_number(world: World, client: Client) -> None:
    superuser = user_with_role(Role.ADMIN, is_staff=True, is_superuser=True, first_name="Beheer")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "", "phone": "", "usable_password": "false", "password1": "", "password2": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not User.objects.filter(email__isnull=True, phone="").exists()


@pytest.mark.django_db(transaction=True)
def test_a_phone_only_account_gets_notices_by_sms(sms: list[tuple[str, str]]) -> None:
    person = UserFactory(phone_only=True, contact_preference=User.Contact.EMAIL)  # the choice cannot be used
    notify([person], notice=gettext_lazy("Your network has changed."), path="/netwerk/")
    assert len(sms) == 1
    to, body = sms[0]
    assert to == person.phone
    assert "/netwerk/" in body
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_someone_with_neither_address_nor_number_is_skipped_and_logged(
    sms: list[tuple[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = UserFactory(email=None, phone="")
    reachable = UserFactory()
    with caplog.at_level(logging.WARNING, logger="accounts.notify"):
        notify([unreachable, reachable], notice=gettext_lazy("Your network has changed."), path="/netwerk/")
    assert sms == []
    assert [message.to for message in mail.outbox] == [[reachable.email]]
    assert f"user {unreachable.pk} skipped" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_inviting_by_phone_only_makes_an_sms_account_and_welcomes_it_by_sms(sms: list[tuple[str, str]]) -> None:
    user = user_invite(phone="06 12 34 56 78", first_name="Sanne", last_name="de Vries", role=Role.YOUNG_PERSON)
    assert (user.email, user.phone, user.phone_verified) == (None, "+31612345678", False)
    assert user.contact_preference == User.Contact.SMS
    assert not user.has_usable_password()
    assert len(sms) == 1 and sms[0][0] == "+31612345678"
    assert "Sanne" not in sms[0][1]
    assert reverse("account_login") in sms[0][1]
    assert mail.outbox == []
    # The same number written differently finds the same account, and sends nothing new.
    again = user_invite(phone="+31 6 1234 5678", first_name="Sanne", last_name="", role=Role.YOUNG_PERSON)
    assert again.pk == user.pk
    assert len(sms) == 1


@pytest.mark.django_db
def test_inviting_a_new_address_with_a_number_of_another_account_is_refused() -> None:
    UserFactory(phone="+31612345678")
    with pytest.raises(ValidationError) as error:
        user_invite(email="nieuw@test.example", phone="0612345678", first_name="A", last_name="B", role=Role.PARENT)
    assert "phone" in error.value.message_dict
    assert not User.objects.filter(email="nieuw@test.example").exists()


@pytest.mark.django_db
def test_inviting_needs_an_address_or_a_number() -> None:
    with pytest.raises(ValidationError) as error:
        user_invite(first_name="A", last_name="B", role=Role.PARENT)
    assert "email" in error.value.message_dict


@pytest.mark.django_db
def test_proving_a_number_marks_only_that_number() -> None:
    user = UserFactory(email=None, phone="+31612345678")
    assert not user_phone_verified(user=user, phone="+31699999999")
    user.refresh_from_db()
    assert not user.phone_verified
    assert user_phone_verified(user=user, phone="06 12345678")
    user.refresh_from_db()
    assert user.phone_verified


# --- Login by code ------------------------------------------------------------------------------------------------

LOGIN = "/accounts/login/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"


def test_the_login_page_offers_a_code_first_with_one_field_and_a_password_after(client: Client, db: None) -> None:
    page = client.get(LOGIN).content.decode()
    code_at, password_at = page.index("Log in met een code"), page.index("Of log in met je wachtwoord")
    assert code_at < password_at
    assert page.count("Je telefoonnummer of e-mailadres") == 1
    assert f'action="{REQUEST_CODE}"' in page
    assert 'name="password"' in page  # the password login stays


def test_a_code_by_email_logs_in(client: Client, world: World) -> None:
    parent = world.parent
    assert parent.email is not None
    response = ask_code(client, parent.email.upper())
    assert response.status_code == 302 and response["Location"] == CONFIRM_CODE
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [parent.email]
    assert "Je inlogcode" in message.subject
    page = client.get(CONFIRM_CODE).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    response = client.post(CONFIRM_CODE, {"code": code_in(str(message.body))})
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in_user_id(client) == parent.pk


def test_a_code_by_sms_logs_in_and_the_sms_holds_the_code_and_no_name(
    client: Client, world: World, sms: list[tuple[str, str]]
) -> None:
    young = world.young_person_user
    young.phone = "+31612345678"
    young.save(update_fields=["phone"])
    response = ask_code(client, "06 12 34 56 78")
    assert response["Location"] == CONFIRM_CODE
    assert mail.outbox == []
    assert len(sms) == 1
    to, body = sms[0]
    assert to == "+31612345678"
    assert body.startswith("Je inlogcode voor Dichtbij is ")
    for name in (young.first_name, young.last_name, world.young_person.first_name):
        assert name not in body
    response = client.post(CONFIRM_CODE, {"code": code_in(body)})
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == young.pk
    young.refresh_from_db()
    assert young.phone_verified  # typing the code proved the number


def test_a_phone_only_account_logs_in_by_sms_without_an_email_check(
    client: Client, db: None, sms: list[tuple[str, str]]
) -> None:
    user = user_with_role(Role.YOUNG_PERSON, phone_only=True)
    ask_code(client, user.phone)
    response = client.post(CONFIRM_CODE, {"code": code_in(sms[0][1])})
    # Mandatory email verification would send this person to "check your email", with no address to check.
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == user.pk


def test_a_wrong_code_says_so_in_dutch_and_after_the_last_try_the_code_is_dead(
    client: Client, world: World, settings: Any
) -> None:
    assert world.parent.email is not None
    ask_code(client, world.parent.email)
    right = code_in(str(mail.outbox[0].body))
    wrong = "000000" if right != "000000" else "111111"
    for _attempt in range(settings.ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS - 1):
        response = client.post(CONFIRM_CODE, {"code": wrong})
        assert response.status_code == 200
        assert "Deze code klopt niet." in response.content.decode()
    response = client.post(CONFIRM_CODE, {"code": wrong}, follow=True)
    assert response.redirect_chain[0][0] == REQUEST_CODE
    assert "Te veel pogingen." in response.content.decode()
    # The right code no longer works: the login it belonged to is gone.
    response = client.post(CONFIRM_CODE, {"code": right})
    assert response.status_code == 302 and response["Location"] == REQUEST_CODE
    assert logged_in_user_id(client) is None


def test_an_expired_code_does_not_log_in_and_says_why(client: Client, world: World, settings: Any) -> None:
    assert world.parent.email is not None
    ask_code(client, world.parent.email)
    code = code_in(str(mail.outbox[0].body))
    session = client.session
    stage = session["account_login"]["state"]["stages"]["login_by_code"]["data"]
    stage["at"] -= settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT + 1  # the code was made longer ago than it works
    session.save()
    response = client.post(CONFIRM_CODE, {"code": code}, follow=True)
    assert response.redirect_chain[0][0] == REQUEST_CODE
    assert "Je code is verlopen." in response.content.decode()
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("contact", ["niemand@test.example", "06 99 99 99 99"])
def test_an_unknown_address_or_number_gets_the_same_answer_and_nothing_is_sent(
    client: Client, world: World, sms: list[tuple[str, str]], contact: str
) -> None:
    assert world.parent.email is not None
    known = world.parent.email if "@" in contact else "+31612345678"
    if "@" not in contact:
        world.parent.phone = known
        world.parent.save(update_fields=["phone"])
    unknown_response = ask_code(client, contact)
    unknown_page = client.get(CONFIRM_CODE)
    assert mail.outbox == [] and sms == []
    other = Client()
    known_response = ask_code(other, known)
    known_page = other.get(CONFIRM_CODE)
    assert (unknown_response.status_code, unknown_response["Location"]) == (
        known_response.status_code,
        known_response["Location"],
    )
    assert unknown_page.status_code == known_page.status_code == 200
    # The pages differ only in the address or number that was typed in.
    typed = contact if "@" in contact else "+31699999999"
    assert _without(unknown_page.content.decode(), typed) == _without(known_page.content.decode(), known)


def _without(page: str, contact: str) -> str:
    """The page with the typed address or number and the (per-request) form tokens left out."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page).replace(contact, "X")


def test_asking_too_often_says_so_and_sends_nothing_more(
    client: Client, world: World, sms: list[tuple[str, str]], settings: Any
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_login_code": "100/m/ip,2/10m/key"}
    world.parent.phone = "+31612345678"
    world.parent.save(update_fields=["phone"])
    for _attempt in range(2):
        assert ask_code(Client(), "0612345678").status_code == 302
    assert len(sms) == 2
    response = ask_code(client, "+31 6 12345678")  # the same number, written otherwise, counts the same
    assert response.status_code == 200
    assert "Te veel pogingen. Wacht een paar minuten en probeer het dan opnieuw." in response.content.decode()
    assert len(sms) == 2
    # An unknown number is counted the same way, so the limit says nothing about whether an account exists.
    for _attempt in range(2):
        assert ask_code(Client(), "0699999999").status_code == 302
    assert "Te veel pogingen." in ask_code(Client(), "0699999999").content.decode()
    assert len(sms) == 2


def test_an_inactive_account_gets_no_code_and_cannot_log_in(
    client: Client, world: World, sms: list[tuple[str, str]]
) -> None:
    parent = world.parent
    parent.phone, parent.is_active = "+31612345678", False
    parent.save(update_fields=["phone", "is_active"])
    assert parent.email is not None
    for contact in (parent.email, "0612345678"):
        response = ask_code(client, contact)
        assert response["Location"] == CONFIRM_CODE  # the same answer as for anyone
    assert mail.outbox == [] and sms == []
    # Whatever is typed, nothing logs in.
    assert client.post(CONFIRM_CODE, {"code": "123456"}).status_code == 200
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("role", ["professional", "coordinator", "analyst", "admin"])
def test_staff_logging_in_by_code_still_get_the_second_step(
    client: Client, world: World, sms: list[tuple[str, str]], role: str
) -> None:
    staff = world.by_role(role)
    staff.phone = "+31612345678"
    staff.save(update_fields=["phone"])
    ask_code(client, "0612345678")
    response = client.post(CONFIRM_CODE, {"code": code_in(sms[0][1])})
    assert response.status_code == 302 and response["Location"] == MFA_AUTHENTICATE
    assert logged_in_user_id(client) is None  # not logged in until the second factor
    page = client.get(MFA_AUTHENTICATE).content.decode()
    assert "Je code klopt." in page and "Nu de tweede stap" in page
    assert "Je wachtwoord klopt." not in page  # there was no password
    assert client.get("/")["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", ["young_person_user", "parent", "mentor", "volunteer"])
def test_young_people_parents_and_volunteers_log_in_by_code_without_a_second_step(
    client: Client, world: World, role: str
) -> None:
    person = world.by_role(role)
    assert person.email is not None
    ask_code(client, person.email)
    response = client.post(CONFIRM_CODE, {"code": code_in(str(mail.outbox[0].body))})
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == person.pk


def test_a_password_login_by_mobile_number_still_works(client: Client, world: World) -> None:
    world.parent.phone = "+31612345678"
    world.parent.save(update_fields=["phone"])
    response = client.post(LOGIN, {"login": "06-12345678", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in_user_id(client) == world.parent.pk


def test_the_code_field_says_what_it_wants_when_it_is_neither_number_nor_address(client: Client, db: None) -> None:
    response = ask_code(client, "hallo")
    assert response.status_code == 200
    assert "Dit is geen telefoonnummer of e-mailadres." in response.content.decode()
    response = ask_code(client, "hallo@")
    assert "Dit is geen e-mailadres." in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("email", "phone", "preference", "expected"),
    [
        ("a@test.example", "+31612345678", User.Contact.SMS, User.Contact.SMS),
        ("a@test.example", "+31612345678", User.Contact.EMAIL, User.Contact.EMAIL),
        ("a@test.example", "", User.Contact.SMS, User.Contact.EMAIL),  # no number: the address it is
        (None, "+31612345678", User.Contact.EMAIL, User.Contact.SMS),  # no address: the number it is
        (None, "", User.Contact.EMAIL, None),
    ],
)
def test_how_a_person_is_reached(email: str | None, phone: str, preference: str, expected: str | None) -> None:
    # The same rule for notices (accounts.notify) and chat notices (messaging).
    user = User(email=email, phone=phone, contact_preference=preference)
    assert contact_channel(user) == expected


def test_a_new_code_can_be_asked_for_and_only_the_newest_works(
    client: Client, world: World, sms: list[tuple[str, str]], settings: Any
) -> None:
    world.parent.phone = "+31612345678"
    world.parent.save(update_fields=["phone"])
    ask_code(client, "0612345678")
    first = code_in(sms[0][1])
    assert "Stuur mij een nieuwe code" in client.get(CONFIRM_CODE).content.decode()
    response = client.post(CONFIRM_CODE, {"action": "resend"})
    assert response["Location"] == CONFIRM_CODE
    assert len(sms) == 2
    newest = code_in(sms[1][1])
    if newest != first:
        assert client.post(CONFIRM_CODE, {"code": first}).status_code == 200  # the old one no longer fits
    response = client.post(CONFIRM_CODE, {"code": newest})
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == world.parent.pk


def test_the_page_for_the_code_shows_how_long_it_works(client: Client, world: World, settings: Any) -> None:
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
    assert world.parent.email is not None
    ask_code(client, world.parent.email)
    assert "De code werkt 5 minuten." in client.get(CONFIRM_CODE).content.decode()
    assert "De code werkt 5 minuten." in str(mail.outbox[0].body)


@pytest.mark.django_db(transaction=True)
def test_the_welcome_email_also_says_how_to_log_in_with_a_code(sms: list[tuple[str, str]]) -> None:
    """A parent added with a new address may never choose a password: the welcome names the login page and the code,
    in Dutch (the default)."""
    user_invite(email="anouk@test.example", first_name="Anouk", last_name="", role=Role.PARENT)
    [welcome] = mail.outbox
    body = str(welcome.body)
    assert "/accounts/password/reset/key/" in body
    assert "Je kunt ook inloggen zonder wachtwoord." in body
    assert re.search(r"https?://\S+/accounts/login/\s", body), body
