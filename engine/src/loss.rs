//! Losses over a minibatch of logits (PyTorch conventions, mean reduction), each with
//! its gradient with respect to the logits, in numerically stable form.

use serde::{Deserialize, Serialize};

use super::float::Float;

/// The training objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `mean((o - y)^2)` over all `batch x outputs` elements (`MSELoss`);
    /// `dL/do = 2 (o - y) / (batch outputs)`.
    Mse,
    /// `mean(max(o, 0) - o y + ln(1 + e^-|o|))` (`BCEWithLogitsLoss`);
    /// `dL/do = (sigmoid(o) - y) / (batch outputs)`.
    Bce,
    /// `mean_b(logsumexp(o_b) - o_b . y_b)` with one-hot `y` (`CrossEntropyLoss`);
    /// `dL/do = (softmax(o) - y) / batch`.
    CrossEntropy,
}

impl Loss {
    pub const ALL: [Loss; 3] = [Loss::Mse, Loss::Bce, Loss::CrossEntropy];

    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Bce => "bce",
            Loss::CrossEntropy => "cross_entropy",
        }
    }

    /// The loss of `logits` (`batch x outputs`, row-major) against `targets` (same shape),
    /// and `dL/dlogits` written to `grad`. The loss is accumulated in f64.
    pub fn evaluate<T: Float>(
        self,
        logits: &[T],
        targets: &[T],
        outputs: usize,
        grad: &mut [T],
    ) -> f64 {
        let n = logits.len();
        let batch = n / outputs.max(1);
        match self {
            Loss::Mse => {
                let scale = T::from_f64(2.0 / n as f64);
                let mut sum = 0.0;
                for ((&o, &y), g) in logits.iter().zip(targets).zip(grad.iter_mut()) {
                    let d = o - y;
                    sum += (d * d).to_f64();
                    *g = scale * d;
                }
                sum / n as f64
            }
            Loss::Bce => {
                let scale = T::from_f64(1.0 / n as f64);
                let mut sum = 0.0;
                for ((&o, &y), g) in logits.iter().zip(targets).zip(grad.iter_mut()) {
                    let relu = if o > T::ZERO { o } else { T::ZERO };
                    let l = relu - o * y + (-o.abs()).exp().ln_1p();
                    sum += l.to_f64();
                    *g = scale * (o.sigmoid() - y);
                }
                sum / n as f64
            }
            Loss::CrossEntropy => {
                let scale = T::from_f64(1.0 / batch as f64);
                let mut sum = 0.0;
                for ((row, ys), gs) in logits
                    .chunks_exact(outputs)
                    .zip(targets.chunks_exact(outputs))
                    .zip(grad.chunks_exact_mut(outputs))
                {
                    let max = row.iter().copied().fold(row[0], T::max_nan);
                    let mut denom = T::ZERO;
                    for (&o, g) in row.iter().zip(gs.iter_mut()) {
                        let e = (o - max).exp();
                        *g = e;
                        denom += e;
                    }
                    let log_denom = denom.ln();
                    for ((&o, &y), g) in row.iter().zip(ys).zip(gs.iter_mut()) {
                        // -log softmax_j = (max + log denom) - o_j
                        sum += (y * (max + log_denom - o)).to_f64();
                        *g = scale * (*g / denom - y);
                    }
                }
                sum / batch as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_central_differences() {
        let logits = [0.3, -1.2, 2.5, 0.7, -0.4, 1.1];
        let targets_for = |loss: Loss| match loss {
            Loss::CrossEntropy => vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            _ => vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        };
        for loss in [Loss::Mse, Loss::Bce, Loss::CrossEntropy] {
            let y = targets_for(loss);
            let mut g = [0.0f64; 6];
            loss.evaluate(&logits, &y, 3, &mut g);
            for i in 0..6 {
                let h = 1e-6;
                let mut p = logits;
                p[i] += h;
                let mut m = logits;
                m[i] -= h;
                let mut scratch = [0.0; 6];
                let fd = (loss.evaluate(&p, &y, 3, &mut scratch)
                    - loss.evaluate(&m, &y, 3, &mut scratch))
                    / (2.0 * h);
                assert!(
                    (fd - g[i]).abs() < 1e-9,
                    "{loss:?} [{i}] fd {fd} analytic {}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn values_match_an_outside_reference() {
        // Computed with JAX 0.10 / optax 0.2.8 in float64:
        // o = jnp.array([[0.3, -1.2, 2.5], [0.7, -0.4, 1.1]]); y = jnp.array([[1., 0, 1], [0, 0, 1]])
        // jnp.mean((o - y) ** 2)                                                -> 0.8066666666666666
        // jnp.mean(optax.sigmoid_binary_cross_entropy(o, y))                    -> 0.4666773454166582
        // jnp.mean(optax.softmax_cross_entropy_with_integer_labels(o, [2, 0]))  -> 0.582748626789325
        let o = [0.3, -1.2, 2.5, 0.7, -0.4, 1.1];
        let y = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let onehot = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let mut g = [0.0; 6];
        let cases = [
            (Loss::Mse, &y, 0.806_666_666_666_666_6),
            (Loss::Bce, &y, 0.466_677_345_416_658_2),
            (Loss::CrossEntropy, &onehot, 0.582_748_626_789_325),
        ];
        for (loss, targets, want) in cases {
            let got = loss.evaluate(&o, targets, 3, &mut g);
            assert!((got - want).abs() < 1e-14, "{loss:?}: {got} vs {want}");
        }
    }

    #[test]
    fn stable_for_huge_logits() {
        let o = [1000.0f32, -1000.0];
        let mut g = [0.0f32; 2];
        let bce = Loss::Bce.evaluate(&o, &[0.0, 1.0], 1, &mut g);
        assert!((bce - 1000.0).abs() < 1e-3, "{bce}");
        let ce = Loss::CrossEntropy.evaluate(&o, &[0.0, 1.0], 2, &mut g);
        assert!((ce - 2000.0).abs() < 1e-2, "{ce}");
        assert!(g.iter().all(|v| v.is_finite()));
    }
}
