"""Messaging pages: the list, a conversation (works without JavaScript: a plain form post), the HTTP send and
fetch-since endpoints for the chat script, reporting and deleting a message, and Twilio's status callback."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from twilio.request_validator import RequestValidator

from accesslog.models import AccessLogEntry
from accesslog.services import accesslog_record, accesslog_record_by, accesslog_record_many
from core.forms import add_service_errors
from core.http import AuthenticatedHttpRequest
from core.paging import listing_of
from messaging import selectors
from messaging.forms import MessageForm, ReportForm
from messaging.models import Message
from messaging.services import membership, outbox, safeguarding, sending
from youth.selectors import case_get_for


@login_required
@never_cache
def conversation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Paged: a coordinator may be in a conversation for every match of their organisation. The log names the
    # young people of the page shown.
    listing = listing_of(request, selectors.conversation_list_query(request.user))
    conversations = listing.rows
    accesslog_record_many(
        request=request,
        shown=((c.case.young_person_id, selectors.conversation_access_basis(c, c.my_party)) for c in conversations),
    )
    return render(request, "messaging/list.html", {"conversations": conversations, "listing": listing})


@login_required
@never_cache
def detail(request: AuthenticatedHttpRequest, pk: int, form: MessageForm | None = None) -> HttpResponse:
    conversation = selectors.conversation_get_for(request.user, pk)
    members = selectors.conversation_members(conversation)
    party = next((member.party for member in members if member.user_id == request.user.pk), "")
    accesslog_record(
        request=request,
        young_person=conversation.case.young_person,
        what=AccessLogEntry.What.MESSAGES,
        basis=selectors.conversation_access_basis(conversation, party),
    )
    chat = selectors.messages_since(conversation)
    if chat:
        sending.message_mark_read(actor=request.user, conversation=conversation, up_to=chat[-1].pk)
    return render(
        request,
        "messaging/detail.html",
        {
            "conversation": conversation,
            "members": members,
            "banner": selectors.conversation_banner(conversation, members),
            "chat": chat,
            "last_id": chat[-1].pk if chat else 0,
            "form": form or MessageForm(),
            "report_form": ReportForm(),
            "max_length": settings.MESSAGING_MAX_LENGTH,
        },
        status=400 if form is not None else 200,
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The form post (redirects back) and the chat script's fallback when the socket is down (answers JSON)."""
    conversation = selectors.conversation_get_for(request.user, pk, write=True)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message, _created = sending.message_send(actor=request.user, conversation=conversation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if _wants_json(request):
                return JsonResponse({"type": "ack", "message": sending.message_payload(message)})
            return redirect(f"{reverse('messaging:detail', args=[pk])}#bericht-{message.pk}")
    if _wants_json(request):
        return JsonResponse({"type": "error", "errors": form.errors.get_json_data()}, status=400)
    return detail(request, pk, form=form)


@login_required
@require_GET
@never_cache
def since(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """Everything after `?after=<id>`, oldest first, a limited number at a time: while `more`, the page asks again
    with the last id it got."""
    conversation = selectors.conversation_get_for(request.user, pk)
    try:
        after = max(int(request.GET.get("after", "0")), 0)
    except ValueError:
        after = 0
    found = selectors.messages_catch_up(conversation, after)
    _log_catch_up(request, conversation.pk, found.messages)
    return JsonResponse(
        {"messages": [sending.message_payload(message) for message in found.messages], "more": found.more}
    )


def _log_catch_up(request: AuthenticatedHttpRequest, pk: int, found: list[Message]) -> None:
    # A catch-up that brings messages is a read of the conversation, as opening its page is; an empty one shows
    # nothing (the chat script asks after every reconnect).
    access = selectors.conversation_access_of(request.user, pk) if found else None
    if access is not None:
        young_person_id, basis = access
        accesslog_record_by(
            actor=request.user,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            young_person_id=young_person_id,
            what=AccessLogEntry.What.MESSAGES,
            basis=basis,
        )


def _message(request: HttpRequest, pk: int, message_pk: int) -> Message:
    conversation = selectors.conversation_get_for(request.user, pk)
    return get_object_or_404(Message.objects.select_related("conversation"), pk=message_pk, conversation=conversation)


@login_required
@require_POST
def report(request: AuthenticatedHttpRequest, pk: int, message_pk: int) -> HttpResponse:
    message = _message(request, pk, message_pk)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    safeguarding.message_report(actor=request.user, message=message, reason=reason)
    messages.success(request, _("Thank you. The professional of this young person has been told."))
    return redirect("messaging:detail", pk)


@login_required
@require_POST
def delete(request: AuthenticatedHttpRequest, pk: int, message_pk: int) -> HttpResponse:
    message = _message(request, pk, message_pk)
    sending.message_delete(actor=request.user, message=message)
    messages.success(request, _("Your message was deleted."))
    return redirect("messaging:detail", pk)


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's delivery status. The signature is checked with Twilio's own RequestValidator over the configured
    public URL (behind a proxy the URL Django sees differs); a bad or missing signature gets 403."""
    url = settings.MESSAGING_TWILIO_STATUS_URL or request.build_absolute_uri()
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    if not signature or not settings.TWILIO_AUTH_TOKEN or not validator.validate(url, request.POST.dict(), signature):
        return HttpResponseForbidden()
    outbox.notification_status_update(
        provider_sid=request.POST.get("MessageSid", ""), status=request.POST.get("MessageStatus", "")
    )
    return HttpResponse(status=204)


@login_required
@require_POST
def with_parent(request: AuthenticatedHttpRequest, case_pk: int, parent_pk: int) -> HttpResponse:
    """A professional of the case opens (or starts) the conversation with a parent with custody."""
    case = case_get_for(request.user, case_pk, write=True)
    guardianship = get_object_or_404(case.young_person.guardianships.select_related("guardian"), guardian_id=parent_pk)
    conversation = membership.conversation_with_parent(actor=request.user, case=case, parent=guardianship.guardian)
    return redirect("messaging:detail", pk=conversation.pk)
