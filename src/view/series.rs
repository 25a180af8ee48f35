//! The numbers each chart plots, taken from the history of step records.

use std::collections::VecDeque;

use super::heatmap::Grid;
use super::Metric;
use crate::engine::session::{LayerRecord, StepRecord};

/// The value of `metric` for one layer record.
pub fn metric_of(layer: &LayerRecord, metric: Metric) -> f64 {
    match metric {
        Metric::GradNorm => layer.grad_norm,
        Metric::Delta => layer.delta_rms,
    }
}

/// The last `window` records (fewer at the start of a run).
pub fn recent(history: &VecDeque<StepRecord>, window: usize) -> impl Iterator<Item = &StepRecord> {
    history.iter().skip(history.len().saturating_sub(window))
}

/// Heatmap grid: rows are layers (row 0 the first hidden layer, the last row the output
/// layer), columns the last `window` steps (oldest left; empty columns until the run is
/// that long). Also returns the step of column 0.
pub fn heatmap_grid(
    history: &VecDeque<StepRecord>,
    layers: usize,
    window: usize,
    metric: Metric,
) -> (Grid, u64) {
    let mut grid = Grid::new(layers, window);
    let first_step = recent(history, window).next().map_or(0, |r| r.step);
    for (col, rec) in recent(history, window).enumerate() {
        for (row, layer) in rec.layers.iter().enumerate().take(layers) {
            grid.set(row, col, metric_of(layer, metric));
        }
    }
    (grid, first_step)
}

/// Per layer (hidden then output): the latest raw and clipped weight-gradient norms.
pub fn gradient_flow(history: &VecDeque<StepRecord>) -> Vec<(f64, f64)> {
    history.back().map_or_else(Vec::new, |r| {
        r.layers
            .iter()
            .map(|l| (l.grad_norm, l.clipped_grad_norm))
            .collect()
    })
}

/// One line of a chart: `(x, y)` points.
pub type Line = Vec<(f64, f64)>;

/// A min–max band: `(x, min, max)` points.
pub type Band = Vec<(f64, f64, f64)>;

/// Per layer: the mean effective learning rate over the window, and its min–max band.
pub fn effective_lr(history: &VecDeque<StepRecord>, window: usize) -> Vec<(Line, Band)> {
    let layers = history.back().map_or(0, |r| r.layers.len());
    (0..layers)
        .map(|l| {
            let mut mean = Vec::new();
            let mut band = Vec::new();
            for r in recent(history, window).filter(|r| !r.non_finite) {
                if let Some(layer) = r.layers.get(l) {
                    mean.push((r.step as f64, layer.eff_lr_mean));
                    band.push((r.step as f64, layer.eff_lr_min, layer.eff_lr_max));
                }
            }
            (mean, band)
        })
        .collect()
}

/// Loss and accuracy lines over the window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossLines {
    pub train_loss: Line,
    pub test_loss: Line,
    pub batch_accuracy: Line,
    pub train_accuracy: Line,
    pub test_accuracy: Line,
}

pub fn loss_lines(history: &VecDeque<StepRecord>, window: usize) -> LossLines {
    let mut out = LossLines::default();
    for r in recent(history, window) {
        let s = r.step as f64;
        out.train_loss.push((s, r.loss));
        let push = |line: &mut Line, v: Option<f64>| {
            if let Some(v) = v {
                line.push((s, v));
            }
        };
        push(&mut out.test_loss, r.test_loss);
        push(&mut out.batch_accuracy, r.batch_accuracy);
        push(&mut out.train_accuracy, r.train_accuracy);
        push(&mut out.test_accuracy, r.test_accuracy);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::ConfiguredRun;

    fn history(steps: u64) -> VecDeque<StepRecord> {
        let c = Config::from_json(
            r#"{"network": {"depth": 3}, "optimizer": {"kind": "adagrad"}, "eval_every": 5}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut run = ConfiguredRun::new(c, 1000);
        run.step(steps);
        run.history().clone()
    }

    #[test]
    fn heatmap_grid_takes_the_last_window_with_layers_as_rows() {
        let h = history(30);
        let (g, first) = heatmap_grid(&h, 4, 10, Metric::GradNorm);
        assert_eq!((g.rows, g.cols, first), (4, 10, 20));
        assert_eq!(g.get(0, 9), Some(h[29].layers[0].grad_norm));
        assert_eq!(g.get(3, 0), Some(h[20].layers[3].grad_norm));
        let (g, _) = heatmap_grid(&h, 4, 50, Metric::Delta);
        assert_eq!(g.get(1, 29), Some(h[29].layers[1].delta_rms));
        assert_eq!(g.get(1, 30), None);
    }

    #[test]
    fn series_follow_the_records() {
        let h = history(12);
        let flow = gradient_flow(&h);
        assert_eq!(flow.len(), 4);
        assert_eq!(flow[2].0, h[11].layers[2].grad_norm);
        let lr = effective_lr(&h, 100);
        assert_eq!(lr.len(), 4);
        assert_eq!(lr[0].0.len(), 12);
        assert!(
            lr[0].0.windows(2).all(|w| w[1].1 <= w[0].1),
            "adagrad mean rate only shrinks"
        );
        let loss = loss_lines(&h, 100);
        assert_eq!(loss.train_loss.len(), 12);
        assert_eq!(loss.test_loss.len(), 3); // steps 0, 5, 10
    }
}
