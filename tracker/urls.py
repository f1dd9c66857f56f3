from django.urls import path

from .views import air, drinking, enterprises, inbox, measures, rivers, rural, units, watch, water, weather

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
    # --- air ---
    path("air/", air.air_index, name="air_index"),
    path("air/stations/<int:pk>/", air.air_station_detail, name="air_station_detail"),
    path("air/zones/<int:pk>/", air.air_zone_detail, name="air_zone_detail"),
    path("air/upload/", air.air_upload, name="air_upload"),
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
    # heavy-pollution weather (重污染天气应对)
    path("weather/", weather.weather_warning_list, name="weather_warning_list"),
    path("weather/issue/", weather.weather_warning_issue_view, name="weather_warning_issue"),
    path("weather/<int:pk>/", weather.weather_warning_detail, name="weather_warning_detail"),
    path("weather/<int:pk>/level/", weather.weather_warning_level, name="weather_warning_level"),
    path("weather/<int:pk>/lift/", weather.weather_warning_lift_view, name="weather_warning_lift"),
    path("weather/<int:pk>/respond/", weather.emergency_response_view, name="emergency_response"),
    path("weather/emergency-list/", weather.emergency_list, name="emergency_list"),
    path("weather/emergency-list/<int:pk>/", weather.emergency_measure_edit, name="emergency_measure_edit"),
    path("weather/forecasts/", weather.forecast_compare, name="forecast_compare"),
    path("weather/forecasts/upload/", weather.forecast_upload, name="forecast_upload"),
    path("api/air/forecasts/", weather.api_air_forecasts, name="api_air_forecasts"),
    # river chiefs (河湖长制) and the fishing ban
    path("rivers/", rivers.river_chief_list, name="river_chief_list"),
    path("rivers/frequency/", rivers.patrol_frequency, name="patrol_frequency"),
    path("rivers/patrols/", rivers.patrol_list, name="patrol_list"),
    path("rivers/patrols/new/", rivers.patrol_create, name="patrol_create"),
    path("rivers/patrols/<int:pk>/", rivers.patrol_detail, name="patrol_detail"),
    path("rivers/patrols/<int:pk>/to-item/", rivers.patrol_to_item, name="patrol_to_item"),
    path("rivers/patrols/photos/<int:pk>/", rivers.patrol_photo, name="patrol_photo"),
    path("rivers/fishing-ban/", rivers.fishing_cases, name="fishing_cases"),
    # inbox (站内消息): every person's own
    path("inbox/", inbox.inbox_list, name="inbox"),
    path("inbox/<int:pk>/read/", inbox.inbox_read, name="inbox_read"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
]
