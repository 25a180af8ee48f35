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

use super::{decayed, Hyper, Optimizer};
use crate::engine::float::Float;

pub struct Adagrad<T> {
    lr: T,
    eps: T,
    weight_decay: T,
    /// Sum of squared gradients `G`, per parameter.
    sum_sq: Vec<T>,
}

impl<T: Float> Adagrad<T> {
    pub fn new(h: &Hyper, n: usize) -> Self {
        Adagrad {
            lr: T::from_f64(h.lr),
            eps: T::from_f64(h.eps),
            weight_decay: T::from_f64(h.weight_decay),
            sum_sq: vec![T::from_f64(h.initial_accumulator); n],
        }
    }
}

impl<T: Float> Optimizer<T> for Adagrad<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        for ((p, &g), s) in params.iter_mut().zip(grads).zip(self.sum_sq.iter_mut()) {
            let g = decayed(g, *p, self.weight_decay);
            *s += g * g;
            let eta = self.lr / (*s + self.eps).sqrt();
            *p -= eta * g;
        }
    }
    fn effective_lr(&self, i: usize) -> f64 {
        (self.lr / (self.sum_sq[i] + self.eps).sqrt()).to_f64()
    }
}
