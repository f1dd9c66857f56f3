"""The inbox (站内消息): every person's own messages; reading one marks it read and follows its link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import InboxEntry
from ..services.inbox import inbox_mark_read


@login_required
def inbox_list(request):
    entries = InboxEntry.objects.filter(user=request.user)
    if request.GET.get("unread") == "1":
        entries = entries.filter(read_at__isnull=True)
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    return render(request, "tracker/inbox.html", {"page": page, "unread_only": request.GET.get("unread") == "1"})


@require_POST
@login_required
def inbox_read(request, pk: int):
    """Mark one's own entry read and go where it points (another person's entry: 404)."""
    entry = get_object_or_404(InboxEntry, pk=pk, user=request.user)
    inbox_mark_read(user=request.user, entry_id=entry.pk)
    if entry.url and url_has_allowed_host_and_scheme(entry.url, allowed_hosts={request.get_host()}):
        return redirect(entry.url)
    return redirect("tracker:inbox")


@require_POST
@login_required
def inbox_read_all(request):
    n = inbox_mark_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": n})
    return redirect("tracker:inbox")
