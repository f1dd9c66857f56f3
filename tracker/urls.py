from django.urls import path

from .views import air, measures, units

app_name = "tracker"

urlpatterns = [
    path("units/", units.unit_list, name="unit_list"),
    path("units/<int:pk>/", units.unit_detail, name="unit_detail"),
    # --- air ---
    path("air/", air.air_index, name="air_index"),
    path("air/stations/<int:pk>/", air.air_station_detail, name="air_station_detail"),
    path("air/zones/<int:pk>/", air.air_zone_detail, name="air_zone_detail"),
    path("air/upload/", air.air_upload, name="air_upload"),
    path("api/air/readings/", air.api_air_readings, name="api_air_readings"),
    path("measures/", measures.measure_list, name="measure_list"),
    path("measures/<int:pk>/", measures.measure_detail, name="measure_detail"),
]
