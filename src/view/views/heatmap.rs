//! The gradient heatmap: one row per layer (the first hidden layer at the bottom, the
//! output layer on top), one column per step of the window (oldest left), each cell the
//! chosen [`Metric`] of that layer at that step on a log colour scale, with a colour bar.
//! The cells go through a [`CellSink`]; hovering names the cell under the pointer.

use std::collections::VecDeque;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use crate::engine::session::{Run, StepRecord};
use crate::view::chart::{
    colour_bar, e, grid_colours, layer_tick, plot_rect, split_for_bar, CellSink, DrawResult, Style,
};
use crate::view::grid::{cell_at, Grid, Scale};
use crate::view::{diagnosis, recent, Metric, Rect};

/// The grid: rows are layers (row 0 the first hidden layer, the last row the output
/// layer), columns the last `window` steps (oldest left; empty columns until the run is
/// that long). Also returns the step of column 0.
pub fn grid(
    history: &VecDeque<StepRecord>,
    layers: usize,
    window: usize,
    metric: Metric,
) -> (Grid, u64) {
    let mut grid = Grid::new(layers, window);
    let first_step = recent(history, window).next().map_or(0, |r| r.step);
    for (col, rec) in recent(history, window).enumerate() {
        for (row, layer) in rec.layers.iter().enumerate().take(layers) {
            grid.set(row, col, metric.of(layer));
        }
    }
    (grid, first_step)
}

/// The colour scale of a grid: whole decades spanning its finite positive values, at
/// least two wide.
pub fn scale(grid: &Grid) -> Scale {
    Scale::log_fit(grid.values.iter().flatten().copied(), 2.0)
}

/// The axes (steps across, layers up) and the colour bar; returns the plotting rectangle,
/// where the cells go.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    first_step: u64,
    window: usize,
    layers: usize,
    scale: &Scale,
    value_name: &str,
) -> DrawResult<Rect> {
    let (main, bar) = split_for_bar(root, style)?;
    let x0 = first_step as f64;
    let mut chart = ChartBuilder::on(&main)
        .margin(style.px(6.0))
        .x_label_area_size(style.px(38.0))
        .y_label_area_size(style.px(44.0))
        .build_cartesian_2d(x0..x0 + window as f64, -0.5..layers as f64 - 0.5)
        .map_err(e)?;
    let label_layer = move |v: &f64| layer_tick(*v, layers, true);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("step")
        .y_desc("layer")
        .x_labels(7)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(layers.min(12))
        .y_label_formatter(&label_layer)
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .draw()
        .map_err(e)?;
    let rect = plot_rect(&chart);
    colour_bar(&bar, style, scale, value_name)?;
    Ok(rect)
}

/// What the heatmap drew: its plotting rectangle, grid, first step and measure (for
/// hovering).
#[derive(Clone, Debug)]
pub struct Drawn {
    pub rect: Rect,
    pub grid: Grid,
    pub first_step: u64,
    pub metric: Metric,
}

/// The heatmap of `run` over the last `window` steps.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    metric: Metric,
    window: usize,
    sink: &mut dyn CellSink,
) -> DrawResult<Drawn> {
    let layers = run.arch().depth + 1;
    let (grid, first_step) = grid(run.history(), layers, window, metric);
    let scale = scale(&grid);
    let rect = frame(
        root,
        style,
        first_step,
        window,
        layers,
        &scale,
        metric.symbol(),
    )?;
    sink.cells(rect, grid.cols, grid.rows, &grid_colours(&grid, &scale))?;
    Ok(Drawn {
        rect,
        grid,
        first_step,
        metric,
    })
}

/// The cell under the pointer, as the page's tooltip shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hover {
    /// The layer's number from 1, or `"out"` for the output layer.
    pub layer: Value,
    pub step: u64,
    /// A number, or a word for a non-finite one (`"NaN"`, `"infinite"`).
    pub value: Value,
    /// The metric's name (`grad_norm`) and symbol (`‖dL/dW‖`).
    pub metric: &'static str,
    pub measure: &'static str,
}

impl Drawn {
    /// The cell under canvas pixel `(x, y)`; `None` outside the cells or on one without
    /// data yet.
    pub fn hover(&self, x: f64, y: f64) -> Option<Hover> {
        let r = self.rect;
        let (row, col) = cell_at(
            &self.grid,
            r.w.max(0) as usize,
            r.h.max(0) as usize,
            x - r.x as f64,
            y - r.y as f64,
        )?;
        let value = self.grid.get(row, col)?;
        let layer = if row + 1 == self.grid.rows {
            json!("out")
        } else {
            json!(row + 1)
        };
        let value = if value.is_finite() {
            json!(value)
        } else {
            json!(diagnosis::short(value))
        };
        Some(Hover {
            layer,
            step: self.first_step + col as u64,
            value,
            metric: self.metric.name(),
            measure: self.metric.symbol(),
        })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::view::chart::RectSink;
    use crate::view::testing::{extreme_sets, run, style, svg, Recorded};

    const RUN: &str = r#"{"network": {"depth": 3}, "optimizer": {"kind": "adagrad"}}"#;

    #[test]
    fn rows_are_layers_and_columns_the_last_window_of_steps() {
        let h = run(RUN, 30).history().clone();
        let (g, first) = grid(&h, 4, 10, Metric::GradNorm);
        assert_eq!((g.rows, g.cols, first), (4, 10, 20));
        assert_eq!(g.get(0, 9), Some(h[29].layers[0].grad_norm));
        assert_eq!(g.get(3, 0), Some(h[20].layers[3].grad_norm));
        let (g, first) = grid(&h, 4, 50, Metric::Delta);
        assert_eq!(first, 0);
        assert_eq!(g.get(1, 29), Some(h[29].layers[1].delta_rms));
        assert_eq!(g.get(1, 30), None, "steps not taken yet are empty");
    }

    #[test]
    fn the_cells_painted_are_the_grid_top_down_on_its_scale() {
        let r = run(RUN, 12);
        let mut sink = Recorded::default();
        let mut out = String::new();
        let drawn = {
            let root = SVGBackend::with_string(&mut out, (600, 300)).into_drawing_area();
            draw(&root, style(), &r, Metric::GradNorm, 20, &mut sink)
        }
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.contains("‖dL/dW‖"), "the colour bar names the measure");
        assert_eq!(sink.cells.len(), 1);
        let (rect, cols, rows, colours) = &sink.cells[0];
        assert_eq!((*rect, *cols, *rows), (drawn.rect, 20, 4));
        let s = scale(&drawn.grid);
        // The top row is the output layer, the bottom row the first hidden layer.
        let last = r.history()[11].layers.clone();
        assert_eq!(colours[11], s.color(Some(last[3].grad_norm)));
        assert_eq!(colours[3 * 20 + 11], s.color(Some(last[0].grad_norm)));
        assert_eq!(colours[12], s.color(None));
    }

    #[test]
    fn hovering_names_the_layer_step_and_value_under_the_pointer() {
        let r = run(RUN, 12);
        let mut text = String::new();
        let root = SVGBackend::with_string(&mut text, (600, 300)).into_drawing_area();
        let drawn = draw(
            &root,
            style(),
            &r,
            Metric::Delta,
            20,
            &mut Recorded::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let rc = drawn.rect;
        let cell_w = rc.w as f64 / 20.0;
        let cell_h = rc.h as f64 / 4.0;
        // Column 5, top row: the output layer at step 5.
        let at = |col: f64, row_from_top: f64| {
            drawn.hover(
                rc.x as f64 + (col + 0.5) * cell_w,
                rc.y as f64 + (row_from_top + 0.5) * cell_h,
            )
        };
        let h = at(5.0, 0.0).unwrap_or_else(|| panic!("a cell"));
        assert_eq!(h.layer, json!("out"));
        assert_eq!(h.step, 5);
        assert_eq!(h.value, json!(r.history()[5].layers[3].delta_rms));
        assert_eq!((h.metric, h.measure), ("delta", "rms dL/dz"));
        let h = at(2.0, 3.0).unwrap_or_else(|| panic!("a cell"));
        assert_eq!((h.layer.clone(), h.step), (json!(1), 2));
        assert_eq!(at(15.0, 1.0), None, "step 15 is not taken yet");
        assert_eq!(drawn.hover(rc.x as f64 - 2.0, rc.y as f64 + 2.0), None);
        let mut nan = drawn.clone();
        nan.grid.set(2, 0, f64::NAN);
        let h = nan.hover(rc.x as f64 + 1.0, rc.y as f64 + 1.5 * cell_h);
        assert_eq!(h.map(|h| h.value), Some(json!("NaN")));
    }

    #[test]
    fn the_heatmap_and_its_colour_bar_survive_every_number() {
        for values in extreme_sets() {
            let mut grid = Grid::new(3, values.len().max(1));
            for (c, v) in values.iter().enumerate() {
                grid.set(c % 3, c, *v);
            }
            let scale = scale(&grid);
            let label = format!("{values:?}");
            let out = svg(move |root| {
                let rect = frame(root, style(), 7, grid.cols, grid.rows, &scale, "‖dL/dW‖")?;
                RectSink { area: root }.cells(
                    rect,
                    grid.cols,
                    grid.rows,
                    &grid_colours(&grid, &scale),
                )
            });
            assert!(out.contains("NaN/inf") && out.contains("layer"), "{label}");
        }
        // A scale whose own ends are extreme (none that `scale` makes; still no hang).
        for (lo, hi) in [(-324.0, 309.0), (-1.0, -1.0), (0.0, 1e300)] {
            let s = Scale::Log10 { lo, hi };
            let out = svg(move |root| frame(root, style(), 0, 10, 2, &s, "x").map(|_| ()));
            assert!(out.contains("step"), "{lo} {hi}");
        }
    }
}
