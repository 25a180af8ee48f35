//! Drawing of every chart with plotters, generic over the backend. Titles and captions
//! are HTML around the canvases; these functions draw axes, data and legends only.
//! Dense images (heatmaps, decision boundary) are not drawn here: the functions return
//! the pixel rectangle of their plotting area, and the caller puts one RGBA image there.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::colormap::{viridis, CLASSES, NON_FINITE};
use super::heatmap::Scale;
use super::series::{log_range, Band, Line, LossLines};
use super::Rect;
use crate::engine::clip::Clip;

/// Drawing errors are reported as text (the page logs them and keeps going).
pub type DrawResult<T> = Result<T, String>;

fn e<E: std::fmt::Debug>(err: E) -> String {
    format!("{err:?}")
}

/// Text and line sizes for a device-pixel ratio.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub scale: f64,
}

impl Style {
    fn px(&self, v: f64) -> u32 {
        (v * self.scale).round().max(1.0) as u32
    }
    fn font(&self, size: f64) -> TextStyle<'static> {
        ("sans-serif", size * self.scale)
            .into_font()
            .color(&RGBColor(0x33, 0x33, 0x33))
    }
}

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Layer colours: viridis from the first hidden layer to the output layer.
pub fn layer_color(l: usize, layers: usize) -> RGBColor {
    rgb(viridis(if layers <= 1 {
        0.0
    } else {
        l as f64 / (layers - 1) as f64 * 0.9
    }))
}

/// Tick labels for a log axis from `lo` to `hi`: the decades (`1e-2`) always, and on an
/// axis narrower than two decades also the 2s and 5s between (`2e-2`, `5e-2`).
fn log_labels(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let wide = hi / lo > 100.0;
    move |v: &f64| {
        if *v <= 0.0 || !v.is_finite() {
            return String::new();
        }
        let exp = v.log10().floor();
        let mantissa = v / 10f64.powf(exp);
        let near = |m: f64| (mantissa - m).abs() < 1e-6 * m || (mantissa - 10.0 * m).abs() < 1e-5;
        if near(1.0) {
            format!("1e{}", v.log10().round() as i32)
        } else if !wide && (near(2.0) || near(5.0)) {
            format!("{v:.0e}")
        } else {
            String::new()
        }
    }
}

fn plot_rect<
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
) -> Rect {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    Rect {
        x: xr.start,
        y: yr.start,
        w: xr.end - xr.start,
        h: yr.end - yr.start,
    }
}

/// The label of a row tick at `v` (rows centred on integers): "1", "2", ... and "out" for
/// the output layer when `with_output`; empty between rows.
fn layer_tick(v: f64, layers: usize, with_output: bool) -> String {
    if (v - v.round()).abs() > 1e-6 || v < -0.01 {
        return String::new();
    }
    let l = v.round() as usize;
    if with_output && l + 1 == layers {
        "out".into()
    } else if l < layers {
        format!("{}", l + 1)
    } else {
        String::new()
    }
}

/// The heatmap's axes (steps across, layers up) and its colour bar; returns the plotting
/// rectangle where the caller puts the image.
pub fn heatmap_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    first_step: u64,
    window: usize,
    layers: usize,
    scale: &Scale,
    value_name: &str,
) -> DrawResult<Rect> {
    root.fill(&WHITE).map_err(e)?;
    let (w, _) = root.dim_in_pixel();
    let bar_w = (style.px(70.0)).min(w / 4);
    let (main, bar) = root.split_horizontally(w - bar_w);
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

/// A vertical colour bar for `scale` with decade labels and a non-finite swatch.
pub fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: Style,
    scale: &Scale,
    name: &str,
) -> DrawResult<()> {
    let (lo, hi, log) = match *scale {
        Scale::Log10 { lo, hi } => (lo, hi, true),
        Scale::Linear { lo, hi } => (lo, hi, false),
    };
    let (w, h) = area.dim_in_pixel();
    // Bar on the left of the area, labels to its right.
    let mut chart = ChartBuilder::on(area)
        .margin_top(style.px(8.0))
        .margin_bottom(style.px(58.0))
        .margin_right(
            w.saturating_sub(style.px(16.0))
                .saturating_sub(style.px(4.0)) as i32,
        )
        .margin_left(style.px(4.0))
        .right_y_label_area_size(0)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(e)?;
    let steps = 48;
    let cells = (0..steps).map(|i| {
        let a = lo + (hi - lo) * i as f64 / steps as f64;
        let b = lo + (hi - lo) * (i + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            rgb(viridis((i as f64 + 0.5) / steps as f64)).filled(),
        )
    });
    chart.draw_series(cells).map_err(e)?;
    let (_, yr) = chart.plotting_area().get_pixel_range();
    let x_text = style.px(24.0) as i32;
    let ticks = if log {
        ((hi - lo).round() as usize).clamp(1, 6)
    } else {
        4
    };
    for i in 0..=ticks {
        let v = lo + (hi - lo) * i as f64 / ticks as f64;
        let y = yr.end - ((yr.end - yr.start) as f64 * i as f64 / ticks as f64).round() as i32;
        let text = if log {
            format!("1e{}", v.round() as i32)
        } else {
            format!("{v:.2}")
        };
        area.draw(&Text::new(
            text,
            (x_text, y - style.px(6.0) as i32),
            style.font(10.0),
        ))
        .map_err(e)?;
    }
    let y = h as i32 - style.px(50.0) as i32;
    let x = style.px(4.0) as i32;
    let s = style.px(12.0) as i32;
    area.draw(&Rectangle::new(
        [(x, y), (x + s, y + s)],
        rgb(NON_FINITE).filled(),
    ))
    .map_err(e)?;
    area.draw(&Text::new(
        "NaN/inf",
        (x + s + style.px(4.0) as i32, y),
        style.font(10.0),
    ))
    .map_err(e)?;
    area.draw(&Text::new(
        name.to_string(),
        (x, h as i32 - style.px(28.0) as i32),
        style.font(10.0),
    ))
    .map_err(e)?;
    Ok(())
}

/// Per-layer gradient norms now: raw and clipped, log axis, with the clip threshold.
pub fn gradient_flow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    flow: &[(f64, f64)],
    clip: Clip,
) -> DrawResult<()> {
    // The threshold line only means something on this axis for norm clipping: the
    // per-layer norms after it are at most the global norm, which is at most the
    // threshold. Value clipping bounds elements, not norms; its clipped norms are shown,
    // its threshold is not.
    let line = match clip {
        Clip::Norm(threshold) => Some(threshold),
        Clip::None | Clip::Value(_) => None,
    };
    root.fill(&WHITE).map_err(e)?;
    let n = flow.len().max(1);
    let values: Vec<f64> = flow
        .iter()
        .flat_map(|(a, b)| [*a, *b])
        .chain(line)
        .collect();
    let (lo, hi) = log_range(values.iter());
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(30.0))
        .y_label_area_size(style.px(60.0))
        .build_cartesian_2d(0.5..n as f64 + 0.5, (lo..hi).log_scale())
        .map_err(e)?;
    let layer_label = move |v: &f64| {
        let l = v.round() as usize;
        if (v - v.round()).abs() > 1e-9 || l == 0 {
            String::new()
        } else if l == n {
            "out".into()
        } else {
            l.to_string()
        }
    };
    chart
        .configure_mesh()
        .x_desc("layer (input → output)")
        .y_desc("‖dL/dW‖")
        .x_labels(n.min(16))
        .x_label_formatter(&layer_label)
        .y_label_formatter(&log_labels(lo, hi))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .draw()
        .map_err(e)?;
    let raw_color = rgb(CLASSES[0]);
    let clip_color = rgb(CLASSES[1]);
    let pts = |pick: fn(&(f64, f64)) -> f64| -> Vec<(f64, f64)> {
        flow.iter()
            .enumerate()
            .map(|(i, p)| ((i + 1) as f64, pick(p)))
            .filter(|(_, v)| v.is_finite() && *v > 0.0)
            .collect()
    };
    let raw = pts(|p| p.0);
    let clipped = pts(|p| p.1);
    chart
        .draw_series(LineSeries::new(
            raw.clone(),
            raw_color.stroke_width(style.px(2.0)),
        ))
        .map_err(e)?
        .label("raw")
        .legend(swatch(raw_color));
    chart
        .draw_series(
            raw.iter()
                .map(|p| Circle::new(*p, style.px(3.0), raw_color.filled())),
        )
        .map_err(e)?;
    if clip != Clip::None {
        chart
            .draw_series(LineSeries::new(
                clipped,
                clip_color.stroke_width(style.px(2.0)),
            ))
            .map_err(e)?
            .label("clipped")
            .legend(swatch(clip_color));
    }
    if let Some(t) = line {
        let red = rgb(NON_FINITE);
        chart
            .draw_series(DashedLineSeries::new(
                [(0.5, t), (n as f64 + 0.5, t)],
                style.px(6.0),
                style.px(4.0),
                red.stroke_width(style.px(1.5)),
            ))
            .map_err(e)?
            .label("clip threshold (global norm)")
            .legend(swatch(red));
    }
    draw_legend(&mut chart, style, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// The right end of a time axis over `steps`: at least one step wide.
fn step_end(steps: (f64, f64)) -> f64 {
    if steps.1 > steps.0 {
        steps.1
    } else {
        steps.0 + 1.0
    }
}

/// The chart type of the time charts: steps across, a log axis up.
type TimeLogChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::combinators::LogCoord<f64>,
    >,
>;

/// A chart over `steps` (at least one step wide) with a log `y` axis from `lo` to `hi`,
/// its mesh drawn.
fn time_log_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    style: Style,
    steps: (f64, f64),
    (lo, hi): (f64, f64),
    y_desc: &str,
    x_labels: usize,
) -> DrawResult<TimeLogChart<'a, DB>> {
    let x1 = step_end(steps);
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(30.0))
        .y_label_area_size(style.px(60.0))
        .build_cartesian_2d(steps.0..x1, (lo..hi).log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc(y_desc)
        .x_labels(x_labels)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&log_labels(lo, hi))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// A legend entry's sample: a short line in `color`.
fn swatch(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
}

/// The series legend, on a translucent white box.
fn draw_legend<
    'a,
    DB: DrawingBackend + 'a,
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    style: Style,
    position: SeriesLabelPosition,
) -> DrawResult<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(RGBColor(0xcc, 0xcc, 0xcc))
        .label_font(style.font(10.0))
        .draw()
        .map_err(e)
}

/// The layers whose lines a per-layer chart draws: all of up to 12, else the first, the
/// last hidden, the output layer and evenly spaced ones between (12 in all).
pub fn shown_layers(layers: usize) -> Vec<usize> {
    if layers <= 12 {
        return (0..layers).collect();
    }
    let mut picked: Vec<usize> = (0..10).map(|i| i * (layers - 2) / 9).collect();
    picked.push(layers - 2);
    picked.push(layers - 1);
    picked.dedup();
    picked
}

/// Effective learning rate per layer over steps: a mean line per layer, and the min–max
/// band of the first and last hidden layers. Log axis.
pub fn effective_lr<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    lines: &[(Line, Band)],
    steps: (f64, f64),
    what: &str,
) -> DrawResult<()> {
    root.fill(&WHITE).map_err(e)?;
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|(_, band)| band.iter().flat_map(|b| [b.1, b.2]))
        .collect();
    let (lo, hi) = log_range(values.iter());
    let mut chart = time_log_chart(root, style, steps, (lo, hi), what, 6)?;
    let layers = lines.len();
    let hidden = layers.saturating_sub(1);
    for l in shown_layers(layers) {
        let (mean, band) = &lines[l];
        let color = layer_color(l, layers);
        if (l == 0 || l + 1 == hidden) && band.len() > 1 {
            let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2.max(lo))).collect();
            poly.extend(band.iter().rev().map(|b| (b.0, b.1.max(lo))));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    color.mix(0.18).filled(),
                )))
                .map_err(e)?;
        }
        let pts: Vec<(f64, f64)> = mean
            .iter()
            .copied()
            .filter(|p| p.1.is_finite() && p.1 > 0.0)
            .collect();
        let series = chart
            .draw_series(LineSeries::new(pts, color.stroke_width(style.px(1.5))))
            .map_err(e)?;
        if l == 0 || l + 1 == layers {
            let name = if l + 1 == layers {
                "output layer".to_string()
            } else {
                format!("layer {}", l + 1)
            };
            series.label(name).legend(swatch(color));
        }
    }
    draw_legend(&mut chart, style, SeriesLabelPosition::UpperRight)?;
    Ok(())
}

/// Loss (log axis, train per step and test at evaluations) beside accuracy (0 to 1).
pub fn loss_and_accuracy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    lines: &LossLines,
    steps: (f64, f64),
    classification: bool,
) -> DrawResult<()> {
    root.fill(&WHITE).map_err(e)?;
    let (w, _) = root.dim_in_pixel();
    let (left, right) = if classification {
        root.split_horizontally(w * 3 / 5)
    } else {
        root.split_horizontally(w)
    };
    let x1 = step_end(steps);
    let values: Vec<f64> = lines
        .train_loss
        .iter()
        .chain(&lines.test_loss)
        .map(|p| p.1)
        .collect();
    let (lo, hi) = log_range(values.iter());
    let mut chart = time_log_chart(&left, style, steps, (lo, hi), "loss", 5)?;
    let finite = |l: &Line| -> Vec<(f64, f64)> {
        l.iter()
            .copied()
            .filter(|p| p.1.is_finite() && p.1 > 0.0)
            .collect()
    };
    let train = rgb(CLASSES[0]);
    let test = rgb(CLASSES[1]);
    chart
        .draw_series(LineSeries::new(
            finite(&lines.train_loss),
            train.stroke_width(style.px(1.5)),
        ))
        .map_err(e)?
        .label("train (batch)")
        .legend(swatch(train));
    chart
        .draw_series(LineSeries::new(
            finite(&lines.test_loss),
            test.stroke_width(style.px(2.0)),
        ))
        .map_err(e)?
        .label("test")
        .legend(swatch(test));
    draw_legend(&mut chart, style, SeriesLabelPosition::UpperRight)?;
    if !classification {
        return Ok(());
    }
    let mut acc = ChartBuilder::on(&right)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(30.0))
        .y_label_area_size(style.px(36.0))
        .build_cartesian_2d(steps.0..x1, 0.0..1.0)
        .map_err(e)?;
    acc.configure_mesh()
        .x_desc("step")
        .y_desc("accuracy")
        .x_labels(3)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(6)
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .draw()
        .map_err(e)?;
    acc.draw_series(LineSeries::new(
        lines.batch_accuracy.clone(),
        train.mix(0.35).stroke_width(style.px(1.0)),
    ))
    .map_err(e)?;
    acc.draw_series(LineSeries::new(
        lines.train_accuracy.clone(),
        train.stroke_width(style.px(2.0)),
    ))
    .map_err(e)?;
    acc.draw_series(LineSeries::new(
        lines.test_accuracy.clone(),
        test.stroke_width(style.px(2.0)),
    ))
    .map_err(e)?;
    Ok(())
}

/// The activation histogram heatmap's axes: activation value across, hidden layers up.
pub fn saturation_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    range: (f64, f64),
    layers: usize,
    scale: &Scale,
) -> DrawResult<Rect> {
    root.fill(&WHITE).map_err(e)?;
    let (w, _) = root.dim_in_pixel();
    let bar_w = style.px(70.0).min(w / 4);
    let (main, bar) = root.split_horizontally(w - bar_w);
    let mut chart = ChartBuilder::on(&main)
        .margin(style.px(6.0))
        .x_label_area_size(style.px(30.0))
        .y_label_area_size(style.px(44.0))
        .build_cartesian_2d(range.0..range.1, -0.5..layers as f64 - 0.5)
        .map_err(e)?;
    let label_layer = move |v: &f64| layer_tick(*v, layers, false);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("activation value")
        .y_desc("layer")
        .x_labels(5)
        .y_labels(layers.min(12))
        .y_label_formatter(&label_layer)
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .draw()
        .map_err(e)?;
    let rect = plot_rect(&chart);
    colour_bar(&bar, style, scale, "share")?;
    Ok(rect)
}

/// The data plane's axes (classification); returns the plotting rectangle, where the
/// caller puts the boundary-and-points image (see `view::plane`).
pub fn data_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    extent: f64,
) -> DrawResult<Rect> {
    root.fill(&WHITE).map_err(e)?;
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(26.0))
        .y_label_area_size(style.px(34.0))
        .build_cartesian_2d(-extent..extent, -extent..extent)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(5)
        .y_labels(5)
        .label_style(style.font(10.0))
        .draw()
        .map_err(e)?;
    Ok(plot_rect(&chart))
}

/// Regression: the data points and the network's curve.
pub fn fitted_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    points: &[(f64, f64)],
    curve: &[(f64, f64)],
) -> DrawResult<()> {
    root.fill(&WHITE).map_err(e)?;
    let ys = points
        .iter()
        .chain(curve)
        .map(|p| p.1)
        .filter(|v| v.is_finite());
    let (lo, hi) = ys.fold((-1.2f64, 1.2f64), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = (lo.max(-10.0), hi.min(10.0));
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(26.0))
        .y_label_area_size(style.px(34.0))
        .build_cartesian_2d(-1.1..1.1, lo..hi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("x")
        .y_desc("y")
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(10.0))
        .axis_desc_style(style.font(11.0))
        .draw()
        .map_err(e)?;
    let point = rgb(CLASSES[0]);
    chart
        .draw_series(
            points
                .iter()
                .map(|p| Circle::new(*p, style.px(2.5), point.mix(0.6).filled())),
        )
        .map_err(e)?;
    let line = rgb(CLASSES[1]);
    let finite: Vec<(f64, f64)> = curve
        .iter()
        .copied()
        .filter(|p| p.1.is_finite())
        .map(|(x, y)| (x, y.clamp(lo, hi)))
        .collect();
    chart
        .draw_series(LineSeries::new(finite, line.stroke_width(style.px(2.5))))
        .map_err(e)?;
    Ok(())
}
