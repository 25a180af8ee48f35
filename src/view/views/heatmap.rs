//! The gradient heatmap: one row per layer (the first hidden layer at the bottom, the
//! output layer on top), one column per bucket of the run's [`Timeline`] (the whole run,
//! oldest left: one step per column for the first 512 steps, then 2, 4, 8 ... steps per
//! column), each cell the chosen [`Metric`] of that layer over the column's steps on a
//! log colour scale (the geometric mean, which is the mean on that scale; NaN or infinite
//! in red), with a colour bar. The cells go through a [`CellSink`]; hovering names the
//! cell under the pointer.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use crate::engine::session::Run;
use crate::engine::timeline::{Agg, Timeline};
use crate::view::axis::sci;
use crate::view::chart::{
    axis_layout, colour_bar, e, grid_colours, layer_tick, plot_rect, split_for_bar, step_label,
    CellSink, DrawResult, Style, LABEL_FONT, TITLE_FONT,
};
use crate::view::grid::{cell_at, Grid, Scale};
use crate::view::{diagnosis, Metric, Rect};

/// A layer's summary of `metric` in one bucket.
pub fn agg(t: &Timeline, bucket: usize, layer: usize, metric: Metric) -> Agg {
    let l = t.layer(bucket, layer);
    match metric {
        Metric::GradNorm => l.grad_norm,
        Metric::Delta => l.delta_rms,
    }
}

/// The grid: rows are layers (row 0 the first hidden layer, the last row the output
/// layer), columns the timeline's buckets, each cell [`Agg::typical`] of the bucket.
pub fn grid(t: &Timeline, layers: usize, metric: Metric) -> Grid {
    let cols = t.buckets().len();
    let mut grid = Grid::new(layers, cols);
    for col in 0..cols {
        for row in 0..layers.min(t.layers()) {
            grid.set(row, col, agg(t, col, row, metric).typical());
        }
    }
    grid
}

/// The colour scale of a grid: whole decades spanning its finite positive values, at
/// least two wide.
pub fn scale(grid: &Grid) -> Scale {
    Scale::log_fit(grid.values.iter().flatten().copied(), 2.0)
}

/// The axes (steps `0 .. end` across, layers up) and the colour bar; returns the plotting
/// rectangle, where the cells go.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    end: f64,
    layers: usize,
    scale: &Scale,
    value_name: &str,
) -> DrawResult<Rect> {
    let (main, bar) = split_for_bar(root, style)?;
    let end = if end > 0.0 { end } else { 1.0 };
    let y_labels: Vec<String> = (0..layers)
        .map(|l| layer_tick(l as f64, layers, true))
        .collect();
    let layout = axis_layout(&main, style, &y_labels, &step_label(end), 7)?;
    let mut chart = ChartBuilder::on(&main)
        .margin(style.px(6.0))
        .margin_right(style.px(12.0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(0.0..end, -0.5..layers as f64 - 0.5)
        .map_err(e)?;
    let label_layer = move |v: &f64| layer_tick(*v, layers, true);
    chart
        .configure_mesh()
        .disable_mesh()
        .set_all_tick_mark_size(layout.tick)
        .x_desc("step")
        .y_desc("layer")
        .x_labels(layout.x_labels)
        .x_label_formatter(&|v| step_label(*v))
        .y_labels(layers.min(12))
        .y_label_formatter(&label_layer)
        .label_style(style.font(LABEL_FONT))
        .axis_desc_style(style.font(TITLE_FONT))
        .draw()
        .map_err(e)?;
    let rect = plot_rect(&chart);
    colour_bar(&bar, style, scale, value_name)?;
    Ok(rect)
}

/// What the heatmap drew: its plotting rectangle, grid, the steps of each column and the
/// measure (for hovering).
#[derive(Clone, Debug)]
pub struct Drawn {
    pub rect: Rect,
    pub grid: Grid,
    /// `(first, last, min, max)` per column: its steps and the range of the measure per
    /// layer (row-major like the grid).
    pub spans: Vec<(u64, u64)>,
    pub ranges: Vec<(f64, f64)>,
    pub metric: Metric,
}

/// The heatmap of `run`'s whole timeline.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    metric: Metric,
    sink: &mut dyn CellSink,
) -> DrawResult<Drawn> {
    let layers = run.arch().depth + 1;
    let t = run.timeline();
    let grid = grid(t, layers, metric);
    let scale = scale(&grid);
    let rect = frame(root, style, t.span().1, layers, &scale, metric.symbol())?;
    if grid.cols > 0 {
        sink.cells(rect, grid.cols, grid.rows, &grid_colours(&grid, &scale))?;
    }
    let spans = t.buckets().iter().map(|b| (b.first, b.last)).collect();
    let ranges = (0..layers.min(t.layers()))
        .flat_map(|row| (0..grid.cols).map(move |col| (row, col)))
        .map(|(row, col)| {
            let a = agg(t, col, row, metric);
            (a.min, a.max)
        })
        .collect();
    Ok(Drawn {
        rect,
        grid,
        spans,
        ranges,
        metric,
    })
}

/// The cell under the pointer, as the page's tooltip shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hover {
    /// The layer's number from 1, or `"out"` for the output layer.
    pub layer: Value,
    /// The column's first and last step (equal while every step has its own column).
    pub step: u64,
    pub last_step: u64,
    /// A number (the geometric mean over the column's steps), or a word for a non-finite
    /// one (`"NaN"`, `"infinite"`).
    pub value: Value,
    /// The metric's name (`grad_norm`) and symbol (`‖dL/dW‖`).
    pub metric: &'static str,
    pub measure: &'static str,
    /// The tooltip's sentence.
    pub text: String,
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
        let (first, last) = *self.spans.get(col)?;
        let layer = if row + 1 == self.grid.rows {
            json!("out")
        } else {
            json!(row + 1)
        };
        let shown = if value.is_finite() {
            sci(value)
        } else {
            diagnosis::short(value).to_string()
        };
        let layer_text = layer
            .as_str()
            .map_or_else(|| layer.to_string(), str::to_string);
        let measure = self.metric.symbol();
        let text = if first == last {
            format!("layer {layer_text} · step {first} · {measure} = {shown}")
        } else {
            let (lo, hi) = self
                .ranges
                .get(row * self.grid.cols + col)
                .copied()
                .unwrap_or((f64::NAN, f64::NAN));
            format!(
                "layer {layer_text} · steps {first}–{last} · {measure} = {shown} (geometric mean; {} to {})",
                sci(lo),
                sci(hi)
            )
        };
        let value = if value.is_finite() {
            json!(value)
        } else {
            json!(diagnosis::short(value))
        };
        Some(Hover {
            layer,
            step: first,
            last_step: last,
            value,
            metric: self.metric.name(),
            measure,
            text,
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
    fn rows_are_layers_and_columns_the_whole_run() {
        let r = run(RUN, 30);
        let h = r.history();
        let g = grid(r.timeline(), 4, Metric::GradNorm);
        assert_eq!(
            (g.rows, g.cols),
            (4, 30),
            "one column per step, from step 0"
        );
        assert_eq!(g.get(0, 29), Some(h[29].layers[0].grad_norm));
        assert_eq!(g.get(3, 0), Some(h[0].layers[3].grad_norm));
        let g = grid(r.timeline(), 4, Metric::Delta);
        assert_eq!(g.get(1, 20), Some(h[20].layers[1].delta_rms));
    }

    /// A long run keeps every step in at most 512 columns: the first steps are still
    /// there (a divergence at step 3 is not scrolled away) and a column of many steps is
    /// their geometric mean, between their minimum and maximum.
    #[test]
    fn a_long_run_keeps_its_first_steps_in_its_columns() {
        let r = run(RUN, 900);
        let t = r.timeline();
        let g = grid(t, 4, Metric::GradNorm);
        assert_eq!(g.cols, 450);
        assert_eq!(t.buckets()[0].first, 0);
        let w = t.width() as usize;
        assert_eq!(w, 2);
        let h = r.history();
        let first: Vec<f64> = (0..w).map(|s| h[s].layers[2].grad_norm).collect();
        let geo = (first.iter().map(|v| v.ln()).sum::<f64>() / w as f64).exp();
        let cell = g.get(2, 0).unwrap_or(f64::NAN);
        assert!((cell / geo - 1.0).abs() < 1e-12, "{cell} {geo}");
        let (lo, hi) = first
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(*v), b.max(*v)));
        assert!(lo <= cell && cell <= hi);
    }

    #[test]
    fn the_cells_painted_are_the_grid_top_down_on_its_scale() {
        let r = run(RUN, 12);
        let mut sink = Recorded::default();
        let mut out = String::new();
        let drawn = {
            let root = SVGBackend::with_string(&mut out, (600, 300)).into_drawing_area();
            draw(&root, style(), &r, Metric::GradNorm, &mut sink)
        }
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.contains("‖dL/dW‖"), "the colour bar names the measure");
        assert_eq!(sink.cells.len(), 1);
        let (rect, cols, rows, colours) = &sink.cells[0];
        assert_eq!((*rect, *cols, *rows), (drawn.rect, 12, 4));
        let s = scale(&drawn.grid);
        // The top row is the output layer, the bottom row the first hidden layer.
        let last = r.history()[11].layers.clone();
        assert_eq!(colours[11], s.color(Some(last[3].grad_norm)));
        assert_eq!(colours[3 * 12 + 11], s.color(Some(last[0].grad_norm)));
    }

    #[test]
    fn hovering_names_the_layer_steps_and_value_under_the_pointer() {
        let r = run(RUN, 20);
        let mut text = String::new();
        let root = SVGBackend::with_string(&mut text, (600, 300)).into_drawing_area();
        let drawn = draw(&root, style(), &r, Metric::Delta, &mut Recorded::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let rc = drawn.rect;
        let cell_w = rc.w as f64 / 20.0;
        let cell_h = rc.h as f64 / 4.0;
        // Column 5, top row: the output layer at step 5.
        let at = |d: &Drawn, col: f64, row_from_top: f64| {
            d.hover(
                rc.x as f64 + (col + 0.5) * cell_w,
                rc.y as f64 + (row_from_top + 0.5) * cell_h,
            )
        };
        let h = at(&drawn, 5.0, 0.0).unwrap_or_else(|| panic!("a cell"));
        assert_eq!(h.layer, json!("out"));
        assert_eq!((h.step, h.last_step), (5, 5));
        let v = r.history()[5].layers[3].delta_rms;
        assert_eq!(h.value, json!(v));
        assert_eq!((h.metric, h.measure), ("delta", "rms dL/dz"));
        assert_eq!(
            h.text,
            format!("layer out · step 5 · rms dL/dz = {}", sci(v))
        );
        let h = at(&drawn, 2.0, 3.0).unwrap_or_else(|| panic!("a cell"));
        assert_eq!((h.layer.clone(), h.step), (json!(1), 2));
        assert_eq!(drawn.hover(rc.x as f64 - 2.0, rc.y as f64 + 2.0), None);
        let mut nan = drawn.clone();
        nan.grid.set(2, 0, f64::NAN);
        let h = nan.hover(rc.x as f64 + 1.0, rc.y as f64 + 1.5 * cell_h);
        assert_eq!(h.map(|h| h.value), Some(json!("NaN")));
        // A column of several steps says so.
        let mut wide = drawn.clone();
        wide.spans[5] = (10, 13);
        wide.ranges[3 * 20 + 5] = (1e-3, 4e-3);
        let h = at(&wide, 5.0, 0.0).unwrap_or_else(|| panic!("a cell"));
        assert!(
            h.text.starts_with("layer out · steps 10–13 · rms dL/dz = ")
                && h.text.ends_with("(geometric mean; 1.00e-3 to 4.00e-3)"),
            "{}",
            h.text
        );
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
                let rect = frame(
                    root,
                    style(),
                    grid.cols as f64,
                    grid.rows,
                    &scale,
                    "‖dL/dW‖",
                )?;
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
            let out = svg(move |root| frame(root, style(), 10.0, 2, &s, "x").map(|_| ()));
            assert!(out.contains("step"), "{lo} {hi}");
        }
    }
}
