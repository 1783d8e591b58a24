#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line
    from django.db import InterfaceError, OperationalError

    try:
        execute_from_command_line(sys.argv)
    except (OperationalError, InterfaceError) as error:
        # One line an operator can act on, instead of a traceback through the ORM.
        from django.conf import settings

        database = settings.DATABASES["default"]
        where = database["NAME"] if "sqlite" in database["ENGINE"] else f"{database['HOST']}:{database['PORT']}"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        sys.exit(f"Error: the database ({where}) cannot be reached: {reason}")


if __name__ == "__main__":
    main()
