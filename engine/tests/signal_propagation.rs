//! Signal-propagation facts at initialization (shared/spec/numerics.md, last section),
//! averaged over 20 seeds on a 20-layer, 64-wide net with 256 standard-normal inputs.
//!
//! Toward the input, the variance of the back-propagated signal `delta = dL/dz` changes
//! per layer by `n Var(W) E[f'(z)^2]`: 1/3 for tanh + standard, 1/2 for relu + xavier,
//! 1 for relu + he, 32 for relu + N(0, 1). The tolerances are tight enough that a wrong
//! init variance or a wrong derivative fails (each neighbouring answer is at least 1.5x
//! away). With sigmoid + standard init the weight-gradient norms themselves fall about 7x
//! per layer; with skip connections the first layer's weight gradient stays within 10x of
//! the last hidden layer's at depth 50. With relu, he init and skips, the forward signal's
//! variance at least doubles per layer for the plain sum (s = 1) and grows only a few times
//! over all 20 layers with the branch scale `s = 1/sqrt(depth)`.

use gradscope_engine::activation::Activation;
use gradscope_engine::init::Init;
use gradscope_engine::network::{Arch, Mode, Network};
use gradscope_engine::rng::{Rng, Stream};

const SEEDS: u64 = 20;
const BATCH: usize = 256;

/// One initialized net's backward pass: per layer `(mean square of dL/dz, ||dL/dW||)`,
/// hidden layers first.
fn backward_profile(arch: &Arch, init: Init, init_std: f64, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = Rng::new(seed, Stream::Init);
    let mut net = Network::<f64>::new(arch.clone(), init, init_std, 1.0, &mut rng);
    let mut ws = net.workspace(BATCH);
    let mut data = Rng::new(seed, Stream::Data);
    for v in ws.h[0].iter_mut() {
        *v = data.normal();
    }
    net.forward(&mut ws, Mode::Train);
    // A standard-normal gradient at the logits: the ratios do not depend on its scale.
    let dlogits: Vec<f64> = (0..BATCH * arch.outputs).map(|_| data.normal()).collect();
    let mut grads = vec![0.0; net.params.len()];
    net.backward(&mut ws, &dlogits, &mut grads);
    net.layers
        .iter()
        .enumerate()
        .map(|(l, shape)| {
            let gw = grads[shape.w_range()]
                .iter()
                .map(|g| g * g)
                .sum::<f64>()
                .sqrt();
            (ws.delta_rms[l].powi(2), gw)
        })
        .collect()
}

fn arch(depth: usize, activation: Activation, skip: bool) -> Arch {
    Arch {
        inputs: 64,
        outputs: 10,
        depth,
        width: 64,
        activation,
        batch_norm: false,
        skip_connections: skip,
        residual_scale: 1.0,
    }
}

/// Geometric mean over hidden layers and seeds of `value(l - 1) / value(l)`, i.e. the
/// per-layer factor toward the input, for `value` picked from the profile.
fn per_layer_factor(
    activation: Activation,
    init: Init,
    init_std: f64,
    pick: fn(&(f64, f64)) -> f64,
) -> f64 {
    let a = arch(20, activation, false);
    let mut log_sum = 0.0;
    let mut count = 0.0;
    for seed in 0..SEEDS {
        let prof = backward_profile(&a, init, init_std, seed);
        let hidden: Vec<f64> = prof[..a.depth].iter().map(pick).collect();
        for l in 1..hidden.len() {
            log_sum += (hidden[l - 1] / hidden[l]).ln();
            count += 1.0;
        }
    }
    (log_sum / count).exp()
}

fn delta_var(p: &(f64, f64)) -> f64 {
    p.0
}
fn weight_grad(p: &(f64, f64)) -> f64 {
    p.1
}

#[test]
fn tanh_with_standard_init_shrinks_delta_variance_by_a_third_per_layer() {
    let f = per_layer_factor(Activation::Tanh, Init::Standard, 1.0, delta_var);
    eprintln!("measured per-layer factor {f:.4}");
    assert!((0.30..0.37).contains(&f), "factor {f}");
}

#[test]
fn relu_with_xavier_init_halves_delta_variance_per_layer() {
    let f = per_layer_factor(Activation::Relu, Init::XavierUniform, 1.0, delta_var);
    eprintln!("measured per-layer factor {f:.4}");
    assert!((0.45..0.55).contains(&f), "factor {f}");
}

#[test]
fn relu_with_he_init_keeps_delta_variance() {
    let f = per_layer_factor(Activation::Relu, Init::HeNormal, 1.0, delta_var);
    eprintln!("measured per-layer factor {f:.4}");
    assert!((0.9..1.1).contains(&f), "factor {f}");
}

#[test]
fn relu_with_unit_normal_init_multiplies_delta_variance_by_32() {
    let f = per_layer_factor(Activation::Relu, Init::Normal, 1.0, delta_var);
    eprintln!("measured per-layer factor {f:.4}");
    assert!((28.0..36.0).contains(&f), "factor {f}");
}

#[test]
fn sigmoid_with_standard_init_loses_7x_of_weight_gradient_per_layer() {
    let f = per_layer_factor(Activation::Sigmoid, Init::Standard, 1.0, weight_grad);
    eprintln!("measured per-layer factor {f:.4}");
    assert!((1.0 / 8.5..1.0 / 5.5).contains(&f), "factor 1/{}", 1.0 / f);
}

#[test]
fn skip_connections_keep_the_first_layers_gradient_within_10x_at_depth_50() {
    let mut ratios_skip = Vec::new();
    let mut ratios_plain = Vec::new();
    for seed in 0..SEEDS / 4 {
        for (skip, out) in [(true, &mut ratios_skip), (false, &mut ratios_plain)] {
            let a = arch(50, Activation::Sigmoid, skip);
            let prof = backward_profile(&a, Init::Standard, 1.0, seed);
            out.push(prof[0].1 / prof[a.depth - 1].1);
        }
    }
    eprintln!(
        "depth 50 first/last weight-gradient norm: skip {ratios_skip:?}, plain {ratios_plain:?}"
    );
    for r in &ratios_skip {
        assert!((0.1..10.0).contains(r), "with skips: first / last = {r}");
    }
    // The same net without skips loses dozens of orders of magnitude.
    for r in &ratios_plain {
        assert!(*r < 1e-20, "without skips: first / last = {r}");
    }
}

/// Geometric mean over seeds of the forward signal's growth: the per-unit variance over
/// the batch of the last hidden layer's output over the input's, for relu + he with skips
/// on every layer (inputs == width) and branch scale `s`.
fn forward_growth(depth: usize, s: f64) -> f64 {
    let mut a = arch(depth, Activation::Relu, true);
    a.residual_scale = s;
    // Mean over units of each unit's variance over the batch.
    let var = |v: &[f64]| {
        let n = a.width;
        let rows = v.len() / n;
        let per_unit = |j: usize| {
            let m = (0..rows).map(|r| v[r * n + j]).sum::<f64>() / rows as f64;
            (0..rows).map(|r| (v[r * n + j] - m).powi(2)).sum::<f64>() / rows as f64
        };
        (0..n).map(per_unit).sum::<f64>() / n as f64
    };
    let mut log_sum = 0.0;
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed, Stream::Init);
        let mut net = Network::<f64>::new(a.clone(), Init::HeNormal, 1.0, 1.0, &mut rng);
        let mut ws = net.workspace(BATCH);
        let mut data = Rng::new(seed, Stream::Data);
        for v in ws.h[0].iter_mut() {
            *v = data.normal();
        }
        net.forward(&mut ws, Mode::Train);
        log_sum += (var(&ws.h[depth]) / var(&ws.h[0])).ln();
    }
    (log_sum / SEEDS as f64).exp()
}

#[test]
fn a_residual_branch_scale_of_one_over_sqrt_depth_tames_the_forward_signal() {
    let plain = forward_growth(20, 1.0);
    let scaled = forward_growth(20, 1.0 / 20f64.sqrt());
    eprintln!(
        "depth 20 relu/he/skip forward variance growth: s = 1 {plain:.3e}, s = 1/sqrt(20) {scaled:.3}"
    );
    // The plain sum at least doubles the variance per layer (measured about 3e7, 2^25: the
    // branches are correlated with the running sum, so a little more than 2^20); the scaled
    // branch keeps it within a small factor (measured about 3.3; (1 + 1/20)^20 = 2.65).
    assert!(plain > 2f64.powi(19), "{plain}");
    assert!((2.0..5.0).contains(&scaled), "{scaled}");
}
