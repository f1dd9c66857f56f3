from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import set_language

from targets.views import home

from . import views

admin.site.site_header = _("生态环境工作调度平台 · 系统管理")
admin.site.site_title = _("生态环境工作调度平台")
admin.site.index_title = _("系统管理")

urlpatterns = [
    path("", home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=views.LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every person changes their own password (old one required; the validators of settings apply).
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(form_class=views.PasswordChangeForm),
        name="password_change",
    ),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
    path("", include("targets.urls")),
    path("projects/", include("projects.urls")),
    path("rectifications/", include("rectifications.urls")),
]

handler400 = "config.views.error_400"
handler403 = "config.views.error_403"
handler404 = "config.views.error_404"
handler500 = "config.views.error_500"
