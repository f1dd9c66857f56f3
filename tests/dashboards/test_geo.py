"""Map boundaries: the file check, the admin upload, and the map drawn from them (no base-map tiles)."""

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from targets.geo import BoundaryError, parse_boundary
from targets.models import GeoBoundary
from targets.services import geo_boundary_save


def _square(code, x, name="区"):
    ring = [[x, 29.0], [x + 0.1, 29.0], [x + 0.1, 29.1], [x, 29.1], [x, 29.0]]
    return {
        "type": "Feature",
        "properties": {"adcode": code, "name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _doc(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_demo_boundary_is_accepted_with_string_codes():
    doc = parse_boundary(settings.DEMO_GEOJSON.read_bytes())
    codes = {f["properties"]["adcode"] for f in doc["features"]}
    assert len(codes) == 11 and "511124" in codes  # the file's adcodes are numbers; they become strings


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "不是有效的 GeoJSON"),
        (json.dumps({"type": "Feature"}).encode(), "FeatureCollection"),
        (_doc(), "没有任何区域"),
        (
            _doc({"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Polygon", "coordinates": []}}),
            "缺少 properties.adcode",
        ),
        (
            _doc(
                {"type": "Feature", "properties": {"adcode": 1}, "geometry": {"type": "Point", "coordinates": [0, 0]}}
            ),
            "Polygon 或 MultiPolygon",
        ),
        (_doc(_square(511124, 103.0), _square("511124", 104.0)), "重复"),
    ],
)
def test_bad_boundary_files_are_refused_with_the_reason(data, message):
    with pytest.raises(BoundaryError, match=message):
        parse_boundary(data)


def test_oversized_file_is_refused():
    with pytest.raises(BoundaryError, match="文件过大"):
        parse_boundary(_doc(_square(1, 1.0)), max_bytes=50)


@pytest.mark.django_db
def test_admin_uploads_a_boundary(client_for, admin_user):
    upload = SimpleUploadedFile("city.json", _doc(_square(511124, 103.0)), content_type="application/json")
    response = client_for(admin_user).post(
        reverse("admin:targets_geoboundary_add"), {"name": "测试边界", "is_active": "on", "upload": upload}
    )
    assert response.status_code == 302
    row = GeoBoundary.objects.get()
    assert row.feature_count == 1 and row.geojson["features"][0]["properties"]["adcode"] == "511124"


@pytest.mark.django_db
def test_admin_upload_of_a_bad_file_writes_nothing(client_for, admin_user):
    upload = SimpleUploadedFile("city.json", b"{}", content_type="application/json")
    response = client_for(admin_user).post(reverse("admin:targets_geoboundary_add"), {"name": "坏", "upload": upload})
    assert response.status_code == 200 and "FeatureCollection" in response.content.decode()
    assert not GeoBoundary.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["total", "item", "zone"])
def test_map_colours_counties_and_lists_units_without_a_boundary(client_for, leader, unit_b, city, mode):
    city(3)
    doc = parse_boundary(_doc(_square(511124, 103.0, "井研县"), _square(511129, 103.2, "沐川县")))
    geo_boundary_save(boundary=GeoBoundary(name="测试边界"), doc=doc)
    page = client_for(leader).get(reverse("targets:dashboard_map") + f"?mode={mode}").content.decode()
    assert '"featureidkey":"properties.adcode"' in page.replace(" ", "")
    assert "mapbox" not in page and "tile" not in page.lower()
    assert "不在地图上的单位" in page and "测试区0" in page  # the third unit has no feature
