//! The per-layer measures of numerics.md, through a session built from a `RunSpec` alone
//! (no config: the engine stands by itself).

use gradscope_engine::activation::Activation;
use gradscope_engine::data::DatasetKind;
use gradscope_engine::float::Float;
use gradscope_engine::init::Init;
use gradscope_engine::loss::Loss;
use gradscope_engine::network::Arch;
use gradscope_engine::session::Session;
use gradscope_engine::{Clip, DataSpec, InitSpec, OptimizerSpec, RunSpec};

fn spec(activation: Activation, init: InitSpec, optimizer: OptimizerSpec, clip: Clip) -> RunSpec {
    RunSpec {
        seed: 3,
        data: DataSpec {
            kind: DatasetKind::Circles,
            samples: 200,
            noise: 0.05,
            test_fraction: 0.2,
        },
        arch: Arch {
            inputs: 2,
            outputs: 1,
            depth: 4,
            width: 8,
            activation,
            batch_norm: false,
            skip_connections: false,
            residual_scale: 1.0,
        },
        init,
        loss: Loss::Bce,
        optimizer,
        clip,
        batch_size: 16,
        eval_every: 0,
    }
}

const XAVIER: InitSpec = InitSpec {
    init: Init::XavierUniform,
    std: 1.0,
    gain: 1.0,
};
const SGD: OptimizerSpec = OptimizerSpec::Sgd {
    lr: 0.1,
    weight_decay: 0.0,
};

fn l2<T: Float>(v: &[T]) -> f64 {
    v.iter()
        .map(|x| x.to_f64() * x.to_f64())
        .sum::<f64>()
        .sqrt()
}

#[test]
fn sgd_update_ratio_is_lr_times_gradient_norm_over_weight_norm() {
    for clip in [Clip::None, Clip::Norm(0.05)] {
        let mut s = Session::<f64>::new(spec(Activation::Tanh, XAVIER, SGD, clip), 4);
        for _ in 0..5 {
            let d = s.step_detailed().unwrap_or_else(|| panic!("diverged"));
            let rec = s
                .history()
                .back()
                .cloned()
                .unwrap_or_else(|| panic!("no record"));
            for (shape, layer) in s.network().layers.iter().zip(&rec.layers) {
                let w = shape.w_range();
                // What SGD takes: lr times the clipped gradient.
                let want = 0.1 * l2(&d.clipped_grads[w.clone()]) / l2(&d.params[w]);
                let err = (layer.update_ratio - want).abs() / want;
                assert!(err < 1e-12, "{clip:?}: {} vs {want}", layer.update_ratio);
            }
        }
    }
}

#[test]
fn update_ratio_is_the_actual_change_for_every_optimizer_and_precision() {
    let optimizers = [
        OptimizerSpec::Momentum {
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 0.01,
        },
        OptimizerSpec::Adagrad {
            lr: 0.1,
            eps: 1e-8,
            initial_accumulator: 0.0,
            weight_decay: 0.0,
        },
        OptimizerSpec::Adam {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        },
        OptimizerSpec::Adamw {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
        },
    ];
    for opt in optimizers {
        let mut s = Session::<f32>::new(spec(Activation::Relu, XAVIER, opt, Clip::Value(0.5)), 4);
        let mut prev = s
            .step_detailed()
            .unwrap_or_else(|| panic!("diverged"))
            .params;
        for _ in 0..4 {
            let ratios: Vec<f64> = s
                .history()
                .back()
                .map(|r| r.layers.iter().map(|l| l.update_ratio).collect())
                .unwrap_or_default();
            let now = s
                .step_detailed()
                .unwrap_or_else(|| panic!("diverged"))
                .params;
            for (shape, got) in s.network().layers.iter().zip(ratios) {
                let w = shape.w_range();
                let change: Vec<f64> = now[w.clone()]
                    .iter()
                    .zip(&prev[w.clone()])
                    .map(|(a, b)| *a as f64 - *b as f64)
                    .collect();
                let want = l2(&change) / l2(&prev[w]);
                assert!(
                    (got - want).abs() <= 1e-12 * want,
                    "{opt:?}: {got} vs {want}"
                );
                assert!(got > 0.0, "{opt:?}");
            }
            prev = now;
        }
    }
}

#[test]
fn a_non_finite_step_has_no_update_ratio() {
    let mut sp = spec(
        Activation::Linear,
        InitSpec {
            init: Init::Normal,
            std: 3.0,
            gain: 1.0,
        },
        SGD,
        Clip::None,
    );
    sp.arch.depth = 40;
    sp.arch.width = 64;
    let mut s = Session::<f32>::new(sp, 8);
    s.step(10);
    let last = s
        .history()
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no record"));
    assert!(last.non_finite);
    assert!(last.layers.iter().all(|l| l.update_ratio.is_nan()));
}

#[test]
fn sigmoid_with_huge_weights_is_flat_and_tanh_with_xavier_is_not() {
    let huge = InitSpec {
        init: Init::Normal,
        std: 30.0,
        gain: 1.0,
    };
    let mut s = Session::<f32>::new(spec(Activation::Sigmoid, huge, SGD, Clip::None), 2);
    s.step(1);
    let rec = s
        .history()
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no record"));
    let depth = s.network().arch.depth;
    for l in &rec.layers[..depth] {
        let f = l.flat_share.unwrap_or(0.0);
        eprintln!("sigmoid flat share {f}");
        assert!(f > 0.75, "sigmoid flat share {f}");
        assert_eq!(l.dead_share, None);
    }
    assert_eq!(rec.layers[depth].flat_share, None, "output layer");
    let mut s = Session::<f32>::new(spec(Activation::Tanh, XAVIER, SGD, Clip::None), 2);
    s.step(1);
    let rec = s
        .history()
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no record"));
    for l in &rec.layers[..depth] {
        let f = l.flat_share.unwrap_or(1.0);
        assert!(f < 0.05, "tanh flat share {f}");
    }
}

#[test]
fn dead_share_is_reported_for_relu_hidden_layers_only() {
    for act in Activation::ALL {
        let mut s = Session::<f32>::new(spec(act, XAVIER, SGD, Clip::None), 2);
        s.step(1);
        let rec = s
            .history()
            .back()
            .cloned()
            .unwrap_or_else(|| panic!("no record"));
        let depth = s.network().arch.depth;
        for (l, layer) in rec.layers.iter().enumerate() {
            let hidden_relu = act == Activation::Relu && l < depth;
            assert_eq!(layer.dead_share.is_some(), hidden_relu, "{act:?} layer {l}");
            let hidden_flat = act != Activation::Linear && l < depth;
            assert_eq!(layer.flat_share.is_some(), hidden_flat, "{act:?} layer {l}");
        }
    }
}
