"""Second-factor secrets are stored encrypted (accounts.mfa_secrets), keys rotate, and logins keep working."""

from __future__ import annotations

import importlib
import json
import time
from io import StringIO
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts import mfa_secrets
from accounts.checks import mfa_encryption_keys_check
from accounts.models import Role
from tests.factories import PASSWORD, user_with_role

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _code(secret: str) -> str:
    code: str = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    return code


def _logs_in_with(client: Client, email: str | None, secret: str) -> bool:
    """Password, then the TOTP code made from `secret`; True when the home page opens."""
    assert email is not None
    client.logout()
    cache.clear()  # a TOTP code works once per period, and the rate limits count in the cache
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    return response.status_code == 302 and response["Location"] == reverse("home")


def _stored(user: object, kind: str) -> dict[str, object]:
    data: dict[str, object] = Authenticator.objects.get(user=user, type=kind).data
    return data


@pytest.mark.django_db
def test_a_totp_secret_and_the_recovery_seed_are_not_stored_in_plain_text(client: Client) -> None:
    user = user_with_role(Role.PROFESSIONAL, mfa=False)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()

    stored = _stored(user, Authenticator.Type.TOTP)
    assert stored["secret"] != secret
    assert secret not in json.dumps(stored)
    assert str(stored["secret"]).startswith(mfa_secrets.PREFIX)
    seed = _stored(user, Authenticator.Type.RECOVERY_CODES)["seed"]
    assert mfa_secrets.is_encrypted(str(seed))
    assert mfa_secrets.decrypt(str(seed)) != seed

    assert _logs_in_with(client, user.email, secret)
    # A recovery code still works as well: it comes from the decrypted seed.
    client.logout()
    cache.clear()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]})["Location"] == reverse("home")


@pytest.mark.django_db
def test_a_wrong_code_is_still_refused(client: Client) -> None:
    user = user_with_role(Role.COORDINATOR, mfa=False)
    TOTP.activate(user, generate_totp_secret())
    assert not _logs_in_with(client, user.email, generate_totp_secret())


@pytest.mark.django_db
def test_login_works_through_a_key_rotation(client: Client, settings: Any) -> None:
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    user = user_with_role(Role.PROFESSIONAL, mfa=False)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    before = _stored(user, Authenticator.Type.TOTP)["secret"]

    # 1. A new key goes in front: new secrets use it, the old key still opens the old ones.
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert _logs_in_with(client, user.email, secret)

    # 2. Re-encrypt everything with the new key.
    out = StringIO()
    call_command("mfa_secrets_rotate", stdout=out)
    assert "2 authenticators" in out.getvalue()
    assert _stored(user, Authenticator.Type.TOTP)["secret"] != before

    # 3. The old key is dropped: logins still work; the old key alone opens nothing any more.
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    assert _logs_in_with(client, user.email, secret)
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    with pytest.raises(ImproperlyConfigured):
        mfa_secrets.decrypt(str(_stored(user, Authenticator.Type.TOTP)["secret"]))


@pytest.mark.django_db
def test_the_migration_encrypts_plain_secrets_and_can_run_twice(client: Client) -> None:
    migration = importlib.import_module("accounts.migrations.0012_mfa_secrets_encrypted")
    user = user_with_role(Role.ANALYST, mfa=False)
    secret = generate_totp_secret()
    # As allauth stored them before this project encrypted anything.
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["12345678"]},
    )
    key = Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Sleutel", "credential": {"id": "x"}}
    )
    assert _logs_in_with(client, user.email, secret), "plain secrets still work before the migration"

    migration.encrypt_plain_secrets(apps, None)
    once = {a.type: a.data for a in Authenticator.objects.filter(user=user)}
    assert mfa_secrets.decrypt(once["totp"]["secret"]) == secret
    assert once["recovery_codes"]["used_mask"] == 0
    assert [mfa_secrets.decrypt(c) for c in once["recovery_codes"]["migrated_codes"]] == ["12345678"]
    assert secret not in json.dumps(once) and "12345678" not in json.dumps(once)
    assert once["webauthn"] == key.data

    migration.encrypt_plain_secrets(apps, None)
    assert {a.type: a.data for a in Authenticator.objects.filter(user=user)} == once
    assert _logs_in_with(client, user.email, secret)


@pytest.mark.django_db
def test_the_demo_secret_is_stored_encrypted_and_still_works(client: Client) -> None:
    from demo.people import DEMO_PASSWORD
    from demo.world import DEMO_TOTP_SECRET, _person

    user = _person("test-mfa", "Test", "Persoon", [Role.PROFESSIONAL], None)
    stored = str(_stored(user, Authenticator.Type.TOTP)["secret"])
    assert stored != DEMO_TOTP_SECRET
    assert mfa_secrets.decrypt(stored) == DEMO_TOTP_SECRET
    cache.clear()
    client.post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": _code(DEMO_TOTP_SECRET)})["Location"] == reverse("home")


def test_bad_or_missing_keys_are_reported_by_the_checks(settings: Any) -> None:
    settings.MFA_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    assert [message.id for message in mfa_encryption_keys_check()] == ["accounts.E002"]
    settings.MFA_ENCRYPTION_KEYS = []
    assert [message.id for message in mfa_encryption_keys_check()] == ["accounts.E001"]
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    assert mfa_encryption_keys_check() == []
