#!/usr/bin/env bash
# Installs what the AI phone needs, idempotently: Debian packages (speech
# synthesis, the SIP test clients) and, in .voice/, the speech models.
# Called by scripts/test.sh and scripts/demo.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(open-jtalk open-jtalk-mecab-naist-jdic sox libsox-fmt-all baresip-core sip-tester)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    else
        echo "voice-setup: please install: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
