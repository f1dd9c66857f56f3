from django.urls import path

from .views import units, water

app_name = "tracker"

urlpatterns = [
    path("units/", units.unit_list, name="unit_list"),
    path("units/<int:pk>/", units.unit_detail, name="unit_detail"),
    # water
    path("water/", water.water_index, name="water_index"),
    path("water/sections/<int:pk>/", water.section_detail, name="water_section_detail"),
    path("water/readings/upload/", water.water_readings_upload, name="water_readings_upload"),
    path("water/outlets/", water.outlet_list, name="outlet_list"),
    path("water/outlets/<int:pk>/", water.outlet_detail, name="outlet_detail"),
    path("water/outlets/documents/<int:pk>/", water.outlet_document, name="outlet_document"),
    path("water/sources/", water.drinking_water_list, name="drinking_water_list"),
    path("api/water/readings/", water.api_water_readings, name="api_water_readings"),
]
