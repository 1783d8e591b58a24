from __future__ import annotations

from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "okrs"
    verbose_name = "OKRs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kpis.signals import import_ended
        from okrs.services.webhooks import webhooks_import_ended

        import_ended.connect(webhooks_import_ended, dispatch_uid="okrs.webhooks_import_ended")
