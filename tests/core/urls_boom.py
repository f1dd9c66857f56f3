"""A URLconf with a view that fails, to see the 500 page a person gets."""

from django.urls import path

from config.urls import urlpatterns as site_patterns


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", boom), *site_patterns]
handler500 = "config.views.error_500"
