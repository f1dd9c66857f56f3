"""Site-wide views: the login form, the health check and the styled error pages."""

import logging
import sys

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
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


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's password change with Chinese labels; the session stays valid (update_session_auth_hash)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("当前密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")
        self.fields["new_password1"].help_text = _("至少 10 位，不能是常见密码或纯数字，不能与用户名相近。")
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("当前密码不正确，请重新输入。"),
            "password_mismatch": _("两次输入的新密码不一致。"),
        }


@never_cache
def healthz(request):
    """Health for load balancers and docker: database, Redis, age of the last worker heartbeat (tracker.health).

    Served before the Host check by `config.middleware.HealthCheckMiddleware`; this URL pattern stays for
    `reverse("healthz")`.
    """
    from tracker.health import health_report

    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def _error(request, template: str, status: int) -> HttpResponse:
    body = loader.get_template(template).render({"request_path": request.path}, request)
    response = HttpResponse(body, status=status)
    response.platform_page = True  # PlatformErrorPagesMiddleware leaves it alone
    return response


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
