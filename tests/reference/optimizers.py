"""Reference numbers for gradscope's optimizer and clipping tests, computed with optax.

Run: python tests/reference/optimizers.py   (needs jax, optax; float64 throughout)
Prints the parameters after each of 5 steps from p0 with the fixed gradient sequence G,
for every optimizer configuration the Rust tests check (engine/src/optim/tests.rs).
"""
import jax
import jax.numpy as jnp
import optax

jax.config.update("jax_enable_x64", True)

P0 = jnp.array([0.5, -1.5, 2.0, 0.1])
G = jnp.array([
    [0.3, -0.2, 1.5, -0.01],
    [0.25, -0.4, 0.9, 0.02],
    [-0.1, -0.3, 1.2, 0.0],
    [0.05, 0.5, -0.7, 0.03],
    [0.2, -0.1, 0.4, -0.05],
])


def run(tx):
    p = P0
    state = tx.init(p)
    out = []
    for g in G:
        updates, state = tx.update(g, state, p)
        p = optax.apply_updates(p, updates)
        out.append([float(v) for v in p])
    return out


def l2(wd, tx):
    # PyTorch's weight_decay: g + wd * p before the optimizer.
    return optax.chain(optax.add_decayed_weights(wd), tx)


CASES = {
    "sgd": optax.sgd(0.1),
    "sgd_wd": l2(0.05, optax.sgd(0.1)),
    "momentum": optax.sgd(0.1, momentum=0.9),
    "nesterov": optax.sgd(0.1, momentum=0.9, nesterov=True),
    "adagrad": optax.adagrad(0.1, initial_accumulator_value=0.0, eps=1e-8),
    "adagrad_init": optax.adagrad(0.5, initial_accumulator_value=0.1, eps=1e-8),
    "rmsprop": optax.rmsprop(0.01, decay=0.99, eps=1e-8, eps_in_sqrt=False),
    "adadelta": optax.adadelta(1.0, rho=0.9, eps=1e-6),
    "adam": optax.adam(0.01, b1=0.9, b2=0.999, eps=1e-8),
    "adam_wd": l2(0.1, optax.adam(0.01, b1=0.9, b2=0.999, eps=1e-8)),
    "adamw": optax.adamw(0.01, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01),
}

for name, tx in CASES.items():
    rows = run(tx)
    print(f"{name}: [")
    for r in rows:
        print("    [" + ", ".join(repr(v) for v in r) + "],")
    print("]")

# Adagrad's effective learning rate lr / sqrt(G + eps) after each step (case "adagrad").
acc = jnp.zeros(4)
print("adagrad_eff_lr: [")
for g in G:
    acc = acc + g * g
    print("    [" + ", ".join(repr(float(v)) for v in 0.1 / jnp.sqrt(acc + 1e-8)) + "],")
print("]")

# Clipping of one gradient vector: value (optax.clip) and global norm (PyTorch's rule,
# scale by min(1, threshold / (norm + 1e-6))).
g = jnp.array([3.0, -4.0, 0.5, -0.25, 12.0])
print("clip_value_1:", [float(v) for v in optax.clip(1.0).update(g, None)[0]])
norm = jnp.sqrt(jnp.sum(g * g))
print("norm:", repr(float(norm)))
print("clip_norm_2:", [float(v) for v in g * jnp.minimum(1.0, 2.0 / (norm + 1e-6))])
