//! The scalar type the engine computes in (`f32` by default, `f64` for gradient checks),
//! and the elementary functions it needs, implemented once in pure Rust so native and
//! wasm32 builds produce the same bits.
//!
//! Platform `expf`/`tanhf` differ between targets and are slow. The `f32` versions here
//! evaluate in `f64` with a branch-free exponential ([`exp_f64`]) and round once to `f32`,
//! which keeps them within about one f32 ulp of the true value; the `f64` versions call the
//! `libm` crate (pure Rust, < 1 ulp), since they serve the tight gradient checks.

use std::fmt::{Debug, Display};
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A floating-point type the network can be computed in.
pub trait Float:
    Copy
    + Default
    + Debug
    + Display
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Send
    + Sync
    + 'static
{
    const ZERO: Self;
    const ONE: Self;
    /// `"f32"` or `"f64"`.
    const NAME: &'static str;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    fn sqrt(self) -> Self;
    fn abs(self) -> Self;
    fn is_finite(self) -> bool;
    /// `e^x`.
    fn exp(self) -> Self;
    /// `e^x - 1`, accurate near 0.
    fn exp_m1(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// `ln(1 + x)`, accurate near 0.
    fn ln_1p(self) -> Self;
    fn tanh(self) -> Self;
    /// Logistic sigmoid `1 / (1 + e^-x)`.
    fn sigmoid(self) -> Self;
    /// The error function.
    fn erf(self) -> Self;
    /// Largest of two values; NaN in either gives NaN (unlike `f32::max`).
    #[inline]
    fn max_nan(self, other: Self) -> Self {
        if self.is_nan() || other.is_nan() {
            Self::from_f64(f64::NAN)
        } else if self > other {
            self
        } else {
            other
        }
    }
    fn is_nan(self) -> bool;
}

/// `e^x` in f64 without branches or table look-ups, so that it vectorizes and gives the
/// same bits everywhere (IEEE operations only, no fused multiply-add).
///
/// Range reduction `x = k ln2 + r`, `|r| <= ln2 / 2`, with `ln2` split in two parts;
/// `e^r` by its Taylor series to degree 12 (truncation error below 1e-16); `2^k` built in
/// the exponent bits. Arguments are clamped to `[-708, 709]`, where the result stays normal;
/// callers that need true underflow or overflow clamp before (f32 callers round anyway).
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 = LN2_HI + LN2_LO, with LN2_HI's low 32 bits zero so k * LN2_HI is exact.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-708.0, 709.0);
    let shifted = x * LOG2E + SHIFT;
    let kf = shifted - SHIFT;
    let k = (shifted.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    // Horner form of sum_{n=0}^{12} r^n / n!.
    let mut p = 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let scale = f64::from_bits(((k + 1023) as u64) << 52);
    p * scale
}

/// Defines `pub fn $name` that runs the `#[inline(always)]` method `$lanes` compiled for
/// AVX when the CPU has it (x86_64; elsewhere as is).
///
/// The arithmetic is the same IEEE operations either way (AVX without FMA only widens
/// the lanes that carry independent elements), so results are bit-identical; only the
/// speed differs.
macro_rules! avx_dispatch {
    ($(#[$doc:meta])* $name:ident, $avx:ident => $lanes:ident ($($arg:ident : $ty:ty),*)) => {
        $(#[$doc])*
        pub fn $name<T: Float>(self, $($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::is_x86_feature_detected!("avx") {
                    // SAFETY: the CPU supports AVX, as checked on the line above.
                    unsafe { self.$avx($($arg),*) };
                    return;
                }
            }
            self.$lanes($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx")]
        fn $avx<T: Float>(self, $($arg: $ty),*) {
            self.$lanes($($arg),*)
        }
    };
}
pub(crate) use avx_dispatch;

/// Like [`avx_dispatch!`] for a free function: defines `pub fn $name` that runs the
/// `#[inline(always)]` function `$lanes` compiled for AVX when the CPU has it.
macro_rules! avx_dispatch_fn {
    ($(#[$doc:meta])* $name:ident, $avx:ident => $lanes:ident <$t:ident> ($($arg:ident : $ty:ty),*)) => {
        $(#[$doc])*
        pub fn $name<$t: Float>($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::is_x86_feature_detected!("avx") {
                    // SAFETY: the CPU supports AVX, as checked on the line above.
                    unsafe { $avx($($arg),*) };
                    return;
                }
            }
            $lanes($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx")]
        fn $avx<$t: Float>($($arg: $ty),*) {
            $lanes($($arg),*)
        }
    };
}
pub(crate) use avx_dispatch_fn;

/// `sum of f(v)` over `values` in f64, with four interleaved partial sums added as
/// `(s0 + s1) + (s2 + s3)`: a fixed order, so every platform gets the same bits, and one
/// that vectorizes.
#[inline(always)]
pub fn sum4<T: Float>(values: &[T], f: impl Fn(f64) -> f64) -> f64 {
    let mut s = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            s[k] += f(c[k].to_f64());
        }
    }
    for (k, v) in tail.iter().enumerate() {
        s[k] += f(v.to_f64());
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// `e^x` in f32 for `x` in `[-170, 88]`, branch-free (so it vectorizes): `x = k ln2 + r`
/// with `ln2` in two parts (`k ln2_hi` exact), `e^r` by Taylor to degree 7 (truncation
/// below 1e-8 for `|r| <= ln2 / 2`), and `2^k` applied as two exponent-bit factors so
/// that results in the subnormal range round correctly instead of wrapping.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits.
    const SHIFT: f32 = 12_582_912.0;
    const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
    const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
    let shifted = x * LOG2E + SHIFT;
    let kf = shifted - SHIFT;
    let k = (shifted.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let mut p = 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let k1 = k >> 1;
    let k2 = k - k1;
    p * f32::from_bits(((k1 + 127) as u32) << 23) * f32::from_bits(((k2 + 127) as u32) << 23)
}

/// The methods whose IEEE definitions make them identical on every platform, forwarded
/// to the primitive type's own.
macro_rules! ieee_methods {
    ($t:ident) => {
        #[inline(always)]
        fn sqrt(self) -> Self {
            $t::sqrt(self)
        }
        #[inline(always)]
        fn abs(self) -> Self {
            $t::abs(self)
        }
        #[inline(always)]
        fn is_finite(self) -> bool {
            $t::is_finite(self)
        }
        #[inline(always)]
        fn is_nan(self) -> bool {
            $t::is_nan(self)
        }
    };
}

impl Float for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    ieee_methods!(f32);
    #[inline(always)]
    fn exp(self) -> Self {
        // e^x overflows f32 above 88.73 and underflows to 0 below -103.98.
        let x = self as f64;
        let e = exp_f64(x.clamp(-110.0, 100.0)) as f32;
        if self.is_nan() {
            self
        } else {
            e
        }
    }
    #[inline(always)]
    fn exp_m1(self) -> Self {
        let x = (self as f64).clamp(-110.0, 100.0);
        // Below 1e-5 the series x + x^2/2 is exact to f64 precision; above, the
        // cancellation in e^x - 1 costs at most 1e-11 relative.
        let series = x + 0.5 * x * x;
        let direct = exp_f64(x) - 1.0;
        let r = if x.abs() < 1e-5 { series } else { direct };
        if self.is_nan() {
            self
        } else {
            r as f32
        }
    }
    #[inline]
    fn ln(self) -> Self {
        libm::log(self as f64) as f32
    }
    #[inline]
    fn ln_1p(self) -> Self {
        libm::log1p(self as f64) as f32
    }
    #[inline(always)]
    fn tanh(self) -> Self {
        // tanh|x| = m / (m + 2) with m = e^(2|x|) - 1, all in f32 (so it vectorizes four
        // or eight wide): m by its Taylor series below 2|x| = 0.5, where e^y - 1 would
        // cancel, and by exp_f32 above. |x| >= 10 rounds to 1.
        // `min` as a comparison (NaN goes to 10, as `f32::min` sends it, and is
        // answered below): wasm32 compiles `f32::min` to a call of `fminf`, this to a
        // vector select.
        let a = self.abs();
        let y = 2.0 * if a < 10.0 { a } else { 10.0 };
        let mut p = 1.0 / 362_880.0;
        p = p * y + 1.0 / 40_320.0;
        p = p * y + 1.0 / 5_040.0;
        p = p * y + 1.0 / 720.0;
        p = p * y + 1.0 / 120.0;
        p = p * y + 1.0 / 24.0;
        p = p * y + 1.0 / 6.0;
        p = p * y + 0.5;
        p = p * y + 1.0;
        let series = p * y;
        let m = if y < 0.5 { series } else { exp_f32(y) - 1.0 };
        let t = (m / (m + 2.0)).copysign(self);
        if self.is_nan() {
            self
        } else {
            t
        }
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        // With e = e^-|x| in (0, 1]: 1 / (1 + e) for x >= 0, e / (1 + e) below, in f32;
        // |x| = 150 already underflows e to 0.
        let a = self.abs();
        let e = exp_f32(-(if a < 150.0 { a } else { 150.0 }));
        let r = if self >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        if self.is_nan() {
            self
        } else {
            r
        }
    }
    #[inline]
    fn erf(self) -> Self {
        libm::erf(self as f64) as f32
    }
}

impl Float for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    ieee_methods!(f64);
    #[inline]
    fn exp(self) -> Self {
        libm::exp(self)
    }
    #[inline]
    fn exp_m1(self) -> Self {
        libm::expm1(self)
    }
    #[inline]
    fn ln(self) -> Self {
        libm::log(self)
    }
    #[inline]
    fn ln_1p(self) -> Self {
        libm::log1p(self)
    }
    #[inline]
    fn tanh(self) -> Self {
        libm::tanh(self)
    }
    #[inline]
    fn sigmoid(self) -> Self {
        1.0 / (1.0 + libm::exp(-self))
    }
    #[inline]
    fn erf(self) -> Self {
        libm::erf(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two f32 values.
    fn ulps(a: f32, b: f32) -> u32 {
        let ia = a.to_bits() as i32;
        let ib = b.to_bits() as i32;
        ia.abs_diff(ib)
    }

    /// A linear grid over [-100, 100], log-spaced magnitudes from 1e-9 to 110 of both
    /// signs, and special points.
    fn grid() -> impl Iterator<Item = f32> {
        let linear = (-40_000..=40_000).map(|i| i as f32 * 2.5e-3);
        let logs = (0..40_000).flat_map(|i| {
            let v = 10f64.powf(-9.0 + 11.04 * i as f64 / 40_000.0) as f32;
            [v, -v]
        });
        let special = [
            1e-30f32, -1e-30, 1e-7, -1e-7, 3e-5, -3e-5, 1e-4, 2e-4, 80.0, -80.0, -103.0, 0.25,
            0.2499999,
        ];
        linear.chain(logs).chain(special)
    }

    #[test]
    fn exp_f64_matches_libm_to_a_few_ulps() {
        for i in -7080..=7089 {
            let x = i as f64 * 0.1 + 0.0123;
            let got = exp_f64(x);
            let want = libm::exp(x);
            let rel = ((got - want) / want).abs();
            assert!(rel < 4.0 * f64::EPSILON, "x={x}: {got} vs {want}");
        }
    }

    #[test]
    fn f32_functions_are_within_two_ulps_of_f64_reference() {
        for x in grid() {
            let xd = x as f64;
            let checks: [(&str, f32, f64); 4] = [
                ("tanh", Float::tanh(x), libm::tanh(xd)),
                ("sigmoid", Float::sigmoid(x), 1.0 / (1.0 + libm::exp(-xd))),
                ("exp", Float::exp(x), libm::exp(xd)),
                ("exp_m1", Float::exp_m1(x), libm::expm1(xd)),
            ];
            for (name, got, want) in checks {
                let want = want as f32;
                if want.is_finite() && want != 0.0 {
                    assert!(ulps(got, want) <= 2, "{name}({x}) = {got}, want {want}");
                } else {
                    assert_eq!(got, want, "{name}({x})");
                }
            }
        }
    }

    #[test]
    fn f32_functions_propagate_nan_and_saturate_at_infinity() {
        assert!(Float::tanh(f32::NAN).is_nan());
        assert!(Float::sigmoid(f32::NAN).is_nan());
        assert!(Float::exp(f32::NAN).is_nan());
        assert_eq!(Float::tanh(f32::INFINITY), 1.0);
        assert_eq!(Float::tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(Float::sigmoid(f32::NEG_INFINITY), 0.0);
        assert_eq!(Float::exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(Float::exp(200.0f32), f32::INFINITY);
        assert_eq!(Float::exp(-200.0f32), 0.0);
    }
}
