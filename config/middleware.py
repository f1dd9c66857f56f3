"""Site-wide middleware: security headers, private caching, request size, the person behind admin edits, the
platform's own 403/404 pages in every mode, and a truthful page when the database is down."""

from __future__ import annotations

import logging
import traceback

from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

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


class HealthCheckMiddleware:
    """Answer `/healthz` first, before Django validates the Host header.

    Docker and load balancers probe `http://127.0.0.1:8000/healthz`; with `ALLOWED_HOSTS=eco.example.gov.cn` the
    Host check (CommonMiddleware) would answer 400 and the container would never be healthy. The report holds
    no data (tracker.health), so answering it for any Host is safe.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from config.views import healthz

            response = healthz(request)
            response.setdefault("Content-Security-Policy", "default-src 'none'")
            return response
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than the upload quota by its Content-Length, before anything reads it.

    The file fields check each file and the files of a form together (`tracker.common.uploads.check_upload_quota`), but
    only after Django has spooled the whole body to disk; this stops 100 × 20 MB at the door. A little room is
    left over the quota for the form's other fields and the multipart boundaries.
    """

    SLACK = 1024 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.UPLOAD_REQUEST_MAX_BYTES + self.SLACK
        if length > limit:
            logger.warning("request body of %d bytes refused (limit %d): %s", length, limit, request.path)
            body = loader.get_template("413.html").render(
                {"limit_mb": settings.UPLOAD_REQUEST_MAX_BYTES // 2**20}, request
            )
            return HttpResponse(body, status=413)
        return self.get_response(request)


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


class PrivatePagesMiddleware:
    """Every response to a logged-in person — pages, Excel exports, evidence downloads — is `private, no-store`.

    They show one unit's data or one person's view: no shared proxy and no browser history cache may keep a
    copy after the person logs out on a shared office computer. A view that sets its own Cache-Control wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No session any more: the database-down page dropped it (and nothing private is on that page).
        user = getattr(request, "user", None) if hasattr(request, "session") else None
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response


class AdminAuditMiddleware:
    """A change made through the admin site is audited under the person who made it.

    Services name their person with `tracker.common.audit.audited`; the admin's own saves (ModelAdmin, actions,
    deletes) do not go through a service, so every admin POST runs in one transaction that sets the person
    (`SET LOCAL eco.user_id`) before the view writes anything.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        from tracker.common.audit import audit_user

        user = getattr(request, "user", None)
        if (
            request.method == "POST"
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
        ):
            with transaction.atomic(), audit_user(user):
                return self.get_response(request)
        return self.get_response(request)


class PlatformErrorPagesMiddleware:
    """A 404 uses the platform's own page even with DEBUG on (the `make run` default).

    With DEBUG on, Django answers a 404 (an unknown URL, or an outsider refused a record with 404) with its
    technical page listing every URL pattern of the site: a map for anyone who probes. Any HTML 404 that is not
    the platform's own page (`config.views` marks those) is replaced by it. JSON answers are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and not getattr(response, "platform_page", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            from config import views

            return views.error_404(request)
        return response
