"""Writes of agreements: proposing a version and agreeing to it.

These services do not decide who may see or propose: the owning app (hostfamilies for support-family matches,
later mentors for JIM) checks that first and passes the already-authorised subject and the parties who must agree.
They do decide the rules every agreement shares: every change is a new version, every party of that version agrees
again, the version in force stays in force until a newer one is agreed by all, and only the newest version can be
agreed to.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.kinds import kind_of
from agreements.models import Agreement, AgreementSignature, AgreementVersion, SignatoryParty

MAX_SECTION_LENGTH = 2000


def _clean_sections(agreement_kind: str, sections: dict[str, str]) -> dict[str, str]:
    keys = kind_of(agreement_kind).section_keys()
    unknown = set(sections) - set(keys)
    if unknown:
        raise ValidationError(
            _("These parts do not belong in this agreement: %(parts)s.") % {"parts": ", ".join(sorted(unknown))}
        )
    cleaned = {key: str(sections.get(key) or "").strip() for key in keys}
    errors = {}
    for key, text in cleaned.items():
        if not text:
            errors[key] = _("Write something here. If nothing is agreed about this, write that down.")
        elif len(text) > MAX_SECTION_LENGTH:
            errors[key] = _("Please keep this shorter: at most %(count)d characters.") % {"count": MAX_SECTION_LENGTH}
    if errors:
        raise ValidationError(errors)
    return cleaned


def agreementversion_propose(
    *,
    proposed_by: User,
    sections: dict[str, str],
    signatories: Sequence[tuple[User, str]],
    change_note: str = "",
    agreement: Agreement | None = None,
    agreement_subject: Model | None = None,
    kind: str | None = None,
) -> AgreementVersion:
    """Propose a new version of the agreement of `agreement_subject` (made on the first proposal, of `kind`) or
    of `agreement`. `signatories` are (user, SignatoryParty) pairs: everyone who must agree before this version is
    in force; a user named twice signs once, as the first party given.

    The version in force (if any) stays in force until this one is agreed by all. A version still waiting for
    agreement is replaced by this one: it can no longer be agreed to and never comes into force.

    Refused: texts missing or too long, no signatories, or nothing changed compared with the newest version.

    Races: two parties proposing at once would both read the same highest number. The agreement row is locked
    (select_for_update) before the number is chosen, and the unique (agreement, number) constraint backs it up.
    Two first proposals for one subject are kept to one agreement by the unique (content type, object id)
    constraint: `get_or_create` then finds the other's row. The same lock makes a proposal and an agreement
    (`agreementversion_agree`) on this agreement take turns.
    """
    if agreement is None:
        if agreement_subject is None or kind is None:
            raise TypeError("Pass `agreement`, or `agreement_subject` together with `kind`.")
    change_note = change_note.strip()
    people: dict[int, tuple[User, str]] = {}
    for user, party in signatories:
        if party not in SignatoryParty.values:
            raise ValueError(f"Unknown party {party!r}")
        people.setdefault(user.pk, (user, party))
    if not people:
        raise ValidationError(_("Nobody is asked to agree. Someone has to agree to the agreements."))
    with transaction.atomic():
        if agreement is None:
            assert agreement_subject is not None and kind is not None
            agreement, _created = Agreement.objects.get_or_create(
                content_type=ContentType.objects.get_for_model(agreement_subject),
                object_id=agreement_subject.pk,
                defaults={"kind": kind},
            )
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        cleaned = _clean_sections(locked.kind, sections)
        newest = locked.versions.order_by("-number").first()
        if newest is not None and newest.sections == cleaned:
            raise ValidationError(_("Nothing was changed. Change a text first."))
        number = (locked.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
        version = AgreementVersion.objects.create(
            agreement=locked,
            number=number,
            sections=cleaned,
            change_note=change_note,
            proposed_by=proposed_by,
            proposed_by_name=str(proposed_by)[:150],
        )
        AgreementSignature.objects.bulk_create(
            AgreementSignature(version=version, user=user, name=str(user)[:150], party=party)
            for user, party in people.values()
        )
    return version


def agreementversion_agree(*, version: AgreementVersion, user: User) -> AgreementVersion:
    """`user` agrees to `version`; returns the version as it is now (`in_force_at` set when this was the last yes).

    PermissionDenied when the user is not asked to agree to this version. ValidationError when a newer version
    replaced it (the message says to read the newest one), or when the user already agreed.

    Races: two parties could agree at the same moment and each see the other's yes still missing, so nobody (or
    both) would set `in_force_at`. The agreement row is locked (select_for_update) first, so agreements and
    proposals on one agreement take turns: exactly one call sees the last missing yes and sets `in_force_at`,
    once; and nobody agrees to a version that a proposal has just replaced.
    """
    with transaction.atomic():
        Agreement.objects.select_for_update().only("pk").get(pk=version.agreement_id)
        current = AgreementVersion.objects.get(pk=version.pk)
        signature = current.signatures.filter(user=user).first()
        if signature is None:
            raise PermissionDenied(_("You are not asked to agree to this agreement."))
        newest_number = AgreementVersion.objects.filter(agreement_id=current.agreement_id).aggregate(
            highest=Max("number")
        )["highest"]
        if current.number != newest_number:
            raise ValidationError(
                _(
                    "This is an old version of the agreements: a newer version replaced it. "
                    "Read the newest version and agree to that one."
                )
            )
        if signature.agreed_at is not None:
            raise ValidationError(_("You already agreed to this version."))
        now = timezone.now()
        signature.agreed_at = now
        signature.save(update_fields=["agreed_at"])
        # A version in force stays in force from its first moment: the yes of someone who joined later is added.
        if current.in_force_at is None and not current.signatures.filter(agreed_at__isnull=True).exists():
            current.in_force_at = now
            current.save(update_fields=["in_force_at"])
    return current


def agreementversion_signatories_add(
    *, agreement: Agreement, signatories: Sequence[tuple[User, str]]
) -> list[AgreementSignature]:
    """Ask the people in `signatories` who are not on the newest version yet to agree to it too: someone who became
    a party after it was proposed (a young person who got their own account). No new version is made: the texts
    did not change. A version that waits for everyone's yes now waits for theirs as well; a version in force stays
    in force (it was agreed by everyone asked then) and shows that it waits for the newcomer's yes. Returns the
    signatures added (none when there is no version yet or everyone is on it).

    Races: the agreement row is locked, as for a proposal and a yes, so a proposal made at the same moment either
    comes first (and this adds to the new version) or after (and names them itself)."""
    with transaction.atomic():
        Agreement.objects.select_for_update().only("pk").get(pk=agreement.pk)
        newest = AgreementVersion.objects.filter(agreement_id=agreement.pk).order_by("-number").first()
        if newest is None:
            return []
        on_it = set(newest.signatures.values_list("user_id", flat=True))
        added: dict[int, AgreementSignature] = {}
        for user, party in signatories:
            if party not in SignatoryParty.values:
                raise ValueError(f"Unknown party {party!r}")
            if user.pk not in on_it and user.pk not in added:
                added[user.pk] = AgreementSignature(version=newest, user=user, name=str(user)[:150], party=party)
        return AgreementSignature.objects.bulk_create(added.values())
