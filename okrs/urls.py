from __future__ import annotations

from django.urls import URLPattern, URLResolver

from okrs.exports import views as exports
from okrs.views import audit, dashboard, key_results, objectives, people, planning, scorecard, teams, webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    *dashboard.urlpatterns,
    *planning.urlpatterns,
    *key_results.urlpatterns,
    *objectives.urlpatterns,
    *scorecard.urlpatterns,
    *exports.urlpatterns,
    *people.urlpatterns,
    *teams.urlpatterns,
    *audit.urlpatterns,
    *webhooks.urlpatterns,
]
