//! Rational-ratio resampling with a windowed-sinc low-pass (polyphase FIR).
//!
//! Used for Open JTalk's 48 kHz output → 8 kHz telephone audio, and for
//! 8 kHz caller audio → 16 kHz for Whisper. Whole buffers, not streams: a
//! turn or a prompt is at most a few seconds.

/// Zero crossings of the sinc on each side: 16 gives > 60 dB stop band
/// with the Blackman window, plenty for telephone audio.
const HALF_TAPS: usize = 16;

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Resamples `input` from `from` Hz to `to` Hz. Equal rates copy.
pub fn resample(input: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || input.is_empty() || from == 0 || to == 0 {
        return input.to_vec();
    }
    let g = gcd(from, to);
    let up = (to / g) as usize; // L
    let down = (from / g) as usize; // M
    // Cut-off relative to the input rate, a little below the lower Nyquist.
    let cutoff = 0.5 * (from.min(to) as f64 / from as f64) * 0.92;
    let half = (HALF_TAPS as f64 / (2.0 * cutoff)).ceil() as isize; // input samples each side
    let out_len = (input.len() as u64 * up as u64 / down as u64) as usize;
    // One filter per output phase (fractional position k/L between inputs).
    let width = (2 * half + 1) as usize;
    let mut phases: Vec<Vec<f64>> = Vec::with_capacity(up);
    for p in 0..up {
        let frac = p as f64 / up as f64;
        let mut taps = Vec::with_capacity(width);
        let mut sum = 0.0;
        for j in -half..=half {
            let x = j as f64 - frac; // distance in input samples
            let s = if x.abs() < 1e-12 {
                2.0 * cutoff
            } else {
                (2.0 * std::f64::consts::PI * cutoff * x).sin() / (std::f64::consts::PI * x)
            };
            // Blackman window over [-half-1, half+1].
            let n = (x + half as f64 + 1.0) / (2.0 * half as f64 + 2.0);
            let w = if (0.0..=1.0).contains(&n) {
                0.42 - 0.5 * (2.0 * std::f64::consts::PI * n).cos()
                    + 0.08 * (4.0 * std::f64::consts::PI * n).cos()
            } else {
                0.0
            };
            taps.push(s * w);
            sum += s * w;
        }
        // Unity gain at DC for every phase.
        if sum.abs() > 1e-12 {
            for t in &mut taps {
                *t /= sum;
            }
        }
        phases.push(taps);
    }
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        let pos = n * down; // position in units of 1/L input samples
        let base = (pos / up) as isize;
        let taps = &phases[pos % up];
        let mut acc = 0.0;
        for (t, j) in taps.iter().zip(-half..=half) {
            let i = base + j;
            if i >= 0 && (i as usize) < input.len() {
                acc += t * input[i as usize] as f64;
            }
        }
        out.push(acc.round().clamp(i16::MIN as f64, i16::MAX as f64) as i16);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, secs: f64) -> Vec<i16> {
        (0..(rate as f64 * secs) as usize)
            .map(|i| {
                (10000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin())
                    as i16
            })
            .collect()
    }

    fn rms(x: &[i16]) -> f64 {
        (x.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn keeps_a_tone_in_band_and_removes_one_above_nyquist() {
        let pass = resample(&tone(1000.0, 48_000, 0.5), 48_000, 8_000);
        assert_eq!(pass.len(), 4000);
        let r = rms(&pass[200..3800]);
        assert!((r - 7071.0).abs() < 300.0, "1 kHz rms {r}");
        let stop = resample(&tone(6000.0, 48_000, 0.5), 48_000, 8_000);
        assert!(rms(&stop[200..3800]) < 100.0, "6 kHz leaked");
    }

    #[test]
    fn upsamples_by_two() {
        let up = resample(&tone(500.0, 8_000, 0.5), 8_000, 16_000);
        assert_eq!(up.len(), 8000);
        let r = rms(&up[400..7600]);
        assert!((r - 7071.0).abs() < 300.0, "500 Hz rms {r}");
    }
}
