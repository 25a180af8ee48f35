//! A training run: data, network, optimizer and clipping wired together, stepping one
//! minibatch at a time and keeping a bounded history of per-step summaries.
//!
//! One step is: draw a batch; forward; loss and `dL/dlogits`; backward; measure the raw
//! gradients; if anything is non-finite, record the step and stop (the run is diverged
//! until it is rebuilt); otherwise clip, update with the optimizer, and record.
//! Every per-step number describes the parameters *before* that step's update.

use std::collections::VecDeque;

use super::clip::{clip, l2_norm, Clip};
use super::data::{Batcher, Dataset};
use super::float::{sum4, Float};
use super::loss::Loss;
use super::network::{Mode, Network, Workspace};
use super::optim::{self, LrStats, Optimizer, OptimizerSpec};
use super::rng::{Rng, Stream};
use super::spec::{Precision, RunSpec, EVAL_WORKSPACES};

/// Summary of one layer at one step (plain data; the `gradscope` crate writes it as JSON
/// and CSV).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerRecord {
    /// `||dL/dW||_2` before clipping.
    pub grad_norm: f64,
    /// `||dL/dW||_2` after clipping (what the optimizer receives).
    pub clipped_grad_norm: f64,
    /// RMS over batch and units of `dL/dz` at the layer's linear output (before batch norm).
    pub delta_rms: f64,
    /// `||W||_2` (Frobenius).
    pub weight_norm: f64,
    /// Mean of the layer's activations `a` over batch and units (the logits for the output layer).
    pub act_mean: f64,
    /// Standard deviation of the same values.
    pub act_std: f64,
    /// Share of the batch's (example, unit) pairs whose slope is flat, `|f'(u)| < 0.05 max
    /// |f'|` ([`crate::activation::Activation::is_flat`]); "saturated" for sigmoid and
    /// tanh, "near-zero slope" for the others. `None` for linear and the output layer.
    pub flat_share: Option<f64>,
    /// Share of units whose `f'(u)` is exactly 0 for every example of the batch: dead
    /// units. `Some` only for relu hidden layers (no other activation can die).
    pub dead_share: Option<f64>,
    /// `||dW|| / ||W||`: the L2 norm of this step's actual change of `W` (after clipping,
    /// optimizer and weight decay) over the norm of `W` before it, in f64. NaN on a
    /// non-finite step (it takes no update); infinite when `W` was all zeros and moved.
    pub update_ratio: f64,
    /// Mean effective learning rate over this layer's `W` after the update.
    pub eff_lr_mean: f64,
    pub eff_lr_min: f64,
    pub eff_lr_max: f64,
}

/// Summary of one training step (plain data).
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    /// 0-based step index.
    pub step: u64,
    /// Minibatch loss before the update.
    pub loss: f64,
    /// Accuracy on the minibatch (classification only).
    pub batch_accuracy: Option<f64>,
    /// Accuracy on the whole training split, evaluation mode (every `eval_every` steps).
    pub train_accuracy: Option<f64>,
    /// Loss on the test split, evaluation mode (every `eval_every` steps).
    pub test_loss: Option<f64>,
    /// Accuracy on the test split (classification only, every `eval_every` steps).
    pub test_accuracy: Option<f64>,
    /// Global L2 norm of all gradients before clipping.
    pub grad_norm: f64,
    /// Global L2 norm after clipping.
    pub clipped_grad_norm: f64,
    /// Whether clipping changed any gradient.
    pub clipped: bool,
    /// Whether the loss or any gradient was NaN or infinite (the run stops here).
    pub non_finite: bool,
    /// Hidden layers first, output layer last.
    pub layers: Vec<LayerRecord>,
}

/// Everything about one step that the full trace records.
#[derive(Clone, Debug)]
pub struct StepDetail<T> {
    /// Minibatch inputs (`batch x inputs`) and targets (`batch x outputs`).
    pub x: Vec<T>,
    pub y: Vec<T>,
    /// Parameters before the update, raw gradients, clipped gradients (flat layout).
    pub params: Vec<T>,
    pub grads: Vec<T>,
    pub clipped_grads: Vec<T>,
    /// Per-parameter effective learning rate after the update (Adagrad only).
    pub eff_lr: Option<Vec<f64>>,
}

/// A training run in floating-point type `T`.
pub struct Session<T: Float> {
    spec: RunSpec,
    loss: Loss,
    net: Network<T>,
    ws: Workspace<T>,
    /// Evaluation workspaces, one per batch size used (full chunks and remainders).
    eval_ws: Vec<Workspace<T>>,
    /// Rows evaluated at a time ([`RunSpec::eval_chunk`]).
    eval_chunk: usize,
    data: Dataset,
    train_x: Vec<T>,
    train_t: Vec<T>,
    test_x: Vec<T>,
    test_t: Vec<T>,
    batcher: Batcher,
    optimizer: Box<dyn Optimizer<T>>,
    grads: Vec<T>,
    /// The parameters before the step's update, for the update ratio (allocated once).
    prev_params: Vec<T>,
    grad_logits: Vec<T>,
    batch_t: Vec<T>,
    history: VecDeque<StepRecord>,
    capacity: usize,
    steps: u64,
    diverged_at: Option<u64>,
    /// Whether steps compute their per-layer records (true; benchmarks switch it off to
    /// measure what the records cost).
    records: bool,
}

impl<T: Float> Session<T> {
    /// Builds a run from a valid spec, keeping at most `capacity` step records.
    pub fn new(spec: RunSpec, capacity: usize) -> Session<T> {
        let arch = spec.arch.clone();
        let loss = spec.loss;
        let d = &spec.data;
        let mut data_rng = Rng::new(spec.seed, Stream::Data);
        let data = Dataset::generate(d.kind, d.samples, d.noise, d.test_fraction, &mut data_rng);
        let mut init_rng = Rng::new(spec.seed, Stream::Init);
        let i = &spec.init;
        let net = Network::<T>::new(arch.clone(), i.init, i.std, i.gain, &mut init_rng);
        let outputs = arch.outputs;
        let encode = |xs: &[f64], ys: &[f64]| -> (Vec<T>, Vec<T>) {
            let x = xs.iter().map(|&v| T::from_f64(v)).collect();
            let mut t = Vec::with_capacity(ys.len() * outputs);
            let mut row = vec![0.0; outputs];
            for &y in ys {
                data.targets(y, outputs, &mut row);
                t.extend(row.iter().map(|&v| T::from_f64(v)));
            }
            (x, t)
        };
        let (train_x, train_t) = encode(&data.train_x, &data.train_y);
        let (test_x, test_t) = encode(&data.test_x, &data.test_y);
        let batcher = Batcher::new(data.n_train(), Rng::new(spec.seed, Stream::Batches));
        let n_params = net.params.len();
        let optimizer = optim::build::<T>(&spec.optimizer, n_params);
        let ws = net.workspace(spec.batch_size);
        Session {
            loss,
            grads: vec![T::ZERO; n_params],
            prev_params: vec![T::ZERO; n_params],
            grad_logits: vec![T::ZERO; spec.batch_size * outputs],
            batch_t: vec![T::ZERO; spec.batch_size * outputs],
            ws,
            eval_ws: Vec::new(),
            eval_chunk: spec.eval_chunk(std::mem::size_of::<T>() as u64),
            net,
            data,
            train_x,
            train_t,
            test_x,
            test_t,
            batcher,
            optimizer,
            history: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            steps: 0,
            diverged_at: None,
            records: true,
            spec,
        }
    }

    /// What this run is (with the clipping rule and learning rate as last set).
    pub fn spec(&self) -> &RunSpec {
        &self.spec
    }
    pub fn network(&self) -> &Network<T> {
        &self.net
    }
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }
    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }
    /// The step at which the loss or a gradient became non-finite, if it did.
    pub fn diverged_at(&self) -> Option<u64> {
        self.diverged_at
    }
    /// The kept step records, oldest first.
    pub fn history(&self) -> &VecDeque<StepRecord> {
        &self.history
    }
    /// The optimizer (for its effective learning rates).
    pub fn optimizer(&self) -> &dyn Optimizer<T> {
        self.optimizer.as_ref()
    }

    /// The first layer's effective learning rate per input feature after the last step:
    /// for input `j`, the mean over the column `W1[:, j]` (the weights that read feature
    /// `j`) of [`Optimizer::effective_lr`], summed in row order in f64. For Adagrad it is
    /// `mean_i lr / sqrt(G_ij + eps)`: a feature that is rarely non-zero keeps a large rate.
    /// Computed on demand from the optimizer's state; the step records do not hold it.
    pub fn input_feature_lr(&self) -> Vec<f64> {
        let Some(first) = self.net.layers.first() else {
            return Vec::new();
        };
        let (n_in, n_out, w) = (first.n_in, first.n_out, first.w_range().start);
        (0..n_in)
            .map(|j| {
                let sum: f64 = (0..n_out)
                    .map(|o| self.optimizer.effective_lr(w + o * n_in + j))
                    .sum();
                sum / n_out.max(1) as f64
            })
            .collect()
    }

    /// The training rows of each of the next `steps` minibatches, in order, without taking
    /// them: a copy of the batch sampler replays what the following steps will draw.
    pub fn upcoming_batches(&self, steps: usize) -> Vec<Vec<usize>> {
        let mut batcher = self.batcher.clone();
        (0..steps)
            .map(|_| batcher.next_batch(self.spec.batch_size).to_vec())
            .collect()
    }

    /// Changes the clipping rule for the following steps (the run continues).
    pub fn set_clip(&mut self, clip: Clip) {
        self.spec.clip = clip;
    }

    /// Changes the learning rate for the following steps, keeping the optimizer's state
    /// (the run continues).
    pub fn set_lr(&mut self, lr: f64) {
        self.spec.optimizer.set_lr(lr);
        self.optimizer.set_lr(lr);
    }

    /// Per hidden layer, the share of the last training batch's activations `a` falling
    /// in each of `bins` equal bins over `[lo, hi]` (values outside go to the end bins;
    /// non-finite values are not counted).
    pub fn activation_histograms(&self, bins: usize, lo: f64, hi: f64) -> Vec<Vec<f64>> {
        let bins = bins.max(1);
        let width = (hi - lo) / bins as f64;
        self.net
            .layers
            .iter()
            .enumerate()
            .filter(|(_, s)| s.hidden)
            .map(|(l, _)| {
                let mut counts = vec![0.0; bins];
                let values = &self.ws.a[l];
                for v in values.iter().map(|v| v.to_f64()).filter(|v| v.is_finite()) {
                    let b = ((v - lo) / width).floor().clamp(0.0, (bins - 1) as f64) as usize;
                    counts[b] += 1.0;
                }
                let n = values.len().max(1) as f64;
                counts.iter_mut().for_each(|c| *c /= n);
                counts
            })
            .collect()
    }

    /// With `false`, the following steps keep only the loss and the global gradient norms
    /// (no per-layer measures): what a step costs without its records, for benchmarks.
    /// The parameters evolve exactly as with records.
    pub fn set_records(&mut self, on: bool) {
        self.records = on;
    }

    /// Trains up to `n` steps; returns how many were taken (fewer once diverged).
    pub fn step(&mut self, n: u64) -> u64 {
        let mut taken = 0;
        while taken < n && self.diverged_at.is_none() {
            self.step_once(false);
            taken += 1;
        }
        taken
    }

    /// One step that also returns everything the full trace records; `None` once diverged.
    pub fn step_detailed(&mut self) -> Option<StepDetail<T>> {
        if self.diverged_at.is_some() {
            return None;
        }
        self.step_once(true)
    }

    fn step_once(&mut self, detailed: bool) -> Option<StepDetail<T>> {
        let batch = self.spec.batch_size;
        let arch = &self.net.arch;
        let (inputs, outputs) = (arch.inputs, arch.outputs);
        let rows = self.batcher.next_batch(batch);
        let mut labels = Vec::with_capacity(rows.len());
        for (r, &i) in rows.iter().enumerate() {
            self.ws.h[0][r * inputs..(r + 1) * inputs]
                .copy_from_slice(&self.train_x[i * inputs..(i + 1) * inputs]);
            self.batch_t[r * outputs..(r + 1) * outputs]
                .copy_from_slice(&self.train_t[i * outputs..(i + 1) * outputs]);
            labels.push(self.data.train_y[i]);
        }
        let eval = self.spec.eval_every > 0 && self.steps % self.spec.eval_every == 0;
        let (train_accuracy, test_loss, test_accuracy) = if eval {
            let (_, train_acc) = self.evaluate_split(false);
            let (test_loss, test_acc) = self.evaluate_split(true);
            (train_acc, test_loss, test_acc)
        } else {
            (None, None, None)
        };
        self.net.forward(&mut self.ws, Mode::Train);
        let logits = self.net.logits(&self.ws);
        let loss = self
            .loss
            .evaluate(logits, &self.batch_t, outputs, &mut self.grad_logits);
        let batch_accuracy = self.accuracy(logits, &labels);
        self.net
            .backward(&mut self.ws, &self.grad_logits, &mut self.grads);

        // Per layer: |dL/dW|^2 and the rest of its gradients; the global norm sums them in
        // layer order (one pass over the gradients for both).
        let mut total_sq = 0.0;
        let mut layers: Vec<LayerRecord> = Vec::with_capacity(self.net.layers.len());
        let records = self.records || detailed;
        for (l, shape) in self.net.layers.iter().enumerate() {
            let w_sq = sum4(&self.grads[shape.w_range()], |v| v * v);
            total_sq += w_sq
                + sum4(&self.grads[shape.w_range().end..shape.range().end], |v| {
                    v * v
                });
            if !records {
                continue;
            }
            let (act_mean, act_std, flat_share, dead_share) = self.activation_stats(l);
            let g = w_sq.sqrt();
            layers.push(LayerRecord {
                grad_norm: g,
                clipped_grad_norm: g,
                delta_rms: self.ws.delta_rms[l],
                weight_norm: l2_norm(&self.net.params[shape.w_range()]),
                act_mean,
                act_std,
                flat_share,
                dead_share,
                update_ratio: f64::NAN,
                eff_lr_mean: f64::NAN,
                eff_lr_min: f64::NAN,
                eff_lr_max: f64::NAN,
            });
        }
        let grad_norm = total_sq.sqrt();
        let non_finite = !loss.is_finite() || !grad_norm.is_finite();
        let mut detail = detailed.then(|| StepDetail {
            x: self.ws.h[0].clone(),
            y: self.batch_t.clone(),
            params: self.net.params.clone(),
            grads: self.grads.clone(),
            clipped_grads: Vec::new(),
            eff_lr: None,
        });
        let (clipped_grad_norm, clipped) = if non_finite {
            self.diverged_at = Some(self.steps);
            (grad_norm, false)
        } else {
            let outcome = clip(self.spec.clip, &mut self.grads, grad_norm);
            if outcome.clipped {
                for (rec, shape) in layers.iter_mut().zip(&self.net.layers) {
                    rec.clipped_grad_norm = l2_norm(&self.grads[shape.w_range()]);
                }
            }
            if records {
                self.prev_params.copy_from_slice(&self.net.params);
            }
            self.optimizer.step(&mut self.net.params, &self.grads);
            for (rec, shape) in layers.iter_mut().zip(&self.net.layers) {
                let w = shape.w_range();
                rec.update_ratio =
                    diff_norm(&self.net.params[w.clone()], &self.prev_params[w]) / rec.weight_norm;
                let LrStats { mean, min, max } = self.optimizer.effective_lr_stats(shape.w_range());
                rec.eff_lr_mean = mean;
                rec.eff_lr_min = min;
                rec.eff_lr_max = max;
            }
            (outcome.norm_after, outcome.clipped)
        };
        if let Some(d) = detail.as_mut() {
            d.clipped_grads = self.grads.clone();
            let adagrad = matches!(self.spec.optimizer, OptimizerSpec::Adagrad { .. });
            if adagrad && !non_finite {
                d.eff_lr = Some(
                    (0..self.grads.len())
                        .map(|i| self.optimizer.effective_lr(i))
                        .collect(),
                );
            }
        }
        let record = StepRecord {
            step: self.steps,
            loss,
            batch_accuracy,
            train_accuracy,
            test_loss,
            test_accuracy,
            grad_norm,
            clipped_grad_norm,
            clipped,
            non_finite,
            layers,
        };
        if self.history.len() == self.capacity {
            self.history.pop_front();
        }
        self.history.push_back(record);
        self.steps += 1;
        detail
    }

    /// Mean and std of layer `l`'s activations, its flat share and its dead share.
    fn activation_stats(&self, l: usize) -> (f64, f64, Option<f64>, Option<f64>) {
        let shape = &self.net.layers[l];
        let values: &[T] = if shape.hidden {
            &self.ws.a[l]
        } else {
            &self.ws.h[l + 1]
        };
        let count = values.len().max(1) as f64;
        let mean = sum4(values, |v| v) / count;
        let var = sum4(values, |v| (v - mean) * (v - mean)) / count;
        if !shape.hidden {
            return (mean, var.sqrt(), None, None);
        }
        let act = self.net.arch.activation;
        let (flat, dead) = act.slope_shares(&self.ws.slope[l], shape.n_out);
        (mean, var.sqrt(), flat, dead)
    }

    /// Share of rows whose predicted class equals the label; `None` for regression.
    fn accuracy(&self, logits: &[T], labels: &[f64]) -> Option<f64> {
        accuracy(
            self.data.kind.classes().is_some(),
            self.loss,
            self.net.arch.outputs,
            logits,
            labels,
        )
    }

    /// Loss and accuracy over the test split (`test`) or training split, in evaluation mode.
    fn evaluate_split(&mut self, test: bool) -> (Option<f64>, Option<f64>) {
        let (x, t, labels) = if test {
            (&self.test_x, &self.test_t, &self.data.test_y)
        } else {
            (&self.train_x, &self.train_t, &self.data.train_y)
        };
        let rows = labels.len();
        if rows == 0 {
            return (None, None);
        }
        let inputs = self.net.arch.inputs;
        let outputs = self.net.arch.outputs;
        let classification = self.data.kind.classes().is_some();
        let mut loss_sum = 0.0;
        let mut correct = 0.0;
        let chunk = self.eval_chunk;
        let mut grad = vec![T::ZERO; chunk * outputs];
        for start in (0..rows).step_by(chunk) {
            let n = chunk.min(rows - start);
            let ws = eval_workspace(&mut self.eval_ws, &self.net, n);
            ws.h[0].copy_from_slice(&x[start * inputs..(start + n) * inputs]);
            self.net.forward(ws, Mode::Eval);
            let logits = self.net.logits(ws);
            let targets = &t[start * outputs..(start + n) * outputs];
            loss_sum += self
                .loss
                .evaluate(logits, targets, outputs, &mut grad[..n * outputs])
                * n as f64;
            if let Some(acc) = accuracy(
                classification,
                self.loss,
                outputs,
                logits,
                &labels[start..start + n],
            ) {
                correct += acc * n as f64;
            }
        }
        let acc = classification.then(|| correct / rows as f64);
        (Some(loss_sum / rows as f64), acc)
    }

    /// Raw network outputs (logits) for `xs` (`rows x inputs`, row-major), evaluation mode.
    pub fn predict(&mut self, xs: &[f64]) -> Vec<f64> {
        let inputs = self.net.arch.inputs;
        let rows = xs.len() / inputs.max(1);
        let mut out = Vec::with_capacity(rows * self.net.arch.outputs);
        let chunk = self.eval_chunk;
        for start in (0..rows).step_by(chunk) {
            let n = chunk.min(rows - start);
            let ws = eval_workspace(&mut self.eval_ws, &self.net, n);
            for (d, s) in ws.h[0]
                .iter_mut()
                .zip(&xs[start * inputs..(start + n) * inputs])
            {
                *d = T::from_f64(*s);
            }
            self.net.forward(ws, Mode::Eval);
            out.extend(self.net.logits(ws).iter().map(|v| v.to_f64()));
        }
        out
    }
}

/// `||a - b||_2`, each difference and the sum in f64 (four interleaved partial sums added
/// as `(s0 + s1) + (s2 + s3)`, like `sum4`).
fn diff_norm<T: Float>(a: &[T], b: &[T]) -> f64 {
    let mut s = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ta, tb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            let d = x[k].to_f64() - y[k].to_f64();
            s[k] += d * d;
        }
    }
    for (k, (x, y)) in ta.iter().zip(tb).enumerate() {
        let d = x.to_f64() - y.to_f64();
        s[k] += d * d;
    }
    ((s[0] + s[1]) + (s[2] + s[3])).sqrt()
}

/// A workspace for `n` rows from `cache`, made on first use. Only a few sizes recur (full
/// chunks, the splits' remainders, the page's boundary and curve batches); at most
/// `EVAL_WORKSPACES` are kept, the oldest dropped first.
fn eval_workspace<'a, T: Float>(
    cache: &'a mut Vec<Workspace<T>>,
    net: &Network<T>,
    n: usize,
) -> &'a mut Workspace<T> {
    let k = match cache.iter().position(|w| w.batch == n) {
        Some(k) => k,
        None => {
            if cache.len() == EVAL_WORKSPACES {
                cache.remove(0);
            }
            cache.push(net.workspace(n));
            cache.len() - 1
        }
    };
    &mut cache[k]
}

/// Share of rows of `logits` whose predicted class equals the label; `None` for regression.
fn accuracy<T: Float>(
    classification: bool,
    loss: Loss,
    outputs: usize,
    logits: &[T],
    labels: &[f64],
) -> Option<f64> {
    if !classification {
        return None;
    }
    let threshold = if loss == Loss::Mse { 0.5 } else { 0.0 };
    let correct = logits
        .chunks_exact(outputs)
        .zip(labels)
        .filter(|(row, &label)| predicted_class(row, threshold) as f64 == label)
        .count();
    Some(correct as f64 / labels.len().max(1) as f64)
}

/// Class predicted from one row of outputs: `output > threshold` for a single output,
/// the argmax otherwise.
fn predicted_class<T: Float>(row: &[T], threshold: f64) -> usize {
    if row.len() == 1 {
        usize::from(row[0].to_f64() > threshold)
    } else {
        let mut best = 0;
        for (i, v) in row.iter().enumerate() {
            if *v > row[best] {
                best = i;
            }
        }
        best
    }
}

/// A run in either precision.
pub enum Run {
    F32(Session<f32>),
    F64(Session<f64>),
}

/// Calls the same method on whichever precision the run has.
macro_rules! each {
    ($run:expr, $s:ident => $body:expr) => {
        match $run {
            Run::F32($s) => $body,
            Run::F64($s) => $body,
        }
    };
}

impl Run {
    /// A run of a valid spec in `precision`, keeping at most `capacity` step records.
    pub fn new(spec: RunSpec, precision: Precision, capacity: usize) -> Run {
        match precision {
            Precision::F32 => Run::F32(Session::new(spec, capacity)),
            Precision::F64 => Run::F64(Session::new(spec, capacity)),
        }
    }
    /// What this run is (with the clipping rule and learning rate as last set).
    pub fn spec(&self) -> &RunSpec {
        each!(self, s => s.spec())
    }
    pub fn precision(&self) -> Precision {
        match self {
            Run::F32(_) => Precision::F32,
            Run::F64(_) => Precision::F64,
        }
    }
    pub fn step(&mut self, n: u64) -> u64 {
        each!(self, s => s.step(n))
    }
    /// See [`Session::set_records`].
    pub fn set_records(&mut self, on: bool) {
        each!(self, s => s.set_records(on))
    }
    pub fn steps(&self) -> u64 {
        each!(self, s => s.steps())
    }
    pub fn diverged_at(&self) -> Option<u64> {
        each!(self, s => s.diverged_at())
    }
    pub fn history(&self) -> &VecDeque<StepRecord> {
        each!(self, s => s.history())
    }
    pub fn dataset(&self) -> &Dataset {
        each!(self, s => s.dataset())
    }
    pub fn predict(&mut self, xs: &[f64]) -> Vec<f64> {
        each!(self, s => s.predict(xs))
    }
    pub fn set_clip(&mut self, clip: Clip) {
        each!(self, s => s.set_clip(clip))
    }
    pub fn set_lr(&mut self, lr: f64) {
        each!(self, s => s.set_lr(lr))
    }
    pub fn activation_histograms(&self, bins: usize, lo: f64, hi: f64) -> Vec<Vec<f64>> {
        each!(self, s => s.activation_histograms(bins, lo, hi))
    }
    /// Number of scalar parameters.
    pub fn param_count(&self) -> usize {
        each!(self, s => s.network().params.len())
    }
    /// The network's shape.
    pub fn arch(&self) -> &super::network::Arch {
        each!(self, s => &s.network().arch)
    }
    /// Where each layer's parameters sit in the flat vector.
    pub fn layers(&self) -> &[super::network::LayerShape] {
        each!(self, s => &s.network().layers)
    }
    /// The current parameters in the flat layout, widened to f64 (exactly: every f32 is an f64).
    pub fn params_f64(&self) -> Vec<f64> {
        each!(self, s => s.network().params.iter().map(|v| v.to_f64()).collect())
    }
    /// See [`Session::input_feature_lr`].
    pub fn input_feature_lr(&self) -> Vec<f64> {
        each!(self, s => s.input_feature_lr())
    }
    /// See [`Session::upcoming_batches`].
    pub fn upcoming_batches(&self, steps: usize) -> Vec<Vec<usize>> {
        each!(self, s => s.upcoming_batches(steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::data::DatasetKind;
    use crate::init::Init;
    use crate::network::Arch;
    use crate::spec::{DataSpec, InitSpec};

    #[test]
    fn upcoming_batches_are_the_rows_the_steps_then_take() {
        let spec = RunSpec {
            seed: 9,
            data: DataSpec {
                kind: DatasetKind::Circles,
                samples: 50,
                noise: 0.05,
                test_fraction: 0.2,
            },
            arch: Arch {
                inputs: 2,
                outputs: 1,
                depth: 2,
                width: 4,
                activation: Activation::Tanh,
                batch_norm: false,
                skip_connections: false,
                residual_scale: 1.0,
            },
            init: InitSpec {
                init: Init::XavierUniform,
                std: 1.0,
                gain: 1.0,
            },
            loss: Loss::Bce,
            optimizer: OptimizerSpec::Sgd {
                lr: 0.1,
                weight_decay: 0.0,
            },
            clip: Clip::None,
            batch_size: 7,
            eval_every: 0,
        };
        let mut s = Session::<f64>::new(spec, 4);
        s.step(3);
        // 40 training rows in batches of 7: steps 3 to 9 cross an epoch boundary.
        let plan = s.upcoming_batches(7);
        assert_eq!(plan.len(), 7);
        for rows in plan {
            let d = s.step_detailed().unwrap_or_else(|| panic!("diverged"));
            let want: Vec<f64> = rows
                .iter()
                .flat_map(|&r| s.dataset().train_x[2 * r..2 * r + 2].to_vec())
                .collect();
            assert_eq!(d.x, want);
        }
    }
}
