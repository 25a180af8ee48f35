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
        /// `grad[i] *= f'(u[i])`, given `u` and `a = f(u)` from the forward pass.
        backward, backward_avx => backward_lanes(u: &[T], a: &[T], grad: &mut [T])
    );

    #[inline(always)]
    fn backward_lanes<T: Float>(self, u: &[T], a: &[T], grad: &mut [T]) {
        let slope = T::from_f64(LEAKY_SLOPE);
        let lambda = T::from_f64(SELU_LAMBDA);
        let la = T::from_f64(SELU_LAMBDA * SELU_ALPHA);
        let half = T::from_f64(0.5);
        let inv_sqrt2 = T::from_f64(std::f64::consts::FRAC_1_SQRT_2);
        let inv_sqrt_2pi = T::from_f64(0.398_942_280_401_432_7);
        let it = u.iter().zip(a).zip(grad.iter_mut());
        match self {
            Activation::Sigmoid => it.for_each(|((_, &a), g)| *g *= a * (T::ONE - a)),
            Activation::Tanh => it.for_each(|((_, &a), g)| *g *= T::ONE - a * a),
            Activation::Relu => {
                it.for_each(|((&x, _), g)| *g = if x > T::ZERO { *g } else { T::ZERO })
            }
            Activation::LeakyRelu => it.for_each(|((&x, _), g)| {
                if x <= T::ZERO {
                    *g *= slope
                }
            }),
            // For u <= 0, e^u = a + 1 (alpha = 1).
            Activation::Elu => it.for_each(|((&x, &a), g)| {
                if x <= T::ZERO {
                    *g *= a + T::ONE
                }
            }),
            Activation::Gelu => it.for_each(|((&x, _), g)| {
                let cdf = half * (T::ONE + (x * inv_sqrt2).erf());
                let pdf = inv_sqrt_2pi * (-half * x * x).exp();
                *g *= cdf + x * pdf
            }),
            Activation::Selu => {
                it.for_each(|((&x, _), g)| *g *= if x > T::ZERO { lambda } else { la * x.exp() })
            }
            Activation::Linear => {}
        }
    }

    /// Whether unit values `a` count as saturated (sigmoid, tanh: `f'(u)` below 5% of its
    /// peak) or, for the relu family, as inactive (`u <= 0`). Used for the "saturated or
    /// dead" fraction; linear units never count.
    #[inline]
    pub fn is_flat<T: Float>(self, u: T, a: T) -> bool {
        match self {
            Activation::Sigmoid => a * (T::ONE - a) < T::from_f64(0.25 * 0.05),
            Activation::Tanh => T::ONE - a * a < T::from_f64(0.05),
            Activation::Relu
            | Activation::LeakyRelu
            | Activation::Elu
            | Activation::Gelu
            | Activation::Selu => u <= T::ZERO,
            Activation::Linear => false,
        }
    }

    /// Whether the fraction reported is "saturated" (sigmoid, tanh) rather than "dead".
    pub fn saturates(self) -> bool {
        matches!(self, Activation::Sigmoid | Activation::Tanh)
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
            act.backward(&xs, &a, &mut d);
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
            let mut g = [1.0];
            act.backward(&[0.0], &a, &mut g);
            assert_eq!(g[0], d0, "{act:?}");
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
}
