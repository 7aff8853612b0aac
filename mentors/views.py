"""JIM pages: the list, starting a nomination, the mentorship page with everything its parties may do, and the
nominee's invitation page (no login: the secret link is the key)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record, accesslog_record_many
from accounts.models import Role
from accounts.selectors import has_role
from agreements.forms import AgreementForm
from agreements.models import Agreement
from agreements.selectors import agreement_current_texts, agreement_overview, agreementversion_of
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from mentors import selectors, services
from mentors.forms import (
    FINISHED,
    RUNNING,
    AcceptForm,
    CheckInForm,
    ClosureForm,
    CoachingNoteForm,
    DeclineForm,
    IntervalForm,
    InviteForm,
    MandateForm,
    MentorshipSearchForm,
    MoveForm,
    NominateForm,
    OutcomeForm,
    RatingForm,
    ScreeningForm,
)
from mentors.models import Mentorship
from mentors.states import FINISHED_STATES, MOVES, RUNNING_STATES, Party, State, Via
from mentors.texts import STATE_EXPLAINED, mandate_text
from youth.consent import supporter_paused
from youth.models import MentorChoice
from youth.selectors import case_writable_by, youngperson_get_for
from youth.views import consent_paused_response


def _log(request: AuthenticatedHttpRequest, mentorship: Mentorship, *, changed: bool = False) -> None:
    accesslog_record(
        request=request,
        young_person=mentorship.young_person,
        what=AccessLogEntry.What.MENTORSHIP,
        action=AccessLogEntry.Action.CHANGE if changed else AccessLogEntry.Action.VIEW,
        basis=selectors.mentorship_access_basis(request.user, mentorship),
    )


def _done(request: AuthenticatedHttpRequest, mentorship: Mentorship, message: str) -> HttpResponse:
    _log(request, mentorship, changed=True)
    messages.success(request, message)
    return redirect("mentors:detail", pk=mentorship.pk)


@login_required
def mentorship_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if (
        not has_role(request.user, Role.YOUNG_PERSON, Role.PARENT, Role.MENTOR, Role.PROFESSIONAL, Role.COORDINATOR)
        and not selectors.mentorship_visible_to(request.user).filter(mentor_id=request.user.pk).exists()
    ):
        # A volunteer buddy is a mentor without the mentor role (matching started the mentorship).
        raise PermissionDenied
    user = request.user
    search = MentorshipSearchForm(request.GET)
    step = search.value("stap") or ""
    listing = listing_of(
        request,
        selectors.mentorship_list_for(
            user,
            text=search.value("q") or "",
            step="" if step in (RUNNING, FINISHED) else step,
            finished={RUNNING: False, FINISHED: True}.get(step),
        ),
    )
    mentorships = listing.rows
    # Only the names on this page are read, so only they are logged.
    accesslog_record_many(
        request=request, shown=((m.young_person_id, selectors.mentorship_access_basis(user, m)) for m in mentorships)
    )
    context = {"mentorships": mentorships, "listing": listing, "search": search, "finished_states": FINISHED_STATES}
    return render(request, "mentors/list.html", context)


@login_required
def nominate(request: AuthenticatedHttpRequest, young_person_pk: int) -> HttpResponse:
    """Start a nomination from the young person's choice (the case's professional); the coordinator of the case
    sees the same page without the form."""
    young_person = youngperson_get_for(request.user, young_person_pk)
    case = selectors.nomination_case_for(request.user, young_person)
    if case is None and not case_writable_by(request.user).filter(young_person=young_person).exists():
        raise PermissionDenied
    if request.method == "POST" and case is None:
        raise PermissionDenied
    rows = selectors.nomination_choices(young_person)
    first_new = next((row.choice.pk for row in rows if not row.earlier), rows[0].choice.pk if rows else None)
    choices = MentorChoice.objects.filter(young_person=young_person).order_by("rank")
    form = NominateForm(request.POST or None, choices=choices, initial={"choice": first_new})
    if request.method == "POST" and form.is_valid():
        try:
            mentorship = services.mentorship_nominate(
                actor=request.user, young_person=young_person, choice=form.cleaned_data["choice"]
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="choice")
        else:
            return _done(request, mentorship, _("The nomination is started. Now invite the nominee."))
    accesslog_record(request=request, young_person=young_person, what=AccessLogEntry.What.MENTORSHIP)
    history = list(selectors.mentorship_visible_to(request.user).filter(young_person=young_person))
    running = next((m for m in history if m.state not in FINISHED_STATES), None)
    context = {
        "young_person": young_person,
        "rows": rows,
        # While a mentorship is open, a new nomination would be refused: the page points to the open one instead.
        "form": form if case is not None and rows and (running is None or form.errors) else None,
        "running": running,
        "history": history,
    }
    return render(request, "mentors/nominate.html", context, status=400 if form.errors else 200)


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int, **refused: Form) -> HttpResponse:
    """The mentorship with what the user may do; re-rendered with a refused form's errors (400)."""
    mentorship = selectors.mentorship_get_for(request.user, pk)
    _log(request, mentorship)
    if (paused := consent_paused_response(request, mentorship.case)) is not None:
        return paused
    user = request.user
    parties = selectors.mentorship_parties(user, mentorship)
    state = mentorship.state
    moves = selectors.mentorship_moves_for(parties, mentorship)
    professional = Party.PROFESSIONAL in parties
    people = selectors.mentorship_party_users(mentorship)
    mandate = selectors.mandate_status(mentorship)
    agreement = agreement_overview(mentorship, Agreement.Kind.JIM, user)
    planned, held = selectors.checkins_of(mentorship)

    def form(name: str, make: Any, show: bool) -> Form | None:
        return refused.get(name) or (make() if show else None)

    may_propose = services.mentorship_agreement_may_propose(
        parties, state, has_agreement=agreement.agreement is not None
    )
    asked = mandate.asks(user) if state == State.MANDATE else None
    for_young_person = mandate.young_person_without_account() if state == State.MANDATE and professional else None
    context = {
        "mentorship": mentorship,
        "explained": STATE_EXPLAINED[state],
        "parties": parties,
        "is_professional": professional,
        "waiting": selectors.mentorship_waiting_for(mentorship, people, mandate, agreement, planned),
        "step_moves": [move for move in moves if move.via == Via.STEP],
        "move_form": refused.get("move") or MoveForm(),
        "invite_form": form(
            "invite",
            lambda: InviteForm(initial=InviteForm.initial_for(mentorship)),
            any(m.via == Via.INVITE for m in moves),
        ),
        "invitation": mentorship.invitations.first() if professional else None,
        "screening_form": form("screening", ScreeningForm, professional and state == State.SCREENING),
        "mandate": mandate,
        "mandate_text": mandate_text(mentorship.kind)[0]
        % {"mentor": mentorship.nominee_name, "name": mentorship.young_person.first_name},
        "mandate_asked": asked,
        "mandate_form": form("mandate", MandateForm, asked is not None),
        "mandate_for_young_person": for_young_person,
        "mandate_young_person_form": form(
            "mandate_young_person", lambda: MandateForm(prefix="mandate_yp"), for_young_person is not None
        ),
        "sees_reservations": bool(parties & {Party.PROFESSIONAL, Party.COORDINATOR}),
        "agreement": agreement,
        "agreement_form": form(
            "agreement",
            lambda: AgreementForm(kind=Agreement.Kind.JIM, current=agreement_current_texts(mentorship)),
            may_propose,
        ),
        "agreement_propose_url": reverse("mentors:agreement_propose", args=[pk]),
        "agreement_agree_url": reverse("mentors:agreement_agree", args=[pk]) if mentorship.is_open else None,
        "planned": planned,
        "held": held,
        "running": state in RUNNING_STATES,
        "checkin_form": form(
            "checkin",
            lambda: CheckInForm(initial={"held_on": timezone.localdate()}),
            professional and state in RUNNING_STATES,
        ),
        "interval_form": form(
            "interval",
            lambda: IntervalForm(initial={"weeks": mentorship.checkin_weeks}),
            professional and mentorship.is_open and state in {State.AGREEMENT, *RUNNING_STATES},
        ),
        "rating_form": form(
            "rating", RatingForm, bool(parties & {Party.YOUNG_PERSON, Party.MENTOR}) and state in RUNNING_STATES
        ),
        "ratings": selectors.ratings_for(user, parties, mentorship),
        "notes": selectors.coaching_notes_for(parties, mentorship),
        "note_form": form("note", CoachingNoteForm, professional and mentorship.is_open),
        "closure_form": form(
            "closure",
            lambda: ClosureForm(initial=OutcomeForm.initial_for(mentorship)),
            any(m.via == Via.CLOSURE for m in moves),
        ),
        "outcome_form": form(
            "outcome",
            lambda: OutcomeForm(initial=OutcomeForm.initial_for(mentorship)),
            professional and state in (State.COMPLETED, State.STOPPED),
        ),
    }
    return render(request, "mentors/detail.html", context, status=400 if refused else 200)


def _write(request: HttpRequest, pk: int) -> Mentorship:
    mentorship = selectors.mentorship_get_for(request.user, pk, write=True)
    # A mentor changes nothing while the sharing consent is not complete (youth/consent.py); the page says why.
    if supporter_paused(request.user, mentorship.case):
        raise PermissionDenied
    return mentorship


@login_required
@require_POST
def move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = MoveForm(request.POST)
    step = MOVES.get(request.POST.get("move", ""))
    if not form.is_valid() or step is None or step.via != Via.STEP:
        messages.error(request, _("Something went wrong. Please choose again."))
        return redirect("mentors:detail", pk=pk)
    try:
        services.mentorship_move(
            actor=request.user, mentorship=mentorship, move=step.name, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        add_service_errors(form, error, default_field="reason")
        return detail(request, pk, move=form)
    return _done(request, mentorship, _("Done: %(move)s.") % {"move": step.label})


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.mentorship_invite(actor=request.user, mentorship=mentorship, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="first_name")
        else:
            return _done(request, mentorship, _("The invitation is sent."))
    return detail(request, pk, invite=form)


@login_required
@require_POST
def screening(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = ScreeningForm(request.POST)
    if form.is_valid():
        try:
            services.mentorship_screening_record(actor=request.user, mentorship=mentorship, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="vog_issued_on")
        else:
            return _done(request, mentorship, _("The VOG is recorded."))
    return detail(request, pk, screening=form)


@login_required
@require_POST
def mandate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    for_young_person = request.POST.get("for_young_person") == "1"
    form = MandateForm(request.POST, prefix="mandate_yp" if for_young_person else "mandate")
    if form.is_valid():
        try:
            services.mandate_give(
                actor=request.user, mentorship=mentorship, for_young_person=for_young_person, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="decision")
        else:
            return _done(request, mentorship, _("Thank you. Your answer is recorded."))
    return detail(request, pk, **{"mandate_young_person" if for_young_person else "mandate": form})


@login_required
@require_POST
def agreement_propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = AgreementForm(request.POST, kind=Agreement.Kind.JIM, current=agreement_current_texts(mentorship))
    if form.is_valid():
        try:
            services.mentorship_agreement_propose(
                actor=request.user,
                mentorship=mentorship,
                sections=form.sections(),
                change_note=form.cleaned_data.get("change_note", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("The agreements are proposed. Now everyone who has to agree can say yes.")
            return _done(request, mentorship, message)
    return detail(request, pk, agreement=form)


@login_required
@require_POST
def agreement_agree(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    version_id = request.POST.get("version", "")
    version = agreementversion_of(mentorship, int(version_id)) if version_id.isdigit() else None
    if version is None:
        raise Http404
    try:
        services.mentorship_agreement_agree(actor=request.user, mentorship=mentorship, version=version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("mentors:detail", pk=pk)
    return _done(request, mentorship, _("Thank you. Your yes is recorded."))


@login_required
@require_POST
def checkin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            services.checkin_record(actor=request.user, mentorship=mentorship, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="note")
        else:
            return _done(request, mentorship, _("The check-in is recorded. The next one is planned."))
    return detail(request, pk, checkin=form)


@login_required
@require_POST
def interval(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = IntervalForm(request.POST)
    if form.is_valid():
        try:
            services.checkin_interval_set(actor=request.user, mentorship=mentorship, weeks=form.cleaned_data["weeks"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="weeks")
        else:
            return _done(request, mentorship, _("Saved. The next check-in is planned again."))
    return detail(request, pk, interval=form)


@login_required
@require_POST
def note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = CoachingNoteForm(request.POST)
    if form.is_valid():
        try:
            services.coachingnote_add(actor=request.user, mentorship=mentorship, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error, default_field="text")
        else:
            return _done(request, mentorship, _("The note is saved."))
    return detail(request, pk, note=form)


@login_required
@require_POST
def rating(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rating_give(actor=request.user, mentorship=mentorship, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="score")
        else:
            return _done(request, mentorship, _("Thank you for telling how it goes."))
    return detail(request, pk, rating=form)


@login_required
@require_POST
def complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = _write(request, pk)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            services.mentorship_complete(actor=request.user, mentorship=mentorship, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="reason")
        else:
            return _done(request, mentorship, _("The mentorship is completed."))
    return detail(request, pk, closure=form)


@login_required
@require_POST
def outcome(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # A finished mentorship is read-only, except for its outcome: the service checks that the user is its professional.
    mentorship = selectors.mentorship_get_for(request.user, pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.mentorship_outcome_record(actor=request.user, mentorship=mentorship, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, default_field="placement_averted")
        else:
            return _done(request, mentorship, _("The outcome is saved."))
    return detail(request, pk, outcome=form)


# --- The nominee's invitation page ----------------------------------------------------------------------------------


@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """What being a JIM means and asks, with yes, no and "call me first". A link that no longer works gets a page
    that says why (404 unknown, 410 expired or replaced); a used one says what the answer was."""
    lookup = selectors.invitation_lookup(token)
    found = lookup.invitation
    if found is None or not lookup.valid:
        status = {"unknown": 404, "used": 200}.get(lookup.status, 410)
        return render(request, "mentors/invitation_closed.html", {"lookup": lookup, "found": found}, status=status)
    services.invitation_opened(invitation=found)
    ask_email = not (found.by_email and found.email)
    mentorship = found.mentorship
    accept_form = AcceptForm(ask_email=ask_email, initial=InviteForm.initial_for(mentorship))
    decline_form = DeclineForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "call":
                services.invitation_ask_call(token=token)
                messages.success(request, _("Thank you. We asked the professional to call you."))
                return redirect("mentors:invitation", token=token)
            if action == "accept":
                accept_form = AcceptForm(request.POST, ask_email=ask_email)
                if accept_form.is_valid():
                    services.invitation_accept(token=token, **accept_form.cleaned_data)
                    return redirect("mentors:invitation", token=token)
            elif action == "decline":
                decline_form = DeclineForm(request.POST)
                if decline_form.is_valid():
                    services.invitation_decline(token=token, reason=decline_form.cleaned_data["reason"])
                    return redirect("mentors:invitation", token=token)
            else:
                messages.error(request, _("Something went wrong. Please choose again."))
        except ValidationError as error:
            target = decline_form if action == "decline" else accept_form
            add_service_errors(target, error)
            if action == "call":
                messages.error(request, " ".join(error.messages))
    context = {
        "mentorship": mentorship,
        "invitation": found,
        "accept_form": accept_form,
        "decline_form": decline_form,
        "professional": found.sent_by,
    }
    refused = accept_form.errors or decline_form.errors
    return render(request, "mentors/invitation.html", context, status=400 if refused else 200)
