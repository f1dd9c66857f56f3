from django.urls import path

from .views import air, drinking, enterprises, imports, inbox, measures, people, rural, units, watch, water

app_name = "tracker"

urlpatterns = [
    path("units/", units.unit_list, name="unit_list"),
    path("units/<int:pk>/", units.unit_detail, name="unit_detail"),
    # people register (责任人名册)
    path("people/", people.person_list_view, name="person_list"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    # bulk imports of master data from templates (tracker.master_imports)
    path("units/users/import/", imports.user_import, name="user_import"),
    path("units/users/template.xlsx", imports.user_template, name="user_template"),
    path("air/stations/import/", imports.station_import, name="station_import"),
    path("air/stations/template.xlsx", imports.station_template, name="station_template"),
    path("water/sections/import/", imports.section_import, name="section_import"),
    path("water/sections/template.xlsx", imports.section_template, name="section_template"),
    path("water/outlets/import/", imports.outlet_import, name="outlet_import"),
    path("water/outlets/template.xlsx", imports.outlet_template, name="outlet_template"),
    # water
    path("water/", water.water_index, name="water_index"),
    path("water/sections/<int:pk>/", water.section_detail, name="water_section_detail"),
    path("water/readings/upload/", water.water_readings_upload, name="water_readings_upload"),
    path("water/readings/template.xlsx", water.water_template, name="water_template"),
    path("water/outlets/", water.outlet_list, name="outlet_list"),
    path("water/outlets/<int:pk>/", water.outlet_detail, name="outlet_detail"),
    path("water/outlets/documents/<int:pk>/", water.outlet_document, name="outlet_document"),
    path("water/sources/", water.drinking_water_list, name="drinking_water_list"),
    path("api/water/readings/", water.api_water_readings, name="api_water_readings"),
    # --- air ---
    path("air/", air.air_index, name="air_index"),
    path("air/stations/<int:pk>/", air.air_station_detail, name="air_station_detail"),
    path("air/zones/<int:pk>/", air.air_zone_detail, name="air_zone_detail"),
    path("air/upload/", air.air_upload, name="air_upload"),
    path("air/upload/template.xlsx", air.air_template, name="air_template"),
    path("api/air/readings/", air.api_air_readings, name="api_air_readings"),
    path("measures/", measures.measure_list, name="measure_list"),
    path("measures/assign/", measures.measure_assign, name="measure_assign"),
    path("measures/import/", measures.measure_import, name="measure_import"),
    path("measures/template.xlsx", measures.measure_template, name="measure_template"),
    path("measures/<int:pk>/", measures.measure_detail, name="measure_detail"),
    # --- environmental watch ---
    path("watch/warnings/", watch.warning_list_view, name="warning_list"),
    path("watch/warnings/<int:pk>/", watch.warning_detail, name="warning_detail"),
    path("watch/warnings/<int:pk>/respond/", watch.warning_respond_view, name="warning_respond"),
    path("watch/warnings/<int:pk>/escalate/", watch.warning_escalate_view, name="warning_escalate"),
    path("enterprises/", enterprises.enterprise_list_view, name="enterprise_list"),
    path("enterprises/<int:pk>/", enterprises.enterprise_detail, name="enterprise_detail"),
    path("water/sources/quality/", drinking.drinking_quality, name="drinking_quality"),
    path("water/sources/quality/upload/", drinking.drinking_readings_upload, name="drinking_readings_upload"),
    path("api/water/sources/readings/", drinking.api_drinking_readings, name="api_drinking_readings"),
    path("rural-sewage/", rural.plant_list_view, name="rural_plant_list"),
    path("rural-sewage/<int:pk>/", rural.plant_detail, name="rural_plant_detail"),
    # inbox (站内消息): every person's own
    path("inbox/", inbox.inbox_list, name="inbox"),
    path("inbox/<int:pk>/read/", inbox.inbox_read, name="inbox_read"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
]
