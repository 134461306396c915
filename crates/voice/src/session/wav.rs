//! The caller's turns as WAV files (8 kHz, 16-bit, mono) for the call log.

use crate::line::SAMPLE_RATE;
use crate::media::wav;

/// A RIFF/WAVE file of 16-bit little-endian mono PCM at 8 kHz.
pub fn encode(pcm: &[i16]) -> Vec<u8> {
    wav::encode(pcm, SAMPLE_RATE)
}

/// The samples of a WAV written by [`encode`] (tests, tools).
pub fn decode(bytes: &[u8]) -> Option<Vec<i16>> {
    wav::parse(bytes).ok().map(|w| w.samples)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let pcm: Vec<i16> = (0..800).map(|i| (i * 37 % 2000 - 1000) as i16).collect();
        let wav = super::encode(&pcm);
        assert_eq!(wav.len(), 44 + 1600);
        assert_eq!(super::decode(&wav).unwrap(), pcm);
    }
}
