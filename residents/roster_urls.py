from django.urls import path  # noqa: F401

# Roster import (CSV/XLSX upload, preview, confirm): filled by the roster work.
urlpatterns = []
