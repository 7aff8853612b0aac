"""Writes about young people, cases and consent, and the one rule of who must consent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Municipality, Organisation, Role, User
from accounts.notify import notify
from accounts.selectors import organisations_where
from accounts.services import role_grant, user_invite
from core.geo import geocode
from youth import consent, selectors
from youth.ages import adult_born_by, adult_on
from youth.consent_texts import CONSENT_TEXTS
from youth.models import (
    AdulthoodStep,
    Case,
    CaseAssignment,
    Consent,
    ConsentPurpose,
    Guardianship,
    ParentAccessDecision,
    YoungPerson,
)
from youth.parties import case_parties_changed, coordinates, other_parts_in_life, parent_access_waits_for_adult
from youth.selectors import (
    ConsentParties,
    consent_age_band,
    consent_complete_condition,
    consent_parties_required,
    consent_recordable_by,
)


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


def consent_state_refresh(young_person_ids: Iterable[int] | QuerySet[Any, Any], *, on: date | None = None) -> int:
    """Work out the consent rule (every purpose) for these young people and store the answer with the age band it
    holds for (`YoungPerson.consent_complete`, `consent_age_band`), so the case lists count and filter from a
    column (youth.selectors.consent_complete_stored). The one place that writes them: every service that changes
    what the rule reads (a consent, a parent's link, a young person) calls it after the change, in its
    transaction. The rule is youth.selectors.consent_complete_condition, worked out by the database in one UPDATE
    for any number of young people. Returns how many rows it wrote."""
    today = on or timezone.localdate()
    ids = young_person_ids if isinstance(young_person_ids, QuerySet) else list(young_person_ids)
    return (
        YoungPerson.objects.filter(pk__in=ids)
        .order_by()
        .update(
            consent_complete=ExpressionWrapper(
                consent_complete_condition(purposes=ConsentPurpose.values, on=today), output_field=BooleanField()
            ),
            consent_age_band=consent_age_band(on=today),
        )
    )


def consent_state_refresh_due(*, on: date | None = None) -> int:
    """Refresh the stored consent answer of every young person for whom it was never worked out or a birthday of the
    rule passed since (the lists are exact without it, but work the rule out for those rows). Safe to run any time;
    `manage.py consent_state_refresh` runs it. One UPDATE; returns how many it refreshed."""
    today = on or timezone.localdate()
    due = YoungPerson.objects.filter(
        Q(consent_complete__isnull=True)
        | Q(consent_age_band__isnull=True)
        | ~Q(consent_age_band=consent_age_band(on=today))
    )
    return consent_state_refresh(due.values("pk"), on=today)


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
            consent_state_refresh([young_person.pk])
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
        consent_state_refresh([young_person.pk])
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
        consent_state_refresh([young_person.pk])
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
        consent_state_refresh([young_person.pk])
        adulthood_plan(young_person=young_person)
    return case


# How the link of a parent names the other parts someone already takes in the young person's life
# (youth.parties.other_parts_in_life); a feature that registers later is named as a supporter.
_OTHER_PARTS = {
    "professional": gettext_lazy("professional of a case"),
    "coordinator": gettext_lazy("coordinator of the organisation of a case"),
    "mentors": gettext_lazy("mentor or buddy"),
    "support families": gettext_lazy("support family"),
    "respite hosts": gettext_lazy("host family for short stays"),
    "social brokers": gettext_lazy("social broker"),
}


def guardian_add(
    *,
    actor: User,
    young_person: YoungPerson,
    first_name: str,
    last_name: str,
    email: str,
    kind: str,
    has_custody: bool,
    other_role_confirmed: bool = False,
) -> Guardianship:
    """Link a parent or guardian to a young person, as a professional or coordinator of their case.

    A new email gets a new account and the link stands at once: the account has no password, and the welcome
    email carries a single-use link to choose one (allauth's password-reset token), so only the owner of the
    mailbox gets in. An email that already has an account proves nothing about that person (anyone can type
    it), so the link waits: the person is asked "are you the parent of ...?" and sees nothing of the young person
    until they say yes (youth.parties counts only confirmed links). Someone who already takes another part in
    the young person's life (mentor, support family, broker, professional) is asked only when the professional
    ticks `other_role_confirmed`, and then still has to confirm. Refused with a clear error: the young person's own
    account, an account that is switched off, a link that exists, waits or was refused.

    Races: the young person's row is locked, and the unique pair backs it up."""
    if not selectors.youngperson_writable_by(actor).filter(pk=young_person.pk).exists():
        raise PermissionDenied
    email = User.objects.normalize_email(email).strip()
    try:
        with transaction.atomic():
            _lock_person(young_person)
            # An account that exists is found by its address (accounts.services.user_invite finds it the same way).
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                guardian = user_invite(email=email, first_name=first_name, last_name=last_name, role=Role.PARENT)
                now = timezone.now()
                guardianship = Guardianship.objects.create(
                    young_person=young_person,
                    guardian=guardian,
                    kind=kind,
                    has_custody=has_custody,
                    status=Guardianship.Status.CONFIRMED,
                    requested_by=actor,
                    requested_at=now,
                    answered_at=now,
                )
                consent_state_refresh([young_person.pk])
                for case in young_person.cases.filter(closed_on__isnull=True):
                    case_parties_changed(case)
                return guardianship
            other_role = _guardian_askable(young_person, existing, other_role_confirmed=other_role_confirmed)
            guardianship = Guardianship.objects.create(
                young_person=young_person,
                guardian=existing,
                kind=kind,
                has_custody=has_custody,
                status=Guardianship.Status.WAITING,
                requested_by=actor,
                requested_at=timezone.now(),
                other_role_acknowledged=other_role,
            )
            notify(
                [existing],
                notice=gettext_lazy("You are asked to confirm that you are a parent or guardian of a young person."),
                path=reverse("youth:guardianship_confirm", args=[guardianship.pk]),
            )
            return guardianship
    except IntegrityError:
        raise ValidationError({"email": _("This person is already linked or asked as a parent or guardian.")}) from None


def _guardian_askable(young_person: YoungPerson, person: User, *, other_role_confirmed: bool) -> bool:
    """Refuse to ask an existing account that cannot be this young person's parent, or that takes another part in
    their life while the professional did not confirm that on purpose. Returns whether it takes another part."""
    if young_person.user_id == person.pk:
        raise ValidationError(
            {"email": _("This is the email address of %(name)s's own account.") % {"name": young_person.first_name}}
        )
    if not person.is_active:
        raise ValidationError({"email": _("The account with this email address is switched off.")})
    found = Guardianship.objects.filter(young_person=young_person, guardian=person).first()
    if found is not None:
        raise ValidationError({"email": _GUARDIANSHIP_EXISTS[Guardianship.Status(found.status)]})
    others = [part for part in other_parts_in_life(person, young_person) if part != "young_person"]
    if others and not other_role_confirmed:
        names = ", ".join(str(_OTHER_PARTS.get(part, gettext_lazy("supporter"))) for part in others)
        raise ValidationError(
            {
                "other_role_confirmed": _(
                    "This person is already in %(name)s's life as: %(parts)s. Only link them as parent or "
                    "guardian if you are sure: tick the box. They still have to confirm it themselves."
                )
                % {"name": young_person.first_name, "parts": names}
            }
        )
    return bool(others)


_GUARDIANSHIP_EXISTS = {
    Guardianship.Status.CONFIRMED: gettext_lazy("This person is already linked as a parent or guardian."),
    Guardianship.Status.WAITING: gettext_lazy(
        "This person has already been asked to confirm that they are a parent or guardian. Wait for their answer."
    ),
    Guardianship.Status.REFUSED: gettext_lazy(
        "This person said earlier that they are not a parent or guardian of this young person. Talk to them first."
    ),
}


def _guardianship_answerable(actor: User, guardianship: Guardianship) -> Guardianship:
    """The request, locked: only the asked person answers it, once."""
    locked = Guardianship.objects.select_for_update().select_related("young_person").get(pk=guardianship.pk)
    if locked.guardian_id != actor.pk:
        raise PermissionDenied
    if locked.status != Guardianship.Status.WAITING:
        raise ValidationError(_("You already answered this question."))
    return locked


def _asker_and_professionals(guardianship: Guardianship) -> list[User]:
    people = consent.professionals_of(guardianship.young_person)
    if guardianship.requested_by is not None and all(p.pk != guardianship.requested_by_id for p in people):
        people.append(guardianship.requested_by)
    return people


def guardianship_confirm(*, actor: User, guardianship: Guardianship) -> Guardianship:
    """The asked person says yes, they are the parent or guardian: from now on they are a parent in every case
    of the young person (youth.parties), they join the case's conversations, and the professional who asked and
    the case's professionals hear of it (no names).

    Races: the guardianship row is locked, so a yes and a no at once cannot both count."""
    with transaction.atomic():
        locked = _guardianship_answerable(actor, guardianship)
        locked.status = Guardianship.Status.CONFIRMED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answered_at"])
        consent_state_refresh([locked.young_person_id])
        role_grant(user=actor, role=Role.PARENT)
        for case in locked.young_person.cases.filter(closed_on__isnull=True):
            case_parties_changed(case)
        notify(
            _asker_and_professionals(locked),
            notice=gettext_lazy("A parent or guardian confirmed the link with a young person in your case."),
            path=reverse("youth:youngperson_detail", args=[locked.young_person_id]),
        )
    return locked


def guardianship_refuse(*, actor: User, guardianship: Guardianship) -> Guardianship:
    """The asked person says no, they are not the parent or guardian: the link stays refused (it counts for
    nothing, so they never see anything of the young person), and the professional who asked and the case's
    professionals hear of it (no names).

    Races: the guardianship row is locked, as in guardianship_confirm."""
    with transaction.atomic():
        locked = _guardianship_answerable(actor, guardianship)
        locked.status = Guardianship.Status.REFUSED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answered_at"])
        consent_state_refresh([locked.young_person_id])
        notify(
            _asker_and_professionals(locked),
            notice=gettext_lazy(
                "A person you asked says they are not the parent or guardian of a young person in your case. "
                "The link is not made."
            ),
            path=reverse("youth:youngperson_detail", args=[locked.young_person_id]),
        )
    return locked


# --- From 18: the young adult decides who looks along -----------------------------------------------------------------


def _parent_access_decidable(actor: User, guardianship: Guardianship) -> Guardianship:
    """The guardianship, locked, when the actor is the young person and 18 or older; refused otherwise."""
    locked = Guardianship.objects.select_for_update().select_related("young_person").get(pk=guardianship.pk)
    if locked.young_person.user_id != actor.pk:
        raise PermissionDenied
    if locked.young_person.date_of_birth > adult_born_by():
        raise ValidationError(_("You decide this yourself from your 18th birthday."))
    if locked.status != Guardianship.Status.CONFIRMED:
        raise ValidationError(_("This person is not linked to you as a parent or guardian."))
    return locked


def _parent_access_changed(locked: Guardianship, *, actor: User, granted: bool) -> None:
    ParentAccessDecision.objects.create(guardianship=locked, granted=granted, decided_by=actor)
    consent_state_refresh([locked.young_person_id])
    for case in locked.young_person.cases.filter(closed_on__isnull=True):
        case_parties_changed(case)


def parent_access_grant(*, actor: User, guardianship: Guardianship) -> Guardianship:
    """A young adult (18 or older) lets one of their parents look along again: the parent sees the record and
    joins the case's conversations (youth.parties counts the link again). The choice is written down with who and
    when (ParentAccessDecision); the parent hears of it without names.

    Races: the guardianship row is locked, so two clicks make one choice."""
    with transaction.atomic():
        locked = _parent_access_decidable(actor, guardianship)
        if locked.adult_access_granted_at is not None:
            raise ValidationError(_("This parent may already look along."))
        locked.adult_access_granted_at = timezone.now()
        locked.save(update_fields=["adult_access_granted_at"])
        _parent_access_changed(locked, actor=actor, granted=True)
        notify(
            [locked.guardian],
            notice=gettext_lazy("A young person of 18 or older lets you look along in Dichtbij again."),
            path=reverse("home"),
        )
    return locked


def parent_access_revoke(*, actor: User, guardianship: Guardianship) -> Guardianship:
    """A young adult stops one parent from looking along: the parent loses the record at the next request and
    leaves the case's conversations (their open chat windows close). Written down with who and when; the parent
    hears of it without names.

    Races: the guardianship row is locked, as in parent_access_grant."""
    with transaction.atomic():
        locked = _parent_access_decidable(actor, guardianship)
        if locked.adult_access_granted_at is None:
            raise ValidationError(_("This parent already may not look along."))
        locked.adult_access_granted_at = None
        locked.save(update_fields=["adult_access_granted_at"])
        _parent_access_changed(locked, actor=actor, granted=False)
        notify(
            [locked.guardian],
            notice=gettext_lazy("A young person of 18 or older chose that you no longer look along in Dichtbij."),
            path=reverse("home"),
        )
    return locked


def adulthood_plan(*, young_person: YoungPerson) -> None:
    """Queue the birthday task (youth.tasks.adulthood_begin_task) for the young person's 18th birthday, 00:05 local
    time, or for now when that day has passed and it was not handled yet. In the caller's transaction."""
    # tasks.py imports this module to run the work: imported at call time to break the cycle.
    from youth.tasks import adulthood_begin_task

    if AdulthoodStep.objects.filter(young_person_id=young_person.pk).exists():
        return
    at = timezone.make_aware(datetime.combine(adult_on(young_person.date_of_birth), time(0, 5)))
    adulthood_begin_task.using(run_after=max(at, timezone.now())).enqueue(young_person.pk)


def adulthood_plan_all() -> int:
    """Queue the birthday task for every young person whose 18th birthday was not handled and for whom none waits
    in the queue (records from before the task existed, or a queue that lost a row). Safe to run any time: the
    task itself does its work once (AdulthoodStep). Returns how many it queued."""
    planned = selectors.adulthood_queued_ids()
    queued = 0
    for young_person in YoungPerson.objects.filter(adulthood_step__isnull=True).exclude(pk__in=planned):
        with transaction.atomic():
            adulthood_plan(young_person=young_person)
        queued += 1
    return queued


def adulthood_begin(*, young_person_id: int) -> bool:
    """The 18th birthday (the task runs it): from today the young adult alone decides who sees their data. The
    parents who saw the record until now (youth.parties stops counting them today unless the young adult lets them
    look along) and the young adult are told in plain words, without names; the case's conversations follow.
    Returns whether it did the work: not for a young person who is not 18 yet (their date of birth was changed:
    the task is queued again for the new day), and only once per young person (AdulthoodStep).

    Races: the young person's row is locked and the step is unique per young person."""
    with transaction.atomic():
        young_person = YoungPerson.objects.select_for_update().filter(pk=young_person_id).first()
        if young_person is None or AdulthoodStep.objects.filter(young_person=young_person).exists():
            return False
        # The 18th birthday is one on which the consent rule can change its answer.
        consent_state_refresh([young_person.pk])
        if young_person.date_of_birth > adult_born_by():
            adulthood_plan(young_person=young_person)
            return False
        AdulthoodStep.objects.create(young_person=young_person)
        told = [
            g.guardian
            for g in young_person.guardianships.select_related("guardian")
            if parent_access_waits_for_adult(g, date_of_birth=young_person.date_of_birth)
        ]
        notify(
            told,
            notice=gettext_lazy(
                "Your child is 18 now. From now on they decide themselves who sees their data in Dichtbij. "
                "You can look along only if they allow it."
            ),
            path=reverse("home"),
        )
        if young_person.user is not None:
            notify(
                [young_person.user],
                notice=gettext_lazy(
                    "You are 18 now. From now on you decide yourself who sees your data in Dichtbij, "
                    "also your parents. Choose it here."
                ),
                path=reverse("youth:parent_access", args=[young_person.pk]),
            )
        for case in young_person.cases.filter(closed_on__isnull=True):
            case_parties_changed(case)
    return True


def _coordinator_of(actor: User, case: Case) -> None:
    if not coordinates(actor, case.organisation_id):
        raise PermissionDenied


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
        case_parties_changed(case)
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
        case_parties_changed(case)
