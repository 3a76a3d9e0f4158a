//! A graphic EQ curve (EqualizerAPO's `GraphicEQ: f₁ g₁; f₂ g₂; …`, AutoEq's
//! `GraphicEQ.txt`): points of (frequency, gain), the gain between two points linear in dB
//! over the logarithm of frequency, flat (the end points' gains) below the first point and
//! above the last, as EqualizerAPO defines it. Several `GraphicEQ` lines on one ear add in
//! dB; [`Graphic::add`] merges them exactly into one curve (the sum of two such curves is
//! again linear in dB over log frequency between the union of their points).
//!
//! The curve is realised by a minimum-phase FIR ([`super::fir`]); here it is only the
//! description and its gain at a frequency.

use std::sync::Mutex;

/// Most points of one ear's graphic curve (after merging its `GraphicEQ` lines).
pub const MAX_GRAPHIC_POINTS: usize = 256;

/// One point of a graphic curve.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GraphicPoint {
    /// Frequency in Hz (> 0).
    pub freq_hz: f32,
    /// Gain in dB.
    pub gain_db: f32,
}

/// A graphic curve: up to [`MAX_GRAPHIC_POINTS`] points, sorted by frequency, with
/// distinct frequencies. No point: no graphic EQ (0 dB everywhere).
///
/// The points live outside the curve, interned ([`intern`]): a `Graphic` is two words,
/// so the correction curve stays small enough to be copied with the settings on every
/// block. (Held inline, 256 points per ear made the settings 10 KB and the chain 114 KB,
/// and the stack the plug-in needs outgrew the threads some hosts run it on.)
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Graphic {
    points: &'static [GraphicPoint],
}

/// One shared, immutable copy of `points`: curves made from the same points share it.
/// Each distinct curve loaded in a process is kept until the process ends (a few KB per
/// file loaded); never called on the audio thread (it locks and allocates).
fn intern(points: Vec<GraphicPoint>) -> &'static [GraphicPoint] {
    static STORE: Mutex<Vec<&'static [GraphicPoint]>> = Mutex::new(Vec::new());
    let mut store = STORE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&found) = store.iter().find(|s| ***s == points[..]) {
        return found;
    }
    let kept: &'static [GraphicPoint] = Box::leak(points.into_boxed_slice());
    store.push(kept);
    kept
}

impl Graphic {
    /// No point: 0 dB everywhere.
    pub const EMPTY: Graphic = Graphic { points: &[] };

    /// The curve through `points` (any order; of points at the same frequency the last
    /// given is kept). `None` if there are more than [`MAX_GRAPHIC_POINTS`] distinct
    /// frequencies, or a frequency or gain is not finite or a frequency is not above 0.
    pub fn from_points(points: &[GraphicPoint]) -> Option<Self> {
        if points
            .iter()
            .any(|p| !p.freq_hz.is_finite() || p.freq_hz <= 0.0 || !p.gain_db.is_finite())
        {
            return None;
        }
        let mut sorted: Vec<(usize, GraphicPoint)> = points.iter().copied().enumerate().collect();
        sorted.sort_by(|a, b| a.1.freq_hz.total_cmp(&b.1.freq_hz).then(a.0.cmp(&b.0)));
        let mut out: Vec<GraphicPoint> = Vec::with_capacity(sorted.len());
        for (_, p) in sorted {
            match out.last_mut() {
                Some(last) if last.freq_hz == p.freq_hz => *last = p,
                _ => out.push(p),
            }
        }
        if out.len() > MAX_GRAPHIC_POINTS {
            return None;
        }
        if out.is_empty() {
            return Some(Self::EMPTY);
        }
        Some(Self {
            points: intern(out),
        })
    }

    /// The points, by rising frequency.
    pub fn points(&self) -> &'static [GraphicPoint] {
        self.points
    }

    /// No point: 0 dB everywhere.
    pub fn is_flat(&self) -> bool {
        self.points.is_empty()
    }

    /// The gain at `freq_hz`, in dB.
    pub fn gain_db(&self, freq_hz: f64) -> f64 {
        let points = self.points();
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return 0.0;
        };
        if freq_hz <= f64::from(first.freq_hz) {
            return f64::from(first.gain_db);
        }
        if freq_hz >= f64::from(last.freq_hz) {
            return f64::from(last.gain_db);
        }
        // The first point above freq_hz (exists: freq_hz < last).
        let hi = points.partition_point(|p| f64::from(p.freq_hz) <= freq_hz);
        let (a, b) = (points[hi - 1], points[hi]);
        let (fa, fb) = (f64::from(a.freq_hz), f64::from(b.freq_hz));
        let t = (freq_hz / fa).ln() / (fb / fa).ln();
        f64::from(a.gain_db) + t * (f64::from(b.gain_db) - f64::from(a.gain_db))
    }

    /// This curve plus `other` (in dB), exactly; `None` beyond [`MAX_GRAPHIC_POINTS`].
    pub fn add(&self, other: &Graphic) -> Option<Graphic> {
        if self.is_flat() {
            return Some(*other);
        }
        let points: Vec<GraphicPoint> = self
            .points()
            .iter()
            .chain(other.points())
            .map(|p| {
                let f = f64::from(p.freq_hz);
                GraphicPoint {
                    freq_hz: p.freq_hz,
                    gain_db: (self.gain_db(f) + other.gain_db(f)) as f32,
                }
            })
            .collect();
        Self::from_points(&points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(freq_hz: f32, gain_db: f32) -> GraphicPoint {
        GraphicPoint { freq_hz, gain_db }
    }

    #[test]
    fn the_gain_is_linear_in_db_over_log_frequency_and_flat_outside() {
        let g = Graphic::from_points(&[pt(1000.0, 6.0), pt(100.0, 0.0)]).unwrap();
        assert_eq!(g.gain_db(10.0), 0.0);
        assert_eq!(g.gain_db(20_000.0), 6.0);
        // The geometric middle of 100 Hz and 1 kHz is half way in dB.
        assert!((g.gain_db(316.227_766) - 3.0).abs() < 1e-6);
        assert!((g.gain_db(100.0) - 0.0).abs() < 1e-12);
    }

    #[test]
    fn two_curves_add_exactly_at_every_frequency() {
        let a = Graphic::from_points(&[pt(50.0, -3.0), pt(500.0, 2.0), pt(5000.0, 0.0)]).unwrap();
        let b = Graphic::from_points(&[pt(200.0, 4.0), pt(8000.0, -6.0)]).unwrap();
        let sum = a.add(&b).unwrap();
        for i in 0..200 {
            let f = 10.0 * 1.04f64.powi(i);
            let want = a.gain_db(f) + b.gain_db(f);
            assert!((sum.gain_db(f) - want).abs() < 1e-4, "{f} Hz");
        }
    }

    #[test]
    fn bad_points_and_too_many_are_refused_and_the_last_of_a_frequency_wins() {
        assert!(Graphic::from_points(&[pt(0.0, 1.0)]).is_none());
        assert!(Graphic::from_points(&[pt(100.0, f32::NAN)]).is_none());
        let many: Vec<_> = (0..=MAX_GRAPHIC_POINTS)
            .map(|i| pt(20.0 + i as f32, 0.0))
            .collect();
        assert!(Graphic::from_points(&many).is_none());
        let g = Graphic::from_points(&[pt(100.0, 1.0), pt(100.0, 2.0)]).unwrap();
        assert_eq!(g.points(), &[pt(100.0, 2.0)]);
    }
}
