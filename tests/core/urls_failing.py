from django.core.exceptions import PermissionDenied
from django.urls import include, path


def failing_view(request):
    raise RuntimeError("panne simulée")


def refusing_view(request):
    raise PermissionDenied


urlpatterns = [
    path("panne/", failing_view),
    path("refus/", refusing_view),
    path("", include("o2r.urls")),
]
