"""Site-wide middleware: Content-Security-Policy, and a truthful page when the database is down."""

from __future__ import annotations

import logging
import traceback

from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

# Scripts only from our own static files (charts are JSON data blocks drawn by static/js/site.js, so no inline
# script is needed). Plotly injects <style> elements, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class CommitTrackingMiddleware:
    """Remembers whether this request has committed a write (`request.db_committed`).

    So that a page shown after a later failure tells the truth: the view committed, then the session save or a
    later query met a dead database — the person must be told it may be saved, not "nothing was saved" (they
    retried and made duplicates). Placed before the session middleware so the session save is inside it.
    Writes to the session table do not count: they are not the person's action.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.db_committed = False

        def mark() -> None:
            request.db_committed = True

        def track(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            head = sql.lstrip()[:6].upper() if isinstance(sql, str) else ""
            if head in ("INSERT", "UPDATE", "DELETE") and '"django_session"' not in sql[:40]:
                conn = context["connection"]
                if conn.in_atomic_block:
                    transaction.on_commit(mark, using=conn.alias)  # runs only if that transaction commits
                else:
                    mark()  # autocommit: the statement is committed
            return result

        with connection.execute_wrapper(track):
            return self.get_response(request)


def db_error_in_chain(exc: BaseException | None) -> BaseException | None:
    """The database error behind `exc` (itself, its cause or its context), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError | InterfaceError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def failed_during_commit(exc: BaseException | None) -> bool:
    """True when COMMIT itself failed (the server may have committed before the line broke), even if a later
    query of the same request (a rollback, a reconnect while handling it) raised the error that arrived here."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for frame, _ in traceback.walk_tb(exc.__traceback__):
            code = frame.f_code
            if code.co_name in ("commit", "_commit") and "django/db" in code.co_filename.replace("\\", "/"):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable_response(request, exc: BaseException) -> HttpResponse:
    """The 503 page for a dead database, saying "may be saved" when the request committed or was committing."""
    maybe_saved = bool(getattr(request, "db_committed", False)) or failed_during_commit(exc)
    logger.error("database unavailable (%s): %s", "after or during a commit" if maybe_saved else "nothing saved", exc)
    body = loader.get_template("503_database.html").render({"maybe_saved": maybe_saved})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "60"
    return response


class DatabaseUnavailableMiddleware:
    """A request that meets a dead database gets a plain 503 page that needs no database, not a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            response = database_unavailable_response(request, exception)
            # The session middleware would still load the session on the way out (it saves on every request)
            # and meet the dead database outside any handler: a 500 traceback. Nothing to save on this page.
            if hasattr(request, "session"):
                del request.session
            return response
        return None
