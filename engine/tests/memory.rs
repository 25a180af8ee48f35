//! The memory estimate that the config checks against the budget is an upper bound of
//! what a session really allocates, and not a wild one: measured here with a counting
//! allocator over sessions of very different shapes, built and stepped.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use gradscope_engine::activation::Activation;
use gradscope_engine::clip::Clip;
use gradscope_engine::data::DatasetKind;
use gradscope_engine::init::Init;
use gradscope_engine::loss::Loss;
use gradscope_engine::network::Arch;
use gradscope_engine::optim::OptimizerSpec;
use gradscope_engine::session::Run;
use gradscope_engine::{DataSpec, InitSpec, Precision, RunSpec};

/// Counts bytes in use and their peak.
struct Counting;

static IN_USE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size() as u64, Ordering::SeqCst) + layout.size() as u64;
        PEAK.fetch_max(now, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size() as u64, Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn spec(depth: usize, width: usize, batch: usize, bn: bool, samples: usize) -> RunSpec {
    RunSpec {
        seed: 3,
        data: DataSpec {
            kind: DatasetKind::Spiral3,
            samples,
            noise: 0.05,
            test_fraction: 0.2,
        },
        arch: Arch {
            inputs: 2,
            outputs: 3,
            depth,
            width,
            activation: Activation::Relu,
            batch_norm: bn,
            skip_connections: true,
            residual_scale: 1.0,
        },
        init: InitSpec {
            init: Init::HeNormal,
            std: 1.0,
            gain: 1.0,
        },
        loss: Loss::CrossEntropy,
        optimizer: OptimizerSpec::from_flat(
            gradscope_engine::optim::OptimizerKind::Adam,
            &gradscope_engine::optim::Hyper {
                lr: 0.01,
                momentum: 0.0,
                beta1: 0.9,
                beta2: 0.999,
                rho: 0.0,
                alpha: 0.0,
                eps: 1e-8,
                weight_decay: 0.0,
                initial_accumulator: 0.0,
            },
        ),
        clip: Clip::Norm(1.0),
        batch_size: batch,
        eval_every: 5,
    }
}

#[test]
fn the_estimate_bounds_what_a_session_allocates() {
    let history = 40;
    for (depth, width, batch, bn, samples, precision) in [
        (2, 4, 1, false, 50, Precision::F32),
        (6, 8, 16, true, 200, Precision::F32),
        (20, 64, 128, true, 2000, Precision::F64),
        (4, 256, 512, false, 5000, Precision::F32),
        (40, 32, 8, false, 20000, Precision::F64),
    ] {
        let s = spec(depth, width, batch, bn, samples);
        let estimate = s.memory_bytes(precision, history);
        let base = IN_USE.load(Ordering::SeqCst);
        PEAK.store(base, Ordering::SeqCst);
        let mut run = Run::new(s.clone(), precision, history);
        run.step(12);
        let _ = run.predict(&[0.1, 0.2, -0.3, 0.4]);
        let used = PEAK.load(Ordering::SeqCst) - base;
        drop(run);
        assert!(
            used <= estimate,
            "{depth}x{width} batch {batch}: allocated {used} bytes, estimated only {estimate}"
        );
        assert!(
            estimate <= 5 * used + (1 << 20),
            "{depth}x{width} batch {batch}: estimate {estimate} is far above the {used} allocated"
        );
    }
}
