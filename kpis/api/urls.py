from __future__ import annotations

from django.urls import URLPattern, path

from kpis.api import views

urlpatterns: list[URLPattern] = [
    path("measures/", views.MeasureList.as_view(), name="api_measure_list"),
    path("measures/<slug:key>/", views.MeasureDetail.as_view(), name="api_measure_detail"),
    path("dimensions/", views.DimensionList.as_view(), name="api_dimension_list"),
    path("dimensions/<slug:key>/", views.DimensionDetail.as_view(), name="api_dimension_detail"),
    path("kpis/", views.KpiList.as_view(), name="api_kpi_list"),
    path("kpis/<slug:key>/", views.KpiDetail.as_view(), name="api_kpi_detail"),
    path("kpis/<slug:key>/series/", views.KpiSeries.as_view(), name="api_kpi_series"),
]
