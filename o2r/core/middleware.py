import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP, build_policy
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from psycopg_pool import PoolTimeout


class HtmxLoginRedirectMiddleware:
    """When a session has expired, an htmx request must not swap the login form into a fragment:
    answer with HX-Redirect so that the browser loads the login page, then comes back to the page
    the user was on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code != 302:
            return response
        login_url = resolve_url(settings.LOGIN_URL)
        if not response.get("Location", "").startswith(login_url):
            return response
        back_to = request.htmx.current_url_abs_path or "/"
        return HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': back_to})}")


# Raised when PostgreSQL refuses a connection, the pool has none left within its timeout
# (psycopg_pool.PoolTimeout, which Django wraps in OperationalError) or a connection breaks.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# SQLSTATEs that mean "the server cannot serve now": connection exceptions (class 08), too
# many connections, the server shutting down or starting. A deadlock, a serialisation failure
# or a cancelled statement is a bug to see, with its traceback: it stays a 500.
UNAVAILABLE_SQLSTATES = {"53300", "57P01", "57P02", "57P03"}
RETRY_AFTER_SECONDS = 5


def is_unavailable(error) -> bool:
    if not isinstance(error, DATABASE_UNAVAILABLE):
        return False
    if isinstance(error, InterfaceError):
        return True
    cause = error.__cause__ or error
    if isinstance(cause, PoolTimeout):
        return True
    sqlstate = getattr(getattr(cause, "diag", None), "sqlstate", None) or getattr(
        cause, "sqlstate", None
    )
    # No SQLSTATE: the connection itself failed (refused, reset, timed out).
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES


logger = logging.getLogger("o2r.database")


class AnsweredUnavailableFilter(logging.Filter):
    """Keeps django.request from logging the 5xx of a request that DatabaseUnavailableMiddleware
    answers with its 503: the "Internal Server Error" and traceback Django logs for an error
    raised in a middleware (the session's load, the first query of a signed-in request), then
    "Service Unavailable". The middleware's own line says it once: a PostgreSQL restart under
    load must not look like a wave of 500s in the log."""

    def filter(self, record):
        request = getattr(record, "request", None)
        answered = getattr(request, "_o2r_database_error", None) is not None
        return not (answered and getattr(record, "status_code", 0) >= 500)


ANSWERED_UNAVAILABLE = AnsweredUnavailableFilter()


def _remember_database_error(sender, request=None, **kwargs):
    """got_request_exception is sent inside Django's `except` block for an exception raised
    anywhere below this middleware (the session load in a middleware, a view, a session save),
    before it becomes a 500: remember a database error for the middleware to answer 503."""
    error = sys.exc_info()[1]
    if request is not None and is_unavailable(error):
        request._o2r_database_error = error


got_request_exception.connect(_remember_database_error, dispatch_uid="o2r-database-unavailable")


class DatabaseUnavailableMiddleware:
    """A database that is down, saturated (no pooled connection within the pool's timeout) or
    cut gives a French 503 with Retry-After, the same for htmx requests, instead of a 500. The
    page is rendered without the request's context: no session, no user, no query."""

    def __init__(self, get_response):
        self.get_response = get_response
        logging.getLogger("django.request").addFilter(ANSWERED_UNAVAILABLE)  # once: same object

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, "_o2r_database_error", None)
        if error is not None and response.status_code >= 500 and response.status_code != 503:
            # Raised in a middleware or while saving the session: Django has already logged it
            # and rendered its 500, which this answer replaces.
            response = self.unavailable(request, error)
        return response

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            request._o2r_database_error = exception
            return self.unavailable(request, exception)
        return None

    def unavailable(self, request, error):
        # One line, no traceback: under saturation every waiting request ends here.
        logger.error(
            "Base de données indisponible, réponse 503 à %s %s : %s: %s",
            request.method,
            request.path,
            type(error.__cause__ or error).__name__,
            error,
        )
        response = HttpResponse(
            render_to_string("503.html"), status=503, content_type="text/html; charset=utf-8"
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        # The policies are set here: this answer may not pass through the middleware below.
        response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        for header, config in (
            (CSP.HEADER_ENFORCE, settings.SECURE_CSP),
            (CSP.HEADER_REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
        ):
            if config:
                response[str(header)] = build_policy(config)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page: nearly all show personal data, and a shared
    phone or a proxy must keep none of them. Static files (served by whitenoise, above this
    middleware) keep their own caching; a view that sets Cache-Control itself keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        elif "no-store" not in response["Cache-Control"]:
            response["Cache-Control"] = f"{response['Cache-Control']}, no-store"
        return response
