//! What every view's drawing shares, generic over the plotters backend: text and line
//! sizes ([`Style`]), layer colours and ticks, the colour bar, the legend, the time chart
//! on a log axis (the axis itself is [`super::axis`]), and where dense cell grids go
//! ([`CellSink`], [`ImageSink`]). Titles and captions are HTML around the canvases; charts
//! draw axes, data and legends only.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{log_label, DecadeCoord, LogAxis};
use super::colormap::{viridis, NON_FINITE};
use super::grid::{Grid, Scale};
use super::Rect;

/// Drawing errors are reported as text (the page logs them and keeps going).
pub type DrawResult<T> = Result<T, String>;

/// A plotters error as text.
pub(crate) fn e<E: std::fmt::Debug>(err: E) -> String {
    format!("{err:?}")
}

/// One line of a chart: `(x, y)` points.
pub type Line = Vec<(f64, f64)>;

/// A min–max band: `(x, min, max)` points.
pub type Band = Vec<(f64, f64, f64)>;

/// The smallest canvas side (pixels) a view is drawn on; smaller canvases are skipped.
pub const MIN_SIDE: u32 = 40;

/// Whether a `w x h` canvas is large enough to draw a view on.
pub fn drawable(w: u32, h: u32) -> bool {
    w >= MIN_SIDE && h >= MIN_SIDE
}

/// Text and line sizes for a device-pixel ratio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub scale: f64,
}

impl Style {
    /// The style for a device-pixel ratio, kept within `0.5 ..= 4` (1 when not a number).
    pub fn for_pixel_ratio(dpr: f64) -> Style {
        let scale = if dpr.is_nan() {
            1.0
        } else {
            dpr.clamp(0.5, 4.0)
        };
        Style { scale }
    }
    pub(crate) fn px(&self, v: f64) -> u32 {
        (v * self.scale).round().max(1.0) as u32
    }
    pub(crate) fn font(&self, size: f64) -> TextStyle<'static> {
        ("sans-serif", size * self.scale)
            .into_font()
            .color(&RGBColor(0x33, 0x33, 0x33))
    }
}

pub(crate) fn rgb(c: [u8; 3]) -> RGBColor {
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

/// The layers whose lines a per-layer chart draws: all of up to 12, else the first, the
/// last hidden, the output layer and 8 evenly spaced ones between (11 in all).
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

/// The pixel rectangle of a chart's plotting area.
pub(crate) fn plot_rect<DB: DrawingBackend, X: Ranged, Y: Ranged>(
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
pub(crate) fn layer_tick(v: f64, layers: usize, with_output: bool) -> String {
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

/// Splits off the colour bar's strip at the right of `root` (after filling it white):
/// `(main, bar)`.
pub(crate) fn split_for_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
) -> DrawResult<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>)> {
    root.fill(&WHITE).map_err(e)?;
    let (w, _) = root.dim_in_pixel();
    let bar_w = style.px(70.0).min(w / 4);
    Ok(root.split_horizontally(w - bar_w))
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
    for v in bar_ticks(lo, hi, log) {
        let t = (v - lo) / (hi - lo);
        let y = yr.end - ((yr.end - yr.start) as f64 * t).round() as i32;
        let text = if log {
            format!("1e{}", v.round() as i32)
        } else {
            format!("{v:.2}")
        };
        let font = style.font(10.0).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(text, (x_text, y), font)).map_err(e)?;
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

/// The values a colour bar labels: on a log scale whole decades at a regular stride
/// (every decade, or every 2nd, 3rd, 5th, 10th ... so that at most 7 remain), aligned to
/// multiples of the stride; on a linear scale five evenly spaced values.
pub fn bar_ticks(lo: f64, hi: f64, log: bool) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    if !log {
        return (0..=4).map(|i| lo + (hi - lo) * i as f64 / 4.0).collect();
    }
    let (first, last) = (lo.ceil(), hi.floor());
    let decades = (last - first).max(0.0) + 1.0;
    let stride = [1.0f64, 2.0, 3.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0]
        .into_iter()
        .find(|s| (decades / s).ceil() <= 7.0)
        .unwrap_or((decades / 7.0).ceil().max(1.0));
    let start = (first / stride).ceil() * stride;
    (0..8)
        .map(|i| start + stride * i as f64)
        .filter(|t| *t <= last)
        .collect()
}

/// The right end of a time axis over `steps`: at least one step wide.
pub(crate) fn step_end(steps: (f64, f64)) -> f64 {
    if steps.1 > steps.0 {
        steps.1
    } else {
        steps.0 + 1.0
    }
}

/// Sizes that keep a chart's tick labels clear of its axis titles, measured with the
/// backend's own text measurement (the page's canvas, or plotters' estimate for SVG).
///
/// plotters draws a bottom axis's tick labels `2 tick` below the axis and its title at
/// the bottom edge of the label area, and a left axis's labels right-aligned `2 tick` left
/// of the axis with its (rotated) title at the area's left edge; the areas here hold
/// both with a gap of [`AXIS_GAP`] pixels (times the scale) between them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AxisLayout {
    /// Tick mark length (plotters' default is 5% of the plot, which on a large canvas
    /// pushed the labels into the titles).
    pub tick: i32,
    /// Height of the bottom label area and width of the left one.
    pub x_area: u32,
    pub y_area: u32,
    /// How many labels the bottom axis may take without their text touching.
    pub x_labels: usize,
}

/// Pixels between a tick label and its axis title (times the scale).
pub const AXIS_GAP: f64 = 5.0;
/// Font sizes of tick labels and axis titles.
pub const LABEL_FONT: f64 = 11.0;
pub const TITLE_FONT: f64 = 12.0;

/// The layout of a chart on `area` whose left axis shows `y_labels` and whose bottom axis
/// shows labels as wide as `x_label` at most, up to `max_x_labels` of them.
pub fn axis_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: Style,
    y_labels: &[String],
    x_label: &str,
    max_x_labels: usize,
) -> DrawResult<AxisLayout> {
    let label = style.font(LABEL_FONT);
    let title = style.font(TITLE_FONT);
    let size = |t: &str, f: &TextStyle| area.estimate_text_size(t, f).map_err(e);
    let (_, label_h) = size("0123456789e-", &label)?;
    let (_, title_h) = size("step", &title)?;
    let mut y_w = 0;
    for l in y_labels {
        y_w = y_w.max(size(l, &label)?.0);
    }
    let (x_w, _) = size(x_label, &label)?;
    let tick = style.px(4.0) as i32;
    let gap = style.px(AXIS_GAP);
    let x_area = 2 * tick as u32 + label_h + gap + title_h + style.px(2.0);
    let y_area = 2 * tick as u32 + y_w + gap + title_h + style.px(2.0);
    let (w, _) = area.dim_in_pixel();
    let plot_w = w.saturating_sub(y_area + style.px(16.0));
    let per_label = x_w + style.px(18.0);
    let x_labels = ((plot_w / per_label.max(1)) as usize).clamp(2, max_x_labels.max(2));
    Ok(AxisLayout {
        tick,
        x_area,
        y_area,
        x_labels,
    })
}

/// How many labels a log axis on a chart filling `area` has room for: one per 1.8 label
/// heights of its plotting height (2 ..= [`super::axis::MAX_TICKS`]).
pub fn log_tick_budget<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: Style,
) -> DrawResult<usize> {
    let plot = plot_height(area, style)?;
    let (_, lh) = area
        .estimate_text_size("1e-9", &style.font(LABEL_FONT))
        .map_err(e)?;
    Ok(((plot as f64 / (1.8 * lh.max(1) as f64)) as usize).clamp(2, super::axis::MAX_TICKS))
}

/// The plotting height of a chart filling `area` (its height less the bottom label area
/// and the margins).
fn plot_height<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: Style) -> DrawResult<u32> {
    let (_, h) = area.dim_in_pixel();
    let layout = axis_layout(area, style, &[], "0", 2)?;
    Ok(h.saturating_sub(layout.x_area + style.px(16.0)))
}

/// The first of `titles` whose text fits in `length` pixels (the last if none does): a
/// vertical axis's title must not run past the axis.
pub fn title_that_fits<'t, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: Style,
    titles: &[&'t str],
    length: u32,
) -> DrawResult<&'t str> {
    for t in titles {
        let (w, _) = area
            .estimate_text_size(t, &style.font(TITLE_FONT))
            .map_err(e)?;
        if w <= length {
            return Ok(t);
        }
    }
    Ok(titles.last().copied().unwrap_or(""))
}

/// The label of a step on a time axis: whole steps ("2200"; "12k" from 10,000 on); none
/// between steps (a two-step axis would otherwise read "0 0 1 2 2").
pub fn step_label(v: f64) -> String {
    if (v - v.round()).abs() > 1e-9 {
        String::new()
    } else if v.abs() >= 1e4 && (v / 1e3).fract().abs() < 1e-9 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// The chart type of the time charts: steps across, a log axis up.
pub(crate) type TimeLogChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, DecadeCoord>>;

/// A chart over `steps` (at least one step wide) with a log `y` axis (points are placed
/// at `axis.pos(v)`), its mesh drawn with room for every label.
pub(crate) fn time_log_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    style: Style,
    steps: (f64, f64),
    axis: LogAxis,
    y_desc: &[&str],
    max_x_labels: usize,
) -> DrawResult<TimeLogChart<'a, DB>> {
    let x1 = step_end(steps);
    let y_labels: Vec<String> = axis.ticks().into_iter().map(log_label).collect();
    let layout = axis_layout(area, style, &y_labels, &step_label(x1), max_x_labels)?;
    let y_desc = title_that_fits(area, style, y_desc, plot_height(area, style)?)?;
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(8.0))
        .margin_right(style.px(12.0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(steps.0..x1, DecadeCoord::from(axis))
        .map_err(e)?;
    chart
        .configure_mesh()
        .set_all_tick_mark_size(layout.tick)
        .x_desc("step")
        .y_desc(y_desc)
        .x_labels(layout.x_labels)
        .x_label_formatter(&|v| step_label(*v))
        .y_label_formatter(&|t| log_label(*t))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(LABEL_FONT))
        .axis_desc_style(style.font(TITLE_FONT))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// Red bands over the steps of `buckets` that hold a non-finite step (NaN or infinite
/// loss or gradient), at least three pixels wide so that one step of a long run shows;
/// returns whether it drew any.
pub(crate) fn non_finite_marks<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    style: Style,
    buckets: &[crate::engine::timeline::Bucket],
) -> DrawResult<bool> {
    let area = chart.plotting_area();
    let (xr, yr) = area.get_pixel_range();
    let red = rgb(NON_FINITE);
    let mut any = false;
    let min_w = style.px(3.0) as i32;
    for b in buckets.iter().filter(|b| b.non_finite > 0) {
        let x0 = area
            .map_coordinate(&(b.first as f64, area.get_y_range().start))
            .0;
        let x1 = area
            .map_coordinate(&(b.last as f64 + 1.0, area.get_y_range().start))
            .0
            .max(x0 + min_w)
            .min(xr.end);
        let x0 = x0.min(x1 - min_w).max(xr.start);
        let root = area.strip_coord_spec();
        let (ox, oy) = (xr.start, yr.start);
        root.draw(&Rectangle::new(
            [(x0 - ox, 0), (x1 - ox, yr.end - oy)],
            red.mix(0.35).filled(),
        ))
        .map_err(e)?;
        any = true;
    }
    Ok(any)
}

/// Dots at the points of a short line (under 20 points), so that a run of one or two
/// steps shows its numbers (a line of one point draws nothing).
pub(crate) fn few_point_dots<
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    style: Style,
    pts: &[(f64, f64)],
    color: RGBColor,
) -> DrawResult<()> {
    if pts.len() < 20 {
        chart
            .draw_series(
                pts.iter()
                    .map(|p| Circle::new(*p, style.px(2.5), color.filled())),
            )
            .map_err(e)?;
    }
    Ok(())
}

/// Where a legend sits in a chart's plotting area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Corner {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// A legend on a translucent white box: a short line in each entry's colour and its name,
/// in the corner of the plotting area where the fewest of `occupied` (data points, in
/// plotting-area pixels) fall, upper right first on ties. Nothing is drawn without
/// entries, or when the box would not fit inside the plotting area. Drawn here rather than by plotters, whose legend measures its text with a
/// styled DOM element in the browser, which a strict Content-Security-Policy refuses;
/// text sizes come from the backend (the page's canvas measures them itself).
pub(crate) fn legend<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    style: Style,
    entries: &[(String, RGBColor)],
    occupied: &[(i32, i32)],
) -> DrawResult<Option<Rect>> {
    if entries.is_empty() {
        return Ok(None);
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
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    if box_w + 2 * pad > w || box_h + 2 * pad > h {
        // No room inside the plot: no legend rather than one over the axes (the caption
        // names the lines).
        return Ok(None);
    }
    let place = |c: Corner| {
        let x = match c {
            Corner::UpperLeft | Corner::LowerLeft => pad,
            Corner::UpperRight | Corner::LowerRight => (w - box_w - pad).max(0),
        };
        let y = match c {
            Corner::UpperLeft | Corner::UpperRight => pad,
            Corner::LowerLeft | Corner::LowerRight => (h - box_h - pad).max(0),
        };
        Rect {
            x,
            y,
            w: box_w,
            h: box_h,
        }
    };
    let covered = |r: &Rect| {
        occupied
            .iter()
            .filter(|p| p.0 >= r.x && p.0 <= r.x + r.w && p.1 >= r.y && p.1 <= r.y + r.h)
            .count()
    };
    let best = [
        Corner::UpperRight,
        Corner::UpperLeft,
        Corner::LowerRight,
        Corner::LowerLeft,
    ]
    .into_iter()
    .map(place)
    .min_by_key(covered)
    .unwrap_or_else(|| place(Corner::UpperRight));
    let (x0, y0) = (best.x, best.y);
    let corners = [(x0, y0), (x0 + box_w, y0 + box_h)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.85).filled()))
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
    Ok(Some(best))
}

/// A legend under a chart, its entries in rows across `root`'s width: draws it at the
/// bottom of `root` and returns the area above it, for the chart (a legend there never
/// covers data). Without entries, `root` whole.
pub(crate) fn legend_below<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    entries: &[(String, RGBColor)],
) -> DrawResult<DrawingArea<DB, Shift>> {
    let (w, h) = root.dim_in_pixel();
    if entries.is_empty() {
        return Ok(root.clone());
    }
    let font = style.font(10.0);
    let (pad, line, gap, sep) = (
        style.px(6.0) as i32,
        style.px(16.0) as i32,
        style.px(4.0) as i32,
        style.px(14.0) as i32,
    );
    let mut placed = Vec::new();
    let (mut x, mut row, mut text_h) = (pad, 0, style.px(10.0) as i32);
    for (name, color) in entries {
        let (tw, th) = root.estimate_text_size(name, &font).map_err(e)?;
        text_h = text_h.max(th as i32);
        let item = line + gap + tw as i32;
        if x > pad && x + item > w as i32 - pad {
            x = pad;
            row += 1;
        }
        placed.push((x, row, name.clone(), *color));
        x += item + sep;
    }
    let row_h = text_h + style.px(4.0) as i32;
    let height = ((row + 1) * row_h + pad) as u32;
    if height * 3 > h {
        return Ok(root.clone());
    }
    let (top, bottom) = root.split_vertically(h - height);
    let anchored = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (x, row, name, color) in placed {
        let y = row * row_h + row_h / 2 + style.px(2.0) as i32;
        bottom
            .draw(&PathElement::new(
                [(x, y), (x + line, y)],
                color.stroke_width(style.px(2.0)),
            ))
            .map_err(e)?;
        bottom
            .draw(&Text::new(name, (x + line + gap, y), anchored.clone()))
            .map_err(e)?;
    }
    Ok(top)
}

/// The plotting-area pixels of `lines` (data coordinates), with points added along each
/// segment so that a legend avoids the lines between data points too.
pub(crate) fn occupied<
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    lines: &[&[(f64, f64)]],
) -> Vec<(i32, i32)> {
    let area = chart.plotting_area();
    let (xr, yr) = area.get_pixel_range();
    let mut out = Vec::new();
    for line in lines {
        let px: Vec<(i32, i32)> = line
            .iter()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(|p| {
                let (x, y) = area.map_coordinate(p);
                (x - xr.start, y - yr.start)
            })
            .collect();
        out.extend(&px);
        for w in px.windows(2).take(4096) {
            for k in 1..8 {
                let t = k as f64 / 8.0;
                out.push((
                    w[0].0 + ((w[1].0 - w[0].0) as f64 * t) as i32,
                    w[0].1 + ((w[1].1 - w[0].1) as f64 * t) as i32,
                ));
            }
        }
    }
    out
}

/// Where a grid of colours is painted.
pub trait CellSink {
    /// Fills `rect` with `cols x rows` cells, `rgb` row by row from the top.
    fn cells(&mut self, rect: Rect, cols: usize, rows: usize, rgb: &[[u8; 3]]) -> DrawResult<()>;
}

/// A raster target (the page's canvas) that also takes whole images.
pub trait ImageSink: CellSink {
    /// Puts `rgba` (`rect.w x rect.h` pixels, row by row from the top) at `rect`.
    fn image(&mut self, rect: Rect, rgba: &[u8]) -> DrawResult<()>;
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
                self.area.draw(&cell).map_err(e)?;
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

    #[test]
    fn styles_and_sizes_stay_in_bounds() {
        assert_eq!(Style::for_pixel_ratio(2.0).scale, 2.0);
        assert_eq!(Style::for_pixel_ratio(100.0).scale, 4.0);
        assert_eq!(Style::for_pixel_ratio(0.0).scale, 0.5);
        assert_eq!(Style::for_pixel_ratio(f64::NAN).scale, 1.0);
        assert!(drawable(40, 40) && !drawable(39, 400) && !drawable(400, 0));
    }

    #[test]
    fn step_labels_are_whole_steps_only() {
        let labels: Vec<String> = [0.0, 0.5, 1.0, 1.5, 2.0, 2200.0, 12000.0, 12500.0]
            .into_iter()
            .map(step_label)
            .collect();
        assert_eq!(labels, ["0", "", "1", "", "2", "2200", "12k", "12500"]);
    }

    #[test]
    fn colour_bar_ticks_are_regular_decades() {
        // The bar read 1e-12, 1e-15, 1e-19, 1e-24.
        let t = bar_ticks(-24.0, -12.0, true);
        assert_eq!(t, [-24.0, -22.0, -20.0, -18.0, -16.0, -14.0, -12.0]);
        let t = bar_ticks(-27.0, 1.0, true);
        let d: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(t.len() <= 7 && d.iter().all(|x| *x == d[0]), "{t:?}");
        assert!(t.iter().all(|v| v.fract() == 0.0));
        assert_eq!(bar_ticks(0.0, 1.0, false).len(), 5);
    }

    #[test]
    fn many_layers_show_the_ends_and_eleven_in_all() {
        assert_eq!(shown_layers(3), [0, 1, 2]);
        assert_eq!(shown_layers(12).len(), 12);
        let s = shown_layers(41);
        assert_eq!(s, [0, 4, 8, 13, 17, 21, 26, 30, 34, 39, 40]);
        assert!(s.windows(2).all(|w| w[0] < w[1]), "{s:?}");
    }
}
