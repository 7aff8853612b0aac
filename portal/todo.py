"""What waits for someone: the "to do" list on the home page and the count on the menu's badge.

One selector per role (young person, parent, mentor, volunteer: a buddy, a support family or respite host and a
social broker are volunteers) and `todo_for`, which gathers those of the roles the user holds without doubles. Each
item is a plain sentence, one button and the page it opens, and a stable kind (for tests and styling). The data
come from each feature's own selectors, which apply that feature's rule of who may see and do what; so an item
leads only to a page the user may open, and it is gone as soon as the thing is done. The badge and the list ask
the same function (`todo_for_request`), so their numbers cannot differ.

Queries are constant per role, however many items. The professional's, coordinator's, analyst's and
administrator's work is on their own sections of the home page, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from accounts.selectors import AnyUser, role_names
from agreements.models import Agreement, SignatoryParty
from agreements.selectors import WaitingSignature, agreements_waiting_for
from hostfamilies.selectors import match_writable_by
from matching.selectors import BROKER, BUDDY, proposals_asking, round_of, rounds_to_choose_for
from mentors.selectors import checkins_due_for, mandates_waiting_for, mentorship_writable_by
from training.selectors import training_steps_for
from volunteers.models import Volunteer
from volunteers.selectors import NextStep, volunteer_next_steps, volunteer_readiness, volunteer_visible_to
from volunteers.selectors import with_readiness_data as with_volunteer_readiness_data
from youth.consent import young_person_ids_sharing_allowed
from youth.selectors import consent_tasks_for, guardianship_requests_for

# Supporters see a young person's pages only while the sharing consent is complete (youth/consent.py); as these
# parties an item is shown only then, so that its button never leads to the "paused" page.
SUPPORTER_PARTIES = frozenset({SignatoryParty.MENTOR, SignatoryParty.SUPPORT_FAMILY})


@dataclass(frozen=True)
class TodoItem:
    """One thing that waits for the user: what (a sentence), the button's label and the page it opens."""

    kind: str
    text: str
    button: str
    url: str

    @property
    def key(self) -> tuple[str, str, str]:
        # The same thing asked through two roles (a mentor who is also a volunteer) is shown once.
        return (self.kind, self.url, self.text)


def _day(value: date | datetime) -> str:
    """A day as people read it ("7 december 2026"), in the page's language and the local time zone."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "j F Y")


def _sharing_allowed(young_person_ids: list[int]) -> set[int]:
    return young_person_ids_sharing_allowed(young_person_ids) if young_person_ids else set()


# --- Parts that several roles share ------------------------------------------------------------------------------


def _consent_items(user: AnyUser, *, own: bool) -> list[TodoItem]:
    """The consent questions waiting for the user's yes or no: for themself (`own`) or for their children."""
    items = []
    for young_person, purposes in consent_tasks_for(user):
        if (young_person.user_id == user.pk) != own:
            continue
        if own:
            text = ngettext(
                "Dichtbij asks for your consent (%(counter)s question).",
                "Dichtbij asks for your consent (%(counter)s questions).",
                len(purposes),
            ) % {"counter": len(purposes)}
        else:
            text = ngettext(
                "Dichtbij asks for your consent for %(name)s (%(counter)s question).",
                "Dichtbij asks for your consent for %(name)s (%(counter)s questions).",
                len(purposes),
            ) % {"counter": len(purposes), "name": young_person.first_name}
        url = reverse("youth:consent", args=[young_person.pk])
        items.append(TodoItem("consent", text, _("Give your answer"), url))
    return items


def _agreement_text(kind: str, party: str, name: str) -> str:
    jim = kind == Agreement.Kind.JIM
    if party == SignatoryParty.YOUNG_PERSON:
        if jim:
            return _("The agreements with your mentor are ready. Read them and say if you agree.")
        return _("The agreements with your support family are ready. Read them and say if you agree.")
    if party == SignatoryParty.PARENT:
        if jim:
            return _("The agreements about the mentor of %(name)s are ready. Read them and say if you agree.") % {
                "name": name
            }
        return _("The agreements with the support family of %(name)s are ready. Read them and say if you agree.") % {
            "name": name
        }
    if party == SignatoryParty.SUPPORT_FAMILY:
        return _("The agreements with the family you support are ready. Read them and say if you agree.")
    return _("The agreements with the young person you support are ready. Read them and say if you agree.")


def _agreement_items(user: AnyUser, parties: set[str]) -> list[TodoItem]:
    """The agreements that wait for the user's yes as one of `parties`, on mentorships and support-family matches
    that are still open and that the user takes part in (the owning apps' selectors decide). Four queries."""
    waiting = [row for row in agreements_waiting_for(user) if row.party in parties]
    if not waiting:
        return []
    jim_ids = [row.object_id for row in waiting if row.kind == Agreement.Kind.JIM]
    match_ids = [row.object_id for row in waiting if row.kind == Agreement.Kind.SUPPORT_FAMILY]
    mentorships = {m.pk: m for m in mentorship_writable_by(user).filter(pk__in=jim_ids).select_related("young_person")}
    matches = {
        m.pk: m for m in match_writable_by(user).filter(pk__in=match_ids).select_related("request__case__young_person")
    }
    found: list[tuple[WaitingSignature, int, str, str]] = []
    for row in waiting:
        if row.kind == Agreement.Kind.JIM and row.object_id in mentorships:
            mentorship = mentorships[row.object_id]
            url = reverse("mentors:detail", args=[mentorship.pk])
            found.append((row, mentorship.young_person_id, mentorship.young_person.first_name, url))
        elif row.kind == Agreement.Kind.SUPPORT_FAMILY and row.object_id in matches:
            young_person = matches[row.object_id].request.case.young_person
            url = reverse("hostfamilies:match_detail", args=[row.object_id])
            found.append((row, young_person.pk, young_person.first_name, url))
    supported = [yp for row, yp, _name, _url in found if row.party in SUPPORTER_PARTIES]
    allowed = _sharing_allowed(supported)
    return [
        TodoItem("agreement", _agreement_text(row.kind, row.party, name), _("Read the agreements"), url)
        for row, young_person_id, name, url in found
        if row.party not in SUPPORTER_PARTIES or young_person_id in allowed
    ]


def _mandate_items(user: AnyUser, *, own: bool) -> list[TodoItem]:
    items = []
    for mentorship in mandates_waiting_for(user):
        if (mentorship.young_person.user_id == user.pk) != own:
            continue
        if own:
            text = _("Do you want %(mentor)s as your mentor? Say yes or no.") % {"mentor": mentorship.nominee_name}
        else:
            text = _("%(name)s chose %(mentor)s as mentor. Do you agree? Give your answer.") % {
                "name": mentorship.young_person.first_name,
                "mentor": mentorship.nominee_name,
            }
        items.append(TodoItem("mandate", text, _("Give your answer"), reverse("mentors:detail", args=[mentorship.pk])))
    return items


def _choose_items(user: AnyUser, *, own: bool) -> list[TodoItem]:
    """Rounds of proposals shown to the user's family that wait for its choice."""
    items = []
    for found in rounds_to_choose_for(user):
        young_person = found.young_person
        if (young_person.user_id == user.pk) != own:
            continue
        name = {"name": young_person.first_name}
        if found.kind == BUDDY:
            text = (
                _("Buddies have been suggested for you. Choose the one that suits you best.")
                if own
                else _("Buddies have been suggested for %(name)s. Choose the one that suits best.") % name
            )
            button = _("Choose a buddy")
        elif found.kind == BROKER:
            text = (
                _("Social brokers have been suggested for you. Choose the one that suits you best.")
                if own
                else _("Social brokers have been suggested for %(name)s. Choose the one that suits best.") % name
            )
            button = _("Choose a social broker")
        else:
            text = (
                _("Support families have been suggested for you. Choose the one that suits you best.")
                if own
                else _("Support families have been suggested for %(name)s. Choose the one that suits best.") % name
            )
            button = _("Choose a support family")
        items.append(TodoItem("choose", text, button, found.choose_path))
    return items


def _checkin_items(user: AnyUser) -> list[TodoItem]:
    """Check-ins with the professional that are due soon, for the mentor or buddy (not while the mentorship's pages
    are paused)."""
    checkins = checkins_due_for(user)
    allowed = _sharing_allowed([c.mentorship.young_person_id for c in checkins])
    return [
        TodoItem(
            "checkin",
            _("Your next check-in with the professional is due before %(date)s. Make an appointment.")
            % {"date": _day(checkin.due_on)},
            _("See the mentorship"),
            reverse("mentors:detail", args=[checkin.mentorship_id]),
        )
        for checkin in checkins
        if checkin.mentorship.young_person_id in allowed
    ]


def _parent_question_items(user: AnyUser) -> list[TodoItem]:
    """A professional asked whether the user is the parent of a young person (youth: linking a parent). Asked of
    anyone with an account, whatever their roles; the question names no child until its page is opened."""
    return [
        TodoItem(
            "parent_question",
            _("A professional asks if you are the parent or guardian of a young person. Say yes or no."),
            _("Give your answer"),
            reverse("youth:guardianship_confirm", args=[guardianship.pk]),
        )
        for guardianship in guardianship_requests_for(user)
    ]


# --- One selector per role ------------------------------------------------------------------------------------------


def todo_for_young_person(user: AnyUser) -> list[TodoItem]:
    """For the young person: their own consent, a mentor to say yes or no to, proposals to choose from, and
    agreements to sign."""
    return [
        *_consent_items(user, own=True),
        *_mandate_items(user, own=True),
        *_choose_items(user, own=True),
        *_agreement_items(user, {SignatoryParty.YOUNG_PERSON}),
    ]


def todo_for_parent(user: AnyUser) -> list[TodoItem]:
    """For a parent with custody: consent for their children, a mandate for a child's mentor, a support family (or
    buddy, or social broker) to choose, and agreements to sign."""
    return [
        *_consent_items(user, own=False),
        *_mandate_items(user, own=False),
        *_choose_items(user, own=False),
        *_agreement_items(user, {SignatoryParty.PARENT}),
    ]


def todo_for_mentor(user: AnyUser) -> list[TodoItem]:
    """For a JIM: agreements to sign and the next check-in with the professional when it is due."""
    return [*_agreement_items(user, {SignatoryParty.MENTOR}), *_checkin_items(user)]


def _volunteer_step_text(step: str) -> str:
    return {
        NextStep.PAUSED: _("You have paused. Do you want to start again?"),
        NextStep.INTAKE: _(
            "The intake conversation has not been held yet. The coordinator will contact you to plan it."
        ),
        NextStep.REFERENCES: _("We still need two references: people who know you and can tell us about you."),
        NextStep.VOG: _("You still need a certificate of conduct (VOG). Ask the coordinator how to apply for it."),
        NextStep.VOG_WAITING: _(
            "Your certificate of conduct (VOG) has been applied for. Show it to the coordinator when you have it."
        ),
        NextStep.VOG_EXPIRED: _("Your certificate of conduct (VOG) has expired. Apply for a new one."),
        NextStep.HOME_VISIT: _("The home visit has not taken place yet. The coordinator will contact you to plan it."),
    }[step]


def _enrolment_text(course: str, status: str, starts_at: datetime) -> str:
    values = {"course": course, "date": _day(starts_at)}
    if status == "waiting":
        return _("You are on the waiting list for the training %(course)s on %(date)s.") % values
    return _("You are signed up for the training %(course)s on %(date)s.") % values


def _asked_text(kind: str) -> str:
    if kind == BUDDY:
        return _("A young person would like you as their buddy. Say yes or no.")
    if kind == BROKER:
        return _("A family would like you as their social broker. Say yes or no.")
    return _("A family would like you as their support family. Say yes or no.")


def todo_for_volunteer(user: AnyUser) -> list[TodoItem]:
    """For a volunteer (a buddy, a support family or respite host, a social broker): a family's question to say yes
    or no to, agreements to sign, a check-in that is due, and every reason why they cannot be matched yet as a step
    with a button (volunteers.selectors.volunteer_readiness; training with its sessions), then the training
    sessions they signed up for."""
    if not user.is_authenticated:
        return []
    items: list[TodoItem] = []
    asked = proposals_asking(user)
    allowed = _sharing_allowed([proposal.case.young_person_id for proposal in asked])
    items += [
        TodoItem(
            "asked",
            _asked_text(round_of(proposal).kind),
            _("Give your answer"),
            reverse("matching:ask", args=[proposal.pk]),
        )
        for proposal in asked
        if proposal.case.young_person_id in allowed
    ]
    items += _agreement_items(user, set(SUPPORTER_PARTIES))
    items += _checkin_items(user)
    volunteer = with_volunteer_readiness_data(volunteer_visible_to(user).filter(user=user)).first()
    if volunteer is None:
        return items
    own_page = reverse("volunteers:own")
    readiness = volunteer_readiness(volunteer)
    items += [
        TodoItem(f"volunteer_{step}", _volunteer_step_text(step), _("See your volunteer work"), own_page)
        for step in volunteer_next_steps(volunteer, readiness)
    ]
    if volunteer.status == Volunteer.Status.STOPPED:
        return items
    catalogue = reverse("training:catalogue")
    training = training_steps_for(user, volunteer)
    for step in training.courses:
        title = step.course.title
        if step.enrolment is not None:
            text = _enrolment_text(title, step.enrolment.status, step.enrolment.session.starts_at)
            items.append(
                TodoItem("training", text, _("See your training"), f"{catalogue}#enrolment-{step.enrolment.pk}")
            )
        elif step.next_session is not None:
            text = _("Sign up for the training %(course)s. The next session is on %(date)s.") % {
                "course": title,
                "date": _day(step.next_session.starts_at),
            }
            items.append(TodoItem("training", text, _("Choose a date"), f"{catalogue}#session-{step.next_session.pk}"))
        else:
            text = _("You still need the training %(course)s. No date is planned yet: look again later.") % {
                "course": title
            }
            items.append(TodoItem("training", text, _("See your training"), f"{catalogue}#todo-title"))
    items += [
        TodoItem(
            "training_coming_up",
            _enrolment_text(enrolment.session.course.title, enrolment.status, enrolment.session.starts_at),
            _("See your training"),
            f"{catalogue}#enrolment-{enrolment.pk}",
        )
        for enrolment in training.coming_up
    ]
    return items


ROLE_SELECTORS = (
    (Role.YOUNG_PERSON, todo_for_young_person),
    (Role.PARENT, todo_for_parent),
    (Role.MENTOR, todo_for_mentor),
    (Role.VOLUNTEER, todo_for_volunteer),
)


def todo_for(user: AnyUser) -> list[TodoItem]:
    """Everything that waits for the user: a question whether they are a child's parent, then what the selectors of
    the roles they hold find, each thing once (a user who is mentor and volunteer signs an agreement once). Empty for
    anyone who is not signed in."""
    if not user.is_authenticated:
        return []
    roles = role_names(user)
    items = {item.key: item for item in _parent_question_items(user)}
    for role, selector in ROLE_SELECTORS:
        if role in roles:
            for item in selector(user):
                items.setdefault(item.key, item)
    return list(items.values())


def todo_for_request(request: HttpRequest) -> list[TodoItem]:
    """`todo_for` of the request's user, read once per request: the home page's list and the menu's badge are the
    same list."""
    cached: list[TodoItem] | None = getattr(request, "_dichtbij_todo", None)
    if cached is None:
        cached = todo_for(request.user)
        request._dichtbij_todo = cached  # type: ignore[attr-defined]
    return cached
