//! The activation histogram (the page's "saturation" view): for each hidden layer, the
//! share of the last training batch's activations in each of [`BINS`] bins over a range
//! that suits the activation function, as one row of cells on a linear colour scale
//! (bottom row the first hidden layer). Saturated sigmoid or tanh units pile up in the end
//! bins; dead relu units in the first.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::activation::Activation;
use crate::engine::session::Run;
use crate::view::chart::{
    axis_layout, colour_bar, e, grid_colours, layer_tick, plot_rect, split_for_bar, CellSink,
    DrawResult, Style, LABEL_FONT, TITLE_FONT,
};
use crate::view::grid::{Grid, Scale};
use crate::view::Rect;

/// Histogram bins per layer.
pub const BINS: usize = 40;

/// The range of activation values binned for an activation function.
pub fn range(a: Activation) -> (f64, f64) {
    match a {
        Activation::Sigmoid => (0.0, 1.0),
        Activation::Tanh => (-1.0, 1.0),
        Activation::Relu => (0.0, 3.0),
        Activation::Linear => (-3.0, 3.0),
        _ => (-2.0, 3.0),
    }
}

/// The histogram grid of `run`'s last batch: a row per hidden layer, a column per bin,
/// each cell that bin's share of the layer's activations (values outside the range count
/// in the end bins). Empty bins stay empty cells, so the occupied ones stand out.
pub fn grid(run: &Run) -> Grid {
    let (lo, hi) = range(run.spec().arch.activation);
    let hist = run.activation_histograms(BINS, lo, hi);
    let mut grid = Grid::new(hist.len(), BINS);
    for (l, counts) in hist.iter().enumerate() {
        for (b, share) in counts.iter().enumerate().filter(|(_, s)| **s > 0.0) {
            grid.set(l, b, *share);
        }
    }
    grid
}

/// The colour scale: linear from 0 to the largest share (at least 0.05).
pub fn scale(grid: &Grid) -> Scale {
    let top = grid.values.iter().flatten().fold(0.05f64, |m, v| m.max(*v));
    Scale::Linear { lo: 0.0, hi: top }
}

/// The axes (activation value across, hidden layers up) and the colour bar; returns the
/// plotting rectangle, where the cells go.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    range: (f64, f64),
    layers: usize,
    scale: &Scale,
) -> DrawResult<Rect> {
    let (main, bar) = split_for_bar(root, style)?;
    let y_labels: Vec<String> = (0..layers)
        .map(|l| layer_tick(l as f64, layers, false))
        .collect();
    let layout = axis_layout(&main, style, &y_labels, "-0.5", 5)?;
    let mut chart = ChartBuilder::on(&main)
        .margin(style.px(6.0))
        .margin_right(style.px(12.0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(range.0..range.1, -0.5..layers as f64 - 0.5)
        .map_err(e)?;
    let label_layer = move |v: &f64| layer_tick(*v, layers, false);
    chart
        .configure_mesh()
        .disable_mesh()
        .set_all_tick_mark_size(layout.tick)
        .x_desc("activation value")
        .y_desc("layer")
        .x_labels(layout.x_labels)
        .y_labels(layers.min(12))
        .y_label_formatter(&label_layer)
        .label_style(style.font(LABEL_FONT))
        .axis_desc_style(style.font(TITLE_FONT))
        .draw()
        .map_err(e)?;
    let rect = plot_rect(&chart);
    colour_bar(&bar, style, scale, "share")?;
    Ok(rect)
}

/// The activation histogram of `run`'s last batch (axes only before the first step).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    sink: &mut dyn CellSink,
) -> DrawResult<()> {
    let grid = grid(run);
    let scale = scale(&grid);
    let range = range(run.spec().arch.activation);
    let rect = frame(root, style, range, grid.rows.max(1), &scale)?;
    if run.steps() > 0 {
        sink.cells(rect, grid.cols, grid.rows, &grid_colours(&grid, &scale))?;
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::view::chart::RectSink;
    use crate::view::testing::{extreme_sets, run, style, svg, Recorded};

    #[test]
    fn each_hidden_layer_is_a_row_whose_shares_sum_to_one() {
        let r = run(r#"{"network": {"depth": 4, "activation": "tanh"}}"#, 3);
        let g = grid(&r);
        assert_eq!((g.rows, g.cols), (4, BINS), "hidden layers only");
        for row in 0..g.rows {
            let sum: f64 = (0..g.cols).filter_map(|c| g.get(row, c)).sum();
            assert!((sum - 1.0).abs() < 1e-9, "layer {row}: {sum}");
            assert!(
                (0..g.cols).all(|c| g.get(row, c).is_none_or(|s| s > 0.0)),
                "empty bins stay empty"
            );
        }
        assert_eq!(range(Activation::Tanh), (-1.0, 1.0));
    }

    #[test]
    fn saturated_sigmoid_units_fill_the_end_bins() {
        // Large initial weights push sigmoid units to 0 and 1.
        let r = run(
            r#"{"network": {"depth": 3, "width": 32, "activation": "sigmoid", "init": "normal", "init_std": 8.0}}"#,
            1,
        );
        let g = grid(&r);
        let last = g.rows - 1;
        let ends = g.get(last, 0).unwrap_or(0.0) + g.get(last, BINS - 1).unwrap_or(0.0);
        assert!(ends > 0.5, "{ends}");
    }

    #[test]
    fn nothing_is_painted_before_the_first_step() {
        let painted = |steps: u64| {
            let r = run(r#"{"network": {"depth": 2}}"#, steps);
            let mut sink = Recorded::default();
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, (600, 300)).into_drawing_area();
                draw(&root, style(), &r, &mut sink).unwrap_or_else(|e| panic!("{e}"));
            }
            assert!(text.contains("activation value"));
            (r, sink.cells)
        };
        assert!(painted(0).1.is_empty());
        let (r, cells) = painted(1);
        assert_eq!(cells.len(), 1);
        let (_, cols, rows, colours) = &cells[0];
        assert_eq!((*cols, *rows), (BINS, 2));
        let g = grid(&r);
        assert_eq!(colours, &grid_colours(&g, &scale(&g)));
    }

    #[test]
    fn the_histogram_and_its_colour_bar_survive_every_number() {
        for values in extreme_sets() {
            let mut grid = Grid::new(2, BINS);
            for (c, v) in values.iter().enumerate() {
                grid.set(c % 2, c, *v);
            }
            let scale = scale(&grid);
            let label = format!("{values:?}");
            let out = svg(move |root| {
                let rect = frame(root, style(), (-1.0, 1.0), 2, &scale)?;
                RectSink { area: root }.cells(rect, BINS, 2, &grid_colours(&grid, &scale))
            });
            assert!(out.contains("share"), "{label}");
        }
    }
}
