from __future__ import annotations

from django.urls import URLPattern, URLResolver

from okrs.exports import views as exports
from okrs.views import dashboard, key_results, people, planning, scorecard, teams

urlpatterns: list[URLPattern | URLResolver] = [
    *dashboard.urlpatterns,
    *planning.urlpatterns,
    *key_results.urlpatterns,
    *scorecard.urlpatterns,
    *exports.urlpatterns,
    *people.urlpatterns,
    *teams.urlpatterns,
]
