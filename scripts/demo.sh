#!/usr/bin/env bash
# Runs Madoguchi with demo data on SQLite, web and phone:
#
#   bash scripts/demo.sh [serve options, e.g. --now 2026-12-01T09:00:00+09:00]
#
# Installs what the phone needs first (scripts/voice-setup.sh: Debian
# packages when root, the speech models into .voice/). Without them the web
# service still runs and the log says why the phone is not answered.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! bash scripts/voice-setup.sh; then
  echo "demo: the phone needs scripts/voice-setup.sh to succeed; starting the web service anyway" >&2
fi
exec cargo run --release -- serve --demo "$@"
