//! Finite-difference gradient checks, in f64: every activation, every loss, batch norm
//! on/off, skip connections on/off (with the plain sum and a branch scale of 0.3), and all
//! their combinations, on small deep nets.
//!
//! For each parameter `p_i` the fourth-order central difference
//! `(L(p - 2h) - 8 L(p - h) + 8 L(p + h) - L(p + 2h)) / 12h` (h = 1e-4) must match the back-propagated gradient to a relative error below 1e-6.

use gradscope_engine::activation::Activation;
use gradscope_engine::init::Init;
use gradscope_engine::loss::Loss;
use gradscope_engine::network::{Arch, Mode, Network, Workspace};
use gradscope_engine::rng::{Rng, Stream};

const BATCH: usize = 5;

struct Problem {
    net: Network<f64>,
    ws: Workspace<f64>,
    x: Vec<f64>,
    targets: Vec<f64>,
    loss: Loss,
}

impl Problem {
    fn new(arch: Arch, loss: Loss, seed: u64) -> Problem {
        let mut rng = Rng::new(seed, Stream::Init);
        // Gain 1.3 keeps activations away from both linear and saturated regimes.
        let mut net = Network::<f64>::new(arch.clone(), Init::XavierNormal, 1.0, 1.3, &mut rng);
        // Non-trivial biases and batch-norm parameters, so their gradients are exercised.
        for shape in net.layers.clone() {
            for p in &mut net.params[shape.b..shape.b + shape.n_out] {
                *p = 0.2 * rng.normal();
            }
            if let Some((g, b)) = shape.bn {
                for j in 0..shape.n_out {
                    net.params[g + j] = 1.0 + 0.3 * rng.normal();
                    net.params[b + j] = 0.2 * rng.normal();
                }
            }
        }
        let x: Vec<f64> = (0..BATCH * arch.inputs).map(|_| rng.normal()).collect();
        let targets: Vec<f64> = (0..BATCH)
            .flat_map(|r| {
                let outputs = arch.outputs;
                let class = r % outputs.max(2);
                (0..outputs).map(move |c| match loss {
                    Loss::Mse => (r as f64 * 0.7 + c as f64).sin(),
                    Loss::Bce => ((r + c) % 2) as f64,
                    Loss::CrossEntropy => f64::from(u8::from(c == class)),
                })
            })
            .collect();
        let ws = net.workspace(BATCH);
        Problem {
            net,
            ws,
            x,
            targets,
            loss,
        }
    }

    fn loss_and_grad(&mut self, grads: Option<&mut Vec<f64>>) -> f64 {
        self.ws.h[0].copy_from_slice(&self.x);
        self.net.forward(&mut self.ws, Mode::Train);
        let outputs = self.net.arch.outputs;
        let mut dlogits = vec![0.0; BATCH * outputs];
        let logits = self.net.logits(&self.ws).to_vec();
        let l = self
            .loss
            .evaluate(&logits, &self.targets, outputs, &mut dlogits);
        if let Some(g) = grads {
            g.resize(self.net.params.len(), 0.0);
            self.net.backward(&mut self.ws, &dlogits, g);
        }
        l
    }
}

/// Checks every parameter of `arch` under `loss`; returns the worst relative error.
fn check(arch: Arch, loss: Loss, seed: u64) -> f64 {
    let (worst, at) = worst_error(arch.clone(), loss, seed, |_| {});
    assert!(
        worst < 1e-6,
        "{arch:?} {loss:?}: param {at}: relative error {worst:e}"
    );
    worst
}

/// The worst relative error between the analytic gradient (after `tamper`, which tests
/// use to plant a wrong one) and a fourth-order central difference, and where it is.
fn worst_error(arch: Arch, loss: Loss, seed: u64, tamper: impl Fn(&mut [f64])) -> (f64, usize) {
    // Finite differences are only valid away from kinks (relu, leaky_relu, selu at 0):
    // take the first seed whose pre-activations all keep a margin from 0.
    let mut p = (0..100)
        .map(|k| Problem::new(arch.clone(), loss, seed * 1000 + k))
        .find_map(|mut p| (kink_margin(&mut p) > 0.02).then_some(p))
        .unwrap_or_else(|| panic!("no seed keeps pre-activations away from 0 for {arch:?}"));
    let mut analytic = Vec::new();
    p.loss_and_grad(Some(&mut analytic));
    tamper(&mut analytic);
    let h = 1e-4;
    let (mut worst, mut worst_at): (f64, usize) = (0.0, 0);
    for (i, &a) in analytic.iter().enumerate() {
        let orig = p.net.params[i];
        let mut at = |offset: f64| {
            p.net.params[i] = orig + offset;
            p.loss_and_grad(None)
        };
        // Fourth-order central difference: truncation O(h^4), rounding ~1e-16 / h.
        let numeric = (at(-2.0 * h) - 8.0 * at(-h) + 8.0 * at(h) - at(2.0 * h)) / (12.0 * h);
        p.net.params[i] = orig;

        // Relative error, with a floor for gradients that are zero up to rounding (the
        // bias of a batch-normalized layer, whose effect the mean subtraction removes).
        let err = (a - numeric).abs() / a.abs().max(numeric.abs()).max(1e-4);
        if err > worst {
            (worst, worst_at) = (err, i);
        }
    }
    (worst, worst_at)
}

/// The smallest |pre-activation| over every hidden unit and sample.
fn kink_margin(p: &mut Problem) -> f64 {
    p.loss_and_grad(None);
    let mut m = f64::INFINITY;
    for (l, shape) in p.net.layers.iter().enumerate().filter(|(_, s)| s.hidden) {
        let pre = if shape.bn.is_some() {
            &p.ws.u[l]
        } else {
            &p.ws.z[l]
        };
        m = pre.iter().fold(m, |m, v| m.min(v.abs()));
    }
    m
}

fn arch(
    activation: Activation,
    batch_norm: bool,
    skip: bool,
    inputs: usize,
    outputs: usize,
) -> Arch {
    Arch {
        inputs,
        outputs,
        depth: 4,
        width: 4,
        activation,
        batch_norm,
        skip_connections: skip,
        residual_scale: 1.0,
    }
}

#[test]
fn every_activation_loss_batch_norm_and_skip_combination() {
    let mut count = 0;
    for activation in Activation::ALL {
        for batch_norm in [false, true] {
            for skip in [false, true] {
                for (loss, outputs) in [(Loss::Mse, 2), (Loss::Bce, 1), (Loss::CrossEntropy, 3)] {
                    // inputs == width puts a skip on the first layer as well.
                    for inputs in [3, 4] {
                        check(
                            arch(activation, batch_norm, skip, inputs, outputs),
                            loss,
                            17 + count,
                        );
                        count += 1;
                    }
                }
            }
        }
    }
    assert_eq!(count, 8 * 2 * 2 * 3 * 2);
}

#[test]
fn a_deeper_net_with_every_mitigation() {
    let a = Arch {
        inputs: 2,
        outputs: 3,
        depth: 10,
        width: 6,
        activation: Activation::Gelu,
        batch_norm: true,
        skip_connections: true,
        residual_scale: 1.0,
    };
    check(a, Loss::CrossEntropy, 99);
}

#[test]
fn a_scaled_residual_branch() {
    // s = 0.3: forward h + 0.3 a, and the branch's gradient scaled by 0.3 on the way back.
    let mut count = 0;
    for activation in [
        Activation::Tanh,
        Activation::Relu,
        Activation::Gelu,
        Activation::Selu,
    ] {
        for batch_norm in [false, true] {
            // inputs == width puts a skip on the first layer as well.
            for inputs in [3, 4] {
                let mut a = arch(activation, batch_norm, true, inputs, 3);
                a.residual_scale = 0.3;
                check(a, Loss::CrossEntropy, 500 + count);
                count += 1;
            }
        }
    }
    let deep = Arch {
        inputs: 2,
        outputs: 3,
        depth: 10,
        width: 6,
        activation: Activation::Gelu,
        batch_norm: true,
        skip_connections: true,
        residual_scale: 0.3,
    };
    check(deep, Loss::CrossEntropy, 99);
}

#[test]
fn the_check_catches_a_wrong_gradient() {
    // The harness itself must fail on a wrong gradient: the same check that passes the
    // true gradient reports each planted error (0.1% off, a flipped sign, a zeroed entry,
    // one layer's gradients swapped) at the entry where it was planted.
    let a = arch(Activation::Tanh, true, true, 3, 1);
    let (ok, _) = worst_error(a.clone(), Loss::Bce, 5, |_| {});
    assert!(ok < 1e-6, "the true gradient fails: {ok:e}");
    type Plant = (&'static str, usize, fn(&mut [f64]));
    let plants: [Plant; 4] = [
        ("scaled by 1.001", 2, |g| g[2] *= 1.001),
        ("sign flipped", 7, |g| g[7] = -g[7]),
        ("zeroed", 11, |g| g[11] = 0.0),
        ("swapped", 0, |g| g.swap(0, 1)),
    ];
    for (what, at, plant) in plants {
        let (worst, where_) = worst_error(a.clone(), Loss::Bce, 5, plant);
        assert!(worst > 1e-4, "{what}: the check missed it ({worst:e})");
        assert!(
            where_ == at || (what == "swapped" && where_ <= 1),
            "{what}: reported at {where_}, planted at {at}"
        );
    }
}

#[test]
fn f32_forward_and_backward_agree_with_f64() {
    for activation in Activation::ALL {
        let a = arch(activation, true, true, 4, 3);
        let mut p64 = Problem::new(a.clone(), Loss::CrossEntropy, 3);
        let mut g64 = Vec::new();
        let l64 = p64.loss_and_grad(Some(&mut g64));
        let mut net32 = Network::<f32> {
            arch: a.clone(),
            layers: p64.net.layers.clone(),
            params: p64.net.params.iter().map(|&v| v as f32).collect(),
            running_mean: p64
                .net
                .running_mean
                .iter()
                .map(|v| v.iter().map(|&x| x as f32).collect())
                .collect(),
            running_var: p64
                .net
                .running_var
                .iter()
                .map(|v| v.iter().map(|&x| x as f32).collect())
                .collect(),
        };
        let mut ws = net32.workspace(BATCH);
        for (d, s) in ws.h[0].iter_mut().zip(&p64.x) {
            *d = *s as f32;
        }
        net32.forward(&mut ws, Mode::Train);
        let t32: Vec<f32> = p64.targets.iter().map(|&v| v as f32).collect();
        let mut d = vec![0.0f32; BATCH * 3];
        let logits = net32.logits(&ws).to_vec();
        let l32 = Loss::CrossEntropy.evaluate(&logits, &t32, 3, &mut d);
        let mut g32 = vec![0.0f32; net32.params.len()];
        net32.backward(&mut ws, &d, &mut g32);
        assert!(
            (l32 - l64).abs() < 1e-5 * l64.abs().max(1.0),
            "{activation:?} loss"
        );
        let scale = g64.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (a, b) in g32.iter().zip(&g64) {
            assert!(
                (*a as f64 - b).abs() < 1e-4 * scale,
                "{activation:?}: {a} vs {b}"
            );
        }
    }
}
