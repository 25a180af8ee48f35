//! "Continue in PyTorch": a self-contained Python script, generated from a run, that
//! rebuilds the same network in PyTorch and reproduces the run step by step.
//!
//! The script embeds everything that comes from gradscope's random streams: the exact
//! initial parameters, the generated train/test splits and the row indices of every
//! recorded step's minibatch. The rest is written the way a PyTorch user would write it
//! (`nn.Linear`, `nn.BatchNorm1d`, the activation from `torch.nn.functional`,
//! `clip_grad_norm_`/`clip_grad_value_`, `torch.optim`), with one exception that
//! docs/numerics.md explains: gradscope's Adagrad keeps `eps` inside the square root,
//! so the script writes that update by hand. It prints per step the loss and per layer the
//! weight-gradient norm before and after clipping, and writes them with `--json` in the
//! shape of the summary trace; `tests/reference/check_pytorch.py` compares the two.
//!
//! Values are written in the run's precision: an f32 run's numbers as the shortest
//! decimal that turns back into the same f32 (through Python's float and then
//! `torch.float32`), an f64 run's as Python's shortest round-trip form, so the script
//! starts from bit-identical parameters and data.

use crate::config::{Config, Precision};
use crate::engine::activation::Activation;
use crate::engine::clip::Clip;
use crate::engine::data::Dataset;
use crate::engine::loss::Loss;
use crate::engine::network::LayerShape;
use crate::engine::optim::OptimizerSpec;
use crate::engine::session::Run;

/// Most minibatch row indices a script embeds (steps times batch size): about 10 MB of
/// Python at most.
pub const MAX_BATCH_ROWS: u64 = 2_000_000;

/// What a script embeds from a run: its initial parameters, data and minibatches.
#[derive(Clone, Debug)]
pub struct RunData {
    pub precision: Precision,
    /// Where each layer's parameters sit in `params`.
    pub layers: Vec<LayerShape>,
    /// The initial parameters in the flat layout, exactly the run's values.
    pub params: Vec<f64>,
    /// The generated train and test splits.
    pub dataset: Dataset,
    /// The training rows of each recorded step's minibatch.
    pub batches: Vec<Vec<usize>>,
}

impl RunData {
    /// Builds the run of a resolved `config` (nothing is trained) and takes what a script
    /// for its first `steps` steps needs.
    pub fn capture(config: &Config, steps: u64) -> Result<RunData, String> {
        let rows = steps.saturating_mul(config.batch_size as u64);
        if rows > MAX_BATCH_ROWS {
            return Err(format!(
                "{steps} steps of batch_size {} would embed {rows} row indices; at most \
                 {MAX_BATCH_ROWS} (fewer steps or a smaller batch)",
                config.batch_size
            ));
        }
        let run = Run::new(config.spec(), config.precision, 1);
        Ok(RunData {
            precision: config.precision,
            layers: run.layers().to_vec(),
            params: run.params_f64(),
            dataset: run.dataset().clone(),
            batches: run.upcoming_batches(steps as usize),
        })
    }
}

/// The script for the first `steps` steps of a resolved `config`.
pub fn script_for(config: &Config, steps: u64) -> Result<String, String> {
    Ok(script(config, &RunData::capture(config, steps)?))
}

/// The Python script that continues `config`'s run in PyTorch, from `data` (captured
/// from the same config by [`RunData::capture`]).
pub fn script(config: &Config, data: &RunData) -> String {
    let p = data.precision;
    let arch = config.arch();
    let loss = config.loss();
    let classification = data.dataset.kind.classes().is_some();
    let steps = data.batches.len();
    let (dtype, dtype_note) = match p {
        Precision::F32 => ("torch.float32", "f32"),
        Precision::F64 => ("torch.float64", "f64"),
    };
    let replacements: Vec<(&str, String)> = vec![
        ("@@VERSION@@", env!("CARGO_PKG_VERSION").to_string()),
        ("@@STEPS@@", steps.to_string()),
        ("@@CONFIG@@", config.to_json()),
        (
            "@@DTYPE@@",
            format!("{dtype}  # precision \"{dtype_note}\""),
        ),
        ("@@INPUTS@@", arch.inputs.to_string()),
        ("@@OUTPUTS@@", arch.outputs.to_string()),
        ("@@DEPTH@@", arch.depth.to_string()),
        ("@@WIDTH@@", arch.width.to_string()),
        ("@@BATCH_SIZE@@", config.batch_size.to_string()),
        ("@@EVAL_EVERY@@", config.eval_every.to_string()),
        ("@@SEED@@", config.seed.to_string()),
        ("@@ACTIVATION@@", activation_code(arch.activation)),
        ("@@BN_INIT@@", bn_init(arch.batch_norm)),
        (
            "@@FORWARD@@",
            forward_code(
                arch.batch_norm,
                arch.skip_connections,
                residual_scale(config),
            ),
        ),
        ("@@LOSS_FN@@", loss_code(loss)),
        (
            "@@TARGETS@@",
            targets_code(loss, classification, arch.outputs),
        ),
        (
            "@@PREDICT@@",
            predict_code(loss, classification, arch.outputs),
        ),
        ("@@CLIP@@", clip_code(config.clip.spec())),
        ("@@OPTIMIZER@@", optimizer_code(&config.spec().optimizer)),
        (
            "@@CLASSIC_ADAGRAD@@",
            adagrad_class(&config.spec().optimizer),
        ),
        ("@@INITIAL@@", initial_code(data)),
        (
            "@@TRAIN_X@@",
            rows_code(&data.dataset.train_x, data.dataset.inputs, p),
        ),
        (
            "@@TEST_X@@",
            rows_code(&data.dataset.test_x, data.dataset.inputs, p),
        ),
        (
            "@@TRAIN_Y@@",
            labels_code(&data.dataset.train_y, classification, p),
        ),
        (
            "@@TEST_Y@@",
            labels_code(&data.dataset.test_y, classification, p),
        ),
        ("@@BATCHES@@", batches_code(&data.batches)),
    ];
    let mut s = TEMPLATE.to_string();
    for (key, value) in replacements {
        s = s.replace(key, &value);
    }
    s
}

/// `v` as a Python float literal that becomes exactly the run's value: for f32, the
/// shortest decimal of the f32 if Python's float of it rounds back to that f32 (it does
/// unless the decimal lies right on a rounding boundary), else the f32's exact f64 form.
fn lit(v: f64, p: Precision) -> String {
    if !v.is_finite() {
        return format!("float(\"{v}\")");
    }
    match p {
        Precision::F64 => format!("{v:?}"),
        Precision::F32 => {
            let x = v as f32;
            let short = format!("{x:?}");
            if short.parse::<f64>().is_ok_and(|d| d as f32 == x) {
                short
            } else {
                format!("{:?}", x as f64)
            }
        }
    }
}

/// Items joined by ", " and wrapped to lines of about 100 characters, each line starting
/// with `indent`.
fn wrap(items: impl Iterator<Item = String>, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for item in items {
        if !line.is_empty() && indent.len() + line.len() + item.len() > 96 {
            out.push_str(indent);
            out.push_str(line.trim_end());
            out.push('\n');
            line.clear();
        }
        line.push_str(&item);
        line.push_str(", ");
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn list(values: &[f64], p: Precision) -> String {
    format!(
        "[{}]",
        values
            .iter()
            .map(|&v| lit(v, p))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn rows_code(flat: &[f64], cols: usize, p: Precision) -> String {
    wrap(flat.chunks(cols.max(1)).map(|r| list(r, p)), "    ")
}

fn labels_code(labels: &[f64], classification: bool, p: Precision) -> String {
    if classification {
        wrap(labels.iter().map(|&y| format!("{}", y as i64)), "    ")
    } else {
        wrap(labels.iter().map(|&y| lit(y, p)), "    ")
    }
}

fn batches_code(batches: &[Vec<usize>]) -> String {
    let mut s = String::new();
    for rows in batches {
        let items: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        s.push_str(&format!("    [{}],\n", items.join(", ")));
    }
    s
}

fn initial_code(data: &RunData) -> String {
    let p = data.precision;
    let last = data.layers.len().saturating_sub(1);
    let mut s = String::new();
    for (l, shape) in data.layers.iter().enumerate() {
        let name = if l == last {
            "output layer".to_string()
        } else {
            format!("hidden layer {}", l + 1)
        };
        s.push_str(&format!(
            "    {{  # {name}: {} -> {}\n        \"W\": [\n",
            shape.n_in, shape.n_out
        ));
        let w = &data.params[shape.w_range()];
        for row in w.chunks(shape.n_in.max(1)) {
            let one_line = list(row, p);
            if one_line.len() <= 120 {
                s.push_str(&format!("            {one_line},\n"));
            } else {
                let text = wrap(row.iter().map(|&v| lit(v, p)), "                ");
                s.push_str("            [\n");
                s.push_str(&text);
                s.push_str("            ],\n");
            }
        }
        s.push_str("        ],\n");
        let n = shape.n_out;
        s.push_str(&format!(
            "        \"b\": {},\n",
            list(&data.params[shape.b..shape.b + n], p)
        ));
        if let Some((g, beta)) = shape.bn {
            s.push_str(&format!(
                "        \"gamma\": {},\n        \"beta\": {},\n",
                list(&data.params[g..g + n], p),
                list(&data.params[beta..beta + n], p)
            ));
        }
        s.push_str("    },\n");
    }
    s
}

fn activation_code(act: Activation) -> String {
    let (body, note) = match act {
        Activation::Sigmoid => ("torch.sigmoid(u)", "sigmoid"),
        Activation::Tanh => ("torch.tanh(u)", "tanh"),
        Activation::Relu => ("F.relu(u)", "relu"),
        Activation::LeakyRelu => (
            "F.leaky_relu(u, negative_slope=0.01)",
            "leaky_relu, slope 0.01 below 0",
        ),
        Activation::Elu => ("F.elu(u, alpha=1.0)", "elu, alpha 1"),
        Activation::Gelu => (
            "F.gelu(u, approximate=\"none\")",
            "gelu, the exact erf form (not the tanh approximation)",
        ),
        Activation::Selu => (
            "F.selu(u)",
            "selu: lambda 1.0507009873554805, alpha 1.6732632423543773",
        ),
        Activation::Linear => ("u", "linear: no activation"),
    };
    format!("def activation(u):\n    \"\"\"{note}\"\"\"\n    return {body}\n")
}

fn bn_init(batch_norm: bool) -> String {
    if batch_norm {
        "        # Batch norm on every hidden layer, before the activation. Training mode\n\
         \x20       # normalizes with the batch mean and biased variance; the running statistics\n\
         \x20       # (unbiased variance, momentum 0.1) serve evaluation mode only.\n\
         \x20       self.norms = nn.ModuleList(\n\
         \x20           nn.BatchNorm1d(WIDTH, eps=1e-5, momentum=0.1) for _ in range(DEPTH)\n\
         \x20       )\n"
            .to_string()
    } else {
        String::new()
    }
}

/// `network.residual_scale` (`s` in `h + s * a`), read from the config's JSON so that this
/// module builds whether or not the config has the field yet; 1 (the plain sum) without it.
fn residual_scale(config: &Config) -> f64 {
    serde_json::to_value(config)
        .ok()
        .and_then(|v| v["network"]["residual_scale"].as_f64())
        .unwrap_or(1.0)
}

fn forward_code(batch_norm: bool, skip: bool, scale: f64) -> String {
    let mut s = String::from("            z = self.hidden[i](h)\n");
    if batch_norm {
        s.push_str("            z = self.norms[i](z)\n");
    }
    s.push_str("            a = activation(z)\n");
    if skip && scale != 1.0 {
        s.push_str(&format!(
            "            # Skip connection wherever the layer's input and output widths match,\n\
             \x20           # the branch scaled by network.residual_scale.\n\
             \x20           h = h + {scale:?} * a if h.shape[1] == a.shape[1] else a\n",
        ));
    } else if skip {
        s.push_str(
            "            # Skip connection wherever the layer's input and output widths match.\n\
             \x20           h = h + a if h.shape[1] == a.shape[1] else a\n",
        );
    } else {
        s.push_str("            h = a\n");
    }
    s
}

fn loss_code(loss: Loss) -> String {
    match loss {
        Loss::Mse => "nn.MSELoss()  # mean over batch and outputs".into(),
        Loss::Bce => "nn.BCEWithLogitsLoss()  # sigmoid and binary cross entropy in one".into(),
        Loss::CrossEntropy => "nn.CrossEntropyLoss()  # softmax and cross entropy in one".into(),
    }
}

fn targets_code(loss: Loss, classification: bool, outputs: usize) -> String {
    let body = match loss {
        Loss::CrossEntropy => "torch.tensor(labels, dtype=torch.long)  # class indices",
        Loss::Mse if classification && outputs > 1 => {
            "F.one_hot(torch.tensor(labels, dtype=torch.long), OUTPUTS).to(DTYPE)  # one-hot rows"
        }
        _ if classification => {
            "torch.tensor(labels, dtype=DTYPE).reshape(-1, 1)  # 0/1, one column"
        }
        _ => "torch.tensor(labels, dtype=DTYPE).reshape(-1, 1)  # the regression target",
    };
    format!("    return {body}\n")
}

fn predict_code(loss: Loss, classification: bool, outputs: usize) -> String {
    if !classification {
        "    return None  # regression: no classes\n".into()
    } else if outputs == 1 {
        let threshold = if loss == Loss::Mse { "0.5" } else { "0.0" };
        format!("    return (logits[:, 0] > {threshold}).long()\n")
    } else {
        "    return logits.argmax(dim=1)\n".into()
    }
}

fn clip_code(clip: Clip) -> String {
    match clip {
        Clip::None => "    pass  # no clipping\n".into(),
        Clip::Value(t) => format!(
            "    # Clamp every gradient element to [-{t:?}, {t:?}].\n    \
             torch.nn.utils.clip_grad_value_(model.parameters(), clip_value={t:?})\n"
        ),
        Clip::Norm(t) => format!(
            "    # Scale all gradients together by min(1, {t:?} / (total norm + 1e-6)).\n    \
             torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm={t:?})\n"
        ),
    }
}

fn optimizer_code(spec: &OptimizerSpec) -> String {
    match *spec {
        OptimizerSpec::Sgd { lr, weight_decay } => {
            format!("torch.optim.SGD(params, lr={lr:?}, weight_decay={weight_decay:?})")
        }
        OptimizerSpec::Momentum {
            lr,
            momentum,
            weight_decay,
        } => format!(
            "torch.optim.SGD(params, lr={lr:?}, momentum={momentum:?}, weight_decay={weight_decay:?})"
        ),
        OptimizerSpec::Nesterov {
            lr,
            momentum,
            weight_decay,
        } => format!(
            "torch.optim.SGD(\n        params, lr={lr:?}, momentum={momentum:?}, nesterov=True, \
             weight_decay={weight_decay:?}\n    )"
        ),
        OptimizerSpec::Adagrad {
            lr,
            eps,
            initial_accumulator,
            weight_decay,
        } => format!(
            "ClassicAdagrad(\n        params, lr={lr:?}, eps={eps:?}, \
             initial_accumulator={initial_accumulator:?}, weight_decay={weight_decay:?}\n    )"
        ),
        OptimizerSpec::Rmsprop {
            lr,
            alpha,
            eps,
            weight_decay,
        } => format!(
            "torch.optim.RMSprop(params, lr={lr:?}, alpha={alpha:?}, eps={eps:?}, \
             weight_decay={weight_decay:?})"
        ),
        OptimizerSpec::Adadelta {
            lr,
            rho,
            eps,
            weight_decay,
        } => format!(
            "torch.optim.Adadelta(params, lr={lr:?}, rho={rho:?}, eps={eps:?}, \
             weight_decay={weight_decay:?})"
        ),
        OptimizerSpec::Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } => format!(
            "torch.optim.Adam(\n        params, lr={lr:?}, betas=({beta1:?}, {beta2:?}), eps={eps:?}, \
             weight_decay={weight_decay:?}\n    )"
        ),
        OptimizerSpec::Adamw {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } => format!(
            "torch.optim.AdamW(  # weight decay decoupled: p *= 1 - lr * weight_decay first\n        \
             params, lr={lr:?}, betas=({beta1:?}, {beta2:?}), eps={eps:?}, \
             weight_decay={weight_decay:?}\n    )"
        ),
    }
}

/// The hand-written Adagrad, only for runs that use it.
fn adagrad_class(spec: &OptimizerSpec) -> String {
    if matches!(spec, OptimizerSpec::Adagrad { .. }) {
        ADAGRAD.to_string()
    } else {
        String::new()
    }
}

const ADAGRAD: &str = r#"

class ClassicAdagrad(torch.optim.Optimizer):
    """Adagrad as gradscope computes it (Duchi et al. 2011; also optax's adagrad):

        G = G + g^2                 (G starts at initial_accumulator)
        p = p - lr * g / sqrt(G + eps)

    with eps INSIDE the square root. torch.optim.Adagrad divides by sqrt(G) + eps
    instead, which gives a very different step while G is small (up to lr / eps
    rather than lr / sqrt(eps)), so it is written out here.
    """

    def __init__(self, params, lr, eps, initial_accumulator, weight_decay):
        defaults = dict(
            lr=lr, eps=eps, initial_accumulator=initial_accumulator, weight_decay=weight_decay
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p  # L2 decay, after clipping
                state = self.state[p]
                if "sum" not in state:
                    state["sum"] = torch.full_like(p, group["initial_accumulator"])
                state["sum"] += g * g
                p -= group["lr"] / torch.sqrt(state["sum"] + group["eps"]) * g
"#;

const TEMPLATE: &str = r#"#!/usr/bin/env python3
"""A gradscope run, continued in PyTorch.

gradscope @@VERSION@@ wrote this script from a run (its config is CONFIG below). It
builds the same network in PyTorch, starts it from exactly the same initial weights,
and trains it on exactly the same data and minibatches, with the same loss, gradient
clipping and optimizer. For the first @@STEPS@@ steps the numbers it prints (the loss,
and for every layer the norm of the weight gradient before and after clipping) match
gradscope's up to floating-point rounding.

How to run it (needs Python 3 with torch and numpy: pip install torch numpy):

    python gradscope_run.py                   # the @@STEPS@@ recorded steps
    python gradscope_run.py --steps 1000      # keep training past them
    python gradscope_run.py --json out.json   # also write every number as JSON

Past step @@STEPS@@ the minibatches come from a seeded numpy shuffle instead of
gradscope's generator: from there on the run is PyTorch's own. Change anything you
like (the optimizer, the learning rate, the network) and watch what happens.
"""
import argparse
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = json.loads(
    """
@@CONFIG@@
"""
)

DTYPE = @@DTYPE@@
INPUTS = @@INPUTS@@
OUTPUTS = @@OUTPUTS@@
DEPTH = @@DEPTH@@  # hidden layers
WIDTH = @@WIDTH@@  # units per hidden layer
BATCH_SIZE = @@BATCH_SIZE@@
EVAL_EVERY = @@EVAL_EVERY@@  # evaluate on the whole splits every this many steps (0: never)
SEED = @@SEED@@  # seeds the minibatches after the recorded ones


@@ACTIVATION@@

class MLP(nn.Module):
    """DEPTH hidden layers of WIDTH units, then a linear output layer (the logits)."""

    def __init__(self):
        super().__init__()
        sizes = [INPUTS] + [WIDTH] * DEPTH
        self.hidden = nn.ModuleList(nn.Linear(sizes[i], sizes[i + 1]) for i in range(DEPTH))
@@BN_INIT@@        self.output = nn.Linear(WIDTH, OUTPUTS)

    def forward(self, x):
        h = x
        for i in range(DEPTH):
@@FORWARD@@        return self.output(h)

    def linear_layers(self):
        """The layers whose weight-gradient norms are reported, input to output."""
        return list(self.hidden) + [self.output]


def load_initial_parameters(model):
    """Copies gradscope's initial parameters into the model."""
    with torch.no_grad():
        for i, layer in enumerate(model.linear_layers()):
            p = INITIAL_PARAMETERS[i]
            layer.weight.copy_(torch.tensor(p["W"], dtype=DTYPE))
            layer.bias.copy_(torch.tensor(p["b"], dtype=DTYPE))
            if "gamma" in p:
                model.norms[i].weight.copy_(torch.tensor(p["gamma"], dtype=DTYPE))
                model.norms[i].bias.copy_(torch.tensor(p["beta"], dtype=DTYPE))


def make_optimizer(model):
    params = model.parameters()
    return @@OPTIMIZER@@
@@CLASSIC_ADAGRAD@@

def clip_gradients(model):
@@CLIP@@

def targets(labels):
    """The loss's targets for a list of labels."""
@@TARGETS@@

def predicted_class(logits):
    """The class each row of logits predicts (for accuracy)."""
@@PREDICT@@

def norm(t):
    """L2 norm, accumulated in float64 as gradscope does (a float32 sum of squares can overflow)."""
    return t.double().norm().item()


def weight_grad_norms(model):
    return [norm(layer.weight.grad) for layer in model.linear_layers()]


def total_grad_norm(model):
    return math.sqrt(sum(norm(p.grad) ** 2 for p in model.parameters()))


def evaluate(model, loss_fn, train, test):
    """Whole-split loss and accuracy in evaluation mode (batch norm's running statistics)."""
    model.eval()
    out = {}
    with torch.no_grad():
        for name, (x, y, labels) in (("train", train), ("test", test)):
            if len(labels) == 0:
                continue
            logits = model(x)
            predicted = predicted_class(logits)
            if name == "test":
                out["test_loss"] = loss_fn(logits, y).item()
            if predicted is not None:
                accuracy = (predicted == labels).double().mean().item()
                out[name + "_accuracy"] = accuracy
    model.train()
    return out


def minibatches():
    """The recorded minibatches (row indices into TRAIN_X), then fresh seeded epochs."""
    yield from BATCHES
    rng = np.random.default_rng(SEED)
    n = len(TRAIN_Y)
    while True:
        order = rng.permutation(n)
        for start in range(0, n - BATCH_SIZE + 1, BATCH_SIZE):
            yield order[start : start + BATCH_SIZE].tolist()


def json_number(v):
    """Non-finite numbers as gradscope's traces write them."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=len(BATCHES), help="steps to train")
    parser.add_argument("--json", metavar="FILE", help="write every step's numbers to FILE")
    parser.add_argument("--print-every", type=int, default=1, metavar="N", help="print every N steps")
    args = parser.parse_args()

    model = MLP().to(DTYPE)
    load_initial_parameters(model)
    model.train()
    optimizer = make_optimizer(model)
    loss_fn = @@LOSS_FN@@
    train_x = torch.tensor(TRAIN_X, dtype=DTYPE)
    train_y = targets(TRAIN_Y)
    train = (train_x, train_y, torch.tensor(TRAIN_Y).long())
    test_x = torch.tensor(TEST_X, dtype=DTYPE).reshape(-1, INPUTS)
    test = (test_x, targets(TEST_Y), torch.tensor(TEST_Y).long())

    print("|dW| is each layer's weight-gradient norm, first hidden layer to output layer;")
    print("'clipped' is the same after gradient clipping, as the optimizer receives it.")
    records = []
    diverged_at = None
    batches = minibatches()
    for step in range(args.steps):
        rows = torch.tensor(next(batches))
        record = {"step": step}
        if EVAL_EVERY > 0 and step % EVAL_EVERY == 0:
            record.update(evaluate(model, loss_fn, train, test))

        optimizer.zero_grad()
        loss = loss_fn(model(train_x[rows]), train_y[rows])
        loss.backward()

        raw, raw_total = weight_grad_norms(model), total_grad_norm(model)
        if math.isfinite(loss.item()) and math.isfinite(raw_total):
            clip_gradients(model)
            clipped, clipped_total = weight_grad_norms(model), total_grad_norm(model)
            optimizer.step()
        else:
            # A non-finite loss or gradient: gradscope records the step and stops.
            clipped, clipped_total = raw, raw_total
            diverged_at = step

        record["loss"] = loss.item()
        record["grad_norm"] = raw_total
        record["clipped_grad_norm"] = clipped_total
        record["layers"] = [{"grad_norm": r, "clipped_grad_norm": c} for r, c in zip(raw, clipped)]
        records.append(record)
        if step % args.print_every == 0 or diverged_at is not None:
            line = f"step {step:5d}  loss {record['loss']:.6g}  |dW| " + " ".join(f"{r:.3e}" for r in raw)
            if clipped != raw:
                line += "  clipped " + " ".join(f"{c:.3e}" for c in clipped)
            if "test_loss" in record:
                line += f"  test loss {record['test_loss']:.6g}"
            print(line)
        if diverged_at is not None:
            print(f"the loss or a gradient is not finite at step {step}: the run diverged")
            break

    if args.json:
        for record in records:
            for key in ("loss", "grad_norm", "clipped_grad_norm", "test_loss"):
                if key in record:
                    record[key] = json_number(record[key])
            for layer in record["layers"]:
                for key in layer:
                    layer[key] = json_number(layer[key])
        with open(args.json, "w") as f:
            json.dump({"config": CONFIG, "steps": records, "diverged_at": diverged_at}, f)


# ---- The run's data, exactly as gradscope generated it ---------------------------------

# Per layer: W (out x in, as nn.Linear holds it), b, and batch norm's gamma and beta.
INITIAL_PARAMETERS = [
@@INITIAL@@]

# Inputs (one row per example) and labels of the training and test splits.
TRAIN_X = [
@@TRAIN_X@@]
TRAIN_Y = [
@@TRAIN_Y@@]
TEST_X = [
@@TEST_X@@]
TEST_Y = [
@@TEST_Y@@]

# The rows of TRAIN_X in each recorded step's minibatch, in order.
BATCHES = [
@@BATCHES@@]

if __name__ == "__main__":
    main()
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::from_json(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn f32_literals_turn_back_into_the_same_f32() {
        for x in [
            0.1f32, -1.5e-7, 3.4e38, 1e-45, 0.0, -0.0, 16777217.0, 0.3333333,
        ] {
            let s = lit(x as f64, Precision::F32);
            let back = s.parse::<f64>().map(|d| d as f32);
            assert_eq!(back, Ok(x), "{s}");
        }
        assert_eq!(lit(0.1, Precision::F64), "0.1");
        assert_eq!(lit(1e-8, Precision::F64), "1e-8");
    }

    #[test]
    fn the_script_embeds_the_run_and_names_its_parts() {
        let c = config(
            r#"{"network": {"depth": 3, "width": 5, "activation": "gelu", "batch_norm": true,
                "skip_connections": true}, "optimizer": {"kind": "adagrad"},
                "clip": {"kind": "norm", "threshold": 0.5}, "dataset": {"kind": "spiral3"}}"#,
        );
        let data = RunData::capture(&c, 7).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(data.batches.len(), 7);
        assert_eq!(
            data.params.len(),
            2 * 5 + 5 + 2 * (5 * 5 + 5) + 3 * 10 + 5 * 3 + 3
        );
        let s = script(&c, &data);
        assert!(!s.contains("@@"), "a placeholder is left");
        for needle in [
            "python gradscope_run.py",
            "pip install torch numpy",
            "DTYPE = torch.float32",
            "nn.BatchNorm1d(WIDTH, eps=1e-5, momentum=0.1)",
            "F.gelu(u, approximate=\"none\")",
            "h = h + a if h.shape[1] == a.shape[1] else a",
            "nn.CrossEntropyLoss()",
            "clip_grad_norm_(model.parameters(), max_norm=0.5)",
            "ClassicAdagrad(",
            "torch.sqrt(state[\"sum\"] + group[\"eps\"])",
            "\"gamma\": [1.0, 1.0, 1.0, 1.0, 1.0]",
        ] {
            assert!(s.contains(needle), "missing {needle}");
        }
        // The first recorded batch, as a Python list.
        let first: Vec<String> = data.batches[0].iter().map(|r| r.to_string()).collect();
        assert!(s.contains(&format!("    [{}],\n", first.join(", "))));
    }

    #[test]
    fn each_optimizer_is_torch_s_own_but_adagrad() {
        for (kind, needle) in [
            ("sgd", "torch.optim.SGD(params, lr=0.1, weight_decay=0.0)"),
            ("momentum", "momentum=0.9, weight_decay"),
            ("nesterov", "nesterov=True"),
            (
                "rmsprop",
                "torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8",
            ),
            (
                "adadelta",
                "torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6",
            ),
            ("adam", "torch.optim.Adam("),
            ("adamw", "weight_decay=0.01"),
        ] {
            let c = config(&format!(r#"{{"optimizer": {{"kind": "{kind}"}}}}"#));
            let s = script_for(&c, 2).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.contains(needle), "{kind}: missing {needle}");
            assert!(!s.contains("ClassicAdagrad"), "{kind}");
        }
    }

    #[test]
    fn too_many_embedded_rows_is_an_error() {
        let c = config(r#"{"batch_size": 100, "dataset": {"samples": 2000}}"#);
        let e = script_for(&c, 1_000_000).err().unwrap_or_default();
        assert!(e.contains("at most") && !e.contains('\n'), "{e}");
    }
}
