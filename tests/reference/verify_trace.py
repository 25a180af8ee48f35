"""Re-computes a gradscope full trace in JAX (float64) and checks every recorded number.

Usage:
    python tests/reference/verify_trace.py TRACE.json [TRACE.json ...]
    python tests/reference/verify_trace.py --gradscope target/release/gradscope

With --gradscope, it runs the CLI on a built-in set of configs that covers every
activation, loss, optimizer, clipping mode, batch norm and skip connections, and checks
each trace. For every step it checks, independently of gradscope's code:
  - the loss and every raw gradient, by jax.value_and_grad of the network written here
    from the spec (shared/spec/numerics.md), on that step's recorded parameters and batch;
  - the clipped gradients, from the recorded raw ones (PyTorch's clipping rules);
  - the next step's parameters, by optax from the recorded parameters and clipped
    gradients (optimizer state carried across steps), and Adagrad's effective rate.
Tolerance: 1e-4 relative to each tensor's largest entry for f32 runs, 1e-9 for f64.
Exits non-zero on the first mismatch.
"""
import json
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


def num(v):
    if isinstance(v, str):
        return {"NaN": np.nan, "inf": np.inf, "-inf": -np.inf}[v]
    return v


def arr(v):
    if isinstance(v, list):
        return np.array([arr(x) for x in v], dtype=np.float64)
    return num(v)


def layer_params(layer):
    keys = [k for k in ("W", "b", "gamma", "beta") if k in layer]
    return {k: jnp.asarray(arr(layer[k])) for k in keys}


def make_loss(cfg):
    net = cfg["network"]
    f = ACT[net["activation"]]
    depth = net["depth"]
    kind = cfg["loss"]

    def forward(params, x):
        h = x
        for l in range(depth):
            p = params[l]
            z = h @ p["W"].T + p["b"]
            if "gamma" in p:
                mean = z.mean(axis=0)
                var = ((z - mean) ** 2).mean(axis=0)
                z = p["gamma"] * (z - mean) / jnp.sqrt(var + 1e-5) + p["beta"]
            a = f(z)
            h = h + a if net["skip_connections"] and h.shape[1] == a.shape[1] else a
        p = params[depth]
        return h @ p["W"].T + p["b"]

    def loss(params, x, y):
        o = forward(params, x)
        if kind == "mse":
            return jnp.mean((o - y) ** 2)
        if kind == "bce":
            return jnp.mean(jnp.maximum(o, 0) - o * y + jnp.log1p(jnp.exp(-jnp.abs(o))))
        return jnp.mean(-jnp.sum(y * jax.nn.log_softmax(o, axis=1), axis=1))

    return jax.jit(jax.value_and_grad(loss))


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
        raise Mismatch(f"{name}: relative error {err:.3e} > {tol:.0e}")
    return err


def grads_of(layer, prefix):
    return {k: jnp.asarray(arr(layer[prefix + k])) for k in ("W", "b", "gamma", "beta") if prefix + k in layer}


def verify(doc, label):
    cfg = doc["config"]
    tol = 1e-4 if cfg.get("precision", "f32") == "f32" else 1e-9
    value_and_grad = make_loss(cfg)
    tx = make_optimizer(cfg["optimizer"])
    steps = doc["steps"]
    opt_state = None
    accumulator = None
    worst = 0.0
    checked = 0
    for i, step in enumerate(steps):
        params = [layer_params(layer) for layer in step["layers"]]
        x, y = jnp.asarray(arr(step["x"])), jnp.asarray(arr(step["y"]))
        loss, grads = value_and_grad(params, x, y)
        if not np.isfinite(num(step["loss"])):
            break
        where = f"{label} step {i}"
        worst = max(worst, close(f"{where} loss", num(step["loss"]), loss, tol))
        raw = [grads_of(layer, "grad_") for layer in step["layers"]]
        clipped = [grads_of(layer, "clipped_grad_") for layer in step["layers"]]
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
        if "eff_lr_W" in step["layers"][0]:
            # Adagrad: G += (g + weight_decay p)^2, effective rate lr / sqrt(G + eps).
            o = cfg["optimizer"]
            if accumulator is None:
                accumulator = [np.full(np.shape(p["W"]), o["initial_accumulator"]) for p in params]
            for l, layer in enumerate(step["layers"]):
                g = np.asarray(clipped[l]["W"]) + o["weight_decay"] * np.asarray(params[l]["W"])
                accumulator[l] = accumulator[l] + g * g
                eff = o["lr"] / np.sqrt(accumulator[l] + o["eps"])
                close(f"{where} layer {l} eff_lr_W", arr(layer["eff_lr_W"]), eff, tol)
        nxt = steps[i + 1]["layers"] if i + 1 < len(steps) else doc["final_layers"]
        for l, layer in enumerate(nxt):
            got = layer_params(layer)
            for k in got:
                # p - update rounds relative to p, so p sets the scale (an update that
                # nearly cancels p leaves a small result with f32 rounding of p's size).
                err = close(f"{where} layer {l} updated {k}", got[k], predicted[l][k], tol, params[l][k])
                worst = max(worst, err)
        checked += 1
    return checked, worst


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
]


def run_cli(binary, cfg, steps):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    out = subprocess.run([binary, "run", "--config", f.name, "--steps", str(steps), "--trace", "full"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main(argv):
    if len(argv) >= 2 and argv[0] == "--gradscope":
        docs = [(f"config {i}", run_cli(argv[1], cfg, 12)) for i, cfg in enumerate(CONFIGS)]
    else:
        docs = [(p, json.load(open(p))) for p in argv]
    if not docs:
        raise SystemExit(__doc__)
    failed = 0
    for label, doc in docs:
        try:
            checked, worst = verify(doc, label)
            if checked == 0:
                raise Mismatch("no step checked")
            print(f"ok {label}: {checked} steps, worst relative error {worst:.2e}")
        except Mismatch as e:
            failed += 1
            print(f"FAILED {label}: {e}")
    print(f"{len(docs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
