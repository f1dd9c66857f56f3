"""Boundary files for the maps: parse and check an uploaded GeoJSON FeatureCollection (pure, no Django)."""

from __future__ import annotations

import json

MAX_BYTES = 5 * 1024 * 1024  # a prefecture's simplified county boundaries are well under 1 MB
GEOMETRY_TYPES = {"Polygon", "MultiPolygon"}


class BoundaryError(ValueError):
    """The file is not a usable boundary collection; the message says why, in Chinese."""


def parse_boundary(data: bytes, max_bytes: int = MAX_BYTES) -> dict:
    """The FeatureCollection in `data`, with every `properties.adcode` as a string, or BoundaryError."""
    if len(data) > max_bytes:
        raise BoundaryError(f"文件过大（{len(data) // 1024} KB），上限为 {max_bytes // 1024} KB。")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryError(f"不是有效的 GeoJSON 文件：{exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise BoundaryError("GeoJSON 顶层须为 FeatureCollection。")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryError("FeatureCollection 中没有任何区域（features 为空）。")
    seen = set()
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict) or props.get("adcode") in (None, ""):
            raise BoundaryError(f"第 {n} 个区域缺少 properties.adcode（行政区划代码）。")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            raise BoundaryError(f"第 {n} 个区域（{props['adcode']}）的几何类型须为 Polygon 或 MultiPolygon。")
        code = str(props["adcode"])
        if code in seen:
            raise BoundaryError(f"行政区划代码 {code} 重复出现。")
        seen.add(code)
        props["adcode"] = code
    return {"type": "FeatureCollection", "features": features}
