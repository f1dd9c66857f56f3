"""Site-wide middleware: Content-Security-Policy, and a clear page when the database is down."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
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
