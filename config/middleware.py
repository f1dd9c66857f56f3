"""Site-wide middleware: security headers, private caching, request size, the person behind admin edits, the
platform's own 403/404 pages in every mode, and a clear page when the database is down."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, transaction
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


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than the upload quota by its Content-Length, before anything reads it.

    The file fields check each file and the files of a form together (`tracker.uploads.check_upload_quota`), but
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


class DatabaseUnavailableMiddleware:
    """A request that meets a dead database gets a plain 503 page that needs no database, not a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.error("database unavailable: %s", exception)
            body = loader.get_template("503_database.html").render({})
            response = HttpResponse(body, status=503)
            response["Retry-After"] = "60"
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

    Services name their person with `tracker.audit.audited`; the admin's own saves (ModelAdmin, actions,
    deletes) do not go through a service, so every admin POST runs in one transaction that sets the person
    (`SET LOCAL eco.user_id`) before the view writes anything.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        from tracker.audit import audit_user

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
