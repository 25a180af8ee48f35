//! Optimizer updates against numbers computed outside gradscope with optax (JAX), in
//! float64. The whole script is `tests/reference/optimizers.py`; its core is
//!
//! ```python
//! jax.config.update("jax_enable_x64", True)
//! P0 = jnp.array([0.5, -1.5, 2.0, 0.1])
//! G = jnp.array([[0.3, -0.2, 1.5, -0.01], [0.25, -0.4, 0.9, 0.02], [-0.1, -0.3, 1.2, 0.0],
//!                [0.05, 0.5, -0.7, 0.03], [0.2, -0.1, 0.4, -0.05]])
//! def run(tx):
//!     p, state = P0, tx.init(P0)
//!     for g in G:
//!         updates, state = tx.update(g, state, p)
//!         p = optax.apply_updates(p, updates)
//!         print(p)
//! ```
//!
//! with `tx` as named above each expected table. PyTorch's L2 `weight_decay` is
//! `optax.chain(optax.add_decayed_weights(wd), tx)`.

use super::*;

const P0: [f64; 4] = [0.5, -1.5, 2.0, 0.1];
const G: [[f64; 4]; 5] = [
    [0.3, -0.2, 1.5, -0.01],
    [0.25, -0.4, 0.9, 0.02],
    [-0.1, -0.3, 1.2, 0.0],
    [0.05, 0.5, -0.7, 0.03],
    [0.2, -0.1, 0.4, -0.05],
];

/// Hyper-parameters with every field set to a value no test relies on.
fn base() -> Hyper {
    Hyper {
        lr: f64::NAN,
        momentum: 0.9,
        beta1: 0.9,
        beta2: 0.999,
        rho: 0.9,
        alpha: 0.99,
        eps: 1e-8,
        weight_decay: 0.0,
        initial_accumulator: 0.0,
    }
}

/// Runs `kind` over the five gradients in f64 and compares every parameter after every
/// step with `want`, to 1e-12 relative.
fn check(kind: OptimizerKind, h: Hyper, want: [[f64; 4]; 5]) {
    let mut opt = build::<f64>(&OptimizerSpec::from_flat(kind, &h), 4);
    let mut p = P0;
    for (t, g) in G.iter().enumerate() {
        opt.step(&mut p, g);
        for i in 0..4 {
            let tol = 1e-12 * want[t][i].abs().max(1e-3);
            assert!(
                (p[i] - want[t][i]).abs() <= tol,
                "{kind:?} step {t} param {i}: {} vs {}",
                p[i],
                want[t][i]
            );
        }
    }
}

// tx = optax.sgd(0.1)
#[test]
fn sgd_matches_optax() {
    let want = [
        [0.47, -1.48, 1.85, 0.101],
        [0.44499999999999995, -1.44, 1.76, 0.099],
        [0.45499999999999996, -1.41, 1.6400000000000001, 0.099],
        [0.44999999999999996, -1.46, 1.7100000000000002, 0.096],
        [0.42999999999999994, -1.45, 1.6700000000000002, 0.101],
    ];
    check(OptimizerKind::Sgd, Hyper { lr: 0.1, ..base() }, want);
}

// tx = optax.chain(optax.add_decayed_weights(0.05), optax.sgd(0.1))
#[test]
fn sgd_wd_matches_optax() {
    let want = [
        [0.4675, -1.4725, 1.8399999999999999, 0.1005],
        [0.4401625, -1.4251375, 1.7408, 0.0979975],
        [0.44796168750000004, -1.3880118125, 1.612096, 0.0975075125],
        [
            0.44072187906250004,
            -1.4310717534375001,
            1.6740355199999999,
            0.0940199749375,
        ],
        [
            0.4185182696671875,
            -1.4139163946703126,
            1.6256653423999998,
            0.0985498750628125,
        ],
    ];
    check(
        OptimizerKind::Sgd,
        Hyper {
            lr: 0.1,
            weight_decay: 0.05,
            ..base()
        },
        want,
    );
}

// tx = optax.sgd(0.1, momentum=0.9)
#[test]
fn momentum_matches_optax() {
    let want = [
        [0.47, -1.48, 1.85, 0.101],
        [0.418, -1.422, 1.625, 0.0999],
        [0.3812, -1.3397999999999999, 1.3025, 0.09891],
        [0.34308, -1.3158199999999998, 1.08225, 0.09501899999999999],
        [0.288772, -1.2842379999999998, 0.8440249999999999, 0.0965171],
    ];
    check(
        OptimizerKind::Momentum,
        Hyper {
            lr: 0.1,
            momentum: 0.9,
            ..base()
        },
        want,
    );
}

// tx = optax.sgd(0.1, momentum=0.9, nesterov=True)
#[test]
fn nesterov_matches_optax() {
    let want = [
        [0.443, -1.462, 1.7149999999999999, 0.1019],
        [0.3712, -1.3698, 1.4224999999999999, 0.09891],
        [0.34807999999999995, -1.26582, 1.0122499999999999, 0.098019],
        [
            0.30877199999999994,
            -1.294238,
            0.8840249999999998,
            0.09151709999999999,
        ],
        [
            0.2398947999999999,
            -1.2558142,
            0.6296224999999998,
            0.09786539,
        ],
    ];
    check(
        OptimizerKind::Nesterov,
        Hyper {
            lr: 0.1,
            momentum: 0.9,
            ..base()
        },
        want,
    );
}

// tx = optax.adagrad(0.1, initial_accumulator_value=0.0, eps=1e-8)
#[test]
fn adagrad_matches_optax() {
    let want = [
        [
            0.4000000055555551,
            -1.4000000124999976,
            1.9000000002222222,
            0.19999500037496876,
        ],
        [
            0.33598156768807225,
            -1.3105572956360738,
            1.8485504247635374,
            0.11055317568875198,
        ],
        [
            0.3607885138426233,
            -1.2548486951434514,
            1.7919818823314675,
            0.11055317568875198,
        ],
        [
            0.3484793651176945,
            -1.3228900762574158,
            1.8233181859725776,
            0.03037508946482126,
        ],
        [
            0.3043067557651366,
            -1.3094060791307327,
            1.805692080020121,
            0.11043906372130978,
        ],
    ];
    check(
        OptimizerKind::Adagrad,
        Hyper {
            lr: 0.1,
            eps: 1e-8,
            initial_accumulator: 0.0,
            ..base()
        },
        want,
    );
}

// tx = optax.adagrad(0.5, initial_accumulator_value=0.1, eps=1e-8)
#[test]
fn adagrad_init_matches_optax() {
    let want = [
        [
            0.15587640825004123,
            -1.2327387676326194,
            1.5107539462508675,
            0.11580348774164037,
        ],
        [
            -0.09288288437652953,
            -0.8675904020483147,
            1.2576091689430575,
            0.08425947441716863,
        ],
        [
            0.004707121059466579,
            -0.6273981744200715,
            0.977857726775041,
            0.08425947441716863,
        ],
        [
            -0.043857171142089243,
            -0.9398981719786652,
            1.132992499134927,
            0.03715390476332884,
        ],
        [
            -0.22492866025874125,
            -0.8778808051611177,
            1.0457053431236607,
            0.11471290710065413,
        ],
    ];
    check(
        OptimizerKind::Adagrad,
        Hyper {
            lr: 0.5,
            eps: 1e-8,
            initial_accumulator: 0.1,
            ..base()
        },
        want,
    );
}

// tx = optax.rmsprop(0.01, decay=0.99, eps=1e-8, eps_in_sqrt=False)
#[test]
fn rmsprop_matches_optax() {
    let want = [
        [
            0.40000003333332224,
            -1.400000049999975,
            1.9000000066666662,
            0.19999900000999987,
        ],
        [
            0.33579186270689393,
            -1.3104677738328816,
            1.8483602316801968,
            0.11046710460263985,
        ],
        [
            0.3607852965430294,
            -1.2545276127291316,
            1.7914563939732746,
            0.11046710460263985,
        ],
        [
            0.3483235282474963,
            -1.3229035824049031,
            1.8231029008139843,
            0.029974118472052683,
        ],
        [
            0.3035319496312314,
            -1.3092874976058535,
            1.8052210215084723,
            0.11029406513989852,
        ],
    ];
    check(
        OptimizerKind::Rmsprop,
        Hyper {
            lr: 0.01,
            alpha: 0.99,
            eps: 1e-8,
            ..base()
        },
        want,
    );
}

// tx = optax.adadelta(1.0, rho=0.9, eps=1e-6)
#[test]
fn adadelta_matches_optax() {
    let want = [
        [
            0.496837898007285,
            -1.4968381175504386,
            1.9968377293670918,
            0.10301511344577764,
        ],
        [
            0.49388667613056847,
            -1.492797862921541,
            1.9944472790204344,
            0.09910707976210406,
        ],
        [
            0.4952977538968663,
            -1.4893435235921428,
            1.9914613049873138,
            0.09910707976210406,
        ],
        [
            0.4945584455880784,
            -1.4941213811684206,
            1.9934259881661618,
            0.09447854280493274,
        ],
        [
            0.49193411447657176,
            -1.4929291412998074,
            1.992238295634226,
            0.10033343394486385,
        ],
    ];
    check(
        OptimizerKind::Adadelta,
        Hyper {
            lr: 1.0,
            rho: 0.9,
            eps: 1e-6,
            ..base()
        },
        want,
    );
}

// tx = optax.adam(0.01, b1=0.9, b2=0.999, eps=1e-8)
#[test]
fn adam_matches_optax() {
    let want = [
        [
            0.4900000003333333,
            -1.4900000005,
            1.9900000000666667,
            0.10999999000001001,
        ],
        [
            0.4800882719464278,
            -1.4803481805469538,
            1.980425098382719,
            0.10633895704474472,
        ],
        [
            0.4742522160543943,
            -1.4705931932055953,
            1.9707076131811812,
            0.10350896836225539,
        ],
        [
            0.4687919200728628,
            -1.4686958867829578,
            1.9649722001389622,
            0.09746336533216883,
        ],
        [
            0.46223987484049595,
            -1.4663706509397738,
            1.9592377192170691,
            0.0987723473569202,
        ],
    ];
    check(
        OptimizerKind::Adam,
        Hyper {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            ..base()
        },
        want,
    );
}

// tx = optax.chain(optax.add_decayed_weights(0.1), optax.adam(0.01, b1=0.9, b2=0.999, eps=1e-8))
#[test]
fn adam_wd_matches_optax() {
    let want = [
        [
            0.4900000002857143,
            -1.4900000002857143,
            1.9900000000588236,
            0.09999999999826528,
        ],
        [
            0.48007157847534976,
            -1.4801236367024475,
            1.9803323450177617,
            0.09255863526961135,
        ],
        [
            0.47316297080905373,
            -1.4702127914822072,
            1.970552550253826,
            0.08517815643075809,
        ],
        [
            0.4664288697318145,
            -1.4651729958583546,
            1.96386938729044,
            0.07685449045062265,
        ],
        [
            0.45885896315853303,
            -1.4595805997280082,
            1.9571115824568415,
            0.07503835950631228,
        ],
    ];
    check(
        OptimizerKind::Adam,
        Hyper {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
            ..base()
        },
        want,
    );
}

// tx = optax.adamw(0.01, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01)
#[test]
fn adamw_matches_optax() {
    let want = [
        [
            0.4899500003333333,
            -1.4898500005,
            1.9898000000666667,
            0.10998999000001,
        ],
        [
            0.4799892769463945,
            -1.4800491955469037,
            1.9800261183827124,
            0.1063179580457447,
        ],
        [
            0.4741052221266664,
            -1.4701462032859904,
            1.9701106305693363,
            0.10347733756745078,
        ],
        [
            0.4685975156229222,
            -1.4681018822430243,
            1.9641782064640605,
            0.09742138680360748,
        ],
        [
            0.461998610638993,
            -1.465629836211616,
            1.958247307721521,
            0.09872062668967849,
        ],
    ];
    check(
        OptimizerKind::Adamw,
        Hyper {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
            ..base()
        },
        want,
    );
}

// Adagrad's effective learning rate lr / sqrt(G + eps) after each step, for the "adagrad" case:
// acc = acc + g * g; print(0.1 / jnp.sqrt(acc + 1e-8))
#[test]
fn adagrad_effective_lr_matches_formula_and_never_grows() {
    let want = [
        [
            0.3333333148148164,
            0.49999993750001165,
            0.06666666651851852,
            9.999500037496876,
        ],
        [
            0.2560737514699314,
            0.22360679215980922,
            0.057166194954094134,
            4.472091234310838,
        ],
        [
            0.24806946154551052,
            0.1856953349754082,
            0.04714045202672489,
            4.472091234310838,
        ],
        [
            0.24618297449857546,
            0.13608276222792878,
            0.04476614805872866,
            2.672602874131024,
        ],
        [
            0.2208630467627896,
            0.1348399712668305,
            0.04406526488114136,
            1.6012794851297705,
        ],
    ];
    let h = Hyper {
        lr: 0.1,
        eps: 1e-8,
        initial_accumulator: 0.0,
        ..base()
    };
    let mut opt = build::<f64>(&OptimizerSpec::from_flat(OptimizerKind::Adagrad, &h), 4);
    let mut p = P0;
    let mut last = [f64::INFINITY; 4];
    for (t, g) in G.iter().enumerate() {
        opt.step(&mut p, g);
        for i in 0..4 {
            let e = opt.effective_lr(i);
            assert!(
                (e - want[t][i]).abs() <= 1e-12 * want[t][i],
                "step {t} param {i}: {e}"
            );
            assert!(e <= last[i]);
            last[i] = e;
        }
        let s = opt.effective_lr_stats(0..4);
        assert_eq!(s.max, want[t].iter().copied().fold(0.0, f64::max));
    }
}

#[test]
fn f32_runs_agree_with_f64_runs_to_f32_precision() {
    for kind in OptimizerKind::ALL {
        let h = Hyper { lr: 0.01, ..base() };
        let mut o64 = build::<f64>(&OptimizerSpec::from_flat(kind, &h), 4);
        let mut o32 = build::<f32>(&OptimizerSpec::from_flat(kind, &h), 4);
        let mut p64 = P0;
        let mut p32 = P0.map(|v| v as f32);
        for g in &G {
            o64.step(&mut p64, g);
            o32.step(&mut p32, &g.map(|v| v as f32));
        }
        // Compare how far each parameter moved, relative to that distance: an absolute
        // bound would pass an f32 optimizer that never moves at all (Adadelta's whole
        // displacement here is about 8e-6). The allowance is 1% of the displacement plus
        // a few f32 roundings of the parameter itself.
        for i in 0..4 {
            let moved64 = p64[i] - P0[i];
            let moved32 = p32[i] as f64 - (P0[i] as f32) as f64;
            assert!(
                moved64.abs() > 1e-7,
                "{kind:?} {i}: the f64 run did not move"
            );
            let tol = 1e-2 * moved64.abs() + 8.0 * f32::EPSILON as f64 * P0[i].abs();
            assert!(
                (moved32 - moved64).abs() <= tol,
                "{kind:?} param {i}: f32 moved {moved32:e}, f64 moved {moved64:e}"
            );
        }
    }
}

#[test]
fn a_spec_knows_its_kind_rate_and_whether_it_adapts() {
    for kind in OptimizerKind::ALL {
        let mut spec = OptimizerSpec::from_flat(kind, &Hyper { lr: 0.3, ..base() });
        assert_eq!(spec.kind(), kind);
        assert_eq!(spec.kind_name(), kind.name());
        assert_eq!(spec.lr(), 0.3);
        spec.set_lr(0.7);
        assert_eq!(spec.lr(), 0.7);
        let fixed = matches!(
            kind,
            OptimizerKind::Sgd | OptimizerKind::Momentum | OptimizerKind::Nesterov
        );
        assert_eq!(spec.is_adaptive(), !fixed, "{kind:?}");
        // A non-adaptive optimizer's effective rate is lr everywhere, after any step.
        let mut opt = build::<f64>(&spec, 4);
        opt.step(&mut P0.clone(), &G[0]);
        if fixed {
            assert_eq!(opt.effective_lr_stats(0..4).min, 0.7, "{kind:?}");
            assert_eq!(opt.effective_lr_stats(0..4).max, 0.7, "{kind:?}");
        }
    }
}
