#!/usr/bin/env bash
# The whole test suite: lint, types, and pytest on a real PostgreSQL database and Redis broker.
# Idempotent: installs what is missing, starts local services that are installed but stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_PYTHON_DOWNLOADS=never
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/okr_tracker}"
export CELERY_BROKER_URL="${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/14}"
export DEBUG=false
export SECRET_KEY="test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export ALLOWED_HOSTS="localhost,127.0.0.1,testserver"
export SECURE_COOKIES=false
export SECURE_SSL_REDIRECT=false
export DATA_DIR="${DATA_DIR:-$PWD/data/test}"

tests/services.sh

# The browser tests drive Debian's Chromium (no browser downloads work here, so not Playwright's own build).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    echo "Installing Chromium for the browser tests…"
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    "${apt_get[@]}" update -qq && "${apt_get[@]}" install -y -qq chromium >/dev/null || {
        echo "ERROR: could not install Chromium; install the 'chromium' package or set CHROMIUM_PATH." >&2
        exit 1
    }
fi

uv sync --frozen --quiet

# Scorecard PDFs set their text in DejaVu Sans (okrs/exports/pdf_file.py); slim images lack it.
if ! fc-list 2>/dev/null | grep -qi dejavu; then
    echo "Installing the DejaVu fonts for the PDF exports…"
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    "${apt_get[@]}" update -qq && "${apt_get[@]}" install -y -qq fontconfig fonts-dejavu-core >/dev/null || {
        echo "ERROR: could not install the DejaVu fonts for the scorecard PDF (fonts-dejavu-core)." >&2
        exit 1
    }
fi
echo "== ruff check" && uv run --frozen ruff check .
echo "== ruff format --check" && uv run --frozen ruff format --check .
echo "== mypy" && uv run --frozen mypy

# The whole suite runs in parallel, one pytest-xdist worker per core (PYTEST_WORKERS sets another number, 0 none):
# tests/conftest.py gives each worker its own test database, Redis database (the broker's + the worker's index, so
# at most 16 - that number of workers) and data folder. A run given arguments (a file, -k …) stays in one process
# unless it passes -n itself.
if [ "$#" -eq 0 ]; then
    redis_db="${CELERY_BROKER_URL##*/}"
    [[ "$redis_db" =~ ^[0-9]+$ ]] || redis_db=0
    case "$CELERY_BROKER_URL" in
        redis://* | rediss://*) set -- -n "${PYTEST_WORKERS:-auto}" --maxprocesses "$((16 - redis_db))" ;;
        *) echo "(one pytest process: a parallel run needs a Redis broker)" ;;
    esac
fi
echo "== pytest" && uv run --frozen pytest "$@"
