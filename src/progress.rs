//! A progress bar for long command-line runs: steps done, steps per second and the time
//! left, redrawn in place on standard error at most ten times a second. It shows only on
//! a terminal and only once a run has taken half a second, so piped output and scripts
//! see nothing of it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Width of the bar in characters.
const BAR: usize = 24;
/// A run shorter than this shows no bar at all.
const QUIET_FOR: Duration = Duration::from_millis(500);
/// Redraws are at least this far apart.
const EVERY: Duration = Duration::from_millis(100);

/// The progress of one run of `total` steps.
pub struct Progress {
    total: u64,
    started: Instant,
    last: Option<Instant>,
    shown: bool,
    enabled: bool,
}

impl Progress {
    /// A bar that draws only when standard error is a terminal.
    pub fn on_stderr(total: u64) -> Progress {
        Progress {
            total,
            started: Instant::now(),
            last: None,
            shown: false,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// After `done` of the steps.
    pub fn tick(&mut self, done: u64) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let elapsed = now - self.started;
        if elapsed < QUIET_FOR || self.last.is_some_and(|t| now - t < EVERY) {
            return;
        }
        self.last = Some(now);
        self.shown = true;
        let text = line(done, self.total, elapsed.as_secs_f64());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{text}\x1b[K");
        let _ = err.flush();
    }

    /// Clears the bar (the run's own output or error follows on a clean line).
    pub fn finish(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The bar's text: `[#########---------------]  3,000/8,000 steps  2,514 steps/s  2.0 s left`.
pub fn line(done: u64, total: u64, elapsed_secs: f64) -> String {
    let total = total.max(1);
    let done = done.min(total);
    let filled = (done as f64 / total as f64 * BAR as f64).round() as usize;
    let bar: String = "#".repeat(filled) + &"-".repeat(BAR - filled.min(BAR));
    let rate = if elapsed_secs > 0.0 {
        done as f64 / elapsed_secs
    } else {
        0.0
    };
    let left = if rate > 0.0 {
        format!("{} left", duration((total - done) as f64 / rate))
    } else {
        "time left unknown".into()
    };
    format!(
        "[{bar}]  {}/{} steps  {} steps/s  {left}",
        grouped(done),
        grouped(total),
        grouped(rate.round() as u64)
    )
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `2.0 s`, `3 min 20 s` or `1 h 5 min`.
fn duration(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else if secs < 3600.0 {
        format!("{} min {} s", (secs / 60.0) as u64, (secs % 60.0) as u64)
    } else {
        format!(
            "{} h {} min",
            (secs / 3600.0) as u64,
            ((secs % 3600.0) / 60.0) as u64
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_done_rate_and_time_left() {
        assert_eq!(
            line(3000, 8000, 1.5),
            "[#########---------------]  3,000/8,000 steps  2,000 steps/s  2.5 s left"
        );
        assert_eq!(
            line(1_000_000, 1_000_000, 400.0),
            "[########################]  1,000,000/1,000,000 steps  2,500 steps/s  0.0 s left"
        );
        assert_eq!(
            line(10, 100_000, 1.0),
            "[------------------------]  10/100,000 steps  10 steps/s  2 h 46 min left"
        );
        assert!(line(0, 10, 0.0).ends_with("time left unknown"));
        assert_eq!(duration(200.0), "3 min 20 s");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
    }

    #[test]
    fn a_bar_off_a_terminal_never_draws() {
        let mut p = Progress {
            total: 10,
            started: Instant::now() - Duration::from_secs(5),
            last: None,
            shown: false,
            enabled: false,
        };
        p.tick(5);
        assert!(!p.shown);
        p.enabled = true;
        p.tick(5);
        assert!(p.shown);
        p.finish();
        assert!(!p.shown);
    }
}
