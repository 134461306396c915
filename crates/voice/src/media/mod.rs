//! Audio samples: G.711 codecs and resampling. No SIP, no speech here.

pub mod g711;
pub mod jitter;
pub mod resample;
pub mod rtp;
pub mod wav;
