"""Writes of a young person's own account: sending the link, and the young person's yes that makes the account and
lets everything that waited for them follow (conversations, agreements, consent, the network map, the access log).

The link is single use and expires (core/links.py; YOUNG_PERSON_INVITATION_DAYS); only its hash is stored, and a new
link replaces the older ones. Nobody is logged in by the link itself: a link opened on someone else's phone must
leave no session behind. The account gets the number and address the link was sent to, never one typed on the
link's page that could belong to someone else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.notify import notify
from accounts.phones import normalise_phone
from accounts.services import email_verify_after_password_reset, user_invite, user_phone_verified
from core.links import link_send, token_hash, token_new
from youth.invitation.selectors import account_age_reached, invitation_status, is_inviter
from youth.models import YoungPerson, YoungPersonInvitation
from youth.parties import case_parties_changed, is_custodial_parent, open_case_professionals, young_person_joined

UNDER_12 = gettext_lazy(
    "Under 12, the parents decide for their child. That is why a child under 12 does not get an account of their "
    "own yet. From 12 they can."
)
CHILD_HAS_ACCOUNT = gettext_lazy("Your child now has their own account in Dichtbij.")
# What the link's page says for each status that is not "valid" (the service's refusal says the same).
CLOSED = {
    "unknown": gettext_lazy("This link does not work. Check that you copied the whole link."),
    "used": gettext_lazy("This link was already used. Your account is ready: log in."),
    "has_account": gettext_lazy("You already have an account. Log in with it."),
    "too_young": UNDER_12,
    "replaced": gettext_lazy("This link no longer works: a newer link was sent. Use the newest one."),
    "expired": gettext_lazy("This link has expired. Ask for a new one."),
}


def _contact_taken(email: str, phone: str) -> dict[str, str]:
    """The young person's own number and address: one that belongs to an account already (a parent's, say) would
    make that person the young person."""
    errors = {}
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = _(
            "This email address already belongs to an account in Dichtbij. Use the young person's own email address."
        )
    if phone and User.objects.filter(phone=phone).exists():
        errors["phone"] = _(
            "This mobile number already belongs to an account in Dichtbij. Use the young person's own number."
        )
    return errors


def _lock(young_person: YoungPerson) -> YoungPerson:
    return YoungPerson.objects.select_for_update().get(pk=young_person.pk)


def _revoke_open(young_person: YoungPerson, now: datetime) -> None:
    # A link that can no longer be used forgets where it went.
    young_person.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now, phone="", email=""
    )


def youngperson_invite(
    *, actor: User, young_person: YoungPerson, phone: str = "", email: str = ""
) -> tuple[YoungPersonInvitation, str]:
    """Send the young person a single-use link to their own account, by SMS to `phone` and/or by email to `email`
    (their own: a number or address of an existing account is refused). Returns the invitation and its token (only
    a hash is stored). A new link replaces the older ones; it works once, for YOUNG_PERSON_INVITATION_DAYS days.
    The SMS and the email name nobody.

    Refused: someone who is not an inviter (PermissionDenied: the professional of an open case, or a parent with
    custody of a young person of 12 or older); a young person under 12 or with an account already.

    Races: the young person's row is locked, so two links sent at the same moment replace each other cleanly (the
    partial unique constraint keeps one open link) and an account made in between is seen."""
    if not is_inviter(actor, young_person):
        raise PermissionDenied(_("You may not invite this young person."))
    email = User.objects.normalize_email(email.strip())
    errors: dict[str, str] = {}
    try:
        phone = normalise_phone(phone)
    except ValidationError as error:
        errors["phone"] = " ".join(error.messages)
        phone = ""
    if not phone and not email and not errors:
        errors["phone"] = _("Write the young person's mobile number, email address, or both.")
    errors = _contact_taken(email, phone) | errors
    with transaction.atomic():
        locked = _lock(young_person)
        if locked.user_id is not None:
            raise ValidationError(_("%(name)s already has an account.") % {"name": locked.first_name})
        if not account_age_reached(locked):
            raise ValidationError(str(UNDER_12))
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        _revoke_open(locked, now)
        token, hashed = token_new()
        invitation = YoungPersonInvitation.objects.create(
            young_person=locked,
            token_hash=hashed,
            sent_by=actor,
            sent_at=now,
            expires_at=now + timedelta(days=settings.YOUNG_PERSON_INVITATION_DAYS),
            by_sms=bool(phone),
            by_email=bool(email),
            phone=phone,
            email=email,
        )
        transaction.on_commit(lambda: _send(token, phone, email))
    return invitation, token


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('youth:account_invitation', args=[token])}"


def _send(token: str, phone: str, email: str) -> None:
    link_send(
        phone=phone,
        email=email,
        sms_text=gettext_lazy("You can now get your own account in Dichtbij. Open this link: %(url)s"),
        subject=gettext_lazy("Your own account in Dichtbij"),
        email_template="youth/email/invitation_message.txt",
        context={"url": invitation_url(token), "days": settings.YOUNG_PERSON_INVITATION_DAYS},
    )


def youngpersoninvitation_opened(*, invitation: YoungPersonInvitation) -> None:
    """Note when the link was first opened (before the account exists, this is the young person's access trail)."""
    YoungPersonInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())


def youngpersoninvitation_accept(*, token: str, first_name: str) -> User:
    """The young person says yes: an account with the young person's role is made and linked to their record, with
    the first name they checked and the number and/or address the link was sent to (an SMS-only link makes an
    account reachable by phone only). Opening the link proves that number or address. Nobody is logged in: the
    young person logs in next with that number or address and a code, as the link's page says.

    Then everything that waited for them follows, in this transaction (`youngperson_account_follow`), and the
    professionals of the open cases (and a parent who sent the link) hear that the young person has an account.

    Refused with a plain reason (`CLOSED`): an unknown, used, replaced or expired link, a young person who has an
    account already or turned out to be under 12; a number or address that meanwhile belongs to another account.

    Races: the young person's row and the link are locked, so two clicks make one account and a new link sent at
    the same moment either replaces this one first or comes after the account exists."""
    first_name = first_name.strip()
    if not first_name:
        raise ValidationError({"first_name": _("Write your first name.")})
    found = YoungPersonInvitation.objects.filter(token_hash=token_hash(token)).only("pk", "young_person_id")
    invitation = found.first()
    if invitation is None:
        raise ValidationError(str(CLOSED["unknown"]))
    with transaction.atomic():
        locked = _lock(YoungPerson(pk=invitation.young_person_id))
        current = YoungPersonInvitation.objects.select_for_update().select_related("sent_by").get(pk=invitation.pk)
        current.young_person = locked
        status = invitation_status(current)
        if status != "valid":
            raise ValidationError(str(CLOSED[status]))
        email, phone = current.email if current.by_email else "", current.phone if current.by_sms else ""
        taken = _contact_taken(email, phone)
        if taken:
            raise ValidationError(taken)
        # No welcome message: the link's page tells them to log in with a code, which needs no password.
        account = user_invite(
            email=email,
            phone=phone,
            first_name=first_name,
            last_name=locked.last_name,
            role=Role.YOUNG_PERSON,
            welcome=False,
        )
        # The link reached this number and mailbox only, so opening it proves them.
        if phone:
            user_phone_verified(user=account, phone=phone)
        if email:
            email_verify_after_password_reset(user=account)
        current.used_at = timezone.now()
        current.phone, current.email = "", ""
        current.save(update_fields=["used_at", "phone", "email"])
        locked.user = account
        locked.save(update_fields=["user"])
        youngperson_account_follow(young_person=locked)
        path = reverse("youth:youngperson_detail", args=[locked.pk])
        professionals = list(open_case_professionals(locked.pk))
        notify(
            professionals,
            notice=gettext_lazy("A young person in your case now has their own account in Dichtbij."),
            path=path,
        )
        if current.sent_by_id not in {user.pk for user in professionals} and is_custodial_parent(
            current.sent_by, locked.pk
        ):
            notify([current.sent_by], notice=CHILD_HAS_ACCOUNT, path=path)
    return account


def youngperson_account_follow(*, young_person: YoungPerson) -> None:
    """Everything that waited for the young person's own account takes it in (`YoungPerson.user` is set):
    - the conversations of their open cases: the triad of their mentorship and, from 12, the broker conversation,
      with the history they may read (messaging follows youth.parties.case_parties_changed);
    - the agreements that ask their yes (each feature registered with youth.parties.young_person_joined);
    The rest derives from the account at each request: their consent is asked on their home page, they change
    their network map and choose their mentor from 12, and they see who looked at their data.
    In the caller's transaction."""
    for case in young_person.cases.filter(closed_on__isnull=True).select_related("young_person"):
        case_parties_changed(case)
    young_person_joined(young_person)
