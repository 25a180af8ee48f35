//! Each view of a run, drawn on any plotters backend: the page's canvases and the CLI's
//! SVG figures share this code. Dense cell images go through a [`CellSink`], so the page
//! can scale one small image while an SVG gets one rectangle per cell.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::boundary::{self, Boundary};
use super::charts::{self, DrawResult, Style};
use super::colormap::CLASSES;
use super::heatmap::{Grid, Scale};
use super::plane::Point;
use super::{series, Metric, Rect};
use crate::engine::activation::Activation;
use crate::engine::loss::Loss;
use crate::engine::optim::{OptimizerKind, OptimizerSpec};
use crate::engine::session::Run;

/// The views, by the names the page and the CLI use.
pub const VIEWS: [&str; 6] = ["heatmap", "flow", "lr", "loss", "saturation", "data"];

/// Histogram bins of the activation view.
pub const BINS: usize = 40;

/// Where a grid of colours is painted.
pub trait CellSink {
    /// Fills `rect` with `cols x rows` cells, `rgb` row by row from the top.
    fn cells(&mut self, rect: Rect, cols: usize, rows: usize, rgb: &[[u8; 3]]) -> DrawResult<()>;
}

/// A sink that draws each cell as a filled rectangle on a plotters drawing area (for
/// vector output).
pub struct RectSink<'a, DB: DrawingBackend> {
    pub area: &'a DrawingArea<DB, Shift>,
}

impl<DB: DrawingBackend> CellSink for RectSink<'_, DB> {
    fn cells(&mut self, rect: Rect, cols: usize, rows: usize, rgb: &[[u8; 3]]) -> DrawResult<()> {
        if cols == 0 || rows == 0 {
            return Ok(());
        }
        let x = |c: usize| rect.x + (rect.w as i64 * c as i64 / cols as i64) as i32;
        let y = |r: usize| rect.y + (rect.h as i64 * r as i64 / rows as i64) as i32;
        for r in 0..rows {
            for c in 0..cols {
                let [red, green, blue] = rgb[r * cols + c];
                let cell = Rectangle::new(
                    [(x(c), y(r)), (x(c + 1), y(r + 1))],
                    RGBColor(red, green, blue).filled(),
                );
                self.area.draw(&cell).map_err(|e| format!("{e:?}"))?;
            }
        }
        Ok(())
    }
}

/// The colours of a grid, row by row from the top (row 0 of the grid is drawn last).
pub fn grid_colours(grid: &Grid, scale: &Scale) -> Vec<[u8; 3]> {
    (0..grid.rows)
        .rev()
        .flat_map(|r| (0..grid.cols).map(move |c| scale.color(grid.get(r, c))))
        .collect()
}

/// What the heatmap drew: its plotting rectangle, grid and first step (for hovering).
pub struct HeatmapDrawn {
    pub rect: Rect,
    pub grid: Grid,
    pub first_step: u64,
}

/// The gradient heatmap over the last `window` steps.
pub fn heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    metric: Metric,
    window: usize,
    sink: &mut dyn CellSink,
) -> DrawResult<HeatmapDrawn> {
    let layers = run.arch().depth + 1;
    let (grid, first_step) = series::heatmap_grid(run.history(), layers, window, metric);
    let scale = Scale::log_fit(grid.values.iter().flatten().copied(), 2.0);
    let name = match metric {
        Metric::GradNorm => "‖dL/dW‖",
        Metric::Delta => "rms dL/dz",
    };
    let rect = charts::heatmap_frame(root, style, first_step, window, layers, &scale, name)?;
    sink.cells(rect, grid.cols, grid.rows, &grid_colours(&grid, &scale))?;
    Ok(HeatmapDrawn {
        rect,
        grid,
        first_step,
    })
}

/// Per-layer gradient norms of the latest step.
pub fn flow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
) -> DrawResult<()> {
    let flow = series::gradient_flow(run.history());
    charts::gradient_flow(root, style, &flow, run.spec().clip)
}

/// The first and last step of the time charts' window.
pub fn step_span(run: &Run, window: usize) -> (f64, f64) {
    let first = series::recent(run.history(), window)
        .next()
        .map_or(0.0, |r| r.step as f64);
    (first, first + window as f64)
}

/// The effective-learning-rate view's caption for an optimizer.
pub fn lr_caption(kind: OptimizerKind) -> String {
    let name = kind.name();
    match kind {
        OptimizerKind::Adagrad => "Adagrad's effective learning rate lr / sqrt(G + eps) per layer (line: mean over the layer's weights; band: min to max). G only grows, so it only shrinks.".into(),
        OptimizerKind::Sgd | OptimizerKind::Momentum | OptimizerKind::Nesterov => {
            format!("{name} uses the same learning rate for every weight at every step: a flat line.")
        }
        _ => format!("{name}'s effective step size per layer (line: mean; band: min to max)."),
    }
}

/// Effective learning rate per layer over the window.
pub fn lr<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    window: usize,
) -> DrawResult<()> {
    let optimizer = &run.spec().optimizer;
    let what = match optimizer {
        OptimizerSpec::Adagrad { .. } => "lr / sqrt(G + eps)",
        o if !o.is_adaptive() => "lr",
        _ => "effective step size",
    };
    charts::effective_lr(
        root,
        style,
        &series::effective_lr(run.history(), window),
        step_span(run, window),
        what,
    )
}

/// Loss and accuracy over the window.
pub fn loss<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    window: usize,
) -> DrawResult<()> {
    let classification = run.dataset().kind.classes().is_some();
    let lines = series::loss_lines(run.history(), window);
    charts::loss_and_accuracy(root, style, &lines, step_span(run, window), classification)
}

/// The range of activation values the saturation view bins.
pub fn activation_range(a: Activation) -> (f64, f64) {
    match a {
        Activation::Sigmoid => (0.0, 1.0),
        Activation::Tanh => (-1.0, 1.0),
        Activation::Relu => (0.0, 3.0),
        Activation::Linear => (-3.0, 3.0),
        _ => (-2.0, 3.0),
    }
}

/// The histogram of each hidden layer's activations in the last batch.
pub fn saturation<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    sink: &mut dyn CellSink,
) -> DrawResult<()> {
    let range = activation_range(run.spec().arch.activation);
    let hist = run.activation_histograms(BINS, range.0, range.1);
    let mut grid = Grid::new(hist.len(), BINS);
    for (l, counts) in hist.iter().enumerate() {
        // Empty bins stay blank, so the occupied ones stand out.
        for (b, share) in counts.iter().enumerate().filter(|(_, s)| **s > 0.0) {
            grid.set(l, b, *share);
        }
    }
    let top = grid.values.iter().flatten().fold(0.05f64, |m, v| m.max(*v));
    let scale = Scale::Linear { lo: 0.0, hi: top };
    let rect = charts::saturation_frame(root, style, range, hist.len().max(1), &scale)?;
    if run.steps() > 0 {
        sink.cells(rect, grid.cols, grid.rows, &grid_colours(&grid, &scale))?;
    }
    Ok(())
}

/// The fitted curve of a regression run, over `x` in `[-1.1, 1.1]`.
pub fn fitted_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &mut Run,
) -> DrawResult<()> {
    let data = run.dataset();
    let points: Vec<(f64, f64)> = data
        .train_x
        .iter()
        .copied()
        .zip(data.train_y.iter().copied())
        .collect();
    let xs: Vec<f64> = (0..=200).map(|i| -1.1 + 2.2 * i as f64 / 200.0).collect();
    let ys = run.predict(&xs);
    let curve: Vec<(f64, f64)> = xs.into_iter().zip(ys).collect();
    charts::fitted_curve(root, style, &points, &curve)
}

/// Training and test points as `(x, y, class)`.
pub fn labelled_points(run: &Run) -> (Vec<Point>, Vec<Point>) {
    let label = |xs: &[f64], ys: &[f64]| -> Vec<Point> {
        xs.chunks(2)
            .zip(ys)
            .map(|(p, y)| (p[0], p[1], *y as usize))
            .collect()
    };
    let data = run.dataset();
    (
        label(&data.train_x, &data.train_y),
        label(&data.test_x, &data.test_y),
    )
}

/// The data plane as vector graphics: the whole decision boundary as cells, and every
/// point as a circle (training points filled, test points as rings).
pub fn data_vector<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &mut Run,
    n: usize,
    extent: f64,
    sink: &mut dyn CellSink,
) -> DrawResult<()> {
    if run.dataset().kind.classes().is_none() {
        return fitted_curve(root, style, run);
    }
    let rect = charts::data_frame(root, style, extent)?;
    let outputs = run.arch().outputs;
    let mse = run.spec().loss == Loss::Mse;
    let mut grid = Boundary::new(n);
    grid.refresh(run.steps(), n * n, |start, end| {
        boundary::class_colours(
            &run.predict(&boundary::grid_points(n, extent, start, end)),
            outputs,
            mse,
        )
    });
    // Boundary rows run bottom-up; the sink wants them top-down.
    let top_down: Vec<[u8; 3]> = (0..n)
        .rev()
        .flat_map(|r| grid.cells[r * n..(r + 1) * n].iter().copied())
        .collect();
    sink.cells(rect, n, n, &top_down)?;
    let (train, test) = labelled_points(run);
    let to_px = |(a, b): (f64, f64)| {
        (
            rect.x + ((a + extent) / (2.0 * extent) * rect.w as f64).round() as i32,
            rect.y + ((extent - b) / (2.0 * extent) * rect.h as f64).round() as i32,
        )
    };
    let r = (3.0 * style.scale).round() as i32;
    for &(a, b, c) in &train {
        let at = to_px((a, b));
        let [red, green, blue] = CLASSES[c.min(2)];
        root.draw(&Circle::new(at, r + 1, WHITE.filled()))
            .map_err(|e| format!("{e:?}"))?;
        root.draw(&Circle::new(at, r, RGBColor(red, green, blue).filled()))
            .map_err(|e| format!("{e:?}"))?;
    }
    for &(a, b, c) in &test {
        let [red, green, blue] = CLASSES[c.min(2)];
        let ring = Circle::new(to_px((a, b)), r, RGBColor(red, green, blue).stroke_width(2));
        root.draw(&ring).map_err(|e| format!("{e:?}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_colours_run_top_down() {
        let mut g = Grid::new(2, 2);
        g.set(0, 0, 1.0);
        let s = Scale::Linear { lo: 0.0, hi: 1.0 };
        let c = grid_colours(&g, &s);
        assert_eq!(c[2], s.color(Some(1.0)), "row 0 is the bottom row");
        assert_eq!(c[0], s.color(None));
    }
}
