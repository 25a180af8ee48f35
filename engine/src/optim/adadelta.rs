//! Adadelta (Zeiler 2012), PyTorch's form:
//!
//! ```text
//! v  = rho * v + (1 - rho) * g^2
//! d  = sqrt(u + eps) / sqrt(v + eps) * g
//! u  = rho * u + (1 - rho) * d^2
//! p -= lr * d
//! ```
//!
//! The effective rate shown is `lr * sqrt(u + eps) / sqrt(v + eps)` with the `u` and `v`
//! that scaled this step's gradient.

use super::{decayed, Optimizer};
use crate::float::Float;

pub struct Adadelta<T> {
    lr: T,
    rho: T,
    eps: T,
    weight_decay: T,
    sq_avg: Vec<T>,
    delta_avg: Vec<T>,
    /// `sqrt(u + eps) / sqrt(v + eps)` of the last step.
    scale: Vec<T>,
}

impl<T: Float> Adadelta<T> {
    pub fn new(lr: f64, rho: f64, eps: f64, weight_decay: f64, n: usize) -> Self {
        Adadelta {
            lr: T::from_f64(lr),
            rho: T::from_f64(rho),
            eps: T::from_f64(eps),
            weight_decay: T::from_f64(weight_decay),
            sq_avg: vec![T::ZERO; n],
            delta_avg: vec![T::ZERO; n],
            scale: vec![T::ZERO; n],
        }
    }
}

impl<T: Float> Optimizer<T> for Adadelta<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        let (rho, eps, one_minus) = (self.rho, self.eps, T::ONE - self.rho);
        for (i, (p, &g)) in params.iter_mut().zip(grads).enumerate() {
            let g = decayed(g, *p, self.weight_decay);
            let v = rho * self.sq_avg[i] + one_minus * g * g;
            self.sq_avg[i] = v;
            let scale = (self.delta_avg[i] + eps).sqrt() / (v + eps).sqrt();
            let d = scale * g;
            self.delta_avg[i] = rho * self.delta_avg[i] + one_minus * d * d;
            self.scale[i] = scale;
            *p -= self.lr * d;
        }
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = T::from_f64(lr);
    }
    fn effective_lr(&self, i: usize) -> f64 {
        (self.lr * self.scale[i]).to_f64()
    }
}
