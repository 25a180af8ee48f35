//! Drawing of every chart with plotters, generic over the backend. Titles and captions
//! are HTML around the canvases; these functions draw axes, data and legends only.
//! Dense images (heatmaps, decision boundary) are not drawn here: the functions return
//! the pixel rectangle of their plotting area, and the caller puts one RGBA image there.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{log_label, DecadeCoord, LogAxis};
use super::colormap::{viridis, CLASSES, NON_FINITE};
use super::heatmap::Scale;
use super::series::{Band, Line, LossLines};
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
    let axis = LogAxis::fit(&values);
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(30.0))
        .y_label_area_size(style.px(60.0))
        .build_cartesian_2d(0.5..n as f64 + 0.5, DecadeCoord::from(axis))
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
        .y_label_formatter(&|t| log_label(*t))
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
            .filter_map(|(i, p)| Some(((i + 1) as f64, axis.pos(pick(p))?)))
            .collect()
    };
    let raw = pts(|p| p.0);
    let clipped = pts(|p| p.1);
    chart
        .draw_series(LineSeries::new(
            raw.clone(),
            raw_color.stroke_width(style.px(2.0)),
        ))
        .map_err(e)?;
    let mut entries = vec![("raw".to_string(), raw_color)];
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
            .map_err(e)?;
        entries.push(("clipped".into(), clip_color));
    }
    if let Some(t) = line.and_then(|t| axis.pos(t)) {
        let red = rgb(NON_FINITE);
        chart
            .draw_series(DashedLineSeries::new(
                [(0.5, t), (n as f64 + 0.5, t)],
                style.px(6.0),
                style.px(4.0),
                red.stroke_width(style.px(1.5)),
            ))
            .map_err(e)?;
        entries.push(("clip threshold (global norm)".into(), red));
    }
    legend(&chart, style, &entries, Corner::UpperLeft)?;
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
type TimeLogChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, DecadeCoord>>;

/// A chart over `steps` (at least one step wide) with a log `y` axis (points are placed
/// at `axis.pos(v)`), its mesh drawn.
fn time_log_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    style: Style,
    steps: (f64, f64),
    axis: LogAxis,
    y_desc: &str,
    x_labels: usize,
) -> DrawResult<TimeLogChart<'a, DB>> {
    let x1 = step_end(steps);
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(30.0))
        .y_label_area_size(style.px(60.0))
        .build_cartesian_2d(steps.0..x1, DecadeCoord::from(axis))
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc(y_desc)
        .x_labels(x_labels)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|t| log_label(*t))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// Where a legend sits in a chart's plotting area.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Corner {
    UpperLeft,
    UpperRight,
}

/// A legend on a translucent white box: a short line in each entry's colour and its name.
/// Drawn here rather than by plotters, whose legend measures its text with a styled DOM
/// element in the browser, which a strict Content-Security-Policy refuses; text sizes come
/// from the backend (the page's canvas measures them itself).
fn legend<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    style: Style,
    entries: &[(String, RGBColor)],
    corner: Corner,
) -> DrawResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let area = chart.plotting_area().strip_coord_spec();
    let font = style.font(10.0);
    let (pad, line, gap) = (
        style.px(5.0) as i32,
        style.px(16.0) as i32,
        style.px(5.0) as i32,
    );
    let (mut text_w, mut text_h) = (0, style.px(10.0) as i32);
    for (name, _) in entries {
        let (w, h) = area.estimate_text_size(name, &font).map_err(e)?;
        text_w = text_w.max(w as i32);
        text_h = text_h.max(h as i32);
    }
    let row = text_h + style.px(3.0) as i32;
    let (box_w, box_h) = (
        2 * pad + line + gap + text_w,
        2 * pad + row * entries.len() as i32,
    );
    let (w, _) = area.dim_in_pixel();
    let x0 = match corner {
        Corner::UpperLeft => pad,
        Corner::UpperRight => (w as i32 - box_w - pad).max(0),
    };
    let y0 = pad;
    let corners = [(x0, y0), (x0 + box_w, y0 + box_h)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.8).filled()))
        .map_err(e)?;
    area.draw(&Rectangle::new(corners, RGBColor(0xcc, 0xcc, 0xcc)))
        .map_err(e)?;
    let anchored = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (name, color)) in entries.iter().enumerate() {
        let y = y0 + pad + row * i as i32 + row / 2;
        area.draw(&PathElement::new(
            [(x0 + pad, y), (x0 + pad + line, y)],
            color.stroke_width(style.px(2.0)),
        ))
        .map_err(e)?;
        area.draw(&Text::new(
            name.clone(),
            (x0 + pad + line + gap, y),
            anchored.clone(),
        ))
        .map_err(e)?;
    }
    Ok(())
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
    let axis = LogAxis::fit(&values);
    let mut chart = time_log_chart(root, style, steps, axis, what, 6)?;
    let layers = lines.len();
    let hidden = layers.saturating_sub(1);
    let mut entries = Vec::new();
    for l in shown_layers(layers) {
        let (mean, band) = &lines[l];
        let color = layer_color(l, layers);
        if (l == 0 || l + 1 == hidden) && band.len() > 1 {
            let at = |v: f64| axis.pos(v).unwrap_or(axis.lo);
            let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, at(b.2))).collect();
            poly.extend(band.iter().rev().map(|b| (b.0, at(b.1))));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    color.mix(0.18).filled(),
                )))
                .map_err(e)?;
        }
        let pts: Vec<(f64, f64)> = mean
            .iter()
            .filter_map(|p| Some((p.0, axis.pos(p.1)?)))
            .collect();
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(style.px(1.5))))
            .map_err(e)?;
        if l == 0 || l + 1 == layers {
            let name = if l + 1 == layers {
                "output layer".to_string()
            } else {
                format!("layer {}", l + 1)
            };
            entries.push((name, color));
        }
    }
    legend(&chart, style, &entries, Corner::UpperRight)?;
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
    let axis = LogAxis::fit(&values);
    let mut chart = time_log_chart(&left, style, steps, axis, "loss", 5)?;
    let finite = |l: &Line| -> Vec<(f64, f64)> {
        l.iter()
            .filter_map(|p| Some((p.0, axis.pos(p.1)?)))
            .collect()
    };
    let train = rgb(CLASSES[0]);
    let test = rgb(CLASSES[1]);
    chart
        .draw_series(LineSeries::new(
            finite(&lines.train_loss),
            train.stroke_width(style.px(1.5)),
        ))
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            finite(&lines.test_loss),
            test.stroke_width(style.px(2.0)),
        ))
        .map_err(e)?;
    let entries = [
        ("train (batch)".to_string(), train),
        ("test".to_string(), test),
    ];
    legend(&chart, style, &entries, Corner::UpperRight)?;
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::view::series::LossLines;

    /// Series a run can produce: subnormals, near-overflow, zeros, NaN and inf.
    fn extreme_sets() -> Vec<Vec<f64>> {
        vec![
            vec![],
            vec![0.0, 0.0],
            vec![f64::NAN, f64::INFINITY],
            vec![5e-324, 1e-320],
            vec![1e-300, 1e300],
            vec![1e-200, 1.5e-200],
            vec![1e300, f64::MAX],
            vec![1e-170, 2e-170, 0.0, f64::NEG_INFINITY],
        ]
    }

    /// Draws `f` into an SVG string; the drawing must succeed and finish (plotters' own
    /// log axis looped forever on some of these ranges: a watchdog turns that into a
    /// failure instead of a hung test run).
    fn svg(
        f: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult<()> + Send + 'static,
    ) -> String {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut out = String::new();
            let result = {
                let root = SVGBackend::with_string(&mut out, (600, 300)).into_drawing_area();
                f(&root).and_then(|()| root.present().map_err(|err| format!("{err:?}")))
            };
            let _ = tx.send(result.map(|()| out));
        });
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(Ok(out)) => out,
            Ok(Err(err)) => panic!("drawing failed: {err}"),
            Err(_) => panic!("drawing did not finish within a minute (or panicked)"),
        }
    }

    fn style() -> Style {
        Style { scale: 1.0 }
    }

    #[test]
    fn the_flow_chart_survives_every_number() {
        for values in extreme_sets() {
            let flow: Vec<(f64, f64)> = values.iter().map(|v| (*v, *v / 2.0)).collect();
            for clip in [
                Clip::Norm(1e-200),
                Clip::Norm(1e-170),
                Clip::Value(1e9),
                Clip::None,
            ] {
                let flow = flow.clone();
                let out = svg(move |root| gradient_flow(root, style(), &flow, clip));
                assert!(out.contains("layer"), "{values:?}");
            }
        }
    }

    #[test]
    fn the_time_charts_survive_every_number() {
        for values in extreme_sets() {
            let line: Line = values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, *v))
                .collect();
            let band: Band = values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, *v / 3.0, *v))
                .collect();
            let lines = vec![(line.clone(), band.clone()), (line.clone(), band)];
            let steps = (0.0, values.len() as f64);
            let out = svg(move |root| effective_lr(root, style(), &lines, steps, "lr"));
            assert!(out.contains("step"), "{values:?}");
            let loss = LossLines {
                train_loss: line.clone(),
                test_loss: line.clone(),
                batch_accuracy: vec![],
                train_accuracy: vec![],
                test_accuracy: vec![],
            };
            let out = svg(move |root| loss_and_accuracy(root, style(), &loss, steps, true));
            assert!(out.contains("loss"), "{values:?}");
        }
    }

    #[test]
    fn log_ticks_label_the_data_range() {
        // The flow chart of norms from 1e-19 to 1e-2 labels decades across that range.
        let flow = vec![(1e-19, 1e-19), (1e-10, 1e-10), (1e-2, 1e-2)];
        let out = svg(move |root| gradient_flow(root, style(), &flow, Clip::None));
        assert!(
            out.contains("1e-18") || out.contains("1e-19"),
            "low decades labelled"
        );
        assert!(out.contains("1e-3") || out.contains("1e-2") || out.contains("1e-6"));
    }
}
