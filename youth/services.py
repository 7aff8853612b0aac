"""Writes about young people, cases and consent, and the one rule of who must consent."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Municipality, Organisation, Role, User
from accounts.selectors import organisations_where
from accounts.services import user_invite
from core.geo import geocode
from core.notify import notify
from youth import consent
from youth.consent_texts import CONSENT_TEXTS
from youth.models import Case, CaseAssignment, Consent, Guardianship, YoungPerson
from youth.parties import coordinates
from youth.selectors import ConsentParties, consent_parties_required, consent_recordable_by


def _consent_role(*, actor: User, young_person: YoungPerson, parties: ConsentParties) -> str:
    if parties.young_person and young_person.user_id == actor.pk:
        return Consent.GivenAs.YOUNG_PERSON
    if any(parent.pk == actor.pk for parent in parties.custodial_parents):
        return Consent.GivenAs.CUSTODIAL_PARENT
    raise ValidationError(_("Your consent is not asked for this. Ask the professional if you have a question."))


def _standing(young_person: YoungPerson, purpose: str, given_as: str, party: User | None) -> QuerySet[Consent]:
    """The party's standing answer: the young person's by role (recorded before they had an account, or their own),
    a parent's by account. Locked, so that two answers at once cannot both stand."""
    rows = Consent.objects.select_for_update().filter(
        young_person=young_person, purpose=purpose, given_as=given_as, withdrawn_at__isnull=True
    )
    return rows if given_as == Consent.GivenAs.YOUNG_PERSON else rows.filter(given_by=party)


def _consent_changed(young_person: YoungPerson, purpose: str, *, before: tuple[bool, bool]) -> None:
    """Tell who gains or loses access, after commit: one short sentence and a link, no names.

    `before` is (purpose complete, supporters' pages open) read under the same lock before the change."""
    was_complete, was_open = before
    now_complete, now_open = _consent_state(young_person, purpose)
    path = reverse("youth:consent", args=[young_person.pk])
    if was_open and not now_open:
        notify(
            consent.supporters_of(young_person),
            notice=gettext_lazy(
                "A family took back a consent. Pages about a young person you support are paused. "
                "You can still use your conversation."
            ),
            path=reverse("home"),
        )
    elif now_open and not was_open:
        notify(
            consent.supporters_of(young_person),
            notice=gettext_lazy("A family gave consent again. Pages about a young person you support are open again."),
            path=reverse("home"),
        )
    if was_complete and not now_complete:
        notify(
            consent.professionals_of(young_person),
            notice=gettext_lazy("A consent for a young person in your case was taken back."),
            path=path,
        )


def _consent_state(young_person: YoungPerson, purpose: str) -> tuple[bool, bool]:
    return (
        bool(consent.young_person_ids_with_consent([young_person.pk], [purpose])),
        consent.sharing_allowed(young_person),
    )


def _lock_person(young_person: YoungPerson) -> None:
    # Consent answers of one young person are decided one at a time, so that "before" and "after" are exact.
    YoungPerson.objects.select_for_update().filter(pk=young_person.pk).first()


def consent_give(*, actor: User, young_person: YoungPerson, purpose: str) -> Consent:
    """Record the actor's yes to a purpose, with the text version they were shown.

    Only a party the age rule names may give it. A no or a yes that a professional recorded for the actor is
    replaced by the actor's own yes; their own standing yes twice is refused. When the yes makes the supporters'
    pages open again, the supporters hear of it.

    Races: the young person's row is locked; the partial unique constraints on standing consents back it up.
    """
    if purpose not in CONSENT_TEXTS:
        raise ValidationError(_("This kind of consent does not exist."))
    given_as = _consent_role(
        actor=actor, young_person=young_person, parties=consent_parties_required(young_person=young_person)
    )
    try:
        with transaction.atomic():
            _lock_person(young_person)
            before = _consent_state(young_person, purpose)
            standing = _standing(young_person, purpose, given_as, actor).first()
            if standing is not None:
                if standing.answer == Consent.Answer.YES and standing.recorded_by_id is None:
                    raise ValidationError(_("You already gave your consent for this."))
                standing.withdrawn_at = timezone.now()
                standing.save(update_fields=["withdrawn_at"])
            consent = Consent.objects.create(
                young_person=young_person,
                purpose=purpose,
                given_by=actor,
                given_as=given_as,
                text_version=CONSENT_TEXTS[purpose].version,
            )
            _consent_changed(young_person, purpose, before=before)
            return consent
    except IntegrityError:
        raise ValidationError(_("You already gave your consent for this.")) from None


def consent_withdraw(*, actor: User, young_person: YoungPerson, purpose: str) -> Consent:
    """Withdraw the actor's standing yes (their own, or one a professional recorded for them); the row stays as
    history with the moment of withdrawal. It works at once: every page and service reads the current rows. Who
    loses access hears of it once (supporters: their pages pause; the case's professionals: a consent was taken
    back), without names.

    Races: the young person's row and the consent are locked, so two withdrawals cannot both tell."""
    with transaction.atomic():
        _lock_person(young_person)
        given_as = (
            Consent.GivenAs.YOUNG_PERSON if young_person.user_id == actor.pk else Consent.GivenAs.CUSTODIAL_PARENT
        )
        consent = _standing(young_person, purpose, given_as, actor).filter(answer=Consent.Answer.YES).first()
        if consent is None:
            raise ValidationError(_("There is no consent of yours to take back."))
        before = _consent_state(young_person, purpose)
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        _consent_changed(young_person, purpose, before=before)
        return consent


def consent_record(
    *, actor: User, young_person: YoungPerson, purpose: str, party: str, answer: str, text_version: str
) -> Consent:
    """A professional of the young person's case writes down the answer (yes or no) that a party gave in person or
    on paper: this records what the person said, it does not decide in their name. The row says who recorded it,
    when, and which text version the person was shown. The party may take back a recorded yes themselves once
    they have an account, and their own answer in Dichtbij replaces it.

    `party` is "young_person" or "parent:<user id>" of a party the age rule asks now. Refused: someone not
    assigned to an open case of the young person (PermissionDenied); an unknown purpose, party, answer or a text
    version other than the current one; an answer that is already the party's standing one.

    Races: the young person's row is locked and the party's standing answer replaced under it."""
    if not consent_recordable_by(actor, young_person):
        raise PermissionDenied
    if purpose not in CONSENT_TEXTS:
        raise ValidationError({"purpose": _("This kind of consent does not exist.")})
    if answer not in Consent.Answer.values:
        raise ValidationError({"answer": _("Choose yes or no.")})
    if text_version != CONSENT_TEXTS[purpose].version:
        raise ValidationError(
            {
                "text_version": _(
                    "Show the person the current text (version %(version)s) and record their answer to it."
                )
                % {"version": CONSENT_TEXTS[purpose].version}
            }
        )
    parties = consent_parties_required(young_person=young_person)
    given_by: User | None
    if party == "young_person" and parties.young_person:
        given_as, given_by = Consent.GivenAs.YOUNG_PERSON, young_person.user
    else:
        parent = next((p for p in parties.custodial_parents if party == f"parent:{p.pk}"), None)
        if parent is None:
            raise ValidationError({"party": _("This person is not asked for consent now.")})
        given_as, given_by = Consent.GivenAs.CUSTODIAL_PARENT, parent
    with transaction.atomic():
        _lock_person(young_person)
        before = _consent_state(young_person, purpose)
        standing = _standing(young_person, purpose, given_as, given_by).first()
        if standing is not None and standing.answer == answer:
            raise ValidationError({"answer": _("This answer is already recorded.")})
        if standing is not None:
            standing.withdrawn_at = timezone.now()
            standing.save(update_fields=["withdrawn_at"])
        consent = Consent.objects.create(
            young_person=young_person,
            purpose=purpose,
            given_by=given_by,
            given_as=given_as,
            answer=answer,
            recorded_by=actor,
            text_version=text_version,
        )
        _consent_changed(young_person, purpose, before=before)
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
