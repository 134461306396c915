#!/usr/bin/env python3
"""Long-lived speech recognition worker for madoguchi-voice (speech/whisper.rs).

Loads the Whisper CT2 model once, then serves requests on stdin/stdout:

  request:  one JSON line {"samples": N, "prompt": str|null, "hotwords": str|null,
            "max_new_tokens": int, "beam": int, "chunk_length": int|null,
            "n_best": int}
            (chunk_length: encode a window of that many seconds instead of
            Whisper's 30 s; faster-whisper's own chunk_length option still pads
            every segment to 30 s, so the short window is done here)
            followed by N little-endian i16 samples at 16 kHz (raw bytes).
  response: one JSON line {"text": str, "alternatives": [str], "ms": float,
            "cpu_ms": float} or {"error": str}. alternatives: the beam's other
            hypotheses, best first (only on the short-window path, n_best > 1).

On start it prints {"ready": true, ...} once the model is loaded. Nothing is
fetched from a model hub. What callers said is never written to stderr.
"""

import json
import os
import sys
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import numpy as np
    from faster_whisper import WhisperModel

    model = WhisperModel(
        args.model, device="cpu", compute_type="int8", cpu_threads=args.threads, num_workers=1
    )
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    tokenizer = Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="ja"
    )
    suppress = get_suppressed_tokens(tokenizer, [-1])

    def short_window(audio, req, seconds):
        """One encoder pass over `seconds` of features, one beam search;
        returns the n best hypotheses, best first."""
        feats = pad_or_trim(model.feature_extractor(audio), seconds * 100)
        prompt_text = req.get("prompt")
        previous = tokenizer.encode(" " + prompt_text.strip()) if prompt_text else []
        prompt = model.get_prompt(
            tokenizer, previous, without_timestamps=True, hotwords=req.get("hotwords") or None
        )
        beam = int(req.get("beam", 5))
        result = model.model.generate(
            model.encode(feats),
            [prompt],
            beam_size=beam,
            num_hypotheses=max(1, min(beam, int(req.get("n_best", 1)))),
            max_length=len(prompt) + int(req.get("max_new_tokens", 96)),
            suppress_blank=True,
            suppress_tokens=suppress,
        )[0]
        return [tokenizer.decode(ids).strip() for ids in result.sequences_ids]

    out = sys.stdout
    out.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    out.flush()
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return 0
        try:
            req = json.loads(line)
            n = int(req["samples"])
            raw = stdin.read(n * 2)
            if len(raw) != n * 2:
                return 0
        except Exception as e:  # malformed header: answer and go on
            out.write(json.dumps({"error": f"bad request: {type(e).__name__}"}) + "\n")
            out.flush()
            continue
        try:
            audio = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
            t0, c0 = time.perf_counter(), time.process_time()
            window = int(req.get("chunk_length") or 0)
            alternatives = []
            if 0 < window <= 30 and len(audio) <= (window - 0.5) * 16000:
                text, *alternatives = short_window(audio, req, window)
            else:
                segments, _ = model.transcribe(
                    audio,
                    language="ja",
                    task="transcribe",
                    beam_size=int(req.get("beam", 5)),
                    temperature=0.0,
                    initial_prompt=req.get("prompt") or None,
                    hotwords=req.get("hotwords") or None,
                    without_timestamps=True,
                    condition_on_previous_text=False,
                    max_new_tokens=int(req.get("max_new_tokens", 96)),
                    vad_filter=False,
                )
                text = "".join(s.text for s in segments).strip()
            resp = {
                "text": text,
                "alternatives": alternatives,
                "ms": (time.perf_counter() - t0) * 1000.0,
                "cpu_ms": (time.process_time() - c0) * 1000.0,
            }
        except Exception as e:
            resp = {"error": f"{type(e).__name__}: {e}"[:300]}
        out.write(json.dumps(resp, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
