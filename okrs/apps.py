from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "okrs"
    verbose_name = "OKRs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        # A sign-in is not a change to the account: its time is saved without an audit-history record (sign-ins
        # are logged by config.security). Django's own receiver is replaced by one that says so.
        if user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login"):
            user_logged_in.connect(_last_login_unrecorded, dispatch_uid="update_last_login")

        from kpis.signals import import_ended
        from okrs.services.webhooks import webhooks_import_ended

        import_ended.connect(webhooks_import_ended, dispatch_uid="okrs.webhooks_import_ended")


def _last_login_unrecorded(sender: Any, user: Any, **kwargs: Any) -> None:
    from django.contrib.auth.models import update_last_login

    user.skip_history_when_saving = True
    try:
        update_last_login(sender, user, **kwargs)
    finally:
        del user.skip_history_when_saving
