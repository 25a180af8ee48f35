//! Seeded toy datasets generated in code, their held-out split, and minibatch sampling.
//!
//! Inputs lie roughly in `[-1, 1]^d`. Classification labels are class indices; the loss
//! decides how they become targets (see [`Dataset::targets`]).

use serde::{Deserialize, Serialize};

use super::loss::Loss;
use super::rng::Rng;

/// Which dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// Two concentric rings (2 classes): inner disc radius < 0.5, outer ring 0.7 to 1.
    Circles,
    /// Points in the four quadrants, label `x1 * x2 > 0` (2 classes).
    Xor,
    /// Two Gaussian blobs at (-0.5, -0.5) and (0.5, 0.5), std 0.25 (2 classes).
    Gaussians,
    /// Two interleaved spiral arms (2 classes).
    Spiral,
    /// Three interleaved spiral arms (3 classes).
    Spiral3,
    /// 1-D regression: `y = sin(pi x)` for `x` in `[-1, 1]`.
    Sine,
    /// Sparse binary features with Zipf-like frequencies (2 classes), the case Adagrad was
    /// made for: feature `j` (from 0) is present (1) with probability
    /// `p_j = 0.8 / (j + 1)` and absent (exactly 0) otherwise, so feature 0 appears in 80%
    /// of the rows and the last in 5%. The label is a sparse linear rule,
    /// `y = [sum_j w_j x_j > 0.5]` with `w_j = (-1)^j sqrt(j + 1)`: rare features weigh most.
    /// Input noise goes on present features only, so absent ones stay exactly 0.
    Sparse,
}

/// Input features of [`DatasetKind::Sparse`].
pub const SPARSE_FEATURES: usize = 16;

impl DatasetKind {
    /// The sparse dataset's feature probabilities `p_j = 0.8 / (j + 1)`.
    pub fn sparse_frequency(j: usize) -> f64 {
        0.8 / (j as f64 + 1.0)
    }
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 7] = [
        DatasetKind::Circles,
        DatasetKind::Xor,
        DatasetKind::Gaussians,
        DatasetKind::Spiral,
        DatasetKind::Spiral3,
        DatasetKind::Sine,
        DatasetKind::Sparse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Circles => "circles",
            DatasetKind::Xor => "xor",
            DatasetKind::Gaussians => "gaussians",
            DatasetKind::Spiral => "spiral",
            DatasetKind::Spiral3 => "spiral3",
            DatasetKind::Sine => "sine",
            DatasetKind::Sparse => "sparse",
        }
    }

    /// Number of input features.
    pub fn inputs(self) -> usize {
        match self {
            DatasetKind::Sine => 1,
            DatasetKind::Sparse => SPARSE_FEATURES,
            _ => 2,
        }
    }

    /// Number of classes; `None` for regression.
    pub fn classes(self) -> Option<usize> {
        match self {
            DatasetKind::Sine => None,
            DatasetKind::Spiral3 => Some(3),
            _ => Some(2),
        }
    }

    /// The loss that suits this dataset when the config names none.
    pub fn default_loss(self) -> Loss {
        match self.classes() {
            None => Loss::Mse,
            Some(2) => Loss::Bce,
            Some(_) => Loss::CrossEntropy,
        }
    }

    /// Number of network outputs for `loss`: 1 for regression, for 2 classes with bce or
    /// mse (target 0/1), and the number of classes otherwise (one-hot targets).
    pub fn outputs(self, loss: Loss) -> usize {
        match (self.classes(), loss) {
            (None, _) => 1,
            (Some(k), Loss::CrossEntropy) => k,
            (Some(2), _) => 1,
            (Some(k), _) => k,
        }
    }
}

/// A generated dataset, split into training and test rows.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub kind: DatasetKind,
    pub inputs: usize,
    /// Training inputs, `n_train x inputs` row-major.
    pub train_x: Vec<f64>,
    /// Training labels: class index, or the regression target.
    pub train_y: Vec<f64>,
    pub test_x: Vec<f64>,
    pub test_y: Vec<f64>,
}

impl Dataset {
    /// `samples` points with Gaussian input noise of std `noise`; the last
    /// `round(samples * test_fraction)` of a seeded shuffle form the test split.
    pub fn generate(
        kind: DatasetKind,
        samples: usize,
        noise: f64,
        test_fraction: f64,
        rng: &mut Rng,
    ) -> Dataset {
        let mut xs = Vec::with_capacity(samples * kind.inputs());
        let mut ys = Vec::with_capacity(samples);
        let classes = kind.classes().unwrap_or(1);
        for i in 0..samples {
            if kind == DatasetKind::Sparse {
                ys.push(sparse_row(noise, rng, &mut xs));
                continue;
            }
            // Balanced classes: point i belongs to class i mod k.
            let class = i % classes;
            let (point, label) = sample_point(kind, class, rng);
            for (d, v) in point.iter().enumerate().take(kind.inputs()) {
                let jitter = if kind == DatasetKind::Sine && d == 0 {
                    0.0
                } else {
                    noise * rng.normal()
                };
                xs.push(v + jitter);
            }
            let label = if kind == DatasetKind::Sine {
                label + noise * rng.normal()
            } else {
                label
            };
            ys.push(label);
        }
        let mut order: Vec<usize> = (0..samples).collect();
        rng.shuffle(&mut order);
        let n_test = ((samples as f64) * test_fraction).round() as usize;
        let n_train = samples - n_test.min(samples);
        let d = kind.inputs();
        let pick = |rows: &[usize]| -> (Vec<f64>, Vec<f64>) {
            let x = rows
                .iter()
                .flat_map(|&r| xs[r * d..(r + 1) * d].iter().copied())
                .collect();
            let y = rows.iter().map(|&r| ys[r]).collect();
            (x, y)
        };
        let (train_x, train_y) = pick(&order[..n_train]);
        let (test_x, test_y) = pick(&order[n_train..]);
        Dataset {
            kind,
            inputs: d,
            train_x,
            train_y,
            test_x,
            test_y,
        }
    }

    /// The share of training rows in which each input feature is non-zero.
    pub fn feature_frequency(&self) -> Vec<f64> {
        let d = self.inputs.max(1);
        let n = self.n_train();
        (0..d)
            .map(|j| {
                let hits = self
                    .train_x
                    .chunks(d)
                    .filter(|row| row.get(j).is_some_and(|v| *v != 0.0))
                    .count();
                hits as f64 / n.max(1) as f64
            })
            .collect()
    }

    pub fn n_train(&self) -> usize {
        self.train_y.len()
    }

    pub fn n_test(&self) -> usize {
        self.test_y.len()
    }

    /// Writes the target row of `label` for `loss` into `out` (length `outputs`): the
    /// value itself for regression, 0/1 for a single output, one-hot otherwise.
    pub fn targets(&self, label: f64, outputs: usize, out: &mut [f64]) {
        if self.kind.classes().is_none() || outputs == 1 {
            out[0] = label;
        } else {
            for (c, o) in out.iter_mut().enumerate() {
                *o = if c as f64 == label { 1.0 } else { 0.0 };
            }
        }
    }
}

/// One row of [`DatasetKind::Sparse`] appended to `xs`; returns its label.
fn sparse_row(noise: f64, rng: &mut Rng, xs: &mut Vec<f64>) -> f64 {
    let mut score = 0.0;
    for j in 0..SPARSE_FEATURES {
        let present = rng.uniform() < DatasetKind::sparse_frequency(j);
        if present {
            let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
            score += sign * libm::sqrt(j as f64 + 1.0);
            xs.push(1.0 + noise * rng.normal());
        } else {
            xs.push(0.0);
        }
    }
    if score > 0.5 {
        1.0
    } else {
        0.0
    }
}

/// One noiseless point of `class` and its label.
fn sample_point(kind: DatasetKind, class: usize, rng: &mut Rng) -> ([f64; 2], f64) {
    use std::f64::consts::PI;
    match kind {
        DatasetKind::Circles => {
            let r = if class == 0 {
                rng.uniform_in(0.0, 0.5)
            } else {
                rng.uniform_in(0.7, 1.0)
            };
            let t = rng.uniform_in(0.0, 2.0 * PI);
            ([r * libm::cos(t), r * libm::sin(t)], class as f64)
        }
        DatasetKind::Xor => {
            // Class 1 in the quadrants where x1 x2 > 0, class 0 in the others; a small
            // margin around the axes keeps the classes separable.
            let x1 = rng.uniform_in(0.05, 1.0) * if rng.uniform() < 0.5 { -1.0 } else { 1.0 };
            let same = rng.uniform_in(0.05, 1.0) * x1.signum();
            let x2 = if class == 1 { same } else { -same };
            ([x1, x2], class as f64)
        }
        DatasetKind::Gaussians => {
            let c = if class == 0 { -0.5 } else { 0.5 };
            (
                [c + 0.25 * rng.normal(), c + 0.25 * rng.normal()],
                class as f64,
            )
        }
        DatasetKind::Spiral | DatasetKind::Spiral3 => {
            let k = if kind == DatasetKind::Spiral {
                2.0
            } else {
                3.0
            };
            let s = rng.uniform();
            let r = 0.05 + 0.95 * s;
            let t = 1.75 * 2.0 * PI * s + 2.0 * PI * class as f64 / k;
            ([r * libm::cos(t), r * libm::sin(t)], class as f64)
        }
        DatasetKind::Sine => {
            let x = rng.uniform_in(-1.0, 1.0);
            ([x, 0.0], libm::sin(PI * x))
        }
        // Generated row by row in `sparse_row`.
        DatasetKind::Sparse => ([0.0, 0.0], 0.0),
    }
}

/// Draws minibatches of training rows: a seeded shuffle per epoch, consumed in order; a
/// remainder smaller than a batch is dropped and a new epoch begins.
#[derive(Clone, Debug)]
pub struct Batcher {
    order: Vec<usize>,
    pos: usize,
    rng: Rng,
}

impl Batcher {
    pub fn new(n_train: usize, rng: Rng) -> Batcher {
        // `pos` at the end: the first batch shuffles, like every new epoch.
        Batcher {
            order: (0..n_train).collect(),
            pos: n_train,
            rng,
        }
    }

    /// The row indices of the next batch of `size` (at most the training-set size).
    pub fn next_batch(&mut self, size: usize) -> &[usize] {
        if self.pos + size > self.order.len() {
            self.rng.shuffle(&mut self.order);
            self.pos = 0;
        }
        let start = self.pos;
        self.pos += size;
        &self.order[start..(start + size).min(self.order.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn every_dataset_has_the_requested_split_and_balanced_labels() {
        for kind in DatasetKind::ALL {
            let d = Dataset::generate(kind, 200, 0.1, 0.25, &mut Rng::new(1, Stream::Data));
            assert_eq!(d.n_train(), 150);
            assert_eq!(d.n_test(), 50);
            assert_eq!(d.train_x.len(), 150 * kind.inputs());
            assert!(d.train_x.iter().all(|v| v.is_finite() && v.abs() < 2.0));
            if let Some(k) = kind.classes() {
                for c in 0..k {
                    let n = d
                        .train_y
                        .iter()
                        .chain(&d.test_y)
                        .filter(|&&y| y == c as f64)
                        .count();
                    // The sparse rule's classes are balanced only on average.
                    let slack = if kind == DatasetKind::Sparse { 40 } else { k };
                    assert!(
                        n * k + slack >= 200 && n * k <= 200 + slack,
                        "{kind:?} class {c}: {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn labels_follow_the_generating_rule_without_noise() {
        let d = Dataset::generate(
            DatasetKind::Xor,
            100,
            0.0,
            0.0,
            &mut Rng::new(2, Stream::Data),
        );
        for (x, y) in d.train_x.chunks(2).zip(&d.train_y) {
            assert_eq!(*y, if x[0] * x[1] > 0.0 { 1.0 } else { 0.0 });
        }
        let d = Dataset::generate(
            DatasetKind::Circles,
            100,
            0.0,
            0.0,
            &mut Rng::new(2, Stream::Data),
        );
        for (x, y) in d.train_x.chunks(2).zip(&d.train_y) {
            let r = (x[0] * x[0] + x[1] * x[1]).sqrt();
            assert_eq!(*y, if r < 0.6 { 0.0 } else { 1.0 });
        }
        let d = Dataset::generate(
            DatasetKind::Sine,
            50,
            0.0,
            0.0,
            &mut Rng::new(2, Stream::Data),
        );
        for (x, y) in d.train_x.iter().zip(&d.train_y) {
            assert!((y - (std::f64::consts::PI * x).sin()).abs() < 1e-12);
        }
    }

    #[test]
    fn sparse_features_have_zipf_like_frequencies_and_a_sparse_linear_label() {
        let d = Dataset::generate(
            DatasetKind::Sparse,
            4000,
            0.0,
            0.0,
            &mut Rng::new(3, Stream::Data),
        );
        let freq = d.feature_frequency();
        assert_eq!(freq.len(), SPARSE_FEATURES);
        for (j, f) in freq.iter().enumerate() {
            let p = DatasetKind::sparse_frequency(j);
            assert!((f - p).abs() < 0.03, "feature {j}: {f} vs {p}");
        }
        assert!(freq[0] > 10.0 * freq[SPARSE_FEATURES - 1]);
        for (x, y) in d.train_x.chunks(SPARSE_FEATURES).zip(&d.train_y) {
            assert!(x.iter().all(|v| *v == 0.0 || *v == 1.0));
            let score: f64 = x
                .iter()
                .enumerate()
                .map(|(j, v)| v * (if j % 2 == 0 { 1.0 } else { -1.0 }) * ((j + 1) as f64).sqrt())
                .sum();
            assert_eq!(*y, if score > 0.5 { 1.0 } else { 0.0 });
        }
    }

    #[test]
    fn batches_cover_an_epoch_without_repeats() {
        let mut b = Batcher::new(10, Rng::new(4, Stream::Batches));
        let mut seen: Vec<usize> = Vec::new();
        for _ in 0..3 {
            seen.extend_from_slice(b.next_batch(3));
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 9);
    }
}
