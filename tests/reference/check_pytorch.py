"""Checks 'continue in PyTorch': the script gradscope exports reproduces gradscope's run.

Usage (with a Python that has torch and numpy, e.g. target/torchenv/bin/python):
    python tests/reference/check_pytorch.py --gradscope target/release/gradscope [--steps 20]

For each config of a built-in table (every optimizer; clipping none, value and norm;
batch norm on and off; skip connections; f32 and f64; mse, bce and cross_entropy; every
activation), it
  1. writes the script with `gradscope export pytorch --steps N`,
  2. runs it with this Python (`--json`), which trains the network in PyTorch,
  3. runs `gradscope run --steps N --format json` (the summary trace),
and compares, step by step, the loss, the global gradient norm before and after
clipping, every layer's weight-gradient norm before and after clipping, and at the
evaluation steps the test loss and the train and test accuracy (but see EVAL_NOISE). Unlike
verify_trace.py, nothing is reset between steps: the PyTorch run goes its own way for
N steps, so rounding differences accumulate (f32 runs usually stay within 1e-5).
Tolerance: relative 1e-4 for f32 runs, 1e-9 for f64. Exits non-zero on any mismatch.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

# A driver-only key: this config's evaluation-mode numbers (test loss, accuracies) are
# not compared. With batch norm, the bias b of the linear layer before it has a gradient
# of zero in exact arithmetic, so in a real run it is rounding noise (about 1e-9 in f32),
# and a different one in PyTorch. RMSprop and Adam divide by the gradient's own size, so
# in f32 (noise well above eps) they turn that noise into steps of about lr/10 with a
# random sign. Training mode never sees b (the batch mean removes it), but the running
# mean follows it, so evaluation-mode numbers drift apart by a few percent. In f64 the
# noise (about 1e-17) stays far below eps and the numbers agree.
EVAL_NOISE = "compare_eval_off"

CONFIGS = [
    # A scaled residual branch (h + s * a), the fix for plain skips growing with depth.
    {"network": {"depth": 10, "width": 8, "activation": "relu", "init": "he_normal",
                 "skip_connections": True, "residual_scale": 0.3}, "optimizer": {"kind": "adam"}},
    {"network": {"depth": 6, "width": 8, "activation": "tanh"}, "optimizer": {"kind": "sgd"}},
    {"network": {"depth": 6, "width": 8, "activation": "sigmoid", "init": "standard"},
     "optimizer": {"kind": "momentum"}, "clip": {"kind": "norm", "threshold": 0.05},
     "dataset": {"kind": "xor"}, "loss": "mse"},
    {"network": {"depth": 5, "width": 8, "activation": "relu", "init": "he_normal", "batch_norm": True},
     "optimizer": {"kind": "momentum", "weight_decay": 0.01}, "clip": {"kind": "value", "threshold": 0.05},
     "dataset": {"kind": "spiral3"}, "eval_every": 5},
    {"network": {"depth": 5, "width": 8, "activation": "leaky_relu", "init": "he_uniform",
                 "skip_connections": True},
     "optimizer": {"kind": "nesterov"}, "clip": {"kind": "value", "threshold": 0.01}},
    # Training numbers only (see EVAL_NOISE): f32, batch norm and RMSprop.
    {"network": {"depth": 4, "width": 6, "activation": "elu", "init": "orthogonal", "batch_norm": True,
                 "skip_connections": True},
     "optimizer": {"kind": "rmsprop", "weight_decay": 0.001}, "eval_every": 4, EVAL_NOISE: True},
    {"network": {"depth": 4, "width": 6, "activation": "gelu", "init": "xavier_normal"},
     "optimizer": {"kind": "adadelta"}, "clip": {"kind": "norm", "threshold": 1.0},
     "dataset": {"kind": "spiral3"}},
    {"network": {"depth": 4, "width": 6, "activation": "selu", "init": "lecun_normal"},
     "optimizer": {"kind": "adam", "weight_decay": 0.01}, "dataset": {"kind": "xor"}, "loss": "mse"},
    {"network": {"depth": 3, "width": 5, "activation": "linear", "init": "normal", "init_std": 0.4},
     "optimizer": {"kind": "adamw"}, "dataset": {"kind": "sine"}, "precision": "f64"},
    {"network": {"depth": 3, "width": 4, "activation": "tanh", "batch_norm": True, "skip_connections": True},
     "optimizer": {"kind": "adagrad", "lr": 0.5, "initial_accumulator": 0.1, "weight_decay": 0.001},
     "dataset": {"kind": "gaussians"}, "clip": {"kind": "norm", "threshold": 0.1}, "precision": "f64",
     "eval_every": 5},
    # Deep sigmoid: small gradients, where Adagrad's eps placement matters.
    {"network": {"depth": 8, "width": 8, "activation": "sigmoid", "init": "standard"},
     "optimizer": {"kind": "adagrad"}},
    {"network": {"depth": 4, "width": 8, "activation": "gelu", "batch_norm": True},
     "optimizer": {"kind": "adam"}, "clip": {"kind": "value", "threshold": 0.1},
     "dataset": {"kind": "spiral3"}, "loss": "mse", "precision": "f64", "eval_every": 5},
    {"network": {"depth": 5, "width": 8, "activation": "relu", "init": "he_uniform", "skip_connections": True},
     "optimizer": {"kind": "sgd", "lr": 0.05}, "dataset": {"kind": "spiral"}, "loss": "cross_entropy",
     "precision": "f64", "batch_size": 32},
]

TOLERANCE = {"f32": 1e-4, "f64": 1e-9}


def num(v):
    if isinstance(v, str):
        return {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return v


def rel_err(a, b):
    a, b = num(a), num(b)
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if math.isfinite(scale) else math.inf


def compare(torch_steps, ours, compare_eval=True):
    """(worst relative error, where) over every compared number; raises on a missing one."""
    if len(torch_steps) != len(ours):
        raise AssertionError(f"{len(torch_steps)} steps from PyTorch, {len(ours)} from gradscope")
    worst = (0.0, "")
    for t, g in zip(torch_steps, ours):
        pairs = [(k, t[k], g[k]) for k in ("loss", "grad_norm", "clipped_grad_norm")]
        if len(t["layers"]) != len(g["layers"]):
            raise AssertionError(f"step {g['step']}: {len(t['layers'])} layers, gradscope {len(g['layers'])}")
        for l, (tl, gl) in enumerate(zip(t["layers"], g["layers"])):
            for k in ("grad_norm", "clipped_grad_norm"):
                pairs.append((f"layer {l + 1} {k}", tl[k], gl[k]))
        for k in ("test_loss", "train_accuracy", "test_accuracy") if compare_eval else ():
            if g.get(k) is not None or k in t:
                if k not in t or g.get(k) is None:
                    raise AssertionError(f"step {g['step']}: {k} only on one side")
                pairs.append((k, t[k], g[k]))
        for name, a, b in pairs:
            e = rel_err(a, b)
            if e > worst[0] or math.isnan(e):
                worst = (e, f"step {g['step']} {name}: torch {a!r}, gradscope {b!r}")
    return worst


def check(gradscope, config, steps, workdir, index):
    cfg_path = os.path.join(workdir, f"config{index}.json")
    compare_eval = not config.get(EVAL_NOISE, False)
    with open(cfg_path, "w") as f:
        json.dump({k: v for k, v in config.items() if k != EVAL_NOISE}, f)
    script = os.path.join(workdir, f"gradscope_run{index}.py")
    out_json = os.path.join(workdir, f"torch{index}.json")
    subprocess.run([gradscope, "export", "pytorch", "--config", cfg_path, "--steps", str(steps),
                    "--out", script], check=True)
    subprocess.run([sys.executable, script, "--json", out_json], check=True, stdout=subprocess.DEVNULL)
    trace = subprocess.run([gradscope, "run", "--config", cfg_path, "--steps", str(steps), "--format", "json"],
                           check=True, capture_output=True, text=True).stdout
    with open(out_json) as f:
        torch_run = json.load(f)
    summary = json.loads(trace)
    return summary["config"]["precision"], compare(torch_run["steps"], summary["steps"], compare_eval)


def describe(config):
    n = config.get("network", {})
    parts = [n.get("activation", "tanh"), config.get("optimizer", {}).get("kind", "sgd")]
    clip = config.get("clip", {}).get("kind", "none")
    if clip != "none":
        parts.append(f"clip {clip}")
    if n.get("batch_norm"):
        parts.append("bn")
    if n.get("skip_connections"):
        parts.append("skip")
    parts.append(config.get("dataset", {}).get("kind", "circles"))
    if "loss" in config:
        parts.append(config["loss"])
    parts.append(config.get("precision", "f32"))
    if config.get(EVAL_NOISE):
        parts.append("training numbers only")
    return ", ".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradscope", required=True, help="the gradscope binary")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    import torch  # fail early, and say which torch was used

    print(f"PyTorch {torch.__version__}, {args.steps} steps per config")
    failed = 0
    worst_by_precision = {}
    with tempfile.TemporaryDirectory() as workdir:
        for i, config in enumerate(CONFIGS):
            try:
                precision, (err, where) = check(args.gradscope, config, args.steps, workdir, i)
            except (AssertionError, subprocess.CalledProcessError) as e:
                failed += 1
                print(f"FAIL {i:2d} {describe(config)}: {e}")
                continue
            ok = err <= TOLERANCE[precision]
            failed += not ok
            prev = worst_by_precision.get(precision, (0.0, ""))
            if err > prev[0]:
                worst_by_precision[precision] = (err, f"config {i}, {where}")
            print(f"{'ok  ' if ok else 'FAIL'} {i:2d} {describe(config)}: worst relative error {err:.1e}"
                  + ("" if ok else f" > {TOLERANCE[precision]:.0e} at {where}"))
    for precision, (err, where) in sorted(worst_by_precision.items()):
        print(f"worst {precision}: {err:.2e} ({where})")
    print(f"{len(CONFIGS) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
