//! The engine's one source of randomness: a seeded, portable Xoshiro256++ generator with
//! independent streams (data, init, batches), and the few distributions the engine needs.
//!
//! Everything is computed from raw 64-bit outputs with integer and IEEE arithmetic and
//! `libm`, never with `usize`-width or platform-math shortcuts, so a seed gives the same
//! numbers on 64-bit native and 32-bit wasm.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng as _, SeedableRng};

/// Which part of a run a generator serves; each gets its own stream of the one seed, so
/// that (for example) changing the init does not change the data.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Data = 1,
    Init = 2,
    Batches = 3,
}

/// A seeded generator.
#[derive(Clone, Debug)]
pub struct Rng {
    inner: Xoshiro256PlusPlus,
    spare_normal: Option<f64>,
}

impl Rng {
    /// The generator for `stream` of `seed`.
    pub fn new(seed: u64, stream: Stream) -> Self {
        let mixed = splitmix64(seed ^ (stream as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Rng {
            inner: Xoshiro256PlusPlus::seed_from_u64(mixed),
            spare_normal: None,
        }
    }

    /// Uniform on `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.inner.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on `[lo, hi)`.
    pub fn uniform_in(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal by the Box–Muller transform (the second value is kept for the next call).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let theta = 2.0 * std::f64::consts::PI * u2;
        self.spare_normal = Some(r * libm::sin(theta));
        r * libm::cos(theta)
    }

    /// Uniform integer in `0..n` (`n >= 1`), unbiased by rejection.
    pub fn below(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.inner.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<X>(&mut self, items: &mut [X]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_other_stream_other_numbers() {
        let a: Vec<f64> = (0..5)
            .map({
                let mut r = Rng::new(7, Stream::Init);
                move |_| r.uniform()
            })
            .collect();
        let b: Vec<f64> = (0..5)
            .map({
                let mut r = Rng::new(7, Stream::Init);
                move |_| r.uniform()
            })
            .collect();
        let c: Vec<f64> = (0..5)
            .map({
                let mut r = Rng::new(7, Stream::Data);
                move |_| r.uniform()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut r = Rng::new(1, Stream::Data);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "var {var}");
    }

    #[test]
    fn shuffle_is_a_permutation_and_below_stays_in_range() {
        let mut r = Rng::new(3, Stream::Batches);
        let mut v: Vec<usize> = (0..100).collect();
        r.shuffle(&mut v);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        let mut s = v.clone();
        s.sort();
        assert_eq!(s, (0..100).collect::<Vec<_>>());
        assert!((0..1000).all(|_| r.below(3) < 3));
    }
}
