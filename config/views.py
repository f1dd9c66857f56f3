"""Site-wide views: the login form, the health check and the styled error pages."""

import logging
import sys

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


class LoginForm(AuthenticationForm):
    """Django's login form with Chinese messages that say what went wrong without revealing which half."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入。注意密码区分大小写。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget = forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")


@never_cache
def healthz(request):
    """Liveness for load balancers and docker: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy"
        logger.exception("health check: database unavailable")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _error(request, template: str, status: int) -> HttpResponse:
    body = loader.get_template(template).render({"request_path": request.path}, request)
    return HttpResponse(body, status=status)


def error_400(request, exception=None):
    """A styled 400; a session save that met a dead database (after the view committed) gets the 503 page."""
    from .middleware import database_unavailable_response, db_error_in_chain

    db_error = db_error_in_chain(exception)
    if db_error is not None:
        return database_unavailable_response(request, db_error)
    body = loader.get_template("400.html").render({})
    return HttpResponse(body, status=400)


def error_403(request, exception=None):
    return _error(request, "403.html", 403)


def error_404(request, exception=None):
    return _error(request, "404.html", 404)


@requires_csrf_token
def error_500(request):
    # A dead database met outside a view (a middleware): the 503 page, which knows whether anything was saved.
    from .middleware import database_unavailable_response, db_error_in_chain

    db_error = db_error_in_chain(sys.exc_info()[1])
    if db_error is not None:
        return database_unavailable_response(request, db_error)
    # No request context: the failure may be in a context processor or the database itself.
    body = loader.get_template("500.html").render({})
    return HttpResponse(body, status=500)
