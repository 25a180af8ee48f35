//! RMSprop (Tieleman & Hinton 2012), PyTorch's form without momentum, not centered:
//!
//! ```text
//! v  = alpha * v + (1 - alpha) * g^2
//! p -= lr * g / (sqrt(v) + eps)      effective rate lr / (sqrt(v) + eps)
//! ```

use super::{decayed, Optimizer};
use crate::float::Float;

pub struct RmsProp<T> {
    lr: T,
    alpha: T,
    eps: T,
    weight_decay: T,
    sq_avg: Vec<T>,
}

impl<T: Float> RmsProp<T> {
    pub fn new(lr: f64, alpha: f64, eps: f64, weight_decay: f64, n: usize) -> Self {
        RmsProp {
            lr: T::from_f64(lr),
            alpha: T::from_f64(alpha),
            eps: T::from_f64(eps),
            weight_decay: T::from_f64(weight_decay),
            sq_avg: vec![T::ZERO; n],
        }
    }
}

impl<T: Float> Optimizer<T> for RmsProp<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        let one_minus = T::ONE - self.alpha;
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(self.sq_avg.iter_mut()) {
            let g = decayed(g, *p, self.weight_decay);
            *v = self.alpha * *v + one_minus * g * g;
            *p -= self.lr * g / (v.sqrt() + self.eps);
        }
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = T::from_f64(lr);
    }
    fn effective_lr(&self, i: usize) -> f64 {
        (self.lr / (self.sq_avg[i].sqrt() + self.eps)).to_f64()
    }
}
