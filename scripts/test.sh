#!/usr/bin/env bash
# Runs every test of Madoguchi: the Rust workspace (SQLite and PostgreSQL)
# and the browser tests (Debian's Chromium via playwright-core, axe-core).
#
#   bash scripts/test.sh
#
# Needs: cargo, node >= 20 with npm, PostgreSQL on 127.0.0.1:5432 (user
# postgres, trust auth; started here when we are root), /usr/bin/chromium
# and fonts-noto-cjk (installed here when we are root); the voice tools and
# models (scripts/voice-setup.sh: Debian packages when root, .voice/ from PyPI).
# Env: MADOGUCHI_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432),
#      MADOGUCHI_BIN (default <cargo target dir>/debug/madoguchi).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

section() {
  printf '\n==== %s ====\n' "$*"
}
die() {
  printf 'scripts/test.sh: %s\n' "$*" >&2
  exit 1
}
is_root() {
  [ "$(id -u)" -eq 0 ]
}

section "PostgreSQL (127.0.0.1:5432)"
command -v pg_isready >/dev/null || die "pg_isready not found: install PostgreSQL (apt-get install postgresql) or its client"
if ! pg_isready -q -h 127.0.0.1 -p 5432 -U postgres; then
  if is_root && [ -d /etc/postgresql ]; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    echo "PostgreSQL is not answering; starting cluster ${version}/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 -U postgres && break
      sleep 1
    done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -U postgres ||
    die "PostgreSQL is not reachable on 127.0.0.1:5432; start it (as root: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start)"
fi
pg_isready -h 127.0.0.1 -p 5432 -U postgres
export MADOGUCHI_TEST_POSTGRES="${MADOGUCHI_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
echo "MADOGUCHI_TEST_POSTGRES=${MADOGUCHI_TEST_POSTGRES}"

section "cargo test --workspace --no-run (debug build of every test and the server)"
# One build for the tests and the server the browser tests start: a separate
# `cargo build -p madoguchi` unifies features differently and builds twice.
cargo test --workspace --no-run
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$root/$target_dir" ;;
esac
export MADOGUCHI_BIN="${MADOGUCHI_BIN:-$target_dir/debug/madoguchi}"
[ -x "$MADOGUCHI_BIN" ] || die "no server binary at $MADOGUCHI_BIN"

section "Python aiosmtpd (SMTP server for the email tests)"
# The notification tests start a real SMTP server (aiosmtpd). Debian's
# python3-aiosmtpd when root; otherwise a project-local copy from PyPI.
has_aiosmtpd() {
  for py in "${MADOGUCHI_TEST_PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$py" ] && PYTHONPATH="$root/.cache/pydeps" "$py" -c 'import aiosmtpd' 2>/dev/null && return 0
  done
  return 1
}
if has_aiosmtpd; then
  echo "aiosmtpd found"
elif is_root && command -v apt-get >/dev/null && apt-cache policy python3-aiosmtpd 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-aiosmtpd </dev/null
else
  python3 -m pip install --quiet --target "$root/.cache/pydeps" aiosmtpd
fi
has_aiosmtpd || die "aiosmtpd is missing: apt-get install python3-aiosmtpd, or python3 -m pip install --target .cache/pydeps aiosmtpd"

section "Voice: Open JTalk, the Whisper model, SIP test clients (scripts/voice-setup.sh)"
bash "$root/scripts/voice-setup.sh"

section "cargo test --workspace"
cargo test --workspace

section "Browser and fonts"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdftotext ] || missing+=(poppler-utils)
if command -v dpkg-query >/dev/null &&
  ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'; then
  missing+=(fonts-noto-cjk)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if is_root && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends chromium fonts-noto-cjk poppler-utils
  elif [ ! -x /usr/bin/chromium ]; then
    die "/usr/bin/chromium is missing: install it with: sudo apt-get install --no-install-recommends chromium fonts-noto-cjk"
  else
    echo "warning: ${missing[*]} not installed (Japanese text may render as boxes in screenshots): sudo apt-get install fonts-noto-cjk" >&2
  fi
fi
/usr/bin/chromium --version 2>/dev/null || true

section "npm ci (tests/browser)"
cd "$root/tests/browser"
command -v node >/dev/null || die "node not found: install Node.js 20 or newer"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  die "Node.js 20 or newer is needed (found $(node --version))"
if [ ! -d node_modules ] || [ ! -e node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "node_modules is up to date with package-lock.json"
fi

section "Browser tests (node --test tests/browser/*.test.mjs)"
exec node --test --test-reporter=spec --test-timeout=120000 ./*.test.mjs
