//! Heavy-ball momentum and Nesterov momentum, PyTorch's `SGD(momentum, nesterov)` without
//! dampening (Polyak 1964; Sutskever et al. 2013). They share one file because they share
//! the velocity buffer and differ only in the last line:
//!
//! ```text
//! buf = g                      on the first step
//! buf = momentum * buf + g     afterwards
//! p  -= lr * buf                          (momentum)
//! p  -= lr * (g + momentum * buf)         (nesterov)
//! ```

use super::{decayed, Optimizer};
use crate::float::Float;

pub struct Momentum<T> {
    lr: T,
    momentum: T,
    weight_decay: T,
    nesterov: bool,
    buf: Vec<T>,
    started: bool,
}

impl<T: Float> Momentum<T> {
    pub fn new(lr: f64, momentum: f64, weight_decay: f64, n: usize, nesterov: bool) -> Self {
        Momentum {
            lr: T::from_f64(lr),
            momentum: T::from_f64(momentum),
            weight_decay: T::from_f64(weight_decay),
            nesterov,
            buf: vec![T::ZERO; n],
            started: false,
        }
    }
}

impl<T: Float> Optimizer<T> for Momentum<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        let (lr, mu) = (self.lr, self.momentum);
        for ((p, &g), b) in params.iter_mut().zip(grads).zip(self.buf.iter_mut()) {
            let g = decayed(g, *p, self.weight_decay);
            *b = if self.started { mu * *b + g } else { g };
            let d = if self.nesterov { g + mu * *b } else { *b };
            *p -= lr * d;
        }
        self.started = true;
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = T::from_f64(lr);
    }
    fn effective_lr(&self, _i: usize) -> f64 {
        self.lr.to_f64()
    }
}
