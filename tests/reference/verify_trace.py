"""Re-computes gradscope runs in JAX (float64) and checks every recorded number.

Usage:
    python tests/reference/verify_trace.py TRACE.json [TRACE.json ...]
    python tests/reference/verify_trace.py --gradscope target/release/gradscope

With --gradscope, it runs the CLI on a built-in set of configs that covers every
activation, loss, optimizer, clipping mode, batch norm, skip connections (with and without
a residual branch scale) and both precisions. For each config it takes two traces of the
same run: the full trace (with --splits, which adds the data set's train and test splits)
and the summary trace. Independently of gradscope's code it checks, for every step:

  full trace
  - the loss and every raw gradient, by jax.value_and_grad of the network written here
    from the spec (docs/numerics.md), on that step's recorded parameters and batch;
  - the clipped gradients, from the recorded raw ones (PyTorch's clipping rules);
  - the next step's parameters, by optax from the recorded parameters and clipped
    gradients (optimizer state carried across steps), and Adagrad's effective rate;

  summary trace, every number re-computed from the full trace
  - step: loss, batch accuracy, global gradient norm raw and clipped, whether clipping
    changed anything;
  - per layer: weight-gradient norm raw and clipped, RMS of dL/dz (delta_rms), weight norm,
    activation mean and standard deviation, flat share (|f'(u)| < 0.05 max|f'|), dead share
    (relu), update ratio ||dW|| / ||W|| (from the next step's recorded parameters), and the
    effective learning rate's mean, min and max (each optimizer's state kept here);
  - evaluation mode, on the steps the run evaluates: the test loss, train and test
    accuracy, with batch norm on running statistics (momentum 0.1, unbiased variance)
    accumulated here from every training step's batch.

Tolerance: the full trace's tensors to 1e-4 relative to each tensor's largest entry for
f32 runs, 1e-9 for f64; the summary's numbers to 1e-4 relative for f32, 1e-10 for f64.
Shares and accuracies are counts: they must lie between the counts with and without the
cases that sit within that tolerance of their threshold. Exits non-zero on any mismatch.
Given trace files instead of --gradscope, it checks the full traces only.
"""
import json
import math
import subprocess
import sys
import tempfile

import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_enable_x64", True)

ACT = {
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "relu": lambda x: jnp.where(x > 0, x, 0.0),
    "leaky_relu": lambda x: jnp.where(x > 0, x, 0.01 * x),
    "elu": jax.nn.elu,
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "selu": jax.nn.selu,
    "linear": lambda x: x,
}

SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
# max |f'|: gelu's at u = sqrt 2, where f'' = phi(u) (2 - u^2) vanishes.
MAX_SLOPE = {
    "sigmoid": 0.25,
    "tanh": 1.0,
    "relu": 1.0,
    "leaky_relu": 1.0,
    "elu": 1.0,
    "selu": SELU_LAMBDA * SELU_ALPHA,
    "gelu": (1 + math.erf(1)) / 2 + 1 / (math.e * math.sqrt(math.pi)),
}

BN_EPS = 1e-5
BN_MOMENTUM = 0.1


def num(v):
    if isinstance(v, str):
        return {"NaN": np.nan, "inf": np.inf, "-inf": -np.inf}[v]
    return v


def arr(v):
    if isinstance(v, list):
        return np.array([arr(x) for x in v], dtype=np.float64)
    return num(v)


class Loader:
    """Reads recorded numbers as the exact values the run computed with: an f32 run's
    numbers are written in f32's shortest form, so they are rounded back to f32."""

    def __init__(self, f32):
        self.f32 = f32

    def __call__(self, v):
        a = arr(v)
        if self.f32:
            a = np.asarray(a, dtype=np.float32).astype(np.float64)
        return a


class Mismatch(Exception):
    pass


def close(name, got, want, tol, scale_of=None):
    """Max |got - want| relative to the largest |want| (or of `scale_of`, when the value is
    a difference whose inputs set the size of its rounding error)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    scale = float(np.max(np.abs(want)))
    if scale_of is not None:
        scale = max(scale, float(np.max(np.abs(np.asarray(scale_of)))))
    scale = max(scale, 1e-30)
    err = float(np.max(np.abs(got - want))) / scale
    if not err <= tol:
        raise Mismatch(f"{name}: got {got}, want {want}, relative error {err:.3e} > {tol:.0e}")
    return err


def same_number(name, got, want, tol, scale=None):
    """A summary number against its re-computation: relative to |want| (or `scale`);
    non-finite values must match exactly."""
    got = num(got)
    if got is None:
        raise Mismatch(f"{name}: missing (null), want {want}")
    if not (np.isfinite(got) and np.isfinite(want)):
        if not (np.isnan(got) and np.isnan(want)) and got != want:
            raise Mismatch(f"{name}: got {got}, want {want}")
        return 0.0
    s = max(abs(want) if scale is None else scale, 1e-300)
    err = abs(got - want) / s
    if not err <= tol:
        raise Mismatch(f"{name}: got {got!r}, want {want!r}, relative error {err:.3e} > {tol:.0e}")
    return err


def within_counts(name, got_share, n, lo, hi):
    """A recorded share of `n` items must be a count between `lo` and `hi`."""
    if got_share is None:
        raise Mismatch(f"{name}: missing (null)")
    count = got_share * n
    if not (lo - 1e-9 <= count <= hi + 1e-9):
        raise Mismatch(f"{name}: {got_share} of {n} = {count}, want a count in [{lo}, {hi}]")


class Model:
    """The network and loss of numerics.md, written here from the spec."""

    def __init__(self, cfg):
        net = cfg["network"]
        self.f = ACT[net["activation"]]
        self.activation = net["activation"]
        self.depth = net["depth"]
        self.skip = net["skip_connections"]
        self.scale = net.get("residual_scale", 1.0)
        self.kind = cfg["loss"]
        self.fprime = jax.jit(jax.vmap(jax.grad(self.f)))
        self.value_and_grad = jax.jit(jax.value_and_grad(self._loss, argnums=(0, 1), has_aux=True))
        self.eval_logits = jax.jit(lambda params, x, stats: self.forward(params, x, None, stats)[0])

    def forward(self, params, x, eps, stats=None):
        """Logits and per hidden layer (z, u, a). `eps[l]` is added to layer l's linear
        output (its gradient is dL/dz); `stats` (running mean, var per layer) selects
        evaluation mode."""
        h = x
        inter = []
        for l in range(self.depth):
            p = params[l]
            z = h @ p["W"].T + p["b"]
            if eps is not None:
                z = z + eps[l]
            if "gamma" in p:
                if stats is None:
                    mean = z.mean(axis=0)
                    var = ((z - mean) ** 2).mean(axis=0)
                else:
                    mean, var = stats[l]
                u = p["gamma"] * (z - mean) / jnp.sqrt(var + BN_EPS) + p["beta"]
            else:
                u = z
            a = self.f(u)
            inter.append((z, u, a))
            if self.skip and h.shape[1] == a.shape[1]:
                h = h + self.scale * a
            else:
                h = a
        p = params[self.depth]
        o = h @ p["W"].T + p["b"]
        if eps is not None:
            o = o + eps[self.depth]
        return o, inter

    def loss_of(self, o, y):
        if self.kind == "mse":
            return jnp.mean((o - y) ** 2)
        if self.kind == "bce":
            return jnp.mean(jnp.maximum(o, 0) - o * y + jnp.log1p(jnp.exp(-jnp.abs(o))))
        return jnp.mean(-jnp.sum(y * jax.nn.log_softmax(o, axis=1), axis=1))

    def _loss(self, params, eps, x, y):
        o, inter = self.forward(params, x, eps)
        return self.loss_of(o, y), (o, inter)


def make_optimizer(o):
    k, lr = o["kind"], o["lr"]
    wd = o.get("weight_decay", 0.0)
    if k == "sgd":
        tx = optax.sgd(lr)
    elif k in ("momentum", "nesterov"):
        tx = optax.sgd(lr, momentum=o["momentum"], nesterov=k == "nesterov")
    elif k == "adagrad":
        tx = optax.adagrad(lr, initial_accumulator_value=o["initial_accumulator"], eps=o["eps"])
    elif k == "rmsprop":
        tx = optax.rmsprop(lr, decay=o["alpha"], eps=o["eps"], eps_in_sqrt=False)
    elif k == "adadelta":
        tx = optax.adadelta(lr, rho=o["rho"], eps=o["eps"])
    elif k == "adam":
        tx = optax.adam(lr, b1=o["beta1"], b2=o["beta2"], eps=o["eps"])
    elif k == "adamw":
        return optax.adamw(lr, b1=o["beta1"], b2=o["beta2"], eps=o["eps"], weight_decay=wd)
    else:
        raise SystemExit(f"unknown optimizer {k}")
    return optax.chain(optax.add_decayed_weights(wd), tx) if wd else tx


class EffectiveRate:
    """Each optimizer's effective learning rate per weight of W after a step, as
    numerics.md defines it, with the optimizer's state kept here in numpy (float64)."""

    def __init__(self, o):
        self.o = o
        self.t = 0
        self.state = None

    def step(self, grads_w, params_w):
        o, k = self.o, self.o["kind"]
        lr = o["lr"]
        if k in ("sgd", "momentum", "nesterov"):
            return [np.full(np.shape(g), lr) for g in grads_w]
        self.t += 1
        wd = 0.0 if k == "adamw" else o.get("weight_decay", 0.0)
        if self.state is None:
            start = o["initial_accumulator"] if k == "adagrad" else 0.0
            self.state = [
                {"v": np.full(np.shape(g), start), "u": np.zeros(np.shape(g))} for g in grads_w
            ]
        out = []
        for g, p, s in zip(grads_w, params_w, self.state):
            g = np.asarray(g) + wd * np.asarray(p)
            if k == "adagrad":
                s["v"] = s["v"] + g * g
                out.append(lr / np.sqrt(s["v"] + o["eps"]))
            elif k == "rmsprop":
                s["v"] = o["alpha"] * s["v"] + (1 - o["alpha"]) * g * g
                out.append(lr / (np.sqrt(s["v"]) + o["eps"]))
            elif k in ("adam", "adamw"):
                b1, b2 = o["beta1"], o["beta2"]
                s["v"] = b2 * s["v"] + (1 - b2) * g * g
                step_size = lr / (1 - b1**self.t)
                out.append(step_size / (np.sqrt(s["v"]) / np.sqrt(1 - b2**self.t) + o["eps"]))
            elif k == "adadelta":
                rho, eps = o["rho"], o["eps"]
                s["v"] = rho * s["v"] + (1 - rho) * g * g
                scale = np.sqrt(s["u"] + eps) / np.sqrt(s["v"] + eps)
                s["u"] = rho * s["u"] + (1 - rho) * (scale * g) ** 2
                out.append(lr * scale)
            else:
                raise SystemExit(f"unknown optimizer {k}")
        return out


def clip(cfg, grads):
    c = cfg["clip"]
    leaves = jax.tree_util.tree_leaves(grads)
    if c["kind"] == "value":
        t = c["threshold"]
        return jax.tree_util.tree_map(lambda g: jnp.clip(g, -t, t), grads)
    if c["kind"] == "norm":
        total = jnp.sqrt(sum(jnp.sum(g * g) for g in leaves))
        factor = jnp.minimum(1.0, c["threshold"] / (total + 1e-6))
        return jax.tree_util.tree_map(lambda g: g * factor, grads)
    return grads


def clipping_changes(cfg, grads, tol):
    """Whether clipping changes any gradient: True, False, or None when it is within the
    tolerance of the threshold."""
    c = cfg["clip"]
    leaves = [np.asarray(g) for g in jax.tree_util.tree_leaves(grads)]
    if c["kind"] == "none":
        return False
    if c["kind"] == "value":
        top = max(float(np.max(np.abs(g))) for g in leaves)
    else:
        top = math.sqrt(sum(float(np.sum(g * g)) for g in leaves)) + 1e-6
    t = c["threshold"]
    if abs(top - t) <= tol * t:
        return None
    return top > t


def l2(a):
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.sum(a * a)))


def grads_of(layer, prefix, load):
    return {k: jnp.asarray(load(layer[prefix + k])) for k in ("W", "b", "gamma", "beta") if prefix + k in layer}


def predictions(o, threshold):
    """Predicted classes and each row's margin from the decision."""
    o = np.asarray(o)
    if o.shape[1] == 1:
        return (o[:, 0] > threshold).astype(np.float64), np.abs(o[:, 0] - threshold)
    top2 = np.sort(o, axis=1)[:, -2:]
    return np.argmax(o, axis=1).astype(np.float64), top2[:, 1] - top2[:, 0]


def check_accuracy(name, got, o, labels, threshold, tol):
    """`got` must be the share of correct rows, give or take rows whose decision sits within
    the tolerance of a tie."""
    pred, margin = predictions(o, threshold)
    scale = max(float(np.max(np.abs(np.asarray(o)))), 1.0)
    firm = margin > tol * scale
    correct = pred == np.asarray(labels)
    lo = int(np.sum(correct & firm))
    hi = int(np.sum(correct | ~firm))
    within_counts(name, got, len(labels), lo, hi)


def verify(doc, label, summary=None):
    cfg = doc["config"]
    f32 = cfg.get("precision", "f32") == "f32"
    load = Loader(f32)
    tol = 1e-4 if f32 else 1e-9
    stol = 1e-4 if f32 else 1e-10
    model = Model(cfg)
    tx = make_optimizer(cfg["optimizer"])
    rates = EffectiveRate(cfg["optimizer"])
    steps = doc["steps"]
    classification = cfg["dataset"]["kind"] != "sine"
    threshold = 0.5 if cfg["loss"] == "mse" else 0.0
    records = None
    splits = {}
    if summary is not None:
        records = summary["steps"]
        if len(records) != len(steps):
            raise Mismatch(f"{label}: summary has {len(records)} steps, full trace {len(steps)}")
        for name in ("train", "test"):
            if name not in doc:
                raise Mismatch(f"{label}: the full trace lacks the {name} split (run it with --splits)")
            s = doc[name]
            splits[name] = (jnp.asarray(load(s["x"])), jnp.asarray(load(s["y"])), arr(s["labels"]))
    # Running batch-norm statistics, per hidden layer: mean 0 and variance 1 at the start.
    width = cfg["network"]["width"]
    running = [(jnp.zeros(width), jnp.ones(width)) for _ in range(model.depth)]
    opt_state = None
    worst = 0.0
    worst_summary = 0.0
    evaluations = 0
    checked = 0
    for i, step in enumerate(steps):
        params = [{k: jnp.asarray(load(layer[k])) for k in ("W", "b", "gamma", "beta") if k in layer}
                  for layer in step["layers"]]
        x, y = jnp.asarray(load(step["x"])), jnp.asarray(load(step["y"]))
        where = f"{label} step {i}"
        if records is not None:
            # Evaluation comes first in a step: this step's parameters, the running
            # statistics of the steps before it.
            worst_summary = max(worst_summary, check_evaluation(
                records[i], i, cfg, model, params, running, splits, classification, threshold, stol, where))
            evaluations += records[i]["test_loss"] is not None
        eps = [jnp.zeros((x.shape[0], p["W"].shape[0])) for p in params]
        (loss, (logits, inter)), (grads, dz) = model.value_and_grad(params, eps, x, y)
        if not np.isfinite(num(step["loss"])):
            break
        worst = max(worst, close(f"{where} loss", num(step["loss"]), loss, tol))
        raw = [grads_of(layer, "grad_", load) for layer in step["layers"]]
        clipped = [grads_of(layer, "clipped_grad_", load) for layer in step["layers"]]
        for l, (g_trace, g_jax) in enumerate(zip(raw, grads)):
            for k in g_trace:
                # Batch-norm layers' biases get exactly-cancelling gradients: compare them
                # against the layer's W gradient scale instead of their own (~0) scale.
                want = g_jax[k]
                if k == "b" and "gamma" in g_trace:
                    err = float(np.max(np.abs(np.asarray(g_trace[k]) - np.asarray(want))))
                    err /= max(float(np.max(np.abs(np.asarray(g_jax["W"])))), 1e-30)
                    if err > tol:
                        raise Mismatch(f"{where} layer {l} grad_b: {err:.3e}")
                    continue
                worst = max(worst, close(f"{where} layer {l} grad_{k}", g_trace[k], want, tol))
        expected_clipped = clip(cfg, raw)
        for l, (a, b) in enumerate(zip(clipped, expected_clipped)):
            for k in a:
                close(f"{where} layer {l} clipped_grad_{k}", a[k], b[k], tol)
        if opt_state is None:
            opt_state = tx.init(params)
        updates, opt_state = tx.update(clipped, opt_state, params)
        predicted = optax.apply_updates(params, updates)
        eff = rates.step([c["W"] for c in clipped], [p["W"] for p in params])
        if "eff_lr_W" in step["layers"][0]:
            # Adagrad: G += (g + weight_decay p)^2, effective rate lr / sqrt(G + eps).
            for l, layer in enumerate(step["layers"]):
                close(f"{where} layer {l} eff_lr_W", load(layer["eff_lr_W"]), eff[l], tol)
        nxt = steps[i + 1]["layers"] if i + 1 < len(steps) else doc["final_layers"]
        next_params = []
        for l, layer in enumerate(nxt):
            got = {k: jnp.asarray(load(layer[k])) for k in ("W", "b", "gamma", "beta") if k in layer}
            next_params.append(got)
            for k in got:
                # p - update rounds relative to p, so p sets the scale (an update that
                # nearly cancels p leaves a small result with f32 rounding of p's size).
                err = close(f"{where} layer {l} updated {k}", got[k], predicted[l][k], tol, params[l][k])
                worst = max(worst, err)
        if records is not None:
            worst_summary = max(worst_summary, check_record(
                records[i], cfg, model, params, next_params, x, y, logits, inter, grads, dz, eff,
                classification, threshold, tol, stol, where))
        # The training forward pass updates the running statistics (unbiased variance).
        for l, (z, _, _) in enumerate(inter):
            if "gamma" in params[l]:
                batch = z.shape[0]
                mean = z.mean(axis=0)
                ss = ((z - mean) ** 2).sum(axis=0)
                unbiased = ss / (batch - 1) if batch > 1 else ss / batch
                rm, rv = running[l]
                running[l] = ((1 - BN_MOMENTUM) * rm + BN_MOMENTUM * mean,
                              (1 - BN_MOMENTUM) * rv + BN_MOMENTUM * unbiased)
        checked += 1
    return checked, worst, worst_summary, evaluations


def check_evaluation(rec, i, cfg, model, params, running, splits, classification, threshold, tol, where):
    """The test loss and accuracies of step i, evaluation mode, from the splits."""
    every = cfg.get("eval_every", 25)
    due = every > 0 and i % every == 0
    if not due:
        for k in ("test_loss", "train_accuracy", "test_accuracy"):
            if rec[k] is not None:
                raise Mismatch(f"{where}: {k} recorded on a step that does not evaluate")
        return 0.0
    if rec["test_loss"] is None:
        raise Mismatch(f"{where}: no test_loss on an evaluation step (eval_every {every})")
    worst = 0.0
    for name in ("train", "test"):
        sx, sy, labels = splits[name]
        o = model.eval_logits(params, sx, running)
        if name == "test":
            worst = same_number(f"{where} test_loss", rec["test_loss"], float(model.loss_of(o, sy)), tol)
        key = f"{name}_accuracy"
        if classification:
            check_accuracy(f"{where} {key}", rec[key], o, labels, threshold, tol)
        elif rec[key] is not None:
            raise Mismatch(f"{where}: {key} on a regression")
    return worst


def check_record(rec, cfg, model, params, next_params, x, y, logits, inter, grads, dz, eff,
                 classification, threshold, tol, stol, where):
    """Every number of the summary's record of this step, re-computed."""
    worst = same_number(f"{where} summary loss", rec["loss"], float(model.loss_of(logits, y)), stol)
    if rec["non_finite"]:
        raise Mismatch(f"{where}: recorded non-finite on a finite step")
    if classification:
        y = np.asarray(y)
        labels = y[:, 0] if y.shape[1] == 1 else np.argmax(y, axis=1)
        check_accuracy(f"{where} batch_accuracy", rec["batch_accuracy"], logits, labels, threshold, tol)
    elif rec["batch_accuracy"] is not None:
        raise Mismatch(f"{where}: batch_accuracy on a regression")
    clipped = clip(cfg, grads)
    total = math.sqrt(sum(float(np.sum(np.asarray(g) ** 2)) for g in jax.tree_util.tree_leaves(grads)))
    total_clipped = math.sqrt(sum(float(np.sum(np.asarray(g) ** 2)) for g in jax.tree_util.tree_leaves(clipped)))
    worst = max(worst, same_number(f"{where} grad_norm", rec["grad_norm"], total, stol))
    worst = max(worst, same_number(f"{where} clipped_grad_norm", rec["clipped_grad_norm"], total_clipped, stol))
    changes = clipping_changes(cfg, grads, tol)
    if changes is not None and rec["clipped"] != changes:
        raise Mismatch(f"{where}: clipped {rec['clipped']}, want {changes}")
    depth = model.depth
    if len(rec["layers"]) != depth + 1:
        raise Mismatch(f"{where}: {len(rec['layers'])} layer records, want {depth + 1}")
    for l, lr in enumerate(rec["layers"]):
        w = f"{where} layer {l}"
        W = np.asarray(params[l]["W"])
        gW, cW = np.asarray(grads[l]["W"]), np.asarray(clipped[l]["W"])
        worst = max(worst, same_number(f"{w} grad_norm", lr["grad_norm"], l2(gW), stol))
        worst = max(worst, same_number(f"{w} clipped_grad_norm", lr["clipped_grad_norm"], l2(cW), stol))
        d = np.asarray(dz[l])
        worst = max(worst, same_number(f"{w} delta_rms", lr["delta_rms"], float(np.sqrt(np.mean(d * d))), stol))
        worst = max(worst, same_number(f"{w} weight_norm", lr["weight_norm"], l2(W), stol))
        values = np.asarray(inter[l][2] if l < depth else logits)
        rms = float(np.sqrt(np.mean(values * values)))
        # The mean may be near 0: its rounding is relative to the values' size.
        worst = max(worst, same_number(f"{w} act_mean", lr["act_mean"], float(np.mean(values)), stol, scale=rms))
        worst = max(worst, same_number(f"{w} act_std", lr["act_std"], float(np.std(values)), stol, scale=rms))
        check_shares(lr, l < depth, model, np.asarray(inter[l][1]) if l < depth else None, tol, w)
        change = np.asarray(next_params[l]["W"]) - W
        ratio = np.float64(l2(change)) / np.float64(l2(W))
        worst = max(worst, same_number(f"{w} update_ratio", lr["update_ratio"], float(ratio), stol))
        e = eff[l]
        worst = max(worst, same_number(f"{w} eff_lr_mean", lr["eff_lr_mean"], float(np.mean(e)), stol))
        worst = max(worst, same_number(f"{w} eff_lr_min", lr["eff_lr_min"], float(np.min(e)), stol))
        worst = max(worst, same_number(f"{w} eff_lr_max", lr["eff_lr_max"], float(np.max(e)), stol))
    return worst


def check_shares(rec, hidden, model, u, tol, where):
    """Flat share (every activation but linear) and dead share (relu), hidden layers only."""
    act = model.activation
    if not hidden or act == "linear":
        for k in ("flat_share", "dead_share"):
            if rec[k] is not None:
                raise Mismatch(f"{where}: {k} {rec[k]}, want null")
        return
    slope = np.abs(np.asarray(model.fprime(jnp.asarray(u.ravel()))))
    limit = 0.05 * MAX_SLOPE[act]
    window = tol * MAX_SLOPE[act]
    lo = int(np.sum(slope < limit - window))
    hi = int(np.sum(slope < limit + window))
    within_counts(f"{where} flat_share", rec["flat_share"], slope.size, lo, hi)
    if act != "relu":
        if rec["dead_share"] is not None:
            raise Mismatch(f"{where}: dead_share {rec['dead_share']} for {act}, want null")
        return
    # Dead: f'(u) = 0 (u <= 0) for every example; units within the tolerance of 0 may go
    # either way.
    margin = tol * max(float(np.max(np.abs(u))), 1e-30)
    lo = int(np.sum(np.all(u < -margin, axis=0)))
    hi = int(np.sum(np.all(u <= margin, axis=0)))
    within_counts(f"{where} dead_share", rec["dead_share"], u.shape[1], lo, hi)


CONFIGS = [
    # Every activation, with each loss and mitigation spread across them.
    {"network": {"depth": 4, "width": 6, "activation": "tanh"}, "optimizer": {"kind": "adagrad", "lr": 0.1}},
    {"network": {"depth": 4, "width": 6, "activation": "sigmoid", "init": "standard"}, "optimizer": {"kind": "sgd"},
     "clip": {"kind": "norm", "threshold": 0.05}},
    {"network": {"depth": 5, "width": 8, "activation": "relu", "init": "he_normal", "batch_norm": True},
     "optimizer": {"kind": "momentum"}},
    {"network": {"depth": 5, "width": 8, "activation": "leaky_relu", "init": "he_uniform", "skip_connections": True},
     "optimizer": {"kind": "nesterov"}, "clip": {"kind": "value", "threshold": 0.01}},
    {"network": {"depth": 4, "width": 6, "activation": "elu", "init": "orthogonal", "batch_norm": True,
                 "skip_connections": True}, "optimizer": {"kind": "rmsprop"}},
    {"network": {"depth": 4, "width": 6, "activation": "gelu", "init": "xavier_normal"},
     "optimizer": {"kind": "adadelta"}, "dataset": {"kind": "spiral3"}},
    {"network": {"depth": 4, "width": 6, "activation": "selu", "init": "lecun_normal"},
     "optimizer": {"kind": "adam", "weight_decay": 0.01}, "dataset": {"kind": "xor"}, "loss": "mse"},
    {"network": {"depth": 3, "width": 5, "activation": "linear", "init": "normal", "init_std": 0.4},
     "optimizer": {"kind": "adamw"}, "dataset": {"kind": "sine"}},
    {"network": {"depth": 3, "width": 4, "activation": "tanh", "batch_norm": True, "skip_connections": True},
     "optimizer": {"kind": "adagrad", "lr": 0.5, "initial_accumulator": 0.1, "weight_decay": 0.001},
     "dataset": {"kind": "gaussians"}, "clip": {"kind": "norm", "threshold": 0.1}, "precision": "f64"},
    {"network": {"depth": 6, "width": 8, "activation": "relu", "batch_norm": True}, "dataset": {"kind": "spiral3"},
     "loss": "mse", "optimizer": {"kind": "sgd", "weight_decay": 0.01}, "batch_size": 8},
    # A residual branch scale, with batch norm in the branch (f32) and without it, the
    # first layer skipping too because inputs == width (f64).
    {"network": {"depth": 6, "width": 8, "activation": "relu", "init": "he_normal", "batch_norm": True,
                 "skip_connections": True, "residual_scale": 0.4}, "optimizer": {"kind": "adam"},
     "dataset": {"kind": "spiral"}, "clip": {"kind": "norm", "threshold": 0.5}},
    {"network": {"depth": 5, "width": 2, "activation": "gelu", "skip_connections": True, "residual_scale": 0.3},
     "optimizer": {"kind": "rmsprop"}, "precision": "f64"},
    # Relu without batch norm at a large step: units die, so the dead share is non-trivial.
    {"network": {"depth": 6, "width": 8, "activation": "relu", "init": "normal", "init_std": 0.7},
     "optimizer": {"kind": "sgd", "lr": 0.5}, "dataset": {"kind": "xor"}},
]

STEPS = 12
# Evaluate every 4 steps, so the running statistics of several steps are checked too.
EVAL_EVERY = 4


def run_cli(binary, cfg, steps):
    cfg = dict(cfg)
    cfg.setdefault("eval_every", EVAL_EVERY)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    base = [binary, "run", "--config", f.name, "--steps", str(steps)]
    full = subprocess.run(base + ["--trace", "full", "--splits"], check=True, capture_output=True, text=True).stdout
    summary = subprocess.run(base, check=True, capture_output=True, text=True).stdout
    return json.loads(full), json.loads(summary)


def self_check():
    """The maximum slopes used for the flat share, against the derivatives JAX computes."""
    # A dense grid, and a point just left of 0 (selu's largest slope is the limit there).
    xs = jnp.concatenate([jnp.linspace(-8.0, 8.0, 160001), jnp.array([-1e-9])])
    for act, top in MAX_SLOPE.items():
        d = np.abs(np.asarray(jax.vmap(jax.grad(ACT[act]))(xs)))
        if not (float(np.max(d)) <= top * (1 + 1e-12) and float(np.max(d)) >= top - 1e-4):
            raise SystemExit(f"max slope of {act}: grid max {float(np.max(d))}, table {top}")


def main(argv):
    self_check()
    if len(argv) >= 2 and argv[0] == "--gradscope":
        docs = []
        for i, cfg in enumerate(CONFIGS):
            full, summary = run_cli(argv[1], cfg, STEPS)
            docs.append((f"config {i}", full, summary))
    else:
        docs = [(p, json.load(open(p)), None) for p in argv]
    if not docs:
        raise SystemExit(__doc__)
    failed = 0
    for label, doc, summary in docs:
        try:
            checked, worst, worst_summary, evaluations = verify(doc, label, summary)
            if checked == 0:
                raise Mismatch("no step checked")
            if summary is not None and evaluations == 0:
                raise Mismatch("no evaluation step checked")
            extra = ""
            if summary is not None:
                extra = f"; summary: {checked} steps, {evaluations} evaluations, worst relative error {worst_summary:.2e}"
            print(f"ok {label}: {checked} steps, worst relative error {worst:.2e}{extra}")
        except Mismatch as e:
            failed += 1
            print(f"FAILED {label}: {e}")
    print(f"{len(docs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
