//! How many training steps the page runs in one animation frame, so that training never
//! freezes the page: each frame gives training at most [`STEP_BUDGET_MS`], and a chunk of
//! steps is sized by the measured speed so that it ends within what is left of it.
//!
//! The speed is measured in milliseconds per GFLOP of work, where a step costs
//! `6 P B` FLOPs (P parameters, batch B: forward, backward and update) and a step that
//! also evaluates adds `2 P R` (a forward pass over the R rows of both splits). The rate
//! is a property of the machine more than of the network, so it carries over to a new
//! run: the first frame of a restarted run is planned from it (with half the budget until
//! the new run has been measured), instead of running one unplanned step or chunk. Only
//! the very first step of the page, before anything was measured, is unplanned; and a
//! frame always takes at least one step, so a network whose single step exceeds the
//! budget still trains (one step per frame).
//!
//! JavaScript owns the clock: it asks [`StepBudget::next_chunk`] with the milliseconds
//! elapsed in the frame, runs the steps, and reports their time to
//! [`StepBudget::record`]. The rule is tested here with a simulated clock.

/// Milliseconds of a frame that training may use (the rest is for drawing).
pub const STEP_BUDGET_MS: f64 = 10.0;

/// The work of a run's steps, in GFLOP.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    /// One training step: `6 P B`.
    pub step: f64,
    /// The evaluation a step runs every `eval_every` steps: `2 P R`.
    pub eval: f64,
    /// 0: never.
    pub eval_every: u64,
}

impl Work {
    /// The work of `params` parameters at batch `batch`, evaluating `eval_rows` rows every
    /// `eval_every` steps.
    pub fn of(params: usize, batch: usize, eval_rows: usize, eval_every: u64) -> Work {
        let p = params as f64;
        Work {
            step: 6.0 * p * batch as f64 / 1e9,
            eval: 2.0 * p * eval_rows as f64 / 1e9,
            eval_every,
        }
    }

    /// GFLOP of step number `index` (0-based; evaluation runs at multiples of `eval_every`).
    pub fn of_step(&self, index: u64) -> f64 {
        let evaluates = self.eval_every > 0 && index % self.eval_every == 0;
        self.step + if evaluates { self.eval } else { 0.0 }
    }

    /// GFLOP of the `n` steps from `first` on.
    pub fn of_steps(&self, first: u64, n: u64) -> f64 {
        (first..first + n).map(|i| self.of_step(i)).sum()
    }
}

/// The measured speed and the rule that sizes chunks.
#[derive(Clone, Debug, Default)]
pub struct StepBudget {
    /// Milliseconds per GFLOP, smoothed; `None` until the first measurement.
    ms_per_gflop: Option<f64>,
    /// Whether the current run has been measured yet (else half the budget is planned).
    measured_this_run: bool,
}

impl StepBudget {
    /// Nothing measured yet.
    pub fn new() -> StepBudget {
        StepBudget::default()
    }

    /// A new run starts: the rate carries over, but until the new run is measured its
    /// chunks are planned for half the budget.
    pub fn restart(&mut self) {
        self.measured_this_run = false;
    }

    /// Steps to run next in a frame that has taken `done` steps in `elapsed_ms` so far, at
    /// most `speed` per frame, the next step being number `next_step` of a run of `work`.
    /// 0: the frame's training is over.
    pub fn next_chunk(
        &self,
        work: &Work,
        next_step: u64,
        done: u64,
        speed: u64,
        elapsed_ms: f64,
    ) -> u64 {
        if done >= speed {
            return 0;
        }
        let Some(rate) = self.ms_per_gflop else {
            // Nothing measured: one step, which measures it.
            return u64::from(done == 0);
        };
        let budget = if self.measured_this_run {
            STEP_BUDGET_MS
        } else {
            STEP_BUDGET_MS / 2.0
        };
        let mut left = budget - elapsed_ms;
        let mut n = 0;
        while done + n < speed {
            let ms = rate * work.of_step(next_step + n);
            if ms > left {
                break;
            }
            left -= ms;
            n += 1;
        }
        // A frame trains at least one step, or a slow network would never train.
        if n == 0 && done == 0 {
            1
        } else {
            n
        }
    }

    /// `gflop` of work took `ms` milliseconds.
    pub fn record(&mut self, gflop: f64, ms: f64) {
        if !(gflop > 0.0 && ms.is_finite() && ms >= 0.0) {
            return;
        }
        let rate = ms / gflop;
        self.ms_per_gflop = Some(match self.ms_per_gflop {
            Some(old) if self.measured_this_run => 0.7 * old + 0.3 * rate,
            // A new run's first measurement replaces the carried-over rate.
            _ => rate,
        });
        self.measured_this_run = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simulated run: each step costs `ms_per_gflop * work` milliseconds (plus a fixed
    /// overhead per step, as small networks have), on a clock the loop reads.
    struct Sim {
        work: Work,
        ms_per_gflop: f64,
        overhead_ms: f64,
        steps: u64,
    }

    impl Sim {
        fn cost(&self, first: u64, n: u64) -> f64 {
            self.ms_per_gflop * self.work.of_steps(first, n) + self.overhead_ms * n as f64
        }
    }

    /// One frame as www/app.js runs it; returns (steps, training ms).
    fn frame(budget: &mut StepBudget, sim: &mut Sim, speed: u64) -> (u64, f64) {
        let mut done = 0;
        let mut elapsed = 0.0;
        loop {
            let n = budget.next_chunk(&sim.work, sim.steps, done, speed, elapsed);
            if n == 0 {
                return (done, elapsed);
            }
            let ms = sim.cost(sim.steps, n);
            budget.record(sim.work.of_steps(sim.steps, n), ms);
            sim.steps += n;
            done += n;
            elapsed += ms;
        }
    }

    fn sim(params: usize, batch: usize, ms_per_gflop: f64) -> Sim {
        Sim {
            work: Work::of(params, batch, 200, 25),
            ms_per_gflop,
            overhead_ms: 0.0,
            steps: 0,
        }
    }

    #[test]
    fn the_first_chunk_of_the_page_is_one_step_then_frames_fill_the_budget() {
        let mut b = StepBudget::new();
        // depth 50, width 32, batch 64: 51,000 parameters, 19.6 MFLOP a step; at 80 ms
        // per GFLOP (12.5 GFLOP/s) a step costs 1.6 ms.
        let mut s = sim(51_000, 64, 80.0);
        let w = s.work;
        assert_eq!(b.next_chunk(&w, 0, 0, 200, 0.0), 1, "unmeasured: one step");
        let (_, first) = frame(&mut b, &mut s, 200);
        assert!(
            first <= STEP_BUDGET_MS,
            "the first frame trained {first} ms"
        );
        for _ in 0..200 {
            let (steps, ms) = frame(&mut b, &mut s, 200);
            assert!(ms <= STEP_BUDGET_MS, "a frame trained {ms} ms");
            assert!(steps >= 1);
        }
        // Steady state: the budget is used, not wasted (the eval step costs 2.4 steps).
        let (steps, ms) = frame(&mut b, &mut s, 200);
        assert!(
            steps >= 4 && ms > STEP_BUDGET_MS - 2.0 * 1.6,
            "{steps} steps, {ms} ms"
        );
    }

    #[test]
    fn speed_caps_the_steps_of_a_frame() {
        let mut b = StepBudget::new();
        let mut s = sim(5_000, 32, 100.0);
        for _ in 0..50 {
            assert!(frame(&mut b, &mut s, 10).0 <= 10);
        }
        assert_eq!(
            frame(&mut b, &mut s, 10).0,
            10,
            "a small network runs at full speed"
        );
    }

    #[test]
    fn a_step_larger_than_the_budget_runs_alone_in_its_frame() {
        let mut b = StepBudget::new();
        // depth 64, width 256, batch 16: 4.2 M parameters, 0.4 GFLOP a step, 30 ms.
        let mut s = sim(4_200_000, 16, 75.0);
        for _ in 0..60 {
            assert_eq!(frame(&mut b, &mut s, 200).0, 1);
        }
    }

    #[test]
    fn a_restart_plans_its_first_frame_from_the_carried_rate() {
        let mut b = StepBudget::new();
        let mut small = sim(5_000, 32, 100.0);
        for _ in 0..20 {
            frame(&mut b, &mut small, 200);
        }
        // A network 10 times larger, half as fast per FLOP (worse than the page's range):
        // planned from the old rate with half the budget, the first frame stays within it.
        b.restart();
        let mut big = sim(51_000, 64, 200.0);
        let (steps, ms) = frame(&mut b, &mut big, 200);
        assert!(steps >= 1 && ms <= STEP_BUDGET_MS, "{steps} steps, {ms} ms");
        for _ in 0..100 {
            let (_, ms) = frame(&mut b, &mut big, 200);
            assert!(ms <= STEP_BUDGET_MS, "{ms} ms");
        }
    }

    #[test]
    fn the_rate_follows_a_machine_that_slows_down() {
        let mut b = StepBudget::new();
        let mut s = sim(51_000, 64, 40.0);
        for _ in 0..20 {
            frame(&mut b, &mut s, 200);
        }
        // Another tab takes the CPU: three times slower. Within a few frames the chunks
        // shrink back within the budget.
        s.ms_per_gflop = 120.0;
        let over: Vec<f64> = (0..30).map(|_| frame(&mut b, &mut s, 200).1).collect();
        assert!(over[5..].iter().all(|&ms| ms <= STEP_BUDGET_MS), "{over:?}");
    }

    #[test]
    fn evaluation_steps_count_their_extra_work() {
        let w = Work::of(1000, 10, 200, 25);
        assert_eq!(w.of_step(0), w.step + w.eval);
        assert_eq!(w.of_step(1), w.step);
        assert_eq!(w.of_step(25), w.step + w.eval);
        assert_eq!(Work::of(1000, 10, 200, 0).of_step(0), w.step);
    }

    #[test]
    fn bad_measurements_are_ignored() {
        let mut b = StepBudget::new();
        b.record(0.0, 5.0);
        b.record(1.0, f64::NAN);
        b.record(1.0, -1.0);
        let w = Work::of(1000, 10, 200, 25);
        assert_eq!(b.next_chunk(&w, 0, 0, 200, 0.0), 1, "still unmeasured");
    }
}
