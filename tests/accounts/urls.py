"""O2R's URLs and one form that answers what it received, for the tests of a form posted after
the session ended."""

from django.http import JsonResponse
from django.urls import path

from o2r.urls import urlpatterns as o2r_urlpatterns


def note_form(request):
    if request.method == "POST":
        return JsonResponse({"user": request.user.pk, "fields": dict(request.POST.lists())})
    return JsonResponse({"form": True})


urlpatterns = [*o2r_urlpatterns, path("essai/note/", note_form, name="test_note_form")]
