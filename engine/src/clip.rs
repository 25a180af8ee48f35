//! Gradient clipping, applied to all parameter gradients together before the optimizer.
//!
//! - `value`: `g_i = clamp(g_i, -threshold, threshold)` (PyTorch `clip_grad_value_`);
//! - `norm`: `g *= min(1, threshold / (||g||_2 + 1e-6))`, with the L2 norm over every
//!   parameter's gradient, batch-norm `gamma` and `beta` included (PyTorch `clip_grad_norm_`);
//! - `none`.
//!
//! Norms are accumulated in f64, so a large f32 gradient does not overflow the norm.

use serde::{Deserialize, Serialize};

use super::float::{sum4, Float};

/// Which clipping rule, by name (what a config holds beside a threshold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipKind {
    None,
    Value,
    Norm,
}

impl ClipKind {
    pub const ALL: [ClipKind; 3] = [ClipKind::None, ClipKind::Value, ClipKind::Norm];
}

/// A clipping rule with its threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip {
    None,
    /// Clamp every gradient element to `[-t, t]`.
    Value(f64),
    /// Scale all gradients by `min(1, t / (||g|| + 1e-6))`.
    Norm(f64),
}

impl Clip {
    /// The rule `kind` with `threshold` (ignored by `none`).
    pub fn new(kind: ClipKind, threshold: f64) -> Clip {
        match kind {
            ClipKind::None => Clip::None,
            ClipKind::Value => Clip::Value(threshold),
            ClipKind::Norm => Clip::Norm(threshold),
        }
    }
    pub fn kind(self) -> ClipKind {
        match self {
            Clip::None => ClipKind::None,
            Clip::Value(_) => ClipKind::Value,
            Clip::Norm(_) => ClipKind::Norm,
        }
    }
    /// The threshold; `None` for no clipping.
    pub fn threshold(self) -> Option<f64> {
        match self {
            Clip::None => None,
            Clip::Value(t) | Clip::Norm(t) => Some(t),
        }
    }
}

/// What clipping did to one step's gradients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipOutcome {
    /// Global L2 norm before clipping.
    pub norm_before: f64,
    /// Global L2 norm after clipping.
    pub norm_after: f64,
    /// Whether any gradient changed.
    pub clipped: bool,
}

/// The L2 norm of `g`, accumulated in f64.
pub fn l2_norm<T: Float>(g: &[T]) -> f64 {
    sum4(g, |v| v * v).sqrt()
}

/// Clips `grads` in place, given their norm before clipping.
pub fn clip<T: Float>(rule: Clip, grads: &mut [T], norm_before: f64) -> ClipOutcome {
    match rule {
        Clip::None => ClipOutcome {
            norm_before,
            norm_after: norm_before,
            clipped: false,
        },
        Clip::Value(threshold) => {
            let hi = T::from_f64(threshold);
            let lo = -hi;
            let mut clipped = false;
            for g in grads.iter_mut() {
                if *g > hi {
                    *g = hi;
                    clipped = true;
                } else if *g < lo {
                    *g = lo;
                    clipped = true;
                }
            }
            let norm_after = if clipped { l2_norm(grads) } else { norm_before };
            ClipOutcome {
                norm_before,
                norm_after,
                clipped,
            }
        }
        Clip::Norm(threshold) => {
            let factor = threshold / (norm_before + 1e-6);
            if factor < 1.0 {
                let f = T::from_f64(factor);
                for g in grads.iter_mut() {
                    *g *= f;
                }
                ClipOutcome {
                    norm_before,
                    norm_after: l2_norm(grads),
                    clipped: true,
                }
            } else {
                ClipOutcome {
                    norm_before,
                    norm_after: norm_before,
                    clipped: false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // From tests/reference/optimizers.py (JAX, float64):
    // g = jnp.array([3.0, -4.0, 0.5, -0.25, 12.0])
    // optax.clip(1.0).update(g, None)[0]            -> [1.0, -1.0, 0.5, -0.25, 1.0]
    // norm = jnp.sqrt(jnp.sum(g * g))               -> 13.012013679673105
    // g * jnp.minimum(1.0, 2.0 / (norm + 1e-6))     -> clip_norm_2 below
    const G: [f64; 5] = [3.0, -4.0, 0.5, -0.25, 12.0];

    #[test]
    fn value_clipping_matches_optax() {
        let mut g = G;
        let out = clip(Clip::Value(1.0), &mut g, l2_norm(&G));
        assert_eq!(g, [1.0, -1.0, 0.5, -0.25, 1.0]);
        assert!(out.clipped);
        assert!((out.norm_before - 13.012_013_679_673_105).abs() < 1e-12);
        assert!((out.norm_after - (1.0f64 + 1.0 + 0.25 + 0.0625 + 1.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn norm_clipping_matches_reference() {
        let want = [
            0.461_112_298_725_959_93,
            -0.614_816_398_301_279_9,
            0.076_852_049_787_659_98,
            -0.038_426_024_893_829_99,
            1.844_449_194_903_839_7,
        ];
        let mut g = G;
        let out = clip(Clip::Norm(2.0), &mut g, l2_norm(&G));
        for (a, b) in g.iter().zip(want) {
            assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        }
        assert!(out.clipped);
        assert!((out.norm_after - 2.0).abs() < 1e-6);
    }

    #[test]
    fn below_threshold_nothing_changes() {
        for kind in [ClipKind::None, ClipKind::Value, ClipKind::Norm] {
            let mut g = [0.1f32, -0.2];
            let norm = l2_norm(&g);
            let out = clip(Clip::new(kind, 5.0), &mut g, norm);
            assert_eq!(g, [0.1, -0.2]);
            assert!(!out.clipped);
        }
    }

    #[test]
    fn f64_norm_does_not_overflow_for_large_f32_gradients() {
        let g = [3e30f32, 4e30];
        let n = l2_norm(&g);
        assert!((n - 5e30).abs() / 5e30 < 1e-6, "{n}");
    }
}
