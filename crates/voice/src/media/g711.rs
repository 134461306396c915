//! G.711 μ-law (PCMU) and A-law (PCMA), ITU-T G.711 segment encoding.

const BIAS: i32 = 0x84;
const CLIP: i32 = 32635;

/// Linear 16-bit sample → μ-law byte.
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    // Segment: position of the highest set bit above bit 7.
    let exponent = (7 - (s >> 7).leading_zeros().saturating_sub(24).min(7)) as i32;
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// μ-law byte → linear 16-bit sample.
pub fn ulaw_decode(byte: u8) -> i16 {
    let b = !byte;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    (if sign != 0 { -magnitude } else { magnitude }) as i16
}

/// Linear 16-bit sample → A-law byte.
pub fn alaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample) >> 3; // 13-bit magnitude
    let sign = if s >= 0 {
        0x80
    } else {
        s = -s - 1;
        0
    };
    s = s.min(0x0FFF);
    let byte = if s < 32 {
        (s >> 1) as u8
    } else {
        let exponent = (31 - (s as u32).leading_zeros() - 4) as u8; // 1..=7
        let mantissa = ((s >> exponent) & 0x0F) as u8;
        (exponent << 4) | mantissa
    };
    (byte | sign) ^ 0x55
}

/// A-law byte → linear 16-bit sample.
pub fn alaw_decode(byte: u8) -> i16 {
    let b = byte ^ 0x55;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    (if b & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

pub fn ulaw_encode_all(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().map(|&s| ulaw_encode(s)).collect()
}

pub fn ulaw_decode_all(bytes: &[u8]) -> Vec<i16> {
    bytes.iter().map(|&b| ulaw_decode(b)).collect()
}

pub fn alaw_encode_all(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().map(|&s| alaw_encode(s)).collect()
}

pub fn alaw_decode_all(bytes: &[u8]) -> Vec<i16> {
    bytes.iter().map(|&b| alaw_decode(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_known_values_match_the_standard_table() {
        // Silence is 0xFF; full scale positive 0x80, negative 0x00.
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(32767), 0x80);
        assert_eq!(ulaw_encode(-32768), 0x00);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
    }

    #[test]
    fn alaw_known_values_match_the_standard_table() {
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_encode(32767), 0xAA);
        assert_eq!(alaw_decode(0xAA), 32256);
    }

    #[test]
    fn every_code_survives_decode_then_encode() {
        for b in 0..=255u8 {
            // μ-law has two zeros (0x7F and 0xFF); both decode to 0.
            if b != 0x7F {
                assert_eq!(ulaw_encode(ulaw_decode(b)), b, "ulaw {b:#04x}");
            }
            assert_eq!(alaw_encode(alaw_decode(b)), b, "alaw {b:#04x}");
        }
    }

    #[test]
    fn round_trip_error_stays_within_the_segment_step() {
        for s in (-32768i32..=32767).step_by(97) {
            let s = s as i16;
            let u = i32::from(ulaw_decode(ulaw_encode(s)));
            let a = i32::from(alaw_decode(alaw_encode(s)));
            let tolerance = (i32::from(s).abs() / 16).max(16);
            assert!((u - i32::from(s)).abs() <= tolerance, "ulaw {s} -> {u}");
            assert!((a - i32::from(s)).abs() <= tolerance, "alaw {s} -> {a}");
        }
    }
}
