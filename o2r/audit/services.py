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
