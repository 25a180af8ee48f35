//! Activation functions `a = f(u)` and their derivatives `f'(u)`, side by side.
//!
//! At exactly `u = 0` a derivative takes the left branch, as PyTorch does: relu 0,
//! leaky_relu 0.01, elu `alpha`, selu `lambda * alpha`.

use serde::{Deserialize, Serialize};

use super::float::{avx_dispatch, Float};

/// SELU's `lambda` (PyTorch's constant, Klambauer et al. 2017).
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's `alpha` (PyTorch's constant).
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
/// Leaky ReLU's negative slope.
pub const LEAKY_SLOPE: f64 = 0.01;
/// ELU's `alpha`.
pub const ELU_ALPHA: f64 = 1.0;
/// GELU's largest slope, `f'(sqrt 2) = (1 + erf(1)) / 2 + 1 / (e sqrt(pi))`: `f''(u) =
/// phi(u) (2 - u^2)` vanishes at `u = sqrt 2`, where `Phi = (1 + erf 1) / 2` and
/// `u phi(u) = sqrt 2 e^-1 / sqrt(2 pi)`. 1.128904145185155 (f64).
pub const GELU_MAX_SLOPE: f64 = 1.128_904_145_185_155;
/// A unit value is flat when `|f'(u)|` is below this fraction of `max |f'|`.
pub const FLAT_FRACTION: f64 = 0.05;

/// The nonlinearity of every hidden layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `1 / (1 + e^-u)`; `f' = a (1 - a)`.
    Sigmoid,
    /// `tanh(u)`; `f' = 1 - a^2`.
    Tanh,
    /// `max(0, u)`; `f' = [u > 0]`.
    Relu,
    /// `u` if `u > 0` else `0.01 u`; `f' = 1` or `0.01`.
    LeakyRelu,
    /// `u` if `u > 0` else `e^u - 1`; `f' = 1` or `e^u`.
    Elu,
    /// Exact GELU `u Phi(u)`, `Phi(u) = (1 + erf(u / sqrt 2)) / 2`; `f' = Phi(u) + u phi(u)`.
    Gelu,
    /// `lambda u` if `u > 0` else `lambda alpha (e^u - 1)`.
    Selu,
    /// `u`; `f' = 1`.
    Linear,
}

impl Activation {
    pub const ALL: [Activation; 8] = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Elu,
        Activation::Gelu,
        Activation::Selu,
        Activation::Linear,
    ];

    /// The name used in configs (`"leaky_relu"`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Elu => "elu",
            Activation::Gelu => "gelu",
            Activation::Selu => "selu",
            Activation::Linear => "linear",
        }
    }

    avx_dispatch!(
        /// `out[i] = f(u[i])`.
        forward, forward_avx => forward_lanes(u: &[T], out: &mut [T])
    );

    #[inline(always)]
    fn forward_lanes<T: Float>(self, u: &[T], out: &mut [T]) {
        let slope = T::from_f64(LEAKY_SLOPE);
        let lambda = T::from_f64(SELU_LAMBDA);
        let la = T::from_f64(SELU_LAMBDA * SELU_ALPHA);
        let half = T::from_f64(0.5);
        let inv_sqrt2 = T::from_f64(std::f64::consts::FRAC_1_SQRT_2);
        let pairs = u.iter().zip(out.iter_mut());
        match self {
            Activation::Sigmoid => pairs.for_each(|(&x, o)| *o = x.sigmoid()),
            Activation::Tanh => pairs.for_each(|(&x, o)| *o = x.tanh()),
            Activation::Relu => {
                pairs.for_each(|(&x, o)| *o = if x > T::ZERO { x } else { T::ZERO })
            }
            Activation::LeakyRelu => {
                pairs.for_each(|(&x, o)| *o = if x > T::ZERO { x } else { slope * x })
            }
            Activation::Elu => {
                pairs.for_each(|(&x, o)| *o = if x > T::ZERO { x } else { x.exp_m1() })
            }
            Activation::Gelu => {
                pairs.for_each(|(&x, o)| *o = half * x * (T::ONE + (x * inv_sqrt2).erf()))
            }
            Activation::Selu => pairs.for_each(|(&x, o)| {
                *o = if x > T::ZERO {
                    lambda * x
                } else {
                    la * x.exp_m1()
                }
            }),
            Activation::Linear => out.copy_from_slice(u),
        }
    }

    avx_dispatch!(
        /// `grad[i] *= f'(u[i])`, given `u` and `a = f(u)` from the forward pass, and
        /// `slope[i] = f'(u[i])`: the slopes the per-layer measures count (flat and dead
        /// units) are exactly the factors the gradient was multiplied by.
        backward, backward_avx => backward_lanes(u: &[T], a: &[T], grad: &mut [T], slope: &mut [T])
    );

    #[inline(always)]
    fn backward_lanes<T: Float>(self, u: &[T], a: &[T], grad: &mut [T], slope: &mut [T]) {
        let leaky = T::from_f64(LEAKY_SLOPE);
        let lambda = T::from_f64(SELU_LAMBDA);
        let la = T::from_f64(SELU_LAMBDA * SELU_ALPHA);
        let half = T::from_f64(0.5);
        let inv_sqrt2 = T::from_f64(std::f64::consts::FRAC_1_SQRT_2);
        let inv_sqrt_2pi = T::from_f64(0.398_942_280_401_432_7);
        let it = u.iter().zip(a).zip(grad.iter_mut()).zip(slope.iter_mut());
        match self {
            Activation::Sigmoid => it.for_each(|(((_, &a), g), s)| {
                let d = a * (T::ONE - a);
                *s = d;
                *g *= d
            }),
            Activation::Tanh => it.for_each(|(((_, &a), g), s)| {
                let d = T::ONE - a * a;
                *s = d;
                *g *= d
            }),
            // Selected, not multiplied (a NaN or infinite gradient of an inactive unit
            // becomes 0, as before).
            Activation::Relu => it.for_each(|(((&x, _), g), s)| {
                *s = if x > T::ZERO { T::ONE } else { T::ZERO };
                *g = if x > T::ZERO { *g } else { T::ZERO }
            }),
            Activation::LeakyRelu => it.for_each(|(((&x, _), g), s)| {
                *s = if x <= T::ZERO { leaky } else { T::ONE };
                if x <= T::ZERO {
                    *g *= leaky
                }
            }),
            // For u <= 0, e^u = a + 1 (alpha = 1).
            Activation::Elu => it.for_each(|(((&x, &a), g), s)| {
                *s = if x <= T::ZERO { a + T::ONE } else { T::ONE };
                if x <= T::ZERO {
                    *g *= a + T::ONE
                }
            }),
            Activation::Gelu => it.for_each(|(((&x, _), g), s)| {
                let cdf = half * (T::ONE + (x * inv_sqrt2).erf());
                let pdf = inv_sqrt_2pi * (-half * x * x).exp();
                let d = cdf + x * pdf;
                *s = d;
                *g *= d
            }),
            Activation::Selu => it.for_each(|(((&x, _), g), s)| {
                let d = if x > T::ZERO { lambda } else { la * x.exp() };
                *s = d;
                *g *= d
            }),
            Activation::Linear => slope.fill(T::ONE),
        }
    }

    /// `max |f'(u)|` over all `u`: sigmoid 1/4 (at 0), tanh 1 (at 0), relu, leaky_relu and
    /// elu 1, selu `lambda * alpha` (about 1.7581, as `u -> 0` from below), gelu
    /// [`GELU_MAX_SLOPE`] (at `u = sqrt 2`), linear 1.
    pub fn max_slope(self) -> f64 {
        match self {
            Activation::Sigmoid => 0.25,
            Activation::Tanh
            | Activation::Relu
            | Activation::LeakyRelu
            | Activation::Elu
            | Activation::Linear => 1.0,
            Activation::Selu => SELU_LAMBDA * SELU_ALPHA,
            Activation::Gelu => GELU_MAX_SLOPE,
        }
    }

    /// The slope under which a unit value is flat, `0.05 max |f'|` (numerics.md's flat
    /// share); `None` for linear, which has no flat region and reports no flat share.
    pub fn flat_limit(self) -> Option<f64> {
        (self != Activation::Linear).then(|| FLAT_FRACTION * self.max_slope())
    }

    /// Whether a unit value with slope `f'(u)` is flat: `|f'(u)|` under
    /// [`Activation::flat_limit`]. Linear units never are.
    #[inline]
    pub fn is_flat(self, slope: f64) -> bool {
        self.flat_limit().is_some_and(|limit| slope.abs() < limit)
    }

    /// Whether a unit can be dead, its `f'(u)` exactly 0 for a whole batch: relu only
    /// (leaky_relu, elu and selu keep a non-zero slope; gelu's vanishes only in the limit).
    pub fn can_die(self) -> bool {
        self == Activation::Relu
    }

    /// The flat share and the dead share of one layer's batch, from its slopes `f'(u)`
    /// (`batch x units`, row-major, as [`Activation::backward`] records them). The flat
    /// share is the fraction of (example, unit) pairs with [`Activation::is_flat`]
    /// slopes (`None` for linear); the dead share the fraction of units whose slope is
    /// exactly 0 for every example (`None` unless [`Activation::can_die`]).
    pub fn slope_shares<T: Float>(self, slopes: &[T], units: usize) -> (Option<f64>, Option<f64>) {
        // `is_flat` with its limit taken out of the loop.
        let flat = self.flat_limit().map(|limit| {
            let hits: usize = slopes
                .iter()
                .map(|s| usize::from(s.to_f64().abs() < limit))
                .sum();
            hits as f64 / slopes.len().max(1) as f64
        });
        let dead = self.can_die().then(|| {
            let n = units.max(1);
            let batch = slopes.len() / n;
            let dead = (0..n)
                .filter(|&j| (0..batch).all(|r| slopes[r * n + j] == T::ZERO))
                .count();
            dead as f64 / n as f64
        });
        (flat, dead)
    }

    /// Whether flat units are called saturated (sigmoid, tanh: their output sits in a flat
    /// tail) rather than of near-zero slope (the others).
    pub fn saturates(self) -> bool {
        matches!(self, Activation::Sigmoid | Activation::Tanh)
    }

    /// The words for flat units in the views: "saturated" for sigmoid and tanh,
    /// "near-zero slope" for the others.
    pub fn flat_name(self) -> &'static str {
        if self.saturates() {
            "saturated"
        } else {
            "near-zero slope"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences_away_from_kinks() {
        let xs: Vec<f64> = (-40..=40).map(|i| i as f64 * 0.1 + 0.013).collect();
        for act in Activation::ALL {
            let mut a = vec![0.0; xs.len()];
            act.forward(&xs, &mut a);
            let mut d = vec![1.0; xs.len()];
            let mut slopes = vec![0.0; xs.len()];
            act.backward(&xs, &a, &mut d, &mut slopes);
            // With a unit gradient the gradient is the slope, and both are recorded alike.
            assert_eq!(d, slopes, "{act:?}");
            for (i, &x) in xs.iter().enumerate() {
                let h = 1e-6;
                let (mut p, mut m) = ([0.0], [0.0]);
                act.forward(&[x + h], &mut p);
                act.forward(&[x - h], &mut m);
                let fd = (p[0] - m[0]) / (2.0 * h);
                assert!(
                    (fd - d[i]).abs() < 1e-8 * (1.0 + fd.abs()),
                    "{act:?} at {x}: {fd} vs {}",
                    d[i]
                );
            }
        }
    }

    #[test]
    fn derivative_at_zero_takes_the_left_branch() {
        let want = [
            (Activation::Relu, 0.0),
            (Activation::LeakyRelu, 0.01),
            (Activation::Elu, 1.0),
            (Activation::Selu, SELU_LAMBDA * SELU_ALPHA),
            (Activation::Gelu, 0.5),
            (Activation::Tanh, 1.0),
            (Activation::Sigmoid, 0.25),
        ];
        for (act, d0) in want {
            let mut a = [0.0f64];
            act.forward(&[0.0], &mut a);
            let (mut g, mut s) = ([1.0], [f64::NAN]);
            act.backward(&[0.0], &a, &mut g, &mut s);
            assert_eq!(g[0], d0, "{act:?}");
            assert_eq!(s[0], d0, "{act:?}");
        }
    }

    #[test]
    fn values_match_known_points() {
        // JAX 0.10, float64: jax.nn.selu(-1.), jax.nn.gelu(+-1., approximate=False), jax.nn.elu(-1.);
        // selu(1) is lambda and leaky_relu(-2) is -0.02 by definition.
        let cases = [
            (Activation::Selu, -1.0, -1.111_330_737_812_562_5),
            (Activation::Selu, 1.0, 1.050_700_987_355_480_5),
            (Activation::Gelu, -1.0, -0.158_655_253_931_457_05),
            (Activation::Gelu, 1.0, 0.841_344_746_068_542_9),
            (Activation::Elu, -1.0, -0.632_120_558_828_557_7),
            (Activation::LeakyRelu, -2.0, -0.02),
        ];
        for (act, x, want) in cases {
            let mut a = [0.0f64];
            act.forward(&[x], &mut a);
            assert!((a[0] - want).abs() < 1e-15, "{act:?}({x}) = {}", a[0]);
        }
    }

    #[test]
    fn max_slope_is_the_maximum_of_the_derivative() {
        // A dense grid over [-8, 8] in f64 with the derivative the backward pass uses: no
        // slope exceeds max_slope, and the grid comes within 1e-6 of it (selu's maximum is
        // the limit at 0 from below, which the grid point -1e-9 approaches).
        let mut xs: Vec<f64> = (-80_000..=80_000).map(|i| i as f64 * 1e-4).collect();
        xs.push(-1e-9);
        xs.push(std::f64::consts::SQRT_2);
        for act in Activation::ALL {
            let mut a = vec![0.0; xs.len()];
            act.forward(&xs, &mut a);
            // An arbitrary incoming gradient: each is multiplied by exactly the slope
            // recorded for it (or, where the slope is 0 or 1, selected).
            let g0: Vec<f64> = (0..xs.len()).map(|i| 0.5 + (i % 7) as f64).collect();
            let mut g = g0.clone();
            let mut d = vec![0.0; xs.len()];
            act.backward(&xs, &a, &mut g, &mut d);
            for ((&before, &after), &slope) in g0.iter().zip(&g).zip(&d) {
                assert_eq!(after, before * slope, "{act:?}");
            }
            let top = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(top <= act.max_slope() * (1.0 + 1e-15), "{act:?}: {top}");
            assert!(top >= act.max_slope() - 1e-6, "{act:?}: {top}");
        }
        // GELU's closed form against libm.
        let closed = (1.0 + libm::erf(1.0)) / 2.0
            + 1.0 / (std::f64::consts::E * std::f64::consts::PI.sqrt());
        assert!((closed - GELU_MAX_SLOPE).abs() < 1e-15, "{closed}");
    }

    #[test]
    fn flat_means_under_five_percent_of_the_largest_slope() {
        assert!(Activation::Sigmoid.is_flat(0.0124));
        assert!(!Activation::Sigmoid.is_flat(0.0126));
        assert!(Activation::Selu.is_flat(0.08));
        assert!(!Activation::Selu.is_flat(0.09));
        assert!(Activation::LeakyRelu.is_flat(0.01));
        assert!(!Activation::Linear.is_flat(0.0));
        assert!(Activation::Relu.can_die() && !Activation::LeakyRelu.can_die());
        assert_eq!(Activation::Tanh.flat_name(), "saturated");
        assert_eq!(Activation::Elu.flat_name(), "near-zero slope");
    }

    /// The slopes the backward pass records for `u`.
    fn slopes<T: Float>(act: Activation, u: &[T]) -> Vec<T> {
        let mut a = vec![T::ZERO; u.len()];
        act.forward(u, &mut a);
        let mut g = vec![T::ONE; u.len()];
        let mut s = vec![T::ZERO; u.len()];
        act.backward(u, &a, &mut g, &mut s);
        s
    }

    /// `u` for 3 examples x 4 units and the shares `slope_shares` gives for it.
    fn shares(act: Activation, u: &[f64]) -> (Option<f64>, Option<f64>) {
        act.slope_shares(&slopes(act, u), 4)
    }

    #[test]
    fn a_relu_unit_negative_for_the_whole_batch_is_dead() {
        // Unit 0 alive, unit 1 negative (and exactly 0, whose slope is 0) for every example:
        // dead; unit 2 negative but once; unit 3 always positive.
        let u = [
            0.5, -1.0, -2.0, 3.0, //
            -0.5, 0.0, -0.1, 1.0, //
            0.2, -3.0, 0.4, 2.0,
        ];
        let (flat, dead) = shares(Activation::Relu, &u);
        assert_eq!(dead, Some(0.25));
        // Flat pairs: every u <= 0 (slope 0 < 0.05).
        assert_eq!(flat, Some(6.0 / 12.0));
    }

    #[test]
    fn only_relu_reports_dead_units() {
        // Every unit negative for the whole batch: only relu calls any of them dead.
        let u = [-5.0; 12];
        for act in Activation::ALL {
            let (flat, dead) = shares(act, &u);
            if act == Activation::Relu {
                assert_eq!(dead, Some(1.0));
            } else {
                assert_eq!(dead, None, "{act:?}");
            }
            // At -5 every slope is below 5% of the peak (leaky 0.01, elu e^-5, selu
            // lambda alpha e^-5, gelu ~ -1.5e-5, sigmoid ~0.0066, tanh ~1.8e-4), except linear.
            let want = (act != Activation::Linear).then_some(1.0);
            assert_eq!(flat, want, "{act:?}");
        }
    }

    #[test]
    fn sigmoid_is_flat_in_its_tails_and_tanh_near_zero_is_not() {
        let huge: Vec<f64> = (0..12)
            .map(|i| if i % 2 == 0 { 40.0 } else { -40.0 })
            .collect();
        assert_eq!(shares(Activation::Sigmoid, &huge).0, Some(1.0));
        let small: Vec<f64> = (0..12).map(|i| (i as f64 - 6.0) * 0.1).collect();
        assert_eq!(shares(Activation::Tanh, &small), (Some(0.0), None));
        // f32 in the tails: a rounds to exactly 1, slope 0.
        let u32: Vec<f32> = vec![30.0; 12];
        let s = slopes(Activation::Tanh, &u32);
        assert_eq!(Activation::Tanh.slope_shares(&s, 4).0, Some(1.0));
    }
}
