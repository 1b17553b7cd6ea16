"""SMS campaigns: the audience, its preview with the excluded residents and why, the launch
(one outbox message per resident, each in her language), cancelling, and what a reply becomes.

The outbox (o2r.sms) knows messages, not campaigns: this module renders each text and hands
the messages over; `outreach.sms_owner` answers the outbox's questions about them."""

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from o2r import access
from o2r.access import Action
from o2r.core.services import once
from o2r.reminders.services import reminder_key, reminder_upsert
from o2r.sms import services as sms
from o2r.sms import text
from o2r.sms.enums import LegalBasis, OptOutScope, SkipReason, SmsStatus
from o2r.sms.models import SmsMessage, SmsOptOut
from residents import services as residents
from residents.enums import LANGUAGES, FranceTravailStatus, InternationalProtection
from residents.models import Residence, Resident, ResidentBenefit

from .enums import NOT_IN_PROGRAMME, ActionKind, AudienceCategory, CampaignStatus, Channel, Outcome
from .models import SUMMARY_MAX, Contact, OutreachAction, SmsCampaign, SmsCampaignVariant

OWNER = "campaign"
FRENCH = "fra"
LANGUAGE_LABELS = dict(LANGUAGES)


# --- Writing a campaign -------------------------------------------------------------------------


def _writable_residences(by):
    if not access.allows(by, Action.SMS_CAMPAIGN_WRITE):
        return Residence.objects.none()
    return Residence.objects.for_user(by)


def check_variant(body: str, *, session_at=None, session_place: str = "") -> text.Measure:
    """The text's worst case (the session's own date and place, the longest plausible first
    name and residence, the signature included), or a French refusal: unknown merge field,
    stray brace, {date}/{lieu} without a session, more than MAX_SEGMENTS SMS."""
    has_session = bool(session_at and session_place)
    body = (body or "").strip()
    if not body:
        raise ValidationError("Écrivez le texte.")
    unknown = text.check_template(body)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise ValidationError(
            f"Champ inconnu : {names}. Champs possibles : {{prenom}}, {{residence}}, "
            "{date}, {lieu}."
        )
    if not has_session and ("{date}" in body or "{lieu}" in body):
        raise ValidationError("{date} et {lieu} demandent la date et le lieu de la permanence.")
    try:
        values = {**text.SAMPLE_VALUES}
        if has_session:
            values.update(date=text.french_datetime(session_at), lieu=session_place)
        sample = text.with_signature(text.render(body, values))
    except text.MergeError as error:
        raise ValidationError(str(error)) from None
    measure = text.measure(sample)
    if measure.segments > text.MAX_SEGMENTS:
        raise ValidationError(
            f"Ce texte fait {measure.segments} SMS avec la signature : {text.MAX_SEGMENTS} au "
            "plus. Raccourcissez-le."
        )
    return measure


def campaign_save(
    *,
    by,
    name: str,
    residences,
    variants: dict[str, str],
    stages=(),
    categories=(),
    languages=(),
    session_at: datetime.datetime | None = None,
    session_place: str = "",
    scheduled_at: datetime.datetime | None = None,
    campaign: SmsCampaign | None = None,
    token: uuid.UUID | None = None,
) -> SmsCampaign:
    """Creates or edits a draft. Every residence must be one of the writer's; French is
    always written; each text is checked (check_variant)."""
    errors = {}
    name = (name or "").strip()[:120]
    if not name:
        errors["name"] = "Donnez un nom à la campagne."
    residences = list(residences)
    allowed = set(_writable_residences(by).values_list("pk", flat=True))
    if not residences:
        errors["residences"] = "Choisissez au moins une résidence."
    elif any(residence.pk not in allowed for residence in residences):
        errors["residences"] = "Vous ne travaillez pas sur l'une de ces résidences."
    variants = {lang: (body or "").strip() for lang, body in variants.items() if lang}
    variants = {lang: body for lang, body in variants.items() if body or lang == FRENCH}
    for language, body in variants.items():
        if language not in LANGUAGE_LABELS:
            errors["variants"] = "Langue inconnue."
            continue
        try:
            check_variant(body, session_at=session_at, session_place=session_place)
        except ValidationError as error:
            errors[f"body_{language}"] = error.messages
    if FRENCH not in variants:
        errors["body_fra"] = "Écrivez le texte en français."
    if scheduled_at and scheduled_at < timezone.now() - datetime.timedelta(minutes=5):
        errors["scheduled_at"] = "L'envoi prévu est passé : choisissez une date à venir."
    if errors:
        raise ValidationError(errors)

    def create():
        return SmsCampaign.objects.create(name=name, created_by=by, token=token)

    with transaction.atomic():
        if campaign is None:
            campaign, created = once(SmsCampaign, token, create)
            if not created:
                return campaign
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign.is_draft:
            raise ValidationError("Cette campagne est lancée : elle ne se modifie plus.")
        campaign.name = name
        campaign.stages = sorted(set(stages))
        campaign.categories = sorted(set(categories))
        campaign.languages = sorted(set(languages))
        campaign.session_at = session_at
        campaign.session_place = (session_place or "").strip()[:150]
        campaign.scheduled_at = scheduled_at
        campaign.save()
        campaign.residences.set(residences)
        campaign.variants.exclude(language__in=list(variants)).delete()
        for language, body in variants.items():
            SmsCampaignVariant.objects.update_or_create(
                campaign=campaign, language=language, defaults={"body": body}
            )
    return campaign


# --- The audience -------------------------------------------------------------------------------


@dataclass
class Recipient:
    resident: Resident
    language: str = FRENCH
    skip_reason: str = ""


@dataclass
class Audience:
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def eligible(self) -> list[Recipient]:
        return [r for r in self.recipients if not r.skip_reason]

    @property
    def excluded(self) -> dict[str, list[Recipient]]:
        """{reason label: recipients}, in SkipReason's order."""
        found = {}
        for reason in SkipReason:
            rows = [r for r in self.recipients if r.skip_reason == reason]
            if rows:
                found[reason.label] = rows
        return found

    def by_language(self) -> list[tuple[str, int]]:
        counts = Counter(r.language for r in self.eligible)
        return sorted(
            ((LANGUAGE_LABELS.get(k, k), n) for k, n in counts.items()),
            key=lambda pair: (-pair[1], pair[0]),
        )


def audience_residents(campaign: SmsCampaign, *, today=None):
    """The residents the campaign's filters name (excluded ones included, with why later)."""
    today = today or timezone.localdate()
    residents = Resident.objects.filter(
        residence__in=campaign.residences.all(), anonymised_at__isnull=True
    ).filter(Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=today))
    if campaign.stages:
        stages = [s for s in campaign.stages if s != NOT_IN_PROGRAMME]
        condition = Q(stage__in=stages)
        if NOT_IN_PROGRAMME in campaign.stages:
            condition |= Q(stage__isnull=True)
        residents = residents.filter(condition)
    if campaign.categories:
        condition = Q(pk__in=[])
        if AudienceCategory.SOCIAL_MINIMUM in campaign.categories:
            condition |= Q(Exists(ResidentBenefit.objects.filter(resident=OuterRef("pk"))))
        if AudienceCategory.INTERNATIONAL_PROTECTION in campaign.categories:
            condition |= ~Q(international_protection=InternationalProtection.NONE)
        if AudienceCategory.NOT_REGISTERED in campaign.categories:
            condition |= Q(france_travail_status=FranceTravailStatus.NOT_REGISTERED)
        residents = residents.filter(condition)
    if campaign.languages:
        residents = residents.filter(preferred_language__in=campaign.languages)
    checks = sms.sms_consent_checks(today, resident="pk")
    return residents.annotate(**checks).select_related("residence")


def _exclusion(resident, *, opted_out: bool, basis: str, seen: bool) -> str:
    """Why a resident with a mobile number is left out ("" : she is not), in this order."""
    if opted_out:
        return SkipReason.OPTED_OUT
    if resident.sms_withdrawn and not resident.sms_standing:
        return SkipReason.CONSENT_WITHDRAWN
    if basis == LegalBasis.CONSENT and not resident.sms_standing:
        return SkipReason.NO_CONSENT
    if seen:
        return SkipReason.DUPLICATE_NUMBER
    return ""


def campaign_legal_basis(campaign: SmsCampaign) -> str:
    """What the campaign rests on: the setting until it is launched, then what it was."""
    return campaign.legal_basis or settings.O2R_SMS_CAMPAIGN_LEGAL_BASIS


def campaign_audience(campaign: SmsCampaign, *, basis: str | None = None, today=None):
    """Every resident the filters name, each with her language and, when she is left out, why:
    no phone, not a mobile, opted out, SMS consent withdrawn, no SMS consent (when the legal
    basis asks for it), a number already receiving this campaign (a family phone)."""
    basis = basis or campaign_legal_basis(campaign)
    residents = list(
        audience_residents(campaign, today=today).order_by("last_name", "first_name", "pk")
    )
    variants = set(campaign.variants.values_list("language", flat=True))
    phones = {text.e164(r.phone) for r in residents if r.phone}
    opted_out = set(
        SmsOptOut.objects.filter(
            phone__in=phones, scope__in=[OptOutScope.ALL, OptOutScope.CAMPAIGNS]
        ).values_list("phone", flat=True)
    )
    seen = set()
    audience = Audience()
    for resident in residents:
        phone = text.e164(resident.phone)
        language = (
            resident.preferred_language if resident.preferred_language in variants else FRENCH
        )
        reason = sms.phone_skip_reason(resident) or _exclusion(
            resident, opted_out=phone in opted_out, basis=basis, seen=phone in seen
        )
        if not reason:
            seen.add(phone)
        audience.recipients.append(Recipient(resident, language, reason))
    return audience


# --- Launch, cancel -----------------------------------------------------------------------------


def merge_values(campaign, resident) -> dict[str, str]:
    return {
        "prenom": resident.first_name,
        "residence": resident.residence.name,
        "date": text.french_datetime(campaign.session_at) if campaign.session_at else "",
        "lieu": campaign.session_place,
    }


def _check_writer(campaign, by):
    allowed = set(_writable_residences(by).values_list("pk", flat=True))
    if not allowed or any(
        pk not in allowed for pk in campaign.residences.values_list("pk", flat=True)
    ):
        raise ValidationError("Vous ne travaillez pas sur toutes les résidences de cette campagne.")


def campaign_launch(*, campaign: SmsCampaign, by) -> int:
    """Hands one message per resident of the audience to the outbox — each in her language,
    the excluded ones as "not sent" with why —, in one transaction, and records the campaign as
    an outreach action in each residence. A second launch (a double click, a retried request)
    finds it launched and does nothing. Returns the messages to send."""
    with transaction.atomic():
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == CampaignStatus.LAUNCHED:
            return 0
        if campaign.status == CampaignStatus.CANCELLED:
            raise ValidationError("Cette campagne est annulée.")
        _check_writer(campaign, by)
        legal_basis = settings.O2R_SMS_CAMPAIGN_LEGAL_BASIS
        audience = campaign_audience(campaign, basis=legal_basis)
        if not audience.eligible:
            raise ValidationError("Aucune personne ne peut recevoir ce SMS : voyez les exclusions.")
        bodies = dict(campaign.variants.values_list("language", "body"))
        now = timezone.now()
        drafts = []
        for recipient in audience.recipients:
            resident = recipient.resident
            body = ""
            if not recipient.skip_reason:
                body = text.with_signature(
                    text.render(bodies[recipient.language], merge_values(campaign, resident))
                )
            drafts.append(
                sms.Draft(
                    resident_id=resident.pk,
                    owner_id=campaign.pk,
                    to=text.e164(resident.phone),
                    body=body,
                    dedup_key=sms.sms_key(OWNER, campaign.pk, "resident", resident.pk),
                    legal_basis=legal_basis,
                    language=recipient.language,
                    not_before=campaign.scheduled_at or now,
                    skip_reason=recipient.skip_reason,
                )
            )
        sms.sms_enqueue(owner_kind=OWNER, drafts=drafts, by=by)
        for residence in campaign.residences.all():
            action = OutreachAction.objects.create(
                kind=ActionKind.SMS_CAMPAIGN,
                residence=residence,
                # Not a session that stays open: sent at once (or when scheduled).
                started_at=campaign.scheduled_at or now,
                ended_at=campaign.scheduled_at or now,
                created_by=by,
                campaign=campaign,
                notes=campaign.name,
            )
            action.staff.add(by)
        campaign.status = CampaignStatus.LAUNCHED
        campaign.legal_basis = legal_basis
        campaign.launched_by = by
        campaign.launched_at = now
        campaign.save(update_fields=["status", "legal_basis", "launched_by", "launched_at"])
    return len(audience.eligible)


def campaign_cancel(*, campaign: SmsCampaign, by) -> int:
    """A draft is dropped; a launched campaign's messages still waiting are cancelled (those
    sent stay sent). Returns the messages cancelled."""
    with transaction.atomic():
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == CampaignStatus.CANCELLED:
            return 0
        _check_writer(campaign, by)
        cancelled = sms.sms_cancel(owner_kind=OWNER, owner_id=campaign.pk)
        campaign.status = CampaignStatus.CANCELLED
        campaign.cancelled_by = by
        campaign.cancelled_at = timezone.now()
        campaign.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    return cancelled


# Still to go, or going: the progress page refreshes itself while any is left.
IN_FLIGHT = (SmsStatus.PENDING, SmsStatus.QUEUED, SmsStatus.SENDING)


def campaign_progress(campaign: SmsCampaign) -> dict[str, int]:
    return SmsMessage.objects.of_owner(OWNER, campaign.pk).status_counts()


# --- Replies ------------------------------------------------------------------------------------


def reply_record(*, resident: Resident, text_received: str, received_at, message=None, by=None):
    """A reply by SMS: a contact on the person's timeline (channel SMS, the reply as its
    summary; an interaction with her) and a reminder for her insertion officer, or for the
    officers of her residence when none is assigned."""
    action = None
    if message is not None and message.owner_kind == OWNER:
        action = OutreachAction.objects.filter(
            campaign_id=message.owner_id, residence_id=resident.residence_id
        ).first()
    with transaction.atomic():
        contact = Contact.objects.create(
            resident=resident,
            action=action,
            residence_id=resident.residence_id,
            channel=Channel.SMS,
            at=received_at,
            by=by,
            outcome=Outcome.REPLIED,
            summary=(text_received or "")[:SUMMARY_MAX],
        )
        residents.resident_record_interaction(resident_id=resident.pk, at=received_at)
        for officer in residents.officers_for(resident):
            reminder_upsert(
                dedup_key=reminder_key("sms_reply", contact.pk, officer.pk),
                assignee=officer,
                resident=resident,
                # No name in the title: the reminder may outlive the assignee's access.
                title="Réponse par SMS à lire et à qualifier",
                due_at=timezone.now(),
            )
    return contact
