//! Plain names for the chain's choice types (monitor mode, crossfeed preset, test signal,
//! weekly allowance): one definition per type, with the stable identifiers saved in
//! sessions and the names people read. The plug-in's parameters, the renderer's flags
//! and the editor all take them from here (the plug-in maps them onto its framework's
//! enum parameter in `src/params.rs`); nothing is mirrored.

/// A choice type with stable identifiers and display names, in one fixed order.
pub trait Named: Sized + Copy + PartialEq + 'static {
    /// Every variant, in the order of [`Self::IDS`] and [`Self::NAMES`].
    const ALL: &'static [Self];
    /// Stable identifiers (saved in sessions and states; never change once released).
    const IDS: &'static [&'static str];
    /// Names people read.
    const NAMES: &'static [&'static str];

    /// Position in [`Self::ALL`].
    fn index(self) -> usize {
        Self::ALL.iter().position(|&v| v == self).unwrap_or(0)
    }

    /// The variant at `index`, the first one if out of range.
    fn from_index(index: usize) -> Self {
        Self::ALL.get(index).copied().unwrap_or(Self::ALL[0])
    }

    /// The stable identifier.
    fn id(self) -> &'static str {
        Self::IDS[self.index()]
    }

    /// The variant with this identifier (`-` and `_` alike, case-insensitive).
    fn from_id(id: &str) -> Option<Self> {
        let id = id.trim().to_ascii_lowercase().replace('-', "_");
        Self::IDS
            .iter()
            .position(|&candidate| candidate == id)
            .map(Self::from_index)
    }
}

impl Named for super::MonitorMode {
    const ALL: &'static [Self] = &[
        Self::Stereo,
        Self::Mono,
        Self::Side,
        Self::Left,
        Self::Right,
    ];
    const IDS: &'static [&'static str] = &["stereo", "mono", "side", "left", "right"];
    const NAMES: &'static [&'static str] = &["Stereo", "Mono", "Side", "Left", "Right"];
}

impl Named for super::crossfeed::Preset {
    const ALL: &'static [Self] = &[Self::Default, Self::ChuMoy, Self::JanMeier, Self::Custom];
    const IDS: &'static [&'static str] = &["default", "chu_moy", "jan_meier", "custom"];
    const NAMES: &'static [&'static str] = &[
        "Default (700 Hz, 4.5 dB)",
        "Chu Moy (700 Hz, 6 dB)",
        "Jan Meier (650 Hz, 9.5 dB)",
        "Custom",
    ];
}

impl Named for super::listening::generator::Kind {
    const ALL: &'static [Self] = &[Self::Off, Self::PinkNoise, Self::Sine1k, Self::ChannelCheck];
    const IDS: &'static [&'static str] = &["off", "pink", "sine_1k", "channel_check"];
    const NAMES: &'static [&'static str] = &[
        "Off",
        "Pink noise -20 dBFS",
        "1 kHz sine -20 dBFS",
        "Channel check",
    ];
}

impl Named for super::listening::dose::Criterion {
    const ALL: &'static [Self] = &[Self::Standard80, Self::Sensitive75];
    const IDS: &'static [&'static str] = &["80dba", "75dba"];
    const NAMES: &'static [&'static str] = &["80 dB(A) for 40 h/week", "75 dB(A) for 40 h/week"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::crossfeed::Preset;
    use crate::dsp::listening::dose::Criterion;
    use crate::dsp::listening::generator::Kind;
    use crate::dsp::MonitorMode;

    fn consistent<T: Named + std::fmt::Debug>() {
        assert_eq!(T::ALL.len(), T::IDS.len());
        assert_eq!(T::ALL.len(), T::NAMES.len());
        for (i, &v) in T::ALL.iter().enumerate() {
            assert_eq!(v.index(), i);
            assert_eq!(T::from_index(i), v);
            assert_eq!(T::from_id(v.id()), Some(v), "{v:?}");
        }
        assert_eq!(T::from_index(99), T::ALL[0]);
        assert_eq!(T::from_id("no such thing"), None);
    }

    #[test]
    fn every_choice_round_trips_through_its_id_and_index() {
        consistent::<MonitorMode>();
        consistent::<Preset>();
        consistent::<Kind>();
        consistent::<Criterion>();
        assert_eq!(Preset::from_id("Chu-Moy"), Some(Preset::ChuMoy));
        assert_eq!(Kind::from_id("sine-1k"), Some(Kind::Sine1k));
    }
}
