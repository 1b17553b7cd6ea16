"""The outbox's pages: what went to the residents (the file backend's "what would have been
sent", and every real message), the replies waiting to be matched, a person's opposition, the
resend of an uncertain message, the live measure of a text being written, and the provider's
two webhooks (delivery reports and inbound messages), authenticated by a token in their URL."""

import json
import re
import uuid
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from residents.access import get_resident_for_user, require
from residents.models import Resident

from . import owners, services, text
from .enums import InboxStatus, OptOutScope, OptOutSource, SmsStatus
from .forms import MatchForm, OptOutForm, ResendForm
from .models import InboxMessage, SmsMessage

PAGE_SIZE = 50
ID = re.compile(r"[0-9]{1,18}", re.ASCII)
# A webhook's body is a small JSON object: anything larger is refused unread.
HOOK_MAX_BYTES = 16 * 1024


def _id(value: str) -> int | None:
    """A row id typed in a URL, or None (digits only, "²" included, and no more than fit)."""
    return int(value) if ID.fullmatch(value) else None


def _filters(request):
    status = request.GET.get("status", "")
    kind, _, owner_id = request.GET.get("owner", "").partition(":")
    return {
        "status": status if status in SmsStatus.values else "",
        "owner": (kind, _id(owner_id)) if kind and _id(owner_id) is not None else None,
        "message": request.GET.get("message", ""),
        "resident": _id(request.GET.get("resident", "")),
    }


@require_GET
def outbox(request):
    """Messages to the residents the user may see, newest first. Queries: session, user, the
    count, the page (with the residents and residences), who may be resent to, the owners'
    names (one per kind)."""
    require(request.user, Action.SMS_OUTBOX_READ)
    chosen = _filters(request)
    queryset = SmsMessage.objects.visible_to(request.user).select_related("resident__residence")
    if chosen["status"]:
        queryset = queryset.filter(status=chosen["status"])
    if chosen["owner"]:
        queryset = queryset.of_owner(*chosen["owner"])
    if chosen["resident"]:
        queryset = queryset.filter(resident_id=chosen["resident"])
    if chosen["message"]:
        try:
            queryset = queryset.filter(pk=uuid.UUID(chosen["message"]))
        except ValueError:
            queryset = queryset.none()
    page = Paginator(queryset.order_by("-created_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    uncertain = {m.resident_id for m in rows if m.status == SmsStatus.UNKNOWN}
    resolvable = (
        set(
            Resident.objects.visible_to(request.user, Action.SMS_RESOLVE)
            .filter(pk__in=uncertain)
            .values_list("pk", flat=True)
        )
        if uncertain
        else set()
    )
    if rows:
        shown = sorted({m.resident_id for m in rows})
        access_log_request(request, action=AccessAction.READ, count=len(shown), resident_ids=shown)
    names = owners.descriptions(rows)
    for message in rows:
        message.owner_name = names[(message.owner_kind, message.owner_id)]
        message.can_resolve = message.resident_id in resolvable
    context = {
        "page": page,
        "rows": rows,
        "statuses": SmsStatus.choices,
        "chosen": chosen,
        "resend_form": ResendForm(),
    }
    return render(request, "sms/outbox.html", context)


def _uncertain_message(request, pk):
    try:
        message = SmsMessage.objects.visible_to(request.user, Action.SMS_RESOLVE).get(pk=pk)
    except (SmsMessage.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    return message


@require_POST
def resend(request, pk):
    require(request.user, Action.SMS_RESOLVE)
    message = _uncertain_message(request, pk)
    form = ResendForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(message.get_absolute_url())
    try:
        services.sms_resend(message=message, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "SMS renvoyé : il repart dans la file d'envoi.")
    return redirect(message.get_absolute_url())


@require_POST
def abandon(request, pk):
    require(request.user, Action.SMS_RESOLVE)
    message = _uncertain_message(request, pk)
    try:
        services.sms_abandon(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "SMS marqué comme vérifié : il ne sera pas renvoyé.")
    return redirect(message.get_absolute_url())


# --- A person's opposition -----------------------------------------------------------------------


@require_POST
def opt_out(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.SMS_RESOLVE)
    form = OptOutForm(request.POST)
    if not resident.phone:
        messages.error(request, "Cette personne n'a pas de numéro.")
    elif form.is_valid():
        services.sms_opt_out(
            phone=text.e164(resident.phone),
            scope=form.cleaned_data["scope"],
            source=OptOutSource.STAFF,
            by=request.user,
        )
        messages.success(request, "Opposition enregistrée : ces SMS ne partiront plus.")
    else:
        messages.error(request, " ".join(form.errors["scope"]))
    return redirect(resident.get_absolute_url() + "#sms")


@require_POST
def opt_out_lift(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.SMS_RESOLVE)
    scope = request.POST.get("scope", "")
    if resident.phone and scope in OptOutScope.values:
        try:
            services.sms_opt_out_lift(
                phone=text.e164(resident.phone),
                scope=scope,
                by=request.user,
                action=Action.SMS_RESOLVE,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, "Opposition levée : la personne peut de nouveau recevoir ces SMS."
            )
    return redirect(resident.get_absolute_url() + "#sms")


# --- The replies to match ------------------------------------------------------------------------


def _inbox_scope(request):
    return Resident.objects.visible_to(request.user, Action.SMS_INBOX).select_related("residence")


def _searched(request, query, known=()):
    if not query.strip():
        return []
    found = _inbox_scope(request).search(query).order_by("last_name", "first_name")[:10]
    return [resident for resident in found if resident.pk not in known]


def _candidates(request, item, query=""):
    """Residents of the user's scope with the reply's number, and those her search names."""
    found = list(_inbox_scope(request).filter(phone=item.phone)[:10]) if item.phone else []
    return found + _searched(request, query, {r.pk for r in found})


@require_GET
def inbox(request):
    """Replies from a shared or unknown number, for a person to say whose they are. Queries:
    session, user, the count, the page (with residences), the residents with those numbers, the
    access-log insert (and the search of one reply, when asked)."""
    require(request.user, Action.SMS_INBOX)
    items = (
        InboxMessage.objects.visible_to(request.user)
        .filter(status=InboxStatus.TO_MATCH)
        .prefetch_related("residences")
        .order_by("-received_at", "-pk")
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    by_phone = defaultdict(list)
    phones = {item.phone for item in rows if item.phone}
    for resident in _inbox_scope(request).filter(phone__in=phones).order_by("last_name")[:500]:
        by_phone[text.e164(resident.phone)].append(resident)
    searched, query = request.GET.get("item", ""), request.GET.get("q", "")[:100]
    for item in rows:
        item.query = query if str(item.pk) == searched else ""
        item.candidates = by_phone[item.phone][:10]
        item.candidates += _searched(request, item.query, {r.pk for r in item.candidates})
        item.form = MatchForm(candidates=item.candidates)
    shown = sorted({c.pk for item in rows for c in item.candidates})
    if shown:
        access_log_request(request, action=AccessAction.READ, count=len(shown), resident_ids=shown)
    context = {"page": page, "items": rows, "retention_days": settings.SMS_INBOX_RETENTION_DAYS}
    return render(request, "sms/inbox.html", context)


def _inbox_item(request, pk):
    return get_object_or_404(
        InboxMessage.objects.visible_to(request.user).filter(status=InboxStatus.TO_MATCH), pk=pk
    )


@require_POST
def inbox_match(request, pk):
    require(request.user, Action.SMS_INBOX)
    item = _inbox_item(request, pk)
    query = request.POST.get("q", "")[:100]
    form = MatchForm(request.POST, candidates=_candidates(request, item, query))
    if form.is_valid():
        resident = Resident.objects.get(pk=form.cleaned_data["resident"])
        try:
            services.inbox_match(item=item, resident=resident, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Réponse rattachée à {resident} : elle est sur son fil.")
    else:
        messages.error(request, " ".join(form.errors["resident"]))
    return redirect("sms:inbox")


@require_POST
def inbox_discard(request, pk):
    require(request.user, Action.SMS_INBOX)
    item = _inbox_item(request, pk)
    try:
        services.inbox_discard(item=item, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Réponse écartée.")
    return redirect("sms:inbox")


# --- Writing a text: its measure, live ------------------------------------------------------------


@require_POST
def measure(request):
    """The encoding and the number of SMS of the text being written (htmx, as one types), for
    the longest plausible merge values and with the signature."""
    require(request.user, Action.SMS_CAMPAIGN_WRITE)
    body = next((v for k, v in request.POST.items() if k.startswith("body")), "")[:2000]
    context = {"error": "", "measure": None}
    try:
        sample = text.with_signature(text.render(body.strip(), text.SAMPLE_VALUES))
    except text.MergeError as error:
        context["error"] = str(error)
    else:
        context["measure"] = text.measure(sample) if body.strip() else None
        context["too_long"] = bool(
            context["measure"] and context["measure"].segments > text.MAX_SEGMENTS
        )
        context["max_segments"] = text.MAX_SEGMENTS
    return render(request, "sms/_measure.html", context)


# --- The provider's webhooks ----------------------------------------------------------------------


def _json_body(request):
    if len(request.body) > HOOK_MAX_BYTES:
        return None
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


@login_not_required
@csrf_exempt
@require_POST
def hook_delivery(request, message_id, token):
    """A delivery report for one message (Brevo's per-message `webUrl`). A bad token is a 404
    and writes nothing."""
    if not services.token_ok(token, services.delivery_token(message_id)):
        raise Http404
    payload = _json_body(request)
    if payload is None:
        return HttpResponseBadRequest("JSON attendu.")
    services.delivery_report(message_id=message_id, payload=payload)
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@csrf_exempt
@require_POST
def hook_inbound(request, token):
    """A message a resident sent to our numeric sender."""
    if not services.token_ok(token, services.inbound_token()):
        raise Http404
    payload = _json_body(request)
    if payload is None:
        return HttpResponseBadRequest("JSON attendu.")
    services.inbound_receive(payload=payload)
    return HttpResponse("ok", content_type="text/plain")
