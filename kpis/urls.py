from __future__ import annotations

from django.urls import URLPattern, URLResolver

from kpis.views import imports, library

urlpatterns: list[URLPattern | URLResolver] = [*library.urlpatterns, *imports.urlpatterns]
