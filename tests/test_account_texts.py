"""The login, password and second-step pages and emails of allauth speak our plain Dutch, not allauth's own."""

from __future__ import annotations

import hashlib
import re

import pytest
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import mail
from django.test import Client
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData

from accounts.models import Role, User
from tests.conftest import World
from tests.factories import PASSWORD, user_with_role

# Words from allauth's own Dutch translation that our texts replace.
ALLAUTH_WORDS = ["Afmelden", "Twee-factor", "twee-factor", "a.u.b.", "Authenticeer", "Authenticator code", "Ongeldige"]

MFA_INDEX = "/accounts/2fa/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
PASSWORD_RESET = "/accounts/password/reset/"


def assert_our_words(text: str, *expected: str) -> None:
    for phrase in expected:
        assert phrase in text, f"missing {phrase!r}"
    for word in ALLAUTH_WORDS:
        assert word not in text, f"allauth's wording {word!r} is still there"


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return response.content.decode()


def log_in_with_password(client: Client, user: User) -> None:
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE


def add_security_key(user: User) -> Authenticator:
    """A WebAuthn authenticator as allauth stores it, from a registration made up with a fresh key pair."""
    public_key = ES256.from_cryptography_key(ec.generate_private_key(ec.SECP256R1()).public_key())
    credential_data = AttestedCredentialData.create(b"\0" * 16, b"test-key", public_key)
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT
    auth_data = AuthenticatorData.create(hashlib.sha256(b"testserver").digest(), flags, 0, credential_data)
    client_data = CollectedClientData.create(CollectedClientData.TYPE.CREATE, b"challenge", "http://testserver")
    credential = {
        "id": websafe_encode(b"test-key"),
        "rawId": websafe_encode(b"test-key"),
        "type": "public-key",
        "response": {
            "clientDataJSON": websafe_encode(client_data),
            "attestationObject": websafe_encode(AttestationObject.create("none", auth_data, {})),
        },
        "clientExtensionResults": {},
    }
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Blauwe sleutel", "credential": credential}
    )


def test_logout_page(client: Client, world: World) -> None:
    client.force_login(world.parent)
    page = page_text(client, "/accounts/logout/")
    assert_our_words(page, "<h1>Uitloggen</h1>", "Wil je uitloggen?")
    # The form still logs out.
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert_our_words(page_text(client, "/accounts/login/"), "Je bent uitgelogd.")


def test_password_reset_page(client: Client, db: None) -> None:
    page = page_text(client, PASSWORD_RESET)
    assert_our_words(page, "<h1>Wachtwoord vergeten?</h1>", "Vul je e-mailadres in.", "Stuur mij een e-mail")
    assert 'name="email"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_password_reset_email_and_link(client: Client, world: World) -> None:
    response = client.post(PASSWORD_RESET, {"email": world.parent.email})
    assert response.status_code == 302
    assert_our_words(page_text(client, response["Location"]), "Kijk in je e-mail")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    body = str(message.body)
    assert message.to == [world.parent.email]
    assert message.subject == "[Dichtbij] Kies een nieuw wachtwoord"
    assert_our_words(
        body,
        "Hallo,",
        "Iemand wil een nieuw wachtwoord voor je account bij Dichtbij.",
        "De link werkt één keer.",
        "Dan hoef je niets te doen.",
        "Groeten van Dichtbij",
    )
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", body)
    assert link is not None, body

    # The link leads to our page for choosing the new password, with allauth's form on it.
    response = client.get(link.group(1))
    assert response.status_code == 302
    page = page_text(client, response["Location"])
    assert_our_words(page, "<h1>Kies een nieuw wachtwoord</h1>", "Nieuw wachtwoord nog een keer", "Wachtwoord opslaan")
    assert 'name="password1"' in page and 'name="password2"' in page


def test_password_reset_for_an_unknown_address_does_not_offer_signup(client: Client, db: None) -> None:
    client.post(PASSWORD_RESET, {"email": "onbekend@test.example"})
    assert len(mail.outbox) == 1
    body = str(mail.outbox[0].body)
    assert_our_words(body, "Maar er is geen account met dit e-mailadres.", "van je professional of coördinator")
    assert "/accounts/signup/" not in body


def test_used_reset_link(client: Client, db: None) -> None:
    page = page_text(client, "/accounts/password/reset/key/1-not-a-key/")
    assert_our_words(page, "<h1>Deze link werkt niet meer</h1>", "Vraag een nieuwe link aan")


def test_mfa_index_for_a_professional_without_second_step(client: Client, world: World) -> None:
    professional = user_with_role(Role.PROFESSIONAL, world.organisation, mfa=False)
    client.force_login(professional)
    # Staff without a second step land here from every other page.
    assert client.get("/")["Location"] == MFA_INDEX

    page = page_text(client, MFA_INDEX)
    assert_our_words(
        page,
        "<h1>Tweestapsverificatie</h1>",
        "een tweede stap bij het inloggen",
        "Tweestapsverificatie staat nog niet aan.",
        "Daarom moet je eerst tweestapsverificatie aanzetten.",
        "Log in met je wachtwoord en daarna met een code uit een app op je telefoon",
        "App instellen",
        "Beveiligingssleutel toevoegen",
    )
    # The app comes first, the security key second.
    assert page.index('href="/accounts/2fa/totp/activate/"') < page.index('href="/accounts/2fa/webauthn/add/"')


def test_mfa_index_when_the_second_step_is_on(client: Client, world: World) -> None:
    client.force_login(world.professional)
    page = page_text(client, MFA_INDEX)
    assert_our_words(page, "Tweestapsverificatie staat aan.", "App uitzetten")
    assert "staat nog niet aan" not in page


def test_mfa_index_in_english(client: Client, world: World) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.professional)
    page = page_text(client, MFA_INDEX)
    assert "<h1>Two-step verification</h1>" in page
    assert "Tweestapsverificatie" not in page


def test_login_code_page(client: Client, world: World) -> None:
    log_in_with_password(client, world.professional)
    page = page_text(client, MFA_AUTHENTICATE)
    assert_our_words(
        page,
        "<h1>Inloggen: stap 2</h1>",
        "Je wachtwoord klopt.",
        "Vul de code van 6 cijfers in",
        "reservecodes",
        "Stoppen met inloggen",
    )
    assert 'name="code"' in page
    assert 'id="logout-from-stage"' in page
    # Without a security key there is no button for one.
    assert "mfa_webauthn_authenticate" not in page

    response = client.post(MFA_AUTHENTICATE, {"code": "000000"})
    assert response.status_code == 200
    assert_our_words(response.content.decode(), "Deze code klopt niet.")


def test_login_code_page_offers_the_security_key(client: Client, world: World) -> None:
    add_security_key(world.professional)
    log_in_with_password(client, world.professional)
    page = page_text(client, MFA_AUTHENTICATE)
    assert_our_words(page, "gebruik je beveiligingssleutel", "Mijn beveiligingssleutel gebruiken")
    # allauth's script needs its button, the hidden credential field, the options and the onload data.
    assert 'id="mfa_webauthn_authenticate"' in page
    assert 'form="webauthn_form"' in page and 'id="webauthn_form"' in page
    assert 'name="credential"' in page
    assert '<script id="js_data" type="application/json">' in page
    assert 'data-allauth-onload="allauth.webauthn.forms.authenticateForm"' in page
    assert "/static/mfa/js/webauthn.js" in page


def test_security_key_list(client: Client, world: World) -> None:
    key = add_security_key(world.professional)
    client.force_login(world.professional)
    page = page_text(client, "/accounts/2fa/webauthn/")
    assert_our_words(page, "<h1>Je beveiligingssleutels</h1>", "Blauwe sleutel", "Nog niet gebruikt.")
    assert f'href="/accounts/2fa/webauthn/keys/{key.pk}/remove/"' in page


def test_reauthenticate_before_setting_up_the_app(client: Client, world: World) -> None:
    professional = user_with_role(Role.PROFESSIONAL, world.organisation, mfa=False)
    client.force_login(professional)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert_our_words(page_text(client, response["Location"]), "<h1>Laat zien dat jij het bent</h1>")

    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = page_text(client, response["Location"])
    assert_our_words(page, "<h1>App voor inlogcodes instellen</h1>", "Code uit de app", "Aanzetten")
    assert '<img src="data:image/svg+xml;base64,' in page
    assert 'id="authenticator_secret"' in page


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/accounts/signup/", "<h1>Hier kun je geen account maken</h1>"),
        ("/accounts/confirm-email/not-a-key/", "Deze link werkt niet meer."),
    ],
)
def test_other_reachable_pages(client: Client, db: None, url: str, expected: str) -> None:
    assert_our_words(page_text(client, url), expected)


def test_password_rules_speak_plain_dutch() -> None:
    from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("nl"):
        with pytest.raises(ValidationError) as refused:
            validate_password("123")
        assert "Dit wachtwoord is te kort. Gebruik minstens 10 tekens." in refused.value.messages
        assert "Gebruik ook letters, niet alleen cijfers." in refused.value.messages
        assert not any(" uw " in f" {text.lower()} " for text in password_validators_help_texts())


def test_only_staff_are_told_the_second_step_is_required(world: World, client: Client) -> None:
    client.force_login(user_with_role(Role.COORDINATOR, world.organisation, mfa=False))
    assert "Daarom moet je eerst tweestapsverificatie aanzetten" in client.get("/accounts/2fa/").content.decode()
    client.force_login(world.parent)
    page = client.get("/accounts/2fa/").content.decode()
    assert "Het hoeft niet" in page
    assert "Daarom moet je" not in page
