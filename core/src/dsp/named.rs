//! The chain's choice types (monitor mode, crossfeed preset, test signal, weekly
//! allowance) as [`Named`] values: their stable identifiers saved in sessions and the
//! names people read come from the parameter table ([`crate::params`]), in its order.
//! The plug-in's parameters, the renderer's flags and the editor all take them from
//! there; nothing is mirrored.

use crate::params;

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
    const IDS: &'static [&'static str] = params::MODE.ids;
    const NAMES: &'static [&'static str] = params::MODE.names;
}

impl Named for super::crossfeed::Preset {
    const ALL: &'static [Self] = &[Self::Default, Self::ChuMoy, Self::JanMeier, Self::Custom];
    const IDS: &'static [&'static str] = params::CROSSFEED_PRESET.ids;
    const NAMES: &'static [&'static str] = params::CROSSFEED_PRESET.names;
}

impl Named for super::listening::generator::Kind {
    const ALL: &'static [Self] = &[Self::Off, Self::PinkNoise, Self::Sine1k, Self::ChannelCheck];
    const IDS: &'static [&'static str] = params::GENERATOR.ids;
    const NAMES: &'static [&'static str] = params::GENERATOR.names;
}

impl Named for super::limiter::LatencyMode {
    const ALL: &'static [Self] = &[Self::Exact, Self::Low, Self::Zero];
    const IDS: &'static [&'static str] = params::LATENCY.ids;
    const NAMES: &'static [&'static str] = params::LATENCY.names;
}

impl Named for super::listening::dose::Criterion {
    const ALL: &'static [Self] = &[Self::Standard80, Self::Sensitive75];
    const IDS: &'static [&'static str] = params::ALLOWANCE.ids;
    const NAMES: &'static [&'static str] = params::ALLOWANCE.names;
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
