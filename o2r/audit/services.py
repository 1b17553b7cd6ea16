from django.db import connection

from .models import AccessAction, AccessLog


def access_log(
    *, user, action: AccessAction, page: str, resident=None, count=None, resident_ids=()
) -> None:
    """One row of the access log. `resident_ids` (residents or their ids) names every resident
    an export contained; `count` is then their number unless given."""
    ids = list(dict.fromkeys(int(getattr(r, "pk", r)) for r in resident_ids))
    AccessLog.objects.create(
        user=user,
        action=action,
        page=page[:200],
        resident_id=getattr(resident, "pk", resident),
        count=count if count is not None else (len(ids) if ids else 1),
        resident_ids=ids,
    )


def access_log_request(
    request, *, action: AccessAction, resident=None, count=None, resident_ids=()
) -> None:
    match = request.resolver_match
    page = match.view_name if match else request.path
    access_log(
        user=request.user,
        action=action,
        page=page,
        resident=resident,
        count=count,
        resident_ids=resident_ids,
    )


# CNIL logging recommendation: reads are kept 6 months to 1 year; we keep 12 months. The same
# period is written in the trigger (migration 0002) and in audit_accesslog_purge() (0003).
RETENTION_MONTHS = 12


def access_log_purge() -> int:
    """Deletes the rows past the retention period (the only deletion the trigger allows).

    The application's database role may not DELETE from the log: the deletion is done by
    audit_accesslog_purge(), a SECURITY DEFINER function owned by the tables' owner that deletes
    only rows older than 12 months by the database's clock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_accesslog_purge()")
        (deleted,) = cursor.fetchone()
    return deleted
