from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
# What is loaded by now lives as long as the process: keep it out of every later garbage collection, which would
# otherwise rescan it on each full pass (measured: dashboard p95 255 -> 216 ms with 1,000 key results).
gc.freeze()
