//! AdamW (Loshchilov & Hutter 2019), PyTorch's form: decoupled weight decay
//! `p -= lr * weight_decay * p` first, then the Adam step without L2 decay.

use super::adam::Adam;
use super::Optimizer;
use crate::float::Float;

pub struct AdamW<T> {
    adam: Adam<T>,
    weight_decay: f64,
    /// `1 - lr * weight_decay`.
    shrink: T,
}

impl<T: Float> AdamW<T> {
    pub fn new(lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64, n: usize) -> Self {
        AdamW {
            // The inner Adam takes no L2 decay: AdamW's is decoupled, applied in `step`.
            adam: Adam::new(lr, beta1, beta2, eps, 0.0, n),
            weight_decay,
            shrink: T::from_f64(1.0 - lr * weight_decay),
        }
    }
}

impl<T: Float> Optimizer<T> for AdamW<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        for p in params.iter_mut() {
            *p *= self.shrink;
        }
        self.adam.adam_step(params, grads, T::ZERO);
    }
    fn set_lr(&mut self, lr: f64) {
        self.adam.set_lr(lr);
        self.shrink = T::from_f64(1.0 - lr * self.weight_decay);
    }
    fn effective_lr(&self, i: usize) -> f64 {
        self.adam.effective_lr(i)
    }
}
