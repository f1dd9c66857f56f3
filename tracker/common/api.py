"""Token authentication for machine endpoints (JSON in, JSON out, no session, no CSRF)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tracker.models import ApiToken

MAX_JSON_BYTES = 20 * 1024 * 1024


def json_error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def token_required(scope: str):
    """Require `Authorization: Bearer <token>` with `scope`; the view gets `request.api_token`.

    csrf_exempt is safe here: the endpoint ignores cookies and authenticates only by the bearer token.
    """

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                return json_error("缺少令牌：请在 Authorization 头中提供 Bearer 令牌。", 401)
            token = ApiToken.objects.filter(token_hash=ApiToken.hash(header[7:].strip()), is_active=True).first()
            if token is None:
                return json_error("令牌无效或已停用。", 401)
            if token.is_expired():
                return json_error("令牌已过期，请联系系统管理员重新签发。", 401)
            if not token.has_scope(scope):
                return json_error(f"令牌没有“{scope}”权限。", 403)
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
            request.api_token = token
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def parse_json_body(request, *, max_bytes: int = MAX_JSON_BYTES):
    """The request's JSON body, or a JsonResponse error to return as is."""
    if request.content_type != "application/json":
        return None, json_error("请求体必须是 JSON（Content-Type: application/json）。", 415)
    if len(request.body) > max_bytes:
        return None, json_error("请求体过大，请分批提交。", 413)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return None, json_error(f"JSON 格式错误：{exc}", 400)
    if _has_nul(body):
        # PostgreSQL text cannot hold NUL: refuse here rather than fail (500) at the database
        return None, json_error("JSON 中含有不允许的空字符（\\u0000）。", 400)
    return body, None


def json_batch(request, *, key: str, upsert: Callable[[list[dict]], int]) -> JsonResponse:
    """The shape every batch endpoint shares: POST {key: [ {...}, ... ]} → `upsert(rows)` with each row's position
    in `_row`; the whole batch or nothing; errors as {row, column, message} (the first 500)."""
    from tracker.common.tabular import TableError

    body, error = parse_json_body(request)
    if error:
        return error
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return json_error(f'请求体应为 {{"{key}": [ ... ]}}，且至少包含一条。', 400)
    if not all(isinstance(i, dict) for i in items):
        return json_error(f"{key} 中每一项都必须是对象。", 400)
    try:
        count = upsert([{**item, "_row": n} for n, item in enumerate(items, start=1)])
    except TableError as exc:
        return json_error(
            "数据有误，未写入任何记录。",
            400,
            errors=[{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors[:500]],
        )
    return JsonResponse({"ok": True, "written": count})


def _has_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
