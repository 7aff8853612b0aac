"""Writes about young people, cases and consent, and the one rule of who must consent."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Municipality, Organisation, Role, User
from accounts.selectors import organisations_where
from accounts.services import user_invite
from core.geo import geocode
from youth.consent_texts import CONSENT_TEXTS
from youth.models import Case, CaseAssignment, Consent, Guardianship, YoungPerson
from youth.parties import coordinates
from youth.selectors import ConsentParties, consent_parties_required


def _consent_role(*, actor: User, young_person: YoungPerson, parties: ConsentParties) -> str:
    if parties.young_person and young_person.user_id == actor.pk:
        return Consent.GivenAs.YOUNG_PERSON
    if any(parent.pk == actor.pk for parent in parties.custodial_parents):
        return Consent.GivenAs.CUSTODIAL_PARENT
    raise ValidationError(_("Your consent is not asked for this. Ask the professional if you have a question."))


def consent_give(*, actor: User, young_person: YoungPerson, purpose: str) -> Consent:
    """Record the actor's yes to a purpose, with the text version they were shown.

    Only a party the age rule names may give it. The partial unique constraint on standing consents keeps a
    double click from recording two.
    """
    if purpose not in CONSENT_TEXTS:
        raise ValidationError(_("This kind of consent does not exist."))
    given_as = _consent_role(
        actor=actor, young_person=young_person, parties=consent_parties_required(young_person=young_person)
    )
    try:
        with transaction.atomic():
            return Consent.objects.create(
                young_person=young_person,
                purpose=purpose,
                given_by=actor,
                given_as=given_as,
                text_version=CONSENT_TEXTS[purpose].version,
            )
    except IntegrityError:
        raise ValidationError(_("You already gave your consent for this.")) from None


def consent_withdraw(*, actor: User, young_person: YoungPerson, purpose: str) -> Consent:
    """Withdraw the actor's standing consent; the row stays as history with the moment of withdrawal."""
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .filter(young_person=young_person, purpose=purpose, given_by=actor, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            raise ValidationError(_("There is no consent of yours to take back."))
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        return consent


def youngperson_register(
    *,
    actor: User,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    residence_municipality: Municipality,
    paying_municipality: Municipality,
    home_place: str,
    home_postcode: str,
    languages: list[str],
    threatened_out_of_home_placement: bool,
) -> Case:
    """Record a young person and open a case in the actor's organisation with the actor as case lead.

    The place is looked up first, so an unknown place saves nothing.
    """
    if not organisations_where(actor, Role.PROFESSIONAL).filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": _("You can only open a case in your own organisation.")})
    if date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})
    place = geocode(home_place)
    with transaction.atomic():
        young_person = YoungPerson.objects.create(
            first_name=first_name,
            last_name=last_name,
            date_of_birth=date_of_birth,
            residence_municipality=residence_municipality,
            paying_municipality=paying_municipality,
            home_place=place.name,
            home_postcode=home_postcode,
            latitude=place.latitude,
            longitude=place.longitude,
            languages=languages,
        )
        case = Case.objects.create(
            young_person=young_person,
            organisation=organisation,
            opened_on=timezone.localdate(),
            threatened_out_of_home_placement=threatened_out_of_home_placement,
        )
        CaseAssignment.objects.create(case=case, professional=actor, is_lead=True)
    return case


def guardian_add(
    *,
    actor: User,
    young_person: YoungPerson,
    first_name: str,
    last_name: str,
    email: str,
    kind: str,
    has_custody: bool,
) -> Guardianship:
    """Link a parent or guardian to a young person, creating their account when the email is new.

    A new account has no password; the welcome email carries a single-use link to choose one (allauth's
    password-reset token, so it expires and works once).
    """
    with transaction.atomic():
        guardian = user_invite(email=email, first_name=first_name, last_name=last_name, role=Role.PARENT)
        if Guardianship.objects.filter(young_person=young_person, guardian=guardian).exists():
            raise ValidationError({"email": _("This person is already linked as a parent or guardian.")})
        guardianship = Guardianship.objects.create(
            young_person=young_person, guardian=guardian, kind=kind, has_custody=has_custody
        )
        for case in young_person.cases.filter(closed_on__isnull=True):
            _conversations_follow(case)
    return guardianship


def _coordinator_of(actor: User, case: Case) -> None:
    if not coordinates(actor, case.organisation_id):
        raise PermissionDenied


def _conversations_follow(case: Case) -> None:
    # Who reads a case's conversations follows who works on the case (messaging derives it, never a typed list).
    from messaging.services import conversations_sync_case

    conversations_sync_case(case=case)


def case_professional_add(*, actor: User, case: Case, professional: User, lead: bool = False) -> CaseAssignment:
    """A coordinator of the case's organisation puts one of its professionals on the case, as case lead or not
    (a new lead takes over from the old one). The case's conversations gain the professional."""
    _coordinator_of(actor, case)
    if (
        not professional.is_active
        or not professional.roles.filter(role=Role.PROFESSIONAL, organisation_id=case.organisation_id).exists()
    ):
        raise ValidationError({"professional": _("Choose a professional of this organisation.")})
    if case.closed_on is not None:
        raise ValidationError(_("This case is closed."))
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        if CaseAssignment.objects.filter(case=case, professional=professional).exists():
            raise ValidationError({"professional": _("This professional already works on this case.")})
        if lead:
            CaseAssignment.objects.filter(case=case, is_lead=True).update(is_lead=False)
        assignment = CaseAssignment.objects.create(case=case, professional=professional, is_lead=lead)
        _conversations_follow(case)
    return assignment


def case_professional_remove(*, actor: User, case: Case, professional: User) -> None:
    """A coordinator takes a professional off the case: they leave its conversations and their open chat windows on
    them close. The case may be left without a professional for a while; its list shows that."""
    _coordinator_of(actor, case)
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        removed, _count = CaseAssignment.objects.filter(case=case, professional=professional).delete()
        if not removed:
            raise ValidationError(_("This professional does not work on this case."))
        _conversations_follow(case)
