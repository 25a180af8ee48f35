//! Plain stochastic gradient descent: `p -= lr * g`.

use super::{decayed, Optimizer};
use crate::float::Float;

/// `p -= lr * g`; the effective learning rate is `lr` everywhere.
pub struct Sgd<T> {
    lr: T,
    weight_decay: T,
}

impl<T: Float> Sgd<T> {
    pub fn new(lr: f64, weight_decay: f64) -> Self {
        Sgd {
            lr: T::from_f64(lr),
            weight_decay: T::from_f64(weight_decay),
        }
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        for (p, &g) in params.iter_mut().zip(grads) {
            let g = decayed(g, *p, self.weight_decay);
            *p -= self.lr * g;
        }
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = T::from_f64(lr);
    }
    fn effective_lr(&self, _i: usize) -> f64 {
        self.lr.to_f64()
    }
}
