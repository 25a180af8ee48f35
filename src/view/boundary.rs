//! The decision boundary: the predicted class over an `n x n` grid of the data plane,
//! as colours (lighter where the network is less sure), refreshed a few cells per frame
//! so a large network never stalls a frame: [`Boundary::refresh_frame`] spends at most
//! [`BUDGET`] multiply-adds of the network per call, and a sweep that finishes marks the
//! image in sync with the step count it started at.

use super::colormap::{tint, CLASSES};
use crate::engine::loss::Loss;
use crate::engine::session::Run;

/// Cells per side of the boundary grid.
pub const GRID: usize = 48;
/// Half-width of the data plane: the data lie in about `[-1.2, 1.2]^2`.
pub const EXTENT: f64 = 1.6;

/// Multiply-adds the boundary may spend per frame (about 1 ms of wasm).
pub const BUDGET: usize = 1_500_000;

/// Cells of an `n x n` grid to recompute per frame for a network of `params` parameters
/// (at least one, at most the whole grid).
pub fn cells_per_frame(params: usize, n: usize) -> usize {
    (BUDGET / params.max(1)).clamp(1, (n * n).max(1))
}

/// Centres of cells `start..end` (row-major, row 0 at the bottom) of an `n x n` grid over
/// `[-extent, extent]^2`, as `x, y` pairs.
pub fn grid_points(n: usize, extent: f64, start: usize, end: usize) -> Vec<f64> {
    let n = n.max(1);
    let centre = |i: usize| -extent + 2.0 * extent * (i as f64 + 0.5) / n as f64;
    (start..end)
        .flat_map(|c| [centre(c % n), centre(c / n)])
        .collect()
}

/// The colour of each row of network outputs: the predicted class's colour, tinted from
/// pale (unsure) to full (sure). One output: `sigmoid(o)` is P(class 1) (the output
/// itself for mse); several: softmax. Non-finite outputs are white.
pub fn class_colours(outputs: &[f64], per_row: usize, mse: bool) -> Vec<[u8; 3]> {
    let per_row = per_row.max(1);
    outputs
        .chunks(per_row)
        .map(|o| {
            if per_row == 1 {
                let p = if mse {
                    o[0]
                } else {
                    1.0 / (1.0 + (-o[0]).exp())
                };
                if !p.is_finite() {
                    return [255, 255, 255];
                }
                let p = p.clamp(0.0, 1.0);
                let (class, sure) = if p >= 0.5 {
                    (1, (p - 0.5) * 2.0)
                } else {
                    (0, (0.5 - p) * 2.0)
                };
                tint(CLASSES[class], 0.15 + 0.45 * sure)
            } else {
                let max = o.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let exps: Vec<f64> = o.iter().map(|v| (v - max).exp()).collect();
                let sum: f64 = exps.iter().sum();
                let (class, p) = exps.iter().enumerate().fold((0, 0.0), |best, (i, e)| {
                    if e / sum > best.1 {
                        (i, e / sum)
                    } else {
                        best
                    }
                });
                if !p.is_finite() || !sum.is_finite() {
                    return [255, 255, 255];
                }
                let k = per_row as f64;
                let sure = ((p - 1.0 / k) / (1.0 - 1.0 / k)).clamp(0.0, 1.0);
                tint(CLASSES[class.min(2)], 0.15 + 0.45 * sure)
            }
        })
        .collect()
}

/// A boundary image being refreshed: `next_cell` is where the next frame continues;
/// `synced_at` is the step count the last finished sweep started at.
#[derive(Clone, Debug)]
pub struct Boundary {
    pub n: usize,
    pub cells: Vec<[u8; 3]>,
    next_cell: usize,
    sweep_started_at: u64,
    synced_at: Option<u64>,
}

impl Boundary {
    pub fn new(n: usize) -> Boundary {
        Boundary {
            n,
            cells: vec![[255, 255, 255]; n * n],
            next_cell: 0,
            sweep_started_at: 0,
            synced_at: None,
        }
    }

    /// Whether the image shows the network as it is after `steps` steps.
    pub fn is_synced(&self, steps: u64) -> bool {
        self.synced_at == Some(steps)
    }

    /// This frame's share of a sweep over the network of `run` as it is now: as many
    /// cells as [`BUDGET`] multiply-adds allow for its parameter count (at least one);
    /// nothing when the image already shows this step.
    pub fn refresh_frame(&mut self, run: &mut Run) {
        let count = cells_per_frame(run.param_count(), self.n);
        self.refresh_from(run, count);
    }

    /// The whole `n x n` boundary of `run`'s network, in one sweep.
    pub fn whole(run: &mut Run, n: usize) -> Boundary {
        let mut b = Boundary::new(n);
        b.refresh_from(run, n * n);
        b
    }

    /// The next `count` cells from `run`'s predictions at their centres.
    fn refresh_from(&mut self, run: &mut Run, count: usize) {
        let (n, outputs) = (self.n, run.arch().outputs);
        let mse = run.spec().loss == Loss::Mse;
        self.refresh(run.steps(), count, |start, end| {
            class_colours(
                &run.predict(&grid_points(n, EXTENT, start, end)),
                outputs,
                mse,
            )
        });
    }

    /// The cells row by row from the top (the grid's rows run bottom-up).
    pub fn top_down(&self) -> Vec<[u8; 3]> {
        let n = self.n;
        (0..n)
            .rev()
            .flat_map(|r| self.cells[r * n..(r + 1) * n].iter().copied())
            .collect()
    }

    /// Recomputes the next `count` cells, with `colour(start, end)` giving the colours of
    /// cells `start..end`; nothing when already in sync.
    pub fn refresh(
        &mut self,
        steps: u64,
        count: usize,
        mut colour: impl FnMut(usize, usize) -> Vec<[u8; 3]>,
    ) {
        if self.is_synced(steps) {
            return;
        }
        let total = self.n * self.n;
        let start = self.next_cell;
        if start == 0 {
            self.sweep_started_at = steps;
        }
        let end = (start + count.max(1)).min(total);
        let cells = colour(start, end);
        if cells.len() == end - start {
            self.cells[start..end].copy_from_slice(&cells);
        }
        self.next_cell = if end == total { 0 } else { end };
        if end == total {
            self.synced_at = Some(self.sweep_started_at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_cover_every_cell_and_sync_when_the_network_stops_changing() {
        let mut b = Boundary::new(2);
        let mut calls = Vec::new();
        let paint = |s: usize, e: usize, calls: &mut Vec<(usize, usize)>| {
            calls.push((s, e));
            vec![[s as u8, e as u8, 0]; e - s]
        };
        b.refresh(0, 4, |s, e| paint(s, e, &mut calls));
        assert_eq!(calls, [(0, 4)]);
        assert!(b.is_synced(0));
        b.refresh(5, 3, |s, e| paint(s, e, &mut calls));
        assert!(!b.is_synced(5), "a sweep is under way");
        b.refresh(6, 3, |s, e| paint(s, e, &mut calls));
        assert!(!b.is_synced(6), "the finished sweep started at step 5");
        assert!(b.is_synced(5));
        b.refresh(6, 3, |s, e| paint(s, e, &mut calls));
        b.refresh(6, 3, |s, e| paint(s, e, &mut calls));
        assert!(b.is_synced(6));
        b.refresh(6, 3, |s, e| paint(s, e, &mut calls));
        assert_eq!(
            &calls[1..],
            [(0, 3), (3, 4), (0, 3), (3, 4)],
            "nothing more to do once in sync"
        );
        assert_eq!(b.cells[3], [3, 4, 0]);
    }

    fn run(config: &str) -> crate::ConfiguredRun {
        let c = crate::Config::from_json(config).unwrap_or_else(|e| panic!("{e}"));
        crate::ConfiguredRun::new(c, 10)
    }

    #[test]
    fn a_large_network_refreshes_over_several_frames_within_the_budget() {
        let mut r = run(r#"{"network": {"depth": 12, "width": 128}}"#);
        let params = r.param_count();
        let per_frame = cells_per_frame(params, GRID);
        assert!(per_frame * params <= BUDGET && per_frame < GRID * GRID);
        let frames = (GRID * GRID).div_ceil(per_frame);
        r.step(1);
        let mut b = Boundary::new(GRID);
        for frame in 1..frames {
            b.refresh_frame(r.engine_mut());
            assert!(!b.is_synced(1), "synced after {frame} of {frames} frames");
        }
        b.refresh_frame(r.engine_mut());
        assert!(b.is_synced(1), "synced after {frames} frames");
        assert_eq!(b.cells, Boundary::whole(r.engine_mut(), GRID).cells);
        r.step(1);
        assert!(!b.is_synced(2), "a step makes the image stale");
    }

    #[test]
    fn a_small_network_refreshes_in_one_frame() {
        let mut r = run(r#"{"network": {"depth": 2, "width": 8}}"#);
        let mut b = Boundary::new(GRID);
        b.refresh_frame(r.engine_mut());
        assert!(b.is_synced(0));
        let whole = Boundary::whole(r.engine_mut(), GRID);
        assert_eq!(b.cells, whole.cells);
        let top = whole.top_down();
        assert_eq!(top[0], whole.cells[(GRID - 1) * GRID], "the top row first");
        assert_eq!(top[GRID * GRID - 1], whole.cells[GRID - 1]);
    }

    #[test]
    fn colours_follow_the_prediction_and_its_certainty() {
        let c = class_colours(&[8.0, -8.0, 0.0, f64::NAN], 1, false);
        assert_eq!(c[0], tint(CLASSES[1], 0.6));
        assert_eq!(c[1], tint(CLASSES[0], 0.6));
        assert_eq!(c[2], tint(CLASSES[1], 0.15));
        assert_eq!(c[3], [255, 255, 255]);
        let c = class_colours(&[0.0, 5.0, 0.0], 3, false);
        assert_eq!(c.len(), 1);
        assert!(
            c[0] != [255, 255, 255]
                && c[0]
                    == tint(
                        CLASSES[1],
                        0.15 + 0.45 * ((5f64.exp() / (2.0 + 5f64.exp()) - 1.0 / 3.0) / (2.0 / 3.0))
                    )
        );
        assert_eq!(grid_points(2, 1.0, 1, 3), vec![0.5, -0.5, -0.5, 0.5]);
        assert_eq!(cells_per_frame(52_000, 48), 28);
        assert_eq!(cells_per_frame(100, 48), 48 * 48);
        assert_eq!(cells_per_frame(5_000_000, 48), 1);
    }
}
