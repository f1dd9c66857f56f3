"""The client's address as the server should believe it, behind a known number of reverse proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or — behind `TRUSTED_PROXY_COUNT` proxies — the address the outermost proxy saw.

    Each proxy appends the address it received the connection from to X-Forwarded-For (nginx
    `proxy_add_x_forwarded_for`), so with N proxies the client is the N-th entry from the right; entries further
    left are whatever the client chose to send and are never believed. A header shorter than N entries (a request
    that bypassed a proxy) falls back to REMOTE_ADDR. Used by django-axes (AXES_CLIENT_IP_CALLABLE), so a lock
    holds (username, real client) and not (username, the proxy).
    """
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return _valid(forwarded[-count]) or remote
