//! The decision boundary: the predicted class over an `n x n` grid of the data plane,
//! as colours (lighter where the network is less sure), refreshed a few rows per frame
//! so a large network never stalls a frame.

use super::colormap::{tint, CLASSES};

/// Multiply-adds the boundary may spend per frame (about 1 ms of wasm).
pub const BUDGET: usize = 1_500_000;

/// Rows of an `n`-wide grid to recompute per frame for a network of `params` parameters.
pub fn rows_per_frame(params: usize, n: usize) -> usize {
    (BUDGET / (params.max(1) * n.max(1))).clamp(1, n.max(1))
}

/// Cell centres of grid rows `start..end` over `[-extent, extent]^2` (row 0 at the
/// bottom), as `x, y` pairs.
pub fn grid_points(n: usize, extent: f64, start: usize, end: usize) -> Vec<f64> {
    let mut xs = Vec::with_capacity(end.saturating_sub(start) * n * 2);
    for gy in start..end {
        for gx in 0..n {
            xs.push(-extent + 2.0 * extent * (gx as f64 + 0.5) / n as f64);
            xs.push(-extent + 2.0 * extent * (gy as f64 + 0.5) / n as f64);
        }
    }
    xs
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

/// A boundary image being refreshed: `next_row` is where the next frame continues;
/// `synced_at` is the step count the last finished sweep started at.
#[derive(Clone, Debug)]
pub struct Boundary {
    pub n: usize,
    pub cells: Vec<[u8; 3]>,
    next_row: usize,
    sweep_started_at: u64,
    synced_at: Option<u64>,
}

impl Boundary {
    pub fn new(n: usize) -> Boundary {
        Boundary {
            n,
            cells: vec![[255, 255, 255]; n * n],
            next_row: 0,
            sweep_started_at: 0,
            synced_at: None,
        }
    }

    /// Whether the image shows the network as it is after `steps` steps.
    pub fn is_synced(&self, steps: u64) -> bool {
        self.synced_at == Some(steps)
    }

    /// Recomputes the next `rows` rows (every row the first time), with `colour(start,
    /// end)` giving the colours of rows `start..end`; nothing when already in sync.
    pub fn refresh(
        &mut self,
        steps: u64,
        rows: usize,
        mut colour: impl FnMut(usize, usize) -> Vec<[u8; 3]>,
    ) {
        if self.is_synced(steps) {
            return;
        }
        let n = self.n;
        let start = self.next_row;
        if start == 0 {
            self.sweep_started_at = steps;
        }
        let end = if self.synced_at.is_none() {
            n
        } else {
            (start + rows.max(1)).min(n)
        };
        let cells = colour(start, end);
        if cells.len() == (end - start) * n {
            self.cells[start * n..end * n].copy_from_slice(&cells);
        }
        self.next_row = if end == n { 0 } else { end };
        if end == n {
            self.synced_at = Some(self.sweep_started_at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_cover_every_row_and_sync_when_the_network_stops_changing() {
        let mut b = Boundary::new(4);
        let mut calls = Vec::new();
        let paint = |s: usize, e: usize, calls: &mut Vec<(usize, usize)>| {
            calls.push((s, e));
            vec![[s as u8, e as u8, 0]; (e - s) * 4]
        };
        b.refresh(0, 1, |s, e| paint(s, e, &mut calls));
        assert_eq!(calls, [(0, 4)], "the first sweep is whole");
        assert!(b.is_synced(0));
        for _ in 0..4 {
            b.refresh(5, 1, |s, e| paint(s, e, &mut calls));
        }
        assert_eq!(&calls[1..], [(0, 1), (1, 2), (2, 3), (3, 4)]);
        assert!(b.is_synced(5));
        b.refresh(5, 1, |s, e| paint(s, e, &mut calls));
        assert_eq!(calls.len(), 5, "nothing to do once in sync");
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
        assert_eq!(grid_points(2, 1.0, 1, 2), vec![-0.5, 0.5, 0.5, 0.5]);
        assert_eq!(rows_per_frame(52_000, 48), 1);
        assert_eq!(rows_per_frame(100, 48), 48);
    }
}
