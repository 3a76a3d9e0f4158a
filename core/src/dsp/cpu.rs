//! What this CPU can run: detected once per process, asked by every stage that has a
//! faster build, and one way to pick the build ([`dispatch!`]).
//!
//! The DSP has two kinds of faster builds on x86-64: the same Rust compiled a second time
//! with AVX2 enabled (`#[target_feature(enable = "avx2")]` on a wrapper around an
//! `#[inline(always)]` body; no fused operations there, so both builds give the same bits),
//! and kernels written with AVX2 (+ FMA) intrinsics. Elsewhere (AArch64) only the portable
//! build exists, and nothing here is even compiled.

use std::sync::OnceLock;

/// The instruction-set extensions the DSP's faster builds need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cpu {
    /// AVX2 (256-bit integer and float vectors).
    #[cfg(target_arch = "x86_64")]
    avx2: bool,
    /// FMA3 (fused multiply-add), which every CPU with it pairs with AVX2.
    #[cfg(target_arch = "x86_64")]
    fma: bool,
}

impl Cpu {
    /// The portable builds only, whatever the CPU (to compare the builds in tests).
    pub const PORTABLE: Cpu = Cpu {
        #[cfg(target_arch = "x86_64")]
        avx2: false,
        #[cfg(target_arch = "x86_64")]
        fma: false,
    };

    /// This CPU, detected on the first call (never on the audio thread's first block
    /// alone: every constructor asks).
    pub fn detect() -> Cpu {
        static DETECTED: OnceLock<Cpu> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                let avx2 = std::arch::is_x86_feature_detected!("avx2");
                Cpu {
                    avx2,
                    fma: avx2 && std::arch::is_x86_feature_detected!("fma"),
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            Cpu::PORTABLE
        })
    }

    /// This CPU with its fused multiply-add kernels left out (the plain AVX2 builds, to
    /// compare them with the portable ones in tests).
    pub fn without_fma(self) -> Cpu {
        #[cfg(target_arch = "x86_64")]
        return Cpu { fma: false, ..self };
        #[cfg(not(target_arch = "x86_64"))]
        self
    }

    /// Whether the AVX2 builds may run.
    pub fn avx2(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        return self.avx2;
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// Whether the AVX2 + FMA kernels may run.
    pub fn avx2_fma(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        return self.avx2 && self.fma;
        #[cfg(not(target_arch = "x86_64"))]
        false
    }
}

/// `dispatch!(available, faster, portable)`: evaluates the `unsafe` expression `faster`
/// (an x86-64 build that needs the extensions `available` says the CPU has) or else
/// `portable`. Off x86-64 only `portable` is compiled.
macro_rules! dispatch {
    ($available:expr, $faster:expr, $portable:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if $available {
                // SAFETY: `available` is a `Cpu` answer: the CPU has the extensions the
                // faster build was compiled for.
                unsafe { $faster }
            } else {
                $portable
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            // (Always false here; asked anyway, so every target reads the same fields.)
            let _ = $available;
            $portable
        }
    }};
}
pub(crate) use dispatch;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_is_stable_and_the_portable_answer_says_no() {
        assert_eq!(Cpu::detect(), Cpu::detect());
        assert!(!Cpu::PORTABLE.avx2() && !Cpu::PORTABLE.avx2_fma());
        assert!(!Cpu::detect().avx2_fma() || Cpu::detect().avx2());
    }
}
