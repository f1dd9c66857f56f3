"""Context for every page: the top bar's unread-message count (one COUNT on an indexed column, only when used)."""

from django.utils.functional import SimpleLazyObject


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from .models import InboxEntry

        return InboxEntry.objects.filter(user=user, read_at__isnull=True).count()

    return {"inbox_unread": SimpleLazyObject(count)}
