"""Everything under /api/: the v1 endpoints, their schema and docs, the API tokens page, and a JSON 404."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from okrs.api import imports, okrs, pages, scorecard, targets, views, webhooks

v1: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularJSONAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("me/", views.Me.as_view(), name="api_me"),
    path("tokens/", views.TokenList.as_view(), name="api_token_list"),
    path("tokens/<int:pk>/", views.TokenDetail.as_view(), name="api_token_detail"),
    path("teams/", views.TeamList.as_view(), name="api_team_list"),
    path("teams/<int:pk>/", views.TeamDetail.as_view(), name="api_team_detail"),
    path("measurements/", imports.MeasurementPush.as_view(), name="api_measurement_push"),
    path("imports/", imports.ImportList.as_view(), name="api_import_list"),
    path("imports/<int:pk>/", imports.ImportDetail.as_view(), name="api_import_detail"),
    path("objectives/", okrs.ObjectiveList.as_view(), name="api_objective_list"),
    path("objectives/<int:pk>/", okrs.ObjectiveDetail.as_view(), name="api_objective_detail"),
    path("key-results/", okrs.KeyResultList.as_view(), name="api_key_result_list"),
    path("key-results/<int:pk>/", okrs.KeyResultDetail.as_view(), name="api_key_result_detail"),
    path("key-results/<int:pk>/check-ins/", okrs.CheckInList.as_view(), name="api_check_in_list"),
    path("key-results/<int:pk>/initiatives/", okrs.InitiativeList.as_view(), name="api_initiative_list"),
    path("initiatives/<int:pk>/", okrs.InitiativeDetail.as_view(), name="api_initiative_detail"),
    path("scorecard/", scorecard.ScorecardView.as_view(), name="api_scorecard"),
    path("scorecard/export/", scorecard.ScorecardExportView.as_view(), name="api_scorecard_export"),
    path("webhooks/", webhooks.WebhookList.as_view(), name="api_webhook_list"),
    path("webhooks/<int:pk>/", webhooks.WebhookDetail.as_view(), name="api_webhook_detail"),
    path("webhooks/<int:pk>/deliveries/", webhooks.WebhookDeliveryList.as_view(), name="api_webhook_delivery_list"),
    # The KPI library's other endpoints are kpis.api's; its targets are written by data stewards (okrs.roles).
    path("kpis/<slug:key>/targets/", targets.KpiTargetList.as_view(), name="api_kpi_target_list"),
    path("kpis/<slug:key>/targets/<int:pk>/", targets.KpiTargetDetail.as_view(), name="api_kpi_target_detail"),
    path("", include("kpis.api.urls")),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include(v1)),
    path("tokens/", pages.access_tokens, name="access_tokens"),
    path("tokens/<int:pk>/revoke/", pages.access_token_revoke_page, name="access_token_revoke"),
    re_path(r"", views.NotFoundView.as_view(), name="api_not_found"),
]
