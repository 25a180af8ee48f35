//! Adagrad (Duchi, Hazan & Singer 2011), the classic formula with `eps` inside the root:
//!
//! ```text
//! G     += g^2                 (G starts at initial_accumulator)
//! eta_t  = lr / sqrt(G + eps)  (the effective learning rate; it can only shrink)
//! p     -= eta_t * g
//! ```
//!
//! This differs from PyTorch's `Adagrad`, which divides by `sqrt(G) + eps`; it equals
//! optax's `adagrad`.

use super::{decayed, slice_stats, LrStats, Optimizer};
use crate::float::{avx_dispatch_fn, Float};

pub struct Adagrad<T> {
    lr: T,
    eps: T,
    weight_decay: T,
    /// Sum of squared gradients `G`, per parameter.
    sum_sq: Vec<T>,
    /// `lr / sqrt(G + eps)` of the last step, per parameter.
    eta: Vec<T>,
}

impl<T: Float> Adagrad<T> {
    pub fn new(lr: f64, eps: f64, initial_accumulator: f64, weight_decay: f64, n: usize) -> Self {
        Adagrad {
            lr: T::from_f64(lr),
            eps: T::from_f64(eps),
            weight_decay: T::from_f64(weight_decay),
            sum_sq: vec![T::from_f64(initial_accumulator); n],
            eta: vec![T::from_f64(lr / (initial_accumulator + eps).sqrt()); n],
        }
    }
}

impl<T: Float> Optimizer<T> for Adagrad<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        adagrad_update(
            params,
            grads,
            &mut self.sum_sq,
            &mut self.eta,
            self.lr,
            self.eps,
            self.weight_decay,
        );
    }
    fn set_lr(&mut self, lr: f64) {
        // eta = lr / sqrt(G + eps) scales with lr; keep the shown rates current.
        let ratio = T::from_f64(lr / self.lr.to_f64());
        self.lr = T::from_f64(lr);
        for e in self.eta.iter_mut() {
            *e *= ratio;
        }
    }
    fn effective_lr(&self, i: usize) -> f64 {
        self.eta[i].to_f64()
    }
    fn effective_lr_stats(&self, range: std::ops::Range<usize>) -> LrStats {
        slice_stats(&self.eta[range])
    }
}

#[inline(always)]
fn adagrad_lanes<T: Float>(
    params: &mut [T],
    grads: &[T],
    sum_sq: &mut [T],
    eta: &mut [T],
    lr: T,
    eps: T,
    wd: T,
) {
    for (((p, &g), s), e) in params
        .iter_mut()
        .zip(grads)
        .zip(sum_sq.iter_mut())
        .zip(eta.iter_mut())
    {
        let g = decayed(g, *p, wd);
        *s += g * g;
        *e = lr / (*s + eps).sqrt();
        *p -= *e * g;
    }
}

avx_dispatch_fn!(
    /// `G += g^2; eta = lr / sqrt(G + eps); p -= eta g`, element-wise.
    adagrad_update, adagrad_avx => adagrad_lanes<T>(
        params: &mut [T], grads: &[T], sum_sq: &mut [T], eta: &mut [T], lr: T, eps: T, wd: T)
);
