"""Everyone who ran the organisation before org roles existed, its superusers, becomes an org admin by name too."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def superusers_become_org_admins(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    User = apps.get_model("auth", "User")
    Person = apps.get_model("okrs", "Person")
    for user in User.objects.filter(is_superuser=True):
        Person.objects.update_or_create(user=user, defaults={"org_role": "admin"})


class Migration(migrations.Migration):
    dependencies = [
        ("okrs", "0003_person_and_invitation"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(superusers_become_org_admins, migrations.RunPython.noop)]
