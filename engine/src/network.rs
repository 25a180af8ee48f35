//! The multilayer perceptron: parameter layout, forward pass and backward pass.
//!
//! Shapes follow PyTorch's `nn.Linear`: a layer's `W` is `out x in`, activations are
//! `batch x units` row-major, and for hidden layer `l`
//!
//! ```text
//! z = h W^T + b                                  (linear)
//! u = gamma (z - mean_B z) / sqrt(var_B z + 1e-5) + beta   (batch norm, biased var; optional)
//! a = f(u)                                       (activation; f(z) without batch norm)
//! h_next = h + s a  if skip and in == out, else a  (skip connection, branch scale s; optional)
//! ```
//!
//! and the output layer is `logits = h W^T + b`. Backward, with `g = dL/dh_next`:
//!
//! ```text
//! dL/du = g * f'(u)
//! dL/dbeta = sum_B dL/du,  dL/dgamma = sum_B dL/du * z_hat
//! dL/dz = 1 / (B sigma) (B dz_hat - sum_B dz_hat - z_hat sum_B dz_hat z_hat),  dz_hat = gamma dL/du
//! dL/dW = (dL/dz)^T h,  dL/db = sum_B dL/dz
//! dL/dh = (dL/dz) W  (+ g through the skip, where the branch's g is s g)
//! ```
//!
//! All parameters live in one flat vector (per layer: `W`, `b`, then `gamma`, `beta` when
//! the layer has batch norm), so clipping and the optimizers see one slice.

use super::activation::Activation;
use super::float::{sum4, Float};
use super::gemm::{gemm, GemmScratch, MatRef};
use super::init::Init;
use super::rng::Rng;

/// Batch-norm epsilon inside the square root (PyTorch's default).
pub const BN_EPS: f64 = 1e-5;
/// Weight of the newest batch in the running statistics (PyTorch's default).
pub const BN_MOMENTUM: f64 = 0.1;

/// The network's shape and options.
#[derive(Clone, Debug, PartialEq)]
pub struct Arch {
    pub inputs: usize,
    pub outputs: usize,
    pub depth: usize,
    pub width: usize,
    pub activation: Activation,
    pub batch_norm: bool,
    pub skip_connections: bool,
    /// `s` in `h_next = h + s a` on skip layers, in (0, 1]; 1 is the plain residual sum
    /// (computed without a multiplication, so it gives the same bits as no scale at all).
    pub residual_scale: f64,
}

/// Where one layer's parameters sit in the flat vector.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerShape {
    pub n_in: usize,
    pub n_out: usize,
    /// Offset of `W` (`n_out x n_in`).
    pub w: usize,
    /// Offset of `b` (`n_out`).
    pub b: usize,
    /// Offset of `gamma` and `beta` (`n_out` each), for hidden layers with batch norm.
    pub bn: Option<(usize, usize)>,
    /// Whether this is a hidden layer (activation, optional batch norm and skip).
    pub hidden: bool,
    /// Whether `h_next = h + s a`.
    pub skip: bool,
}

impl LayerShape {
    /// The range of all this layer's parameters in the flat vector.
    pub fn range(&self) -> std::ops::Range<usize> {
        let end = match self.bn {
            Some((_, beta)) => beta + self.n_out,
            None => self.b + self.n_out,
        };
        self.w..end
    }
    /// The range of `W`.
    pub fn w_range(&self) -> std::ops::Range<usize> {
        self.w..self.w + self.n_out * self.n_in
    }
}

impl Arch {
    /// The layers, hidden first, output last.
    pub fn layout(&self) -> Vec<LayerShape> {
        let mut shapes = Vec::with_capacity(self.depth + 1);
        let mut offset = 0;
        let mut n_in = self.inputs;
        for l in 0..=self.depth {
            let hidden = l < self.depth;
            let n_out = if hidden { self.width } else { self.outputs };
            let w = offset;
            let b = w + n_out * n_in;
            offset = b + n_out;
            let bn = if hidden && self.batch_norm {
                let g = offset;
                offset += 2 * n_out;
                Some((g, g + n_out))
            } else {
                None
            };
            let skip = hidden && self.skip_connections && n_in == n_out;
            shapes.push(LayerShape {
                n_in,
                n_out,
                w,
                b,
                bn,
                hidden,
                skip,
            });
            n_in = n_out;
        }
        shapes
    }

    /// Number of scalar parameters.
    pub fn param_count(&self) -> usize {
        self.layout().last().map_or(0, |l| l.range().end)
    }
}

/// The parameters and batch-norm running statistics of a network.
#[derive(Clone, Debug)]
pub struct Network<T> {
    pub arch: Arch,
    pub layers: Vec<LayerShape>,
    /// All parameters, laid out as [`LayerShape`] says.
    pub params: Vec<T>,
    /// Per hidden layer with batch norm: running mean (starts 0) and unbiased running
    /// variance (starts 1), used only in evaluation mode.
    pub running_mean: Vec<Vec<T>>,
    pub running_var: Vec<Vec<T>>,
}

/// Forward-pass values kept for the backward pass, sized for one batch size.
#[derive(Clone, Debug, Default)]
pub struct Workspace<T> {
    pub batch: usize,
    /// `h[0]` is the input; `h[l + 1]` the output of layer `l` (for the last, the logits).
    pub h: Vec<Vec<T>>,
    /// Linear outputs `z` per layer.
    pub z: Vec<Vec<T>>,
    /// Batch-normalized `u` (hidden layers with batch norm; empty otherwise).
    pub u: Vec<Vec<T>>,
    /// `z_hat` per batch-norm layer.
    pub z_hat: Vec<Vec<T>>,
    /// `1 / sqrt(var + eps)` per batch-norm layer.
    pub inv_std: Vec<Vec<T>>,
    /// Activations `a` per hidden layer (equal to `h[l + 1]` without skip).
    pub a: Vec<Vec<T>>,
    /// Slopes `f'(u)` per hidden layer from the last backward pass: the factors the
    /// gradient was multiplied by, for the flat and dead shares. Sized by the first
    /// backward pass (evaluation workspaces never hold any).
    pub slope: Vec<Vec<T>>,
    /// RMS of `dL/dz` per layer, from the last backward pass (f64).
    pub delta_rms: Vec<f64>,
    grad_a: Vec<T>,
    grad_b: Vec<T>,
    grad_z: Vec<T>,
    scratch: GemmScratch<T>,
}

/// Training mode uses batch statistics in batch norm (and updates the running ones);
/// evaluation mode uses the running statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    Eval,
}

impl<T: Float> Network<T> {
    /// A freshly initialized network: `W` by `init` (times `gain`), biases 0, `gamma` 1, `beta` 0.
    pub fn new(arch: Arch, init: Init, init_std: f64, gain: f64, rng: &mut Rng) -> Self {
        let layers = arch.layout();
        let total = layers.last().map_or(0, |l| l.range().end);
        let mut params = vec![T::ZERO; total];
        let mut running_mean = Vec::new();
        let mut running_var = Vec::new();
        for shape in &layers {
            let w = init.sample(shape.n_in, shape.n_out, init_std, gain, rng);
            for (p, v) in params[shape.w_range()].iter_mut().zip(w) {
                *p = T::from_f64(v);
            }
            if let Some((g, _)) = shape.bn {
                params[g..g + shape.n_out].fill(T::ONE);
                running_mean.push(vec![T::ZERO; shape.n_out]);
                running_var.push(vec![T::ONE; shape.n_out]);
            } else {
                running_mean.push(Vec::new());
                running_var.push(Vec::new());
            }
        }
        Network {
            arch,
            layers,
            params,
            running_mean,
            running_var,
        }
    }

    /// A workspace for batches of `batch` rows.
    pub fn workspace(&self, batch: usize) -> Workspace<T> {
        let n = self.layers.len();
        let max_units = self
            .layers
            .iter()
            .map(|l| l.n_out.max(l.n_in))
            .max()
            .unwrap_or(1);
        let mut ws = Workspace {
            batch,
            ..Workspace::default()
        };
        ws.h.push(vec![T::ZERO; batch * self.arch.inputs]);
        for shape in &self.layers {
            let size = batch * shape.n_out;
            ws.h.push(vec![T::ZERO; size]);
            ws.z.push(vec![T::ZERO; size]);
            let bn = shape.bn.is_some();
            ws.u.push(if bn { vec![T::ZERO; size] } else { Vec::new() });
            ws.z_hat
                .push(if bn { vec![T::ZERO; size] } else { Vec::new() });
            ws.inv_std.push(if bn {
                vec![T::ZERO; shape.n_out]
            } else {
                Vec::new()
            });
            ws.a.push(if shape.hidden {
                vec![T::ZERO; size]
            } else {
                Vec::new()
            });
        }
        ws.slope = vec![Vec::new(); n];
        ws.delta_rms = vec![0.0; n];
        ws.grad_a = vec![T::ZERO; batch * max_units];
        ws.grad_b = vec![T::ZERO; batch * max_units];
        ws.grad_z = vec![T::ZERO; batch * max_units];
        ws
    }

    /// Runs the input already in `ws.h[0]` (`ws.batch` rows) through the network; the
    /// logits end in `ws.h[depth + 1]`. In training mode the batch-norm running statistics
    /// are updated.
    pub fn forward(&mut self, ws: &mut Workspace<T>, mode: Mode) {
        let batch = ws.batch;
        let act = self.arch.activation;
        let eps = T::from_f64(BN_EPS);
        for (l, shape) in self.layers.iter().enumerate() {
            let (n_in, n_out) = (shape.n_in, shape.n_out);
            let (before, after) = ws.h.split_at_mut(l + 1);
            let h_in = &before[l];
            let h_out = &mut after[0];
            let w = &self.params[shape.w_range()];
            let bias = &self.params[shape.b..shape.b + n_out];
            let z = &mut ws.z[l];
            gemm(
                batch,
                n_out,
                n_in,
                MatRef::rows(h_in, n_in),
                MatRef::transposed(w, n_in),
                z,
                n_out,
                &mut ws.scratch,
            );
            for row in z.chunks_exact_mut(n_out) {
                for (v, &bj) in row.iter_mut().zip(bias) {
                    *v += bj;
                }
            }
            if !shape.hidden {
                h_out.copy_from_slice(z);
                continue;
            }
            let pre: &[T] = if let Some((g_off, beta_off)) = shape.bn {
                let gamma = &self.params[g_off..g_off + n_out];
                let beta = &self.params[beta_off..beta_off + n_out];
                let (z_hat, u, inv_std) = (&mut ws.z_hat[l], &mut ws.u[l], &mut ws.inv_std[l]);
                let (rm, rv) = (&mut self.running_mean[l], &mut self.running_var[l]);
                batch_norm_forward(z, n_out, gamma, beta, rm, rv, mode, eps, z_hat, u, inv_std);
                u
            } else {
                z
            };
            let a = &mut ws.a[l];
            act.forward(pre, a);
            if shape.skip && self.arch.residual_scale != 1.0 {
                let s = T::from_f64(self.arch.residual_scale);
                for ((o, &x), &y) in h_out.iter_mut().zip(h_in.iter()).zip(a.iter()) {
                    *o = x + s * y;
                }
            } else if shape.skip {
                for ((o, &x), &y) in h_out.iter_mut().zip(h_in.iter()).zip(a.iter()) {
                    *o = x + y;
                }
            } else {
                h_out.copy_from_slice(a);
            }
        }
    }

    /// Back-propagates `dL/dlogits` (in `grad_logits`, `batch x outputs`) through the
    /// forward pass held in `ws`, writing every parameter's gradient into `grads` (same
    /// layout as `params`) and the RMS of `dL/dz` per layer into `ws.delta_rms`.
    pub fn backward(&self, ws: &mut Workspace<T>, grad_logits: &[T], grads: &mut [T]) {
        let batch = ws.batch;
        let act = self.arch.activation;
        let outputs = self.arch.outputs;
        // `g` holds dL/dh_next of the layer being processed.
        let mut g = std::mem::take(&mut ws.grad_a);
        let mut g_prev = std::mem::take(&mut ws.grad_b);
        let mut dz = std::mem::take(&mut ws.grad_z);
        g[..batch * outputs].copy_from_slice(grad_logits);
        for (l, shape) in self.layers.iter().enumerate().rev() {
            let (n_in, n_out) = (shape.n_in, shape.n_out);
            let size = batch * n_out;
            let dz = &mut dz[..size];
            if shape.skip && self.arch.residual_scale != 1.0 {
                // The branch receives s g; the skip passes g on unscaled (below).
                let s = T::from_f64(self.arch.residual_scale);
                for (d, &v) in dz.iter_mut().zip(&g[..size]) {
                    *d = s * v;
                }
            } else {
                dz.copy_from_slice(&g[..size]);
            }
            if shape.hidden {
                let pre = if shape.bn.is_some() {
                    &ws.u[l]
                } else {
                    &ws.z[l]
                };
                let slope = &mut ws.slope[l];
                if slope.len() != size {
                    slope.resize(size, T::ZERO);
                }
                act.backward(pre, &ws.a[l], dz, slope);
                if let Some((g_off, beta_off)) = shape.bn {
                    let (head, tail) = grads.split_at_mut(beta_off);
                    batch_norm_backward(
                        dz,
                        n_out,
                        &self.params[g_off..g_off + n_out],
                        &ws.z_hat[l],
                        &ws.inv_std[l],
                        &mut head[g_off..g_off + n_out],
                        &mut tail[..n_out],
                    );
                }
            }
            let sq = sum4(dz, |v| v * v);
            ws.delta_rms[l] = (sq / size.max(1) as f64).sqrt();
            let h_in = &ws.h[l];
            gemm(
                n_out,
                n_in,
                batch,
                MatRef::transposed(dz, n_out),
                MatRef::rows(h_in, n_in),
                &mut grads[shape.w_range()],
                n_in,
                &mut ws.scratch,
            );
            let db = &mut grads[shape.b..shape.b + n_out];
            db.fill(T::ZERO);
            for row in dz.chunks_exact(n_out) {
                for (d, &v) in db.iter_mut().zip(row) {
                    *d += v;
                }
            }
            if l == 0 {
                break;
            }
            let w = &self.params[shape.w_range()];
            let gp = &mut g_prev[..batch * n_in];
            gemm(
                batch,
                n_in,
                n_out,
                MatRef::rows(dz, n_out),
                MatRef::rows(w, n_in),
                gp,
                n_in,
                &mut ws.scratch,
            );
            if shape.skip {
                for (p, &x) in gp.iter_mut().zip(&g[..size]) {
                    *p += x;
                }
            }
            std::mem::swap(&mut g, &mut g_prev);
        }
        ws.grad_a = g;
        ws.grad_b = g_prev;
        ws.grad_z = dz;
    }

    /// The logits of the last forward pass in `ws`.
    pub fn logits<'a>(&self, ws: &'a Workspace<T>) -> &'a [T] {
        &ws.h[self.layers.len()]
    }
}

/// Batch-norm forward over `z` (`batch x n` row-major), writing `z_hat`, `u` and
/// `1 / sigma`. Training mode normalizes with the batch mean and biased variance and
/// updates the running statistics (unbiased variance, momentum 0.1); evaluation mode
/// normalizes with the running statistics.
#[allow(clippy::too_many_arguments)]
fn batch_norm_forward<T: Float>(
    z: &[T],
    n: usize,
    gamma: &[T],
    beta: &[T],
    running_mean: &mut [T],
    running_var: &mut [T],
    mode: Mode,
    eps: T,
    z_hat: &mut [T],
    u: &mut [T],
    inv_std: &mut [T],
) {
    let batch = z.len() / n;
    let bf = batch as f64;
    for j in 0..n {
        let (mean, var) = match mode {
            Mode::Train => {
                // Batch statistics accumulate in f64 (then round to T): batch norm's
                // backward pass amplifies their rounding error in deep f32 nets.
                let mean = (0..batch).map(|r| z[r * n + j].to_f64()).sum::<f64>() / bf;
                let ss = (0..batch)
                    .map(|r| (z[r * n + j].to_f64() - mean).powi(2))
                    .sum::<f64>();
                let var = ss / bf;
                let unbiased = if batch > 1 { ss / (bf - 1.0) } else { var };
                let m = T::from_f64(BN_MOMENTUM);
                running_mean[j] = (T::ONE - m) * running_mean[j] + m * T::from_f64(mean);
                running_var[j] = (T::ONE - m) * running_var[j] + m * T::from_f64(unbiased);
                (T::from_f64(mean), T::from_f64(var))
            }
            Mode::Eval => (running_mean[j], running_var[j]),
        };
        let is = T::ONE / (var + eps).sqrt();
        inv_std[j] = is;
        for r in 0..batch {
            let k = r * n + j;
            let zh = (z[k] - mean) * is;
            z_hat[k] = zh;
            u[k] = gamma[j] * zh + beta[j];
        }
    }
}

/// Batch-norm backward: on entry `d` holds `dL/du`; on exit `dL/dz`. Writes
/// `dL/dgamma = sum_B dL/du z_hat` and `dL/dbeta = sum_B dL/du`.
fn batch_norm_backward<T: Float>(
    d: &mut [T],
    n: usize,
    gamma: &[T],
    z_hat: &[T],
    inv_std: &[T],
    grad_gamma: &mut [T],
    grad_beta: &mut [T],
) {
    let batch = d.len() / n;
    let bf = T::from_f64(batch as f64);
    for j in 0..n {
        // Sums in f64, as for the forward statistics.
        let mut sum_du = 0.0;
        let mut sum_du_zh = 0.0;
        for r in 0..batch {
            let k = r * n + j;
            sum_du += d[k].to_f64();
            sum_du_zh += d[k].to_f64() * z_hat[k].to_f64();
        }
        let (sum_du, sum_du_zh) = (T::from_f64(sum_du), T::from_f64(sum_du_zh));
        grad_beta[j] = sum_du;
        grad_gamma[j] = sum_du_zh;
        // With dz_hat = gamma du:  dz = inv_std / B (B dz_hat - sum dz_hat - z_hat sum dz_hat z_hat).
        let scale = gamma[j] * inv_std[j] / bf;
        for r in 0..batch {
            let k = r * n + j;
            d[k] = scale * (bf * d[k] - sum_du - z_hat[k] * sum_du_zh);
        }
    }
}
