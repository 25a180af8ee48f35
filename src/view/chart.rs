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

/// The first and last step of a time chart's window over `history`.
pub fn step_span(
    history: &std::collections::VecDeque<crate::StepRecord>,
    window: usize,
) -> (f64, f64) {
    let first = super::recent(history, window)
        .next()
        .map_or(0.0, |r| r.step as f64);
    (first, first + window as f64)
}

/// The right end of a time axis over `steps`: at least one step wide.
pub(crate) fn step_end(steps: (f64, f64)) -> f64 {
    if steps.1 > steps.0 {
        steps.1
    } else {
        steps.0 + 1.0
    }
}

/// The chart type of the time charts: steps across, a log axis up.
pub(crate) type TimeLogChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, DecadeCoord>>;

/// A chart over `steps` (at least one step wide) with a log `y` axis (points are placed
/// at `axis.pos(v)`), its mesh drawn.
pub(crate) fn time_log_chart<'a, DB: DrawingBackend + 'a>(
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
pub(crate) enum Corner {
    UpperLeft,
    UpperRight,
}

/// A legend on a translucent white box: a short line in each entry's colour and its name.
/// Drawn here rather than by plotters, whose legend measures its text with a styled DOM
/// element in the browser, which a strict Content-Security-Policy refuses; text sizes come
/// from the backend (the page's canvas measures them itself).
pub(crate) fn legend<DB: DrawingBackend, X: Ranged, Y: Ranged>(
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
    fn many_layers_show_the_ends_and_eleven_in_all() {
        assert_eq!(shown_layers(3), [0, 1, 2]);
        assert_eq!(shown_layers(12).len(), 12);
        let s = shown_layers(41);
        assert_eq!(s, [0, 4, 8, 13, 17, 21, 26, 30, 34, 39, 40]);
        assert!(s.windows(2).all(|w| w[0] < w[1]), "{s:?}");
    }
}
