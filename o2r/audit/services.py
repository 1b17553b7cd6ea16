from .models import AccessAction, AccessLog


def access_log(*, user, action: AccessAction, page: str, resident=None, count=1) -> None:
    AccessLog.objects.create(
        user=user,
        action=action,
        page=page[:200],
        resident_id=getattr(resident, "pk", resident),
        count=count,
    )


def access_log_request(request, *, action: AccessAction, resident=None, count=1) -> None:
    match = request.resolver_match
    page = match.view_name if match else request.path
    access_log(user=request.user, action=action, page=page, resident=resident, count=count)


# CNIL logging recommendation: reads are kept 6 months to 1 year; we keep 12 months.
RETENTION_MONTHS = 12


def access_log_purge(*, now=None) -> int:
    """Deletes the rows past the retention period (the only deletion the trigger allows)."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    cutoff = (now or timezone.now()) - relativedelta(months=RETENTION_MONTHS, days=1)
    deleted, _ = AccessLog.objects.filter(at__lt=cutoff).delete()
    return deleted
