from __future__ import annotations

from django.urls import URLPattern, URLResolver

from okrs.views import dashboard, key_results, people, planning, scorecard, teams, webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    *dashboard.urlpatterns,
    *planning.urlpatterns,
    *key_results.urlpatterns,
    *scorecard.urlpatterns,
    *people.urlpatterns,
    *teams.urlpatterns,
    *webhooks.urlpatterns,
]
