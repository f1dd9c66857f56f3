from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count
from django.shortcuts import render

from tracker.choices import Role
from tracker.permissions import user_role
from tracker.selectors import territorial_units, war_zone_list

HOME_TEMPLATES = {
    Role.ADMIN: "targets/home_admin.html",
    Role.LEADER: "targets/home_leader.html",
    Role.INSPECTOR: "targets/home_inspector.html",
    Role.COUNTY_OFFICIAL: "targets/home_official.html",
    Role.DEPARTMENT_OFFICIAL: "targets/home_official.html",
}


@login_required
def home(request):
    """Each role lands on its own page."""
    role = user_role(request.user)
    if role is None:
        return render(request, "targets/home_norole.html", status=403)
    context = {"role": role}
    if role in (Role.LEADER, Role.ADMIN, Role.INSPECTOR):
        context["zones"] = war_zone_list()
        context["territorial_count"] = territorial_units().count()
    if role == Role.ADMIN:
        context["role_counts"] = Group.objects.filter(name__in=Role.values).annotate(n=Count("user")).order_by("name")
        context["db_engine"] = connection.vendor
        context["celery_mode"] = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "redis"
    if role in (Role.COUNTY_OFFICIAL, Role.DEPARTMENT_OFFICIAL):
        context["unit"] = request.user.unit
    return render(request, HOME_TEMPLATES[role], context)
