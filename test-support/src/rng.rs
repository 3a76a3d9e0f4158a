//! The one random source of the tests and benchmarks (xorshift64, Marsaglia 2003):
//! deterministic, so every failure is reproducible from its seed.

/// xorshift64 state (never 0).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// A generator whose state is `seed` itself (which must not be 0).
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator from any `seed` (0 included), scrambled so that small neighbouring
    /// seeds give unrelated sequences.
    pub fn seeded(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in 0 … 1 (24 bits).
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in −1 … 1 (53 bits).
    pub fn symmetric(&mut self) -> f32 {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
    }

    /// Uniform in 0 … 1, with the exact bounds 0 and 1 one time in eight each.
    pub fn normalized(&mut self) -> f64 {
        match self.next() % 8 {
            0 => 0.0,
            1 => 1.0,
            _ => (self.next() >> 11) as f64 / (1u64 << 53) as f64,
        }
    }

    /// Uniform in 0 … n−1.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
