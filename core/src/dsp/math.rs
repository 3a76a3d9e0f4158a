//! The f64 elementary functions whose bits must not depend on the platform or the thread.
//!
//! The filter designs, the level match, the generator's levels and the dose arithmetic must give
//! the plug-in (on a host's audio thread) and the renderer (on its main thread) the same bits.
//! On Windows (x86_64-pc-windows-gnu) the C library's `exp` and `pow`, which `f64::exp` and
//! `f64::powf` call, use the x87 unit, whose precision setting differs between a program's
//! main thread and the threads it starts: measured under Wine, 2 % of `exp` and 5 % of `pow`
//! results differ in the last bit between the two, so a render and the plug-in parted by one
//! ULP. These go through `libm` (a pure-Rust port of musl's functions), the
//! same code on every platform and thread. f32 functions and `ln`, `log10`, `sin`, `cos`,
//! `sqrt` were measured thread-independent there and stay on std.

/// e^x.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// x^y.
#[inline]
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// Hyperbolic sine (the cookbook's bandwidth form).
#[inline]
pub fn sinh(x: f64) -> f64 {
    libm::sinh(x)
}

/// Amplitude ratio of `db` decibels: 10^(db / 20).
#[inline]
pub fn db_to_amplitude(db: f64) -> f64 {
    pow(10.0, db / 20.0)
}

/// Power ratio of `db` decibels: 10^(db / 10).
#[inline]
pub fn db_to_power(db: f64) -> f64 {
    pow(10.0, db / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Vec<u64> {
        (-400..=400)
            .flat_map(|i| {
                let x = f64::from(i) * 0.05 + 1e-3;
                [
                    exp(x),
                    pow(x.abs(), 1.7),
                    db_to_amplitude(x),
                    db_to_power(x),
                    sinh(x),
                ]
            })
            .map(f64::to_bits)
            .collect()
    }

    #[test]
    fn every_thread_gets_the_same_bits() {
        // On Windows the C library's exp/pow failed this (see the module docs).
        let here = values();
        let there = std::thread::spawn(values).join().unwrap();
        assert!(here == there, "the results depend on the thread");
    }

    #[test]
    fn they_are_the_functions_they_name() {
        // Within a few units of rounding of the C library's (which is itself not always
        // correctly rounded: under Wine, in a spawned thread, its pow is off by 2 ULP).
        let close = |a: f64, b: f64| ((a - b) / b).abs() <= 4.0 * f64::EPSILON;
        for i in (-400..=400).filter(|&i| i != 0) {
            let x = f64::from(i) * 0.05;
            assert!(close(exp(x), x.exp()), "exp({x})");
            assert!(close(db_to_amplitude(x), 10f64.powf(x / 20.0)), "{x} dB");
            assert!(close(db_to_power(x), 10f64.powf(x / 10.0)), "{x} dB");
            assert!(close(sinh(x), x.sinh()), "sinh({x})");
        }
        assert_eq!(db_to_amplitude(0.0), 1.0);
        assert_eq!(db_to_amplitude(20.0), 10.0);
        assert_eq!(db_to_power(-10.0), 0.1);
    }
}
