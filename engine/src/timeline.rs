//! The whole run at bounded memory: a multi-resolution summary of every step record.
//!
//! The history ring buffer keeps the last few thousand records in full; the timeline
//! keeps all steps, coarsened. It holds at most [`COLUMNS`] buckets, each covering
//! `width` consecutive steps (the last one possibly fewer). Every step gets its own
//! bucket until there are [`COLUMNS`] of them; then neighbouring pairs merge and the width
//! doubles, so after `t` steps a bucket covers `w = 2^k` steps with
//! `COLUMNS / 2 < t / w <= COLUMNS`. Memory is fixed when the session is built:
//! `COLUMNS` buckets of per-layer summaries, whether the run takes 10 steps or 10^6.
//!
//! A bucket summarizes its steps' recorded numbers, nothing else ([`Agg`]): the minimum,
//! the maximum, the arithmetic mean of the finite values, and the geometric mean
//! `exp((1/n) sum ln v)` of the finite positive ones (the mean on a log axis, where these
//! numbers are drawn), plus how many values were zero or non-finite. Evaluations (test
//! loss and accuracies, taken every `eval_every` steps) are not averaged: a bucket keeps
//! the latest evaluation among its steps, a recorded number at its recorded step.
//! Merging adds partial sums pairwise in a fixed order and logarithms come from `libm`,
//! so the summary has the same bits on every platform.

use super::session::StepRecord;

/// The most buckets a timeline holds (and the most columns a whole-run chart draws).
pub const COLUMNS: usize = 512;

/// A summary of some recorded values of one quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Agg {
    /// Smallest and largest finite value (`+inf`, `-inf` when there is none).
    pub min: f64,
    pub max: f64,
    /// Sum and count of the finite values.
    sum: f64,
    finite: u32,
    /// Sum of `ln v` and count of the finite values `v > 0`.
    log_sum: f64,
    positive: u32,
    /// Values that were exactly zero, and values that were NaN or infinite.
    pub zeros: u32,
    pub non_finite: u32,
}

impl Default for Agg {
    fn default() -> Self {
        Agg {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
            finite: 0,
            log_sum: 0.0,
            positive: 0,
            zeros: 0,
            non_finite: 0,
        }
    }
}

impl Agg {
    /// The summary of one value.
    pub fn of(v: f64) -> Agg {
        let mut a = Agg::default();
        if v.is_finite() {
            a.min = v;
            a.max = v;
            a.sum = v;
            a.finite = 1;
            if v > 0.0 {
                a.log_sum = libm::log(v);
                a.positive = 1;
            } else if v == 0.0 {
                a.zeros = 1;
            }
        } else {
            a.non_finite = 1;
        }
        a
    }

    /// The summary of both (`self`'s values first).
    pub fn merge(&self, o: &Agg) -> Agg {
        Agg {
            min: self.min.min(o.min),
            max: self.max.max(o.max),
            sum: self.sum + o.sum,
            finite: self.finite + o.finite,
            log_sum: self.log_sum + o.log_sum,
            positive: self.positive + o.positive,
            zeros: self.zeros + o.zeros,
            non_finite: self.non_finite + o.non_finite,
        }
    }

    /// The arithmetic mean of the finite values (`None` without any).
    pub fn mean(&self) -> Option<f64> {
        (self.finite > 0).then(|| self.sum / self.finite as f64)
    }

    /// The geometric mean of the finite positive values, `exp(mean of ln v)` (exactly the
    /// value when they are all equal, as in a bucket of one step); `0` when
    /// every finite value was zero; `None` when there is no finite value, or when
    /// negative values make it meaningless (a bucket of positive measures never has them).
    pub fn geometric_mean(&self) -> Option<f64> {
        if self.positive > 0 && self.positive == self.finite && self.min == self.max {
            // One value (or equal ones): the recorded number itself, bit for bit.
            Some(self.min)
        } else if self.positive > 0 {
            Some(libm::exp(self.log_sum / self.positive as f64))
        } else if self.zeros > 0 && self.zeros == self.finite {
            Some(0.0)
        } else {
            None
        }
    }

    /// The value a chart draws for the bucket on a log axis: NaN when a value was
    /// non-finite (the chart's non-finite colour), else the geometric mean (0 when all
    /// were zero).
    pub fn typical(&self) -> f64 {
        if self.non_finite > 0 {
            f64::NAN
        } else {
            self.geometric_mean().unwrap_or(f64::NAN)
        }
    }
}

/// One layer's numbers over a bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerAgg {
    pub grad_norm: Agg,
    pub delta_rms: Agg,
    pub update_ratio: Agg,
    /// The layer's mean effective learning rate per step.
    pub eff_lr_mean: Agg,
    /// The smallest `eff_lr_min` and largest `eff_lr_max` of the bucket's steps (over
    /// finite values; `+inf`, `-inf` when there is none).
    pub eff_lr_min: f64,
    pub eff_lr_max: f64,
}

/// The smaller of two values, a finite one over a non-finite one.
fn finite_min(a: f64, b: f64) -> f64 {
    match (a.is_finite(), b.is_finite()) {
        (true, true) => a.min(b),
        (true, false) => a,
        (false, true) => b,
        (false, false) => f64::INFINITY,
    }
}

/// The larger of two values, a finite one over a non-finite one.
fn finite_max(a: f64, b: f64) -> f64 {
    match (a.is_finite(), b.is_finite()) {
        (true, true) => a.max(b),
        (true, false) => a,
        (false, true) => b,
        (false, false) => f64::NEG_INFINITY,
    }
}

impl LayerAgg {
    fn of(l: &super::session::LayerRecord) -> LayerAgg {
        LayerAgg {
            grad_norm: Agg::of(l.grad_norm),
            delta_rms: Agg::of(l.delta_rms),
            update_ratio: Agg::of(l.update_ratio),
            eff_lr_mean: Agg::of(l.eff_lr_mean),
            eff_lr_min: finite_min(l.eff_lr_min, f64::INFINITY),
            eff_lr_max: finite_max(l.eff_lr_max, f64::NEG_INFINITY),
        }
    }

    fn merge(&self, o: &LayerAgg) -> LayerAgg {
        LayerAgg {
            grad_norm: self.grad_norm.merge(&o.grad_norm),
            delta_rms: self.delta_rms.merge(&o.delta_rms),
            update_ratio: self.update_ratio.merge(&o.update_ratio),
            eff_lr_mean: self.eff_lr_mean.merge(&o.eff_lr_mean),
            eff_lr_min: finite_min(self.eff_lr_min, o.eff_lr_min),
            eff_lr_max: finite_max(self.eff_lr_max, o.eff_lr_max),
        }
    }
}

/// An evaluation as recorded at one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eval {
    pub step: u64,
    pub test_loss: Option<f64>,
    pub train_accuracy: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// The steps `first ..= last` of the run, summarized.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    pub first: u64,
    pub last: u64,
    pub loss: Agg,
    pub batch_accuracy: Agg,
    pub grad_norm: Agg,
    /// Steps whose loss or gradient was non-finite (at most one: the run stops there).
    pub non_finite: u32,
    /// The latest evaluation among the bucket's steps.
    pub eval: Option<Eval>,
}

impl Bucket {
    fn of(r: &StepRecord) -> Bucket {
        let eval = (r.test_loss.is_some() || r.train_accuracy.is_some()).then_some(Eval {
            step: r.step,
            test_loss: r.test_loss,
            train_accuracy: r.train_accuracy,
            test_accuracy: r.test_accuracy,
        });
        Bucket {
            first: r.step,
            last: r.step,
            loss: Agg::of(r.loss),
            batch_accuracy: r.batch_accuracy.map(Agg::of).unwrap_or_default(),
            grad_norm: Agg::of(r.grad_norm),
            non_finite: u32::from(r.non_finite),
            eval,
        }
    }

    fn merge(&self, o: &Bucket) -> Bucket {
        Bucket {
            first: self.first,
            last: o.last,
            loss: self.loss.merge(&o.loss),
            batch_accuracy: self.batch_accuracy.merge(&o.batch_accuracy),
            grad_norm: self.grad_norm.merge(&o.grad_norm),
            non_finite: self.non_finite + o.non_finite,
            eval: o.eval.or(self.eval),
        }
    }

    /// Steps in the bucket.
    pub fn steps(&self) -> u64 {
        self.last - self.first + 1
    }
}

/// Every step of a run in at most [`COLUMNS`] buckets (see the module's documentation).
#[derive(Clone, Debug)]
pub struct Timeline {
    layers: usize,
    width: u64,
    buckets: Vec<Bucket>,
    /// `layers` entries per bucket, bucket by bucket.
    per_layer: Vec<LayerAgg>,
    /// The run's first record (step 0), kept whole.
    first: Option<StepRecord>,
}

impl Timeline {
    /// An empty timeline for records of `layers` layers; allocates all it will ever hold.
    pub fn new(layers: usize) -> Timeline {
        Timeline {
            layers,
            width: 1,
            buckets: Vec::with_capacity(COLUMNS),
            per_layer: Vec::with_capacity(COLUMNS * layers),
            first: None,
        }
    }

    /// Bytes a timeline of `layers` layers allocates (for memory estimates).
    pub fn bytes(layers: usize) -> u64 {
        let record = std::mem::size_of::<StepRecord>()
            + layers * std::mem::size_of::<super::session::LayerRecord>();
        (COLUMNS * (std::mem::size_of::<Bucket>() + layers * std::mem::size_of::<LayerAgg>())
            + record) as u64
    }

    /// Adds the next step's record.
    pub fn push(&mut self, r: &StepRecord) {
        if self.first.is_none() {
            self.first = Some(r.clone());
        }
        let m = self.layers;
        let of = |i: usize| r.layers.get(i).map(LayerAgg::of).unwrap_or_default();
        let fits = self.buckets.last().is_some_and(|b| b.steps() < self.width);
        if fits {
            let k = self.buckets.len() - 1;
            self.buckets[k] = self.buckets[k].merge(&Bucket::of(r));
            for (i, slot) in self.per_layer[k * m..(k + 1) * m].iter_mut().enumerate() {
                *slot = slot.merge(&of(i));
            }
            return;
        }
        if self.buckets.len() == COLUMNS {
            self.halve();
        }
        self.buckets.push(Bucket::of(r));
        self.per_layer.extend((0..m).map(of));
    }

    /// Merges neighbouring pairs of (full) buckets: half as many, twice as wide.
    fn halve(&mut self) {
        let n = self.buckets.len() / 2;
        let m = self.layers;
        for i in 0..n {
            self.buckets[i] = self.buckets[2 * i].merge(&self.buckets[2 * i + 1]);
            for l in 0..m {
                self.per_layer[i * m + l] =
                    self.per_layer[2 * i * m + l].merge(&self.per_layer[(2 * i + 1) * m + l]);
            }
        }
        self.buckets.truncate(n);
        self.per_layer.truncate(n * m);
        self.width *= 2;
    }

    /// Steps per bucket (the last bucket may hold fewer).
    pub fn width(&self) -> u64 {
        self.width
    }

    /// The buckets, oldest first.
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }

    /// Layers per record.
    pub fn layers(&self) -> usize {
        self.layers
    }

    /// Layer `layer`'s summary in bucket `bucket` (hidden layers first, output last).
    pub fn layer(&self, bucket: usize, layer: usize) -> &LayerAgg {
        &self.per_layer[bucket * self.layers + layer]
    }

    /// The steps a whole-run axis spans: `0 .. buckets x width` (the last bucket drawn
    /// full width); `0 .. 1` before the first step.
    pub fn span(&self) -> (f64, f64) {
        let end = (self.buckets.len() as u64 * self.width).max(1);
        (0.0, end as f64)
    }

    /// The run's first record (step 0), if it took one.
    pub fn first(&self) -> Option<&StepRecord> {
        self.first.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::LayerRecord;

    fn record(step: u64, g: f64) -> StepRecord {
        let layer = LayerRecord {
            grad_norm: g,
            clipped_grad_norm: g,
            delta_rms: g / 2.0,
            weight_norm: 1.0,
            act_mean: 0.0,
            act_std: 1.0,
            flat_share: None,
            dead_share: None,
            update_ratio: 1e-3,
            eff_lr_mean: 0.1,
            eff_lr_min: 0.05,
            eff_lr_max: 0.2,
        };
        StepRecord {
            step,
            loss: g,
            batch_accuracy: Some(0.5),
            train_accuracy: None,
            test_loss: (step % 10 == 0).then_some(step as f64),
            test_accuracy: None,
            grad_norm: g,
            clipped_grad_norm: g,
            clipped: false,
            non_finite: !g.is_finite(),
            layers: vec![layer.clone(), layer],
        }
    }

    #[test]
    fn every_step_has_its_own_bucket_until_the_columns_are_full() {
        let mut t = Timeline::new(2);
        for s in 0..COLUMNS as u64 {
            t.push(&record(s, 1.0 + s as f64));
        }
        assert_eq!((t.width(), t.buckets().len()), (1, COLUMNS));
        assert_eq!(t.buckets()[7].loss.min, 8.0);
        assert_eq!(t.layer(7, 1).grad_norm.typical(), 8.0);
        t.push(&record(COLUMNS as u64, 1.0));
        assert_eq!((t.width(), t.buckets().len()), (2, COLUMNS / 2 + 1));
        let b = t.buckets()[3];
        assert_eq!((b.first, b.last), (6, 7));
        assert_eq!((b.loss.min, b.loss.max), (7.0, 8.0));
        assert_eq!(b.loss.mean(), Some(7.5));
        let g = t.layer(3, 0).grad_norm.geometric_mean().unwrap_or(0.0);
        assert!((g - 56f64.sqrt()).abs() < 1e-12, "{g}");
        assert_eq!(t.first().map(|r| r.step), Some(0));
    }

    /// A 100,000-step run stays within COLUMNS buckets, its memory does not move, and
    /// every step is in exactly one bucket.
    #[test]
    fn memory_is_flat_over_a_long_run_and_every_step_is_covered() {
        let mut t = Timeline::new(2);
        let caps = (t.buckets.capacity(), t.per_layer.capacity());
        for s in 0..100_000u64 {
            t.push(&record(s, 1.0));
            assert!(t.buckets().len() <= COLUMNS);
        }
        assert_eq!((t.buckets.capacity(), t.per_layer.capacity()), caps);
        let b = t.buckets();
        assert_eq!(b[0].first, 0);
        assert!(b.windows(2).all(|w| w[1].first == w[0].last + 1));
        assert_eq!(b.last().map(|b| b.last), Some(99_999));
        let total: u64 = b.iter().map(|b| b.steps()).sum();
        assert_eq!(total, 100_000);
        assert!(b.len() > COLUMNS / 2, "{}", b.len());
        assert_eq!(t.width(), 256);
        // The evaluation a bucket keeps is its latest one.
        let e = b[1].eval.unwrap_or_else(|| panic!("an evaluation"));
        assert_eq!((e.step, e.test_loss), (510, Some(510.0)));
    }

    #[test]
    fn non_finite_steps_zeros_and_negatives_are_counted_apart() {
        let mut t = Timeline::new(2);
        for (s, g) in [(0, 0.0), (1, 0.0)] {
            t.push(&record(s, g));
        }
        assert_eq!(t.buckets()[0].loss.typical(), 0.0, "all zero: zero");
        let a = Agg::of(4.0).merge(&Agg::of(0.0)).merge(&Agg::of(f64::NAN));
        assert_eq!((a.zeros, a.non_finite, a.min, a.max), (1, 1, 0.0, 4.0));
        assert_eq!(a.geometric_mean(), Some(4.0));
        assert!(a.typical().is_nan(), "a non-finite value marks the bucket");
        assert_eq!(Agg::of(-2.0).geometric_mean(), None);
        assert_eq!(Agg::default().mean(), None);
        t.push(&record(2, f64::INFINITY));
        assert_eq!(t.buckets()[2].non_finite, 1);
    }
}
