//! Test audio: tones, silence, WAV files, and energy measurements.

use std::path::Path;

pub const RATE: u32 = 8000;

/// A sine tone at `freq` Hz for `ms` milliseconds, amplitude ~ -10 dBFS.
pub fn tone(freq: f64, ms: u32) -> Vec<i16> {
    let n = (RATE * ms / 1000) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(RATE);
            (10000.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
        })
        .collect()
}

pub fn silence(ms: u32) -> Vec<i16> {
    vec![0; (RATE * ms / 1000) as usize]
}

/// Write 8 kHz mono 16-bit PCM.
pub fn write_wav(path: &Path, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// Read a 16-bit WAV (first channel) and its sample rate.
pub fn read_wav(path: &Path) -> (Vec<i16>, u32) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let ch = usize::from(spec.channels.max(1));
    let samples: Vec<i16> = r.samples::<i16>().step_by(ch).map(|s| s.unwrap()).collect();
    if samples.is_empty() {
        // A recorder that did not get to write its header's sizes (killed
        // on a busy machine): the samples are there after the data chunk.
        let bytes = std::fs::read(path).unwrap();
        if let Some(at) = bytes.windows(4).position(|w| w == b"data") {
            let raw: Vec<i16> = bytes[at + 8..]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .step_by(ch)
                .collect();
            return (raw, spec.sample_rate);
        }
    }
    (samples, spec.sample_rate)
}

pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// RMS of each 20 ms window.
pub fn frame_rms(samples: &[i16], rate: u32) -> Vec<f64> {
    let n = (rate / 50) as usize;
    samples.chunks(n).map(rms).collect()
}

/// Longest run of consecutive windows above `threshold`.
pub fn longest_loud_run(levels: &[f64], threshold: f64) -> usize {
    let mut best = 0;
    let mut run = 0;
    for &l in levels {
        if l > threshold {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// `pcm` followed by `tail_ms` of silence: baresip hangs up when its
/// microphone file ends, so caller WAVs need a tail as long as the call.
pub fn padded(pcm: &[i16], tail_ms: u32) -> Vec<i16> {
    let mut out = pcm.to_vec();
    out.extend(silence(tail_ms));
    out
}

/// Convert any WAV (e.g. Open JTalk's 48 kHz output) to 8 kHz mono 16-bit
/// with sox, optionally through a μ-law channel like the phone line's.
pub fn to_8k_wav(src: &Path, dst: &Path, through_ulaw: bool) {
    let tmp = dst.with_extension("ulaw.wav");
    let target = if through_ulaw { &tmp } else { dst };
    let mut cmd = std::process::Command::new("sox");
    cmd.arg(src).args(["-r", "8000", "-c", "1"]);
    if through_ulaw {
        cmd.args(["-e", "mu-law"]);
    } else {
        cmd.args(["-b", "16", "-e", "signed-integer"]);
    }
    let status = cmd.arg(target).status().expect("sox not installed");
    assert!(status.success(), "sox failed on {}", src.display());
    if through_ulaw {
        let status = std::process::Command::new("sox")
            .arg(&tmp)
            .args(["-b", "16", "-e", "signed-integer"])
            .arg(dst)
            .status()
            .expect("sox not installed");
        assert!(status.success());
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sox_round_trip_keeps_a_tone() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("a.wav");
        let dst = dir.path().join("b.wav");
        write_wav(&src, &padded(&tone(500.0, 500), 500));
        to_8k_wav(&src, &dst, true);
        let (pcm, rate) = read_wav(&dst);
        assert_eq!(rate, 8000);
        assert_eq!(longest_loud_run(&frame_rms(&pcm, rate), 1000.0), 25);
    }
}
