//! Adam (Kingma & Ba 2015), PyTorch's form:
//!
//! ```text
//! m  = beta1 * m + (1 - beta1) * g
//! v  = beta2 * v + (1 - beta2) * g^2
//! p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//! ```
//!
//! i.e. `lr * m_hat / (sqrt(v_hat) + eps)`. The effective rate shown is
//! `lr / (1 - beta1^t) / (sqrt(v_hat) + eps)`: what multiplies `m`.

use super::{decayed, Optimizer};
use crate::float::Float;

pub struct Adam<T> {
    lr: T,
    beta1: T,
    beta2: T,
    eps: T,
    weight_decay: T,
    m: Vec<T>,
    v: Vec<T>,
    t: i32,
}

impl<T: Float> Adam<T> {
    pub fn new(lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64, n: usize) -> Self {
        Adam {
            lr: T::from_f64(lr),
            beta1: T::from_f64(beta1),
            beta2: T::from_f64(beta2),
            eps: T::from_f64(eps),
            weight_decay: T::from_f64(weight_decay),
            m: vec![T::ZERO; n],
            v: vec![T::ZERO; n],
            t: 0,
        }
    }

    /// `(lr / (1 - beta1^t), sqrt(1 - beta2^t))` for step `t`, computed in f64.
    fn corrections(&self) -> (T, T) {
        let t = self.t.max(1);
        let bc1 = 1.0 - self.beta1.to_f64().powi(t);
        let bc2 = 1.0 - self.beta2.to_f64().powi(t);
        (T::from_f64(self.lr.to_f64() / bc1), T::from_f64(bc2.sqrt()))
    }

    /// The Adam step with L2 decay `weight_decay` folded into `g` (AdamW passes 0).
    pub(super) fn adam_step(&mut self, params: &mut [T], grads: &[T], weight_decay: T) {
        self.t = self.t.saturating_add(1);
        let (step_size, bc2_sqrt) = self.corrections();
        let (b1, b2) = (self.beta1, self.beta2);
        let (c1, c2) = (T::ONE - b1, T::ONE - b2);
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grads)
            .zip(self.m.iter_mut())
            .zip(self.v.iter_mut())
        {
            let g = decayed(g, *p, weight_decay);
            *m = b1 * *m + c1 * g;
            *v = b2 * *v + c2 * g * g;
            let denom = v.sqrt() / bc2_sqrt + self.eps;
            *p -= step_size * (*m / denom);
        }
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        let wd = self.weight_decay;
        self.adam_step(params, grads, wd);
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = T::from_f64(lr);
    }
    fn effective_lr(&self, i: usize) -> f64 {
        let (step_size, bc2_sqrt) = self.corrections();
        (step_size / (self.v[i].sqrt() / bc2_sqrt + self.eps)).to_f64()
    }
}
