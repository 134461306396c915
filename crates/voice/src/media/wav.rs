//! Minimal RIFF/WAVE for 16-bit mono PCM: what Open JTalk writes and what
//! transcription servers accept.

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("unsupported WAV format (need 16-bit PCM): {0}")]
    Unsupported(String),
    #[error("WAV file has no data chunk")]
    NoData,
}

/// A decoded WAV: mono samples (the first channel when there are several).
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// Parses 16-bit PCM WAV. Tolerates a data size larger than the file (a
/// header written before the length was known).
pub fn parse(bytes: &[u8]) -> Result<Wav, WavError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut i = 12;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    while i + 8 <= bytes.len() {
        let id = &bytes[i..i + 4];
        let size = u32_at(bytes, i + 4).ok_or(WavError::NotWave)? as usize;
        let body = i + 8;
        if id == b"fmt " {
            let f = (
                u16_at(bytes, body).ok_or(WavError::NotWave)?,
                u16_at(bytes, body + 2).ok_or(WavError::NotWave)?,
                u32_at(bytes, body + 4).ok_or(WavError::NotWave)?,
                u16_at(bytes, body + 14).ok_or(WavError::NotWave)?,
            );
            fmt = Some(f);
        } else if id == b"data" {
            let (format, channels, rate, bits) =
                fmt.ok_or_else(|| WavError::Unsupported("data before fmt".into()))?;
            if format != 1 || bits != 16 || channels == 0 {
                return Err(WavError::Unsupported(format!(
                    "format {format}, {bits} bits, {channels} channels"
                )));
            }
            let end = body.saturating_add(size).min(bytes.len());
            let frame = 2 * channels as usize;
            let samples = bytes[body..end]
                .chunks_exact(frame)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            return Ok(Wav {
                sample_rate: rate,
                samples,
            });
        }
        i = body.saturating_add(size + (size & 1));
    }
    Err(WavError::NoData)
}

/// Encodes mono 16-bit PCM as a WAV file.
pub fn encode(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let pcm = vec![0i16, 1, -1, i16::MAX, i16::MIN];
        let w = parse(&encode(&pcm, 8000)).unwrap();
        assert_eq!(w.sample_rate, 8000);
        assert_eq!(w.samples, pcm);
        assert_eq!(parse(b"RIFX0000WAVE"), Err(WavError::NotWave));
    }
}
