//! Names heard in kanji are read by the synthesizer's own dictionary, so
//! that the read-back says them as the caller will hear them checked.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use madoguchi_calls::NameReader;

use crate::speech::Synthesizer;

/// The synthesizer as the call's [`NameReader`].
pub(super) struct SynthesizerReading(pub Arc<dyn Synthesizer>);

impl NameReader for SynthesizerReading {
    fn read<'a>(
        &'a self,
        name: &'a str,
    ) -> Pin<Box<dyn Future<Output = Option<String>> + Send + 'a>> {
        Box::pin(async move {
            match self.0.reading(name).await {
                Ok(reading) => reading,
                Err(e) => {
                    // The name itself is personal: not logged.
                    tracing::warn!(error = %e, "no reading for a name: the caller is asked");
                    None
                }
            }
        })
    }
}
