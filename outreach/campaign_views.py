"""The SMS campaign screens: the list, writing (with the live count of SMS), the preview with
who is left out and why, the launch, the progress page that refreshes itself while the worker
sends, and cancelling."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2r import access
from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from o2r.sms import text
from o2r.sms.enums import LegalBasis, SkipReason, SmsStatus
from o2r.sms.models import SmsMessage
from residents.access import require

from . import campaigns
from .enums import CampaignStatus
from .forms import CampaignForm
from .models import SmsCampaign

OWNER = campaigns.OWNER


def _campaign_for_user(request, pk, action=Action.SMS_CAMPAIGN_READ):
    require(request.user, action)
    try:
        return (
            SmsCampaign.objects.visible_to(request.user, action)
            .prefetch_related("residences", "variants")
            .get(pk=pk)
        )
    except (SmsCampaign.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None


@require_GET
def campaign_list(request):
    """Queries: session, user, the campaigns (with their residences), their messages counted
    by status (one query for the page)."""
    require(request.user, Action.SMS_CAMPAIGN_READ)
    rows = list(
        SmsCampaign.objects.visible_to(request.user)
        .select_related("created_by")
        .prefetch_related("residences")[:100]
    )
    counts = {}
    for owner_id, status, n in (
        SmsMessage.objects.filter(owner_kind=OWNER, owner_id__in=[c.pk for c in rows])
        .values_list("owner_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(owner_id, {})[status] = n
    for campaign in rows:
        mine = counts.get(campaign.pk, {})
        campaign.sent = mine.get(SmsStatus.SENT, 0) + mine.get(SmsStatus.DELIVERED, 0)
        campaign.to_send = sum(n for s, n in mine.items() if s != SmsStatus.SKIPPED)
    context = {
        "rows": rows,
        "can_write": access.allows(request.user, Action.SMS_CAMPAIGN_WRITE),
        "can_read_outbox": access.allows(request.user, Action.SMS_OUTBOX_READ),
        "can_match": access.allows(request.user, Action.SMS_INBOX),
    }
    return render(request, "outreach/campaigns/list.html", context)


def _form_page(request, form, campaign=None):
    return render(request, "outreach/campaigns/form.html", {"form": form, "campaign": campaign})


@require_http_methods(["GET", "POST"])
def campaign_new(request):
    require(request.user, Action.SMS_CAMPAIGN_WRITE)
    if request.method == "GET":
        return _form_page(request, CampaignForm(user=request.user))
    form = CampaignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            campaign = campaigns.campaign_save(
                by=request.user, token=form.cleaned_data["token"], **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect(campaign)
    return _form_page(request, form)


@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk):
    campaign = _campaign_for_user(request, pk, Action.SMS_CAMPAIGN_WRITE)
    if not campaign.is_draft:
        messages.info(request, "Cette campagne est lancée : elle ne se modifie plus.")
        return redirect(campaign)
    if request.method == "GET":
        return _form_page(request, CampaignForm(user=request.user, campaign=campaign), campaign)
    form = CampaignForm(request.POST, user=request.user, campaign=campaign)
    if form.is_valid():
        try:
            campaigns.campaign_save(by=request.user, campaign=campaign, **form.service_kwargs())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Campagne enregistrée.")
            return redirect(campaign)
    return _form_page(request, form, campaign)


def _samples(campaign, audience):
    """Each language's text as its first recipient will read it."""
    bodies = {v.language: v for v in campaign.variants.all()}
    samples = []
    for language, variant in sorted(bodies.items(), key=lambda item: item[0] != "fra"):
        first = next((r for r in audience.eligible if r.language == language), None)
        values = campaigns.merge_values(campaign, first.resident) if first else text.SAMPLE_VALUES
        try:
            body = text.with_signature(text.render(variant.body, values))
        except text.MergeError as error:
            body = str(error)
        measure = text.measure(body)
        samples.append(
            {
                "variant": variant,
                "body": body,
                "measure": measure,
                "for": first.resident.first_name if first else "",
            }
        )
    return samples


def _can_write(user, campaign) -> bool:
    return access.allows(user, Action.SMS_CAMPAIGN_WRITE) and (
        SmsCampaign.objects.visible_to(user, Action.SMS_CAMPAIGN_WRITE)
        .filter(pk=campaign.pk)
        .exists()
    )


def _progress_context(campaign, *, can_write):
    counts = campaigns.campaign_progress(campaign)
    total = sum(n for status, n in counts.items() if status != SmsStatus.SKIPPED)
    done = sum(
        counts[s]
        for s in (
            SmsStatus.SENT,
            SmsStatus.DELIVERED,
            SmsStatus.FAILED,
            SmsStatus.UNKNOWN,
            SmsStatus.CANCELLED,
        )
    )
    skipped = dict(
        SmsMessage.objects.of_owner(OWNER, campaign.pk)
        .filter(status=SmsStatus.SKIPPED)
        .values_list("skip_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    in_flight = any(counts[s] for s in campaigns.IN_FLIGHT) and (
        campaign.status == CampaignStatus.LAUNCHED
    )
    return {
        "campaign": campaign,
        "can_write": can_write,
        "counts": counts,
        "rows": [(SmsStatus(s).label, s, counts[s]) for s in SmsStatus.values if s != "skipped"],
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 100,
        "in_flight": in_flight,
        "skipped": [(SkipReason(r).label, n) for r, n in skipped.items() if r],
    }


@require_GET
def campaign_detail(request, pk):
    """A draft: its preview (how many, in which languages, who is left out and why) and the
    launch. Launched: its progress."""
    campaign = _campaign_for_user(request, pk)
    can_write = _can_write(request.user, campaign)
    context = {"campaign": campaign, "can_write": can_write}
    if campaign.is_draft:
        audience = campaigns.campaign_audience(campaign)
        excluded = audience.excluded
        named = sorted({r.resident.pk for rows in excluded.values() for r in rows})
        if named:
            access_log_request(
                request, action=AccessAction.READ, count=len(named), resident_ids=named
            )
        context.update(
            audience=audience,
            excluded=excluded,
            samples=_samples(campaign, audience),
            legal_basis=LegalBasis(campaigns.campaign_legal_basis(campaign)).label,
        )
    else:
        context.update(_progress_context(campaign, can_write=can_write))
    return render(request, "outreach/campaigns/detail.html", context)


@require_GET
def campaign_progress(request, pk):
    """The progress block alone, for the page's self-refresh (htmx, every 2 seconds while
    messages are still to go)."""
    campaign = _campaign_for_user(request, pk)
    context = _progress_context(campaign, can_write=_can_write(request.user, campaign))
    return render(request, "outreach/campaigns/detail.html#progress", context)


@require_POST
def campaign_launch(request, pk):
    campaign = _campaign_for_user(request, pk, Action.SMS_CAMPAIGN_WRITE)
    try:
        sent = campaigns.campaign_launch(campaign=campaign, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if sent:
            messages.success(request, f"Campagne lancée : {sent} SMS partent.")
    return redirect(campaign)


@require_POST
def campaign_cancel(request, pk):
    campaign = _campaign_for_user(request, pk, Action.SMS_CAMPAIGN_WRITE)
    try:
        cancelled = campaigns.campaign_cancel(campaign=campaign, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Campagne annulée : {cancelled} SMS en attente ne partiront pas."
            if cancelled
            else "Campagne annulée.",
        )
    return redirect(campaign)
