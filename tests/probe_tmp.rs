use gradscope::view::diagnosis::{diagnose, Measures, Task};
use gradscope::view::Metric;
use gradscope::{Config, ConfiguredRun};

#[test]
fn probe() {
    let text = std::fs::read_to_string("/tmp/probe.txt").unwrap();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let (steps, json) = line.split_once(' ').unwrap();
        let steps: u64 = steps.parse().unwrap();
        let c = Config::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let mut run = ConfiguredRun::new(c, 2000);
        let t0 = std::time::Instant::now();
        run.step(steps);
        let task = Task::of(&run);
        let m = Measures::of(run.history(), Metric::GradNorm, &task).unwrap();
        let d = diagnose(run.history(), Metric::GradNorm, &task);
        println!("{json} @{steps} [{:.0}ms]\n   chance {:.3} loss {:.4} ({:.2}x) acc {:?} gnorm {:.2e} ratio {:.2e} dead {:.2}@{} sat {:.2}@{} efflr {:.2e} upd {:.2e} nf {:?}\n   => {:?}: {}",
            t0.elapsed().as_millis(), task.chance, m.loss, m.loss / task.chance, m.accuracy, m.grad_norm, m.ratio, m.dead.0, m.dead.1 + 1, m.saturated.0, m.saturated.1 + 1, m.eff_lr, m.update, m.non_finite_at, d.level, d.text);
    }
}
