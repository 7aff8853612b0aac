"""Second-factor secrets encrypted at rest.

allauth keeps a TOTP secret (`data["secret"]`) and the seed of the recovery codes (`data["seed"]`, and codes
carried over from elsewhere in `data["migrated_codes"]`) in `Authenticator.data`. Whoever reads the database (a
backup, a read replica, the admin) could otherwise make valid codes for every professional. allauth passes each
of these values through its MFA adapter's `encrypt`/`decrypt` (accounts.adapter.DichtbijMFAAdapter), which call
this module.

Fernet (the `cryptography` package: AES-128-CBC with HMAC-SHA256) with a MultiFernet over
`settings.MFA_ENCRYPTION_KEYS`, newest key first: the newest encrypts, every key decrypts, so keys can be rotated
(README, "Sleutels voor de tweede stap"). A stored value starts with PREFIX, which tells an encrypted value from a
plain one written before encryption existed: those are still read, and the migration and `mfa_secrets_rotate`
encrypt them.

Kept free of models so that a data migration can use it with the historical Authenticator.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"
# The Authenticator types whose data holds secrets, and which keys of their data do.
SECRET_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SECRET_LISTS = {"recovery_codes": ("migrated_codes",)}


def configured_keys() -> tuple[str, ...]:
    """The keys, newest first. Settings give development a key derived from SECRET_KEY; production must set its
    own (settings refuse to start without MFA_ENCRYPTION_KEYS)."""
    keys = tuple(key.strip() for key in settings.MFA_ENCRYPTION_KEYS if key.strip())
    if not keys:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS is empty: set at least one key (README, configuration).")
    return keys


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        # Fernet's own message names the problem (length, encoding) but never the key.
        raise ImproperlyConfigured(f"MFA_ENCRYPTION_KEYS holds a key that is not a Fernet key: {error}") from None


def _cipher() -> MultiFernet:
    return _multifernet(configured_keys())


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(text: str) -> str:
    return PREFIX + _cipher().encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    """The plain secret. A value stored before encryption existed is returned as it is (the migration encrypts
    those). A value no configured key opens raises ImproperlyConfigured: a dropped key that is still in use is an
    operator's mistake that must be loud, not a silently failing login."""
    if not is_encrypted(value):
        return value
    try:
        return _cipher().decrypt(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A second-factor secret cannot be decrypted with MFA_ENCRYPTION_KEYS: was a key dropped too soon?"
        ) from None


def reencrypt(value: str) -> str:
    """The value encrypted with the newest key: plain values get encrypted, older keys' values re-encrypted."""
    if not is_encrypted(value):
        return encrypt(value)
    try:
        return PREFIX + _cipher().rotate(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A second-factor secret cannot be decrypted with MFA_ENCRYPTION_KEYS: was a key dropped too soon?"
        ) from None


def data_reencrypted(kind: str, data: dict[str, Any], *, plain_only: bool = False) -> dict[str, Any] | None:
    """A copy of an Authenticator's data with every secret in it encrypted with the newest key (with `plain_only`,
    only the secrets still stored in plain text: what the migration does), or None when nothing changes (WebAuthn
    keeps only a public key, so it has no secrets)."""
    if kind not in SECRET_FIELDS:
        return None

    def convert(value: str) -> str:
        return value if plain_only and is_encrypted(value) else reencrypt(value)

    new = dict(data)
    for field in SECRET_FIELDS[kind]:
        if isinstance(new.get(field), str):
            new[field] = convert(new[field])
    for field in SECRET_LISTS.get(kind, ()):
        if isinstance(new.get(field), list):
            new[field] = [convert(value) if isinstance(value, str) else value for value in new[field]]
    return None if new == data else new
