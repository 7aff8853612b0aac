"""Writes about users and roles."""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import import_module

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.mfa_secrets import SECRET_FIELDS, data_reencrypted
from accounts.models import (
    ADMIN_GRANTABLE_ROLES,
    CARE_ROLES,
    Organisation,
    Region,
    Role,
    RoleAssignment,
    RoleGrantLogEntry,
    User,
)
from accounts.phones import normalise_phone
from accounts.selectors import SESSION_LAST_SEEN
from core.sms import sms_transport


def role_grant(
    *, user: User, role: str, organisation: Organisation | None = None, region: Region | None = None
) -> RoleAssignment:
    """Give a user a role (idempotent). Administrators also get Django's staff flag, for the admin site."""
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user, role=role, organisation=organisation, defaults={"region": region}
    )
    if role == Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return assignment


def user_invite(
    *,
    email: str = "",
    phone: str = "",
    first_name: str,
    last_name: str,
    role: str,
    organisation: Organisation | None = None,
    welcome: bool = True,
) -> User:
    """Find the account for an email address or mobile number, or create one without a password, and give it
    `role`.

    A new account with an email address gets a welcome email with a link to choose a password (allauth's
    password-reset link: single use, and it expires, PASSWORD_RESET_TIMEOUT). A new account with only a mobile
    number (a young person invited by SMS) gets a short welcome SMS: it logs in with a code sent to that number, so
    it needs no password. `welcome=False` leaves the welcome out, for a flow that sends its own invitation.

    The number is not marked verified here: someone else wrote it down. The person proves it by logging in with a
    code sent to it, or the flow that sent them an invitation by SMS marks it once they accept
    (`user_phone_verified`). When the email address is new but another account has the number, nothing is made
    (ValidationError on `phone`): a number belongs to one account, so that a login code reaches one person. Two
    invitations at once for the same new address or number meet the database's unique rules; the second fails.
    """
    email = User.objects.normalize_email(email or "").strip()
    phone = normalise_phone(phone)
    if not email and not phone:
        raise ValidationError({"email": _("Write an email address or a mobile number.")})
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None and phone:
        by_phone = User.objects.filter(phone=phone).first()
        if by_phone is not None and email:
            raise ValidationError(
                {"phone": _("Another account already has this mobile number. Check the number or leave it out.")}
            )
        user = by_phone
    if user is None:
        user = User(email=email or None, phone=phone, first_name=first_name, last_name=last_name)
        if not email:
            user.contact_preference = User.Contact.SMS
        user.set_unusable_password()
        user.save()
        if email:
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        if welcome:
            created = user
            transaction.on_commit(lambda: _send_welcome(created))
    role_grant(user=user, role=role, organisation=organisation)
    return user


def user_phone_verified(*, user: User, phone: str) -> bool:
    """Mark the account's number as proved by its owner (they typed a code sent to it, or accepted an invitation
    that was sent to it by SMS). Returns False, and changes nothing, when the account's number is another one:
    proving one number says nothing about a different one."""
    phone = normalise_phone(phone)
    if not phone:
        return False
    return User.objects.filter(pk=user.pk, phone=phone).update(phone_verified=True) == 1


# What else ends when an account is switched off lives in the apps above accounts (messaging: the person's open
# chat sockets). Each registers, when it loads (its AppConfig.ready), what it does; accounts names none of them.
DeactivatedFollower = Callable[[User], None]
_deactivated_followers: dict[str, DeactivatedFollower] = {}


def user_deactivated_register(feature: str, follow: DeactivatedFollower) -> None:
    """Register what `feature` does when an account is switched off (`user_deactivate`, also for an inactive one)."""
    _deactivated_followers[feature] = follow


def user_deactivate(*, user: User) -> None:
    """Switch an account off: it can no longer log in (Django refuses inactive users on every request) and its open
    chat windows close within seconds, after commit (messaging's follower). What the person recorded stays, as the
    other parties need it."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    for follow in _deactivated_followers.values():
        follow(user)


def email_verify_after_password_reset(*, user: User) -> None:
    """A password reset link only reaches the account's mailbox, so using it proves the address: an invited
    parent who chose a password through the welcome link can log in without a second verification email."""
    if not user.email:
        return
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)


def _send_welcome(user: User) -> None:
    if not user.email:
        with translation.override(settings.LANGUAGE_CODE):
            body = _(
                "You now have an account at Dichtbij. Log in with your mobile number and a code we send you: %(url)s"
            ) % {"url": f"{settings.SITE_URL}{reverse('account_login')}"}
        sms_transport().send(to=user.phone, body=body)
        return
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    # The welcome names login by code too: a parent who never chooses a password (or lost the link) still gets in.
    context = {
        "user": user,
        "url": f"{settings.SITE_URL}{path}",
        "login_url": f"{settings.SITE_URL}{reverse('account_login')}",
    }
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=render_to_string("accounts/email/welcome_subject.txt", context).strip(),
            message=render_to_string("accounts/email/welcome_message.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )


def mfa_secrets_reencrypt() -> int:
    """Encrypt every stored second-factor secret with the newest of MFA_ENCRYPTION_KEYS (plain ones too); returns
    how many authenticators changed. Run after adding a new key in front, before dropping an old one (README).

    Each row is re-read under a row lock (`select_for_update`) in its own transaction: using a recovery code writes
    the same `data` (which codes are used), and must not be lost to, or undone by, the rotation.
    """
    # allauth.mfa's models load its adapter, which is configured to import ours: at call time.
    from allauth.mfa.models import Authenticator

    changed = 0
    ids = list(Authenticator.objects.filter(type__in=list(SECRET_FIELDS)).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            authenticator = Authenticator.objects.select_for_update().filter(pk=pk).first()
            if authenticator is None:
                continue  # removed meanwhile
            new = data_reencrypted(authenticator.type, authenticator.data)
            if new is not None:
                authenticator.data = new
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed


def role_admin_refusal(*, actor: User, user: User, role: str) -> str | None:
    """Why the admin site may not grant, change or remove this role for this user, or None when it may. The admin
    forms show it as an error; the services below refuse with it too."""
    if actor.pk == user.pk:
        return _("You cannot change your own roles. Ask another administrator.")
    if role not in ADMIN_GRANTABLE_ROLES:
        return _(
            "This role is given in Dichtbij itself, not in the admin: for example when a professional adds a parent "
            "or a coordinator takes on a volunteer."
        )
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if role in CARE_ROLES and Role.ADMIN in held:
        return _("An administrator cannot also work with young people's records. Use a separate account for that.")
    if role == Role.ADMIN and held & CARE_ROLES:
        return _("Someone who works with young people's records cannot also be an administrator.")
    return None


def role_assignment_save_by_admin(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    """Save a role given or changed in the admin site and log who did it (RoleGrantLogEntry), in one transaction.

    Only the staff roles can be given there, never to oneself, and never a care role beside the administrator's
    (`role_admin_refusal`). A changed row is
    checked as it was too, so that a care role cannot be turned into another one. Like `role_grant`, an
    administrator gets Django's staff flag.
    """
    refusal = role_admin_refusal(actor=actor, user=assignment.user, role=assignment.role)
    if refusal is None and assignment.pk is not None:
        before = RoleAssignment.objects.filter(pk=assignment.pk).values_list("role", flat=True).first()
        if before is not None:
            refusal = role_admin_refusal(actor=actor, user=assignment.user, role=before)
    if refusal is not None:
        raise ValidationError(refusal)
    action = RoleGrantLogEntry.Action.GRANTED if assignment.pk is None else RoleGrantLogEntry.Action.CHANGED
    with transaction.atomic():
        assignment.save()
        if assignment.role == Role.ADMIN and not assignment.user.is_staff:
            assignment.user.is_staff = True
            assignment.user.save(update_fields=["is_staff"])
        _role_grant_log(actor=actor, assignment=assignment, action=action)
    return assignment


def role_assignment_remove_by_admin(*, actor: User, assignment: RoleAssignment) -> None:
    """Take away a role in the admin site (only analyst and administrator, never one's own) and log it."""
    refusal = role_admin_refusal(actor=actor, user=assignment.user, role=assignment.role)
    if refusal is not None:
        raise ValidationError(refusal)
    with transaction.atomic():
        _role_grant_log(actor=actor, assignment=assignment, action=RoleGrantLogEntry.Action.REMOVED)
        assignment.delete()


def _role_grant_log(*, actor: User, assignment: RoleAssignment, action: str) -> None:
    RoleGrantLogEntry.objects.create(
        actor=actor,
        actor_name=str(actor),
        user=assignment.user,
        user_email=assignment.user.email or assignment.user.phone,
        action=action,
        role=assignment.role,
        organisation=assignment.organisation.name if assignment.organisation else "",
        region=assignment.region.name if assignment.region else "",
    )


def session_touch(*, session_key: str) -> float | None:
    """Record that the session's user is active now (a chat message counts as much as a page): its idle limit counts
    from now. Returns the moment written, or None when the session is gone (logged out, expired)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    if not store.exists(session_key):
        return None
    now = time.time()
    store[SESSION_LAST_SEEN] = now
    try:
        store.save(must_create=False)
    except UpdateError:  # deleted between the two: a logout
        return None
    return now
