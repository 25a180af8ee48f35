//! The data view. Classification: the data plane with the decision boundary (the
//! predicted class over a grid, paler where the network is less sure) and the points
//! (training points filled, test points as rings); the page rasterizes it into one image,
//! refreshed a budgeted number of boundary cells per frame ([`Boundary::refresh_frame`]),
//! a figure draws the whole boundary as cells and every point as a circle. Regression:
//! the training points and the network's fitted curve.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::session::Run;
use crate::view::boundary::{Boundary, EXTENT, GRID};
use crate::view::chart::{
    axis_layout, e, plot_rect, rgb, CellSink, DrawResult, ImageSink, Style, LABEL_FONT, TITLE_FONT,
};
use crate::view::colormap::CLASSES;
use crate::view::plane::{self, Plane, Point};
use crate::view::Rect;

/// The view's title and caption for `run` (HTML around the canvas): per task, and after
/// divergence what the picture is of.
pub fn caption(run: &Run) -> (String, String) {
    let data = run.dataset();
    let regression = data.kind.classes().is_none();
    if !regression && !has_plane(run) {
        // The data alone (no prediction drawn): the same words whatever the run did.
        return (
            "Data: input features".into(),
            format!(
                "{} input features, too many for a plane: per feature, the share of training rows in which it is on (bars) and the share of class 1 among them (dots).",
                data.inputs
            ),
        );
    }
    let title = if regression {
        "Data and fitted curve"
    } else {
        "Data and decision boundary"
    };
    let text = match diverged_note(run) {
        Some(note) => note,
        None if regression => {
            "Training points and the curve the network fits to them.".to_string()
        }
        None => "Training points (filled) and test points (rings) over the network's prediction; paler means less sure.".to_string(),
    };
    (title.into(), text)
}

/// After divergence, what the data view shows, in words: the network as it stopped (the
/// weights step `k` was computed with: the non-finite step took no update), and whether
/// those weights are still finite numbers.
pub fn diverged_note(run: &Run) -> Option<String> {
    let k = run.diverged_at()?;
    let finite = run.params_f64().iter().all(|v| v.is_finite());
    let what = if run.dataset().kind.classes().is_none() {
        "The curve"
    } else {
        "The picture"
    };
    Some(if finite {
        format!(
            "Diverged at step {k}: the loss or a gradient became NaN or infinite and training stopped. {what} shows the last finite model, the weights of step {k} (all still finite numbers), not a trained network; blank where its output is not a number."
        )
    } else {
        format!(
            "Diverged at step {k}: training stopped, and some weights are no longer finite numbers. {what} is the output of those weights, blank where it is not a number; it is not a trained network."
        )
    })
}

/// A short line drawn on the plot after divergence (figures have no caption).
fn diverged_label(run: &Run) -> Option<String> {
    run.diverged_at()
        .map(|k| format!("diverged at step {k}: weights of step {k}"))
}

/// Draws `text` in a white box at the top left of `rect`.
fn note_on_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    rect: Rect,
    text: &str,
) -> DrawResult<()> {
    let font = style.font(11.0);
    let (w, h) = root.estimate_text_size(text, &font).map_err(e)?;
    let pad = style.px(4.0) as i32;
    let (x, y) = (rect.x + pad, rect.y + pad);
    let red = rgb(crate::view::colormap::NON_FINITE);
    root.draw(&Rectangle::new(
        [(x, y), (x + w as i32 + 2 * pad, y + h as i32 + 2 * pad)],
        WHITE.mix(0.9).filled(),
    ))
    .map_err(e)?;
    root.draw(&Rectangle::new(
        [(x, y), (x + w as i32 + 2 * pad, y + h as i32 + 2 * pad)],
        red.stroke_width(1),
    ))
    .map_err(e)?;
    root.draw(&Text::new(
        text.to_string(),
        (x + pad, y + pad),
        font.color(&red),
    ))
    .map_err(e)
}

/// Training and test points as `(x, y, class)` (classification).
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

/// The training points `(x, y)` of a regression run.
pub fn regression_points(run: &Run) -> Vec<(f64, f64)> {
    let data = run.dataset();
    data.train_x
        .iter()
        .copied()
        .zip(data.train_y.iter().copied())
        .collect()
}

/// The network's curve: its prediction at 201 points across `x` in `[-1.1, 1.1]`.
pub fn fitted_curve(run: &mut Run) -> Vec<(f64, f64)> {
    let xs: Vec<f64> = (0..=200).map(|i| -1.1 + 2.2 * i as f64 / 200.0).collect();
    let ys = run.predict(&xs);
    xs.into_iter().zip(ys).collect()
}

/// Coordinates beyond this are not drawn as points.
const FAR: f64 = 1e6;

/// Regression: the data points and the network's curve (values beyond `±10` are cut).
pub fn curve_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    points: &[(f64, f64)],
    curve: &[(f64, f64)],
) -> DrawResult<Rect> {
    root.fill(&WHITE).map_err(e)?;
    let ys = points
        .iter()
        .chain(curve)
        .map(|p| p.1)
        .filter(|v| v.is_finite());
    let (lo, hi) = ys.fold((-1.2f64, 1.2f64), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = (lo.max(-10.0), hi.min(10.0));
    let layout = axis_layout(root, style, &["-10.0".to_string()], "-1.0", 6)?;
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .margin_right(style.px(12.0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(-1.1..1.1, lo..hi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .set_all_tick_mark_size(layout.tick)
        .x_desc("x")
        .y_desc("y")
        .x_labels(layout.x_labels)
        .y_labels(6)
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(LABEL_FONT))
        .axis_desc_style(style.font(TITLE_FONT))
        .draw()
        .map_err(e)?;
    let point = rgb(CLASSES[0]);
    // Far-off points (never a data set's) would overflow plotters' pixel arithmetic.
    let drawable = |p: &&(f64, f64)| p.0.abs() < FAR && p.1.abs() < FAR;
    chart
        .draw_series(
            points
                .iter()
                .filter(drawable)
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
    Ok(plot_rect(&chart))
}

/// Whether `run`'s data lie in a plane the view can draw (two inputs, classes).
pub fn has_plane(run: &Run) -> bool {
    let data = run.dataset();
    data.kind.classes().is_some() && data.inputs == 2
}

/// Data with more than two input features (the sparse dataset): per feature, the share
/// of training rows in which it is on (bars), and among those the share of class 1 (dots).
pub fn features_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    frequency: &[f64],
    class1: &[f64],
) -> DrawResult<()> {
    root.fill(&WHITE).map_err(e)?;
    let n = frequency.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(40.0))
        .build_cartesian_2d(0.5..n + 0.5, 0.0..1.0)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("input feature")
        .y_desc("share of rows")
        .x_labels(frequency.len().clamp(2, 9))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(10.0))
        .axis_desc_style(style.font(11.0))
        .draw()
        .map_err(e)?;
    let bar = rgb(CLASSES[0]);
    let share = |v: f64| {
        if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    chart
        .draw_series(frequency.iter().enumerate().map(|(j, f)| {
            let x = j as f64 + 1.0;
            Rectangle::new(
                [(x - 0.35, 0.0), (x + 0.35, share(*f))],
                bar.mix(0.7).filled(),
            )
        }))
        .map_err(e)?;
    let dot = rgb(CLASSES[1]);
    chart
        .draw_series(
            class1
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_finite())
                .map(|(j, c)| {
                    Circle::new((j as f64 + 1.0, share(*c)), style.px(3.0), dot.filled())
                }),
        )
        .map_err(e)?;
    let entries = [
        ("on in this share of rows".to_string(), bar),
        ("class 1 where on".to_string(), dot),
    ];
    crate::view::chart::legend(&chart, style, &entries, &[]).map(|_| ())
}

/// Per input feature of `run`'s training data: how often it is on, and the share of
/// class 1 among the rows where it is.
pub fn feature_shares(run: &Run) -> (Vec<f64>, Vec<f64>) {
    let data = run.dataset();
    let d = data.inputs.max(1);
    let class1 = (0..d)
        .map(|j| {
            let (mut on, mut ones) = (0usize, 0usize);
            for (row, y) in data.train_x.chunks(d).zip(&data.train_y) {
                if row.get(j).is_some_and(|v| *v != 0.0) {
                    on += 1;
                    ones += usize::from(*y == 1.0);
                }
            }
            if on == 0 {
                f64::NAN
            } else {
                ones as f64 / on as f64
            }
        })
        .collect();
    (data.feature_frequency(), class1)
}

/// The regression view of `run`.
fn draw_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &mut Run,
) -> DrawResult<()> {
    let points = regression_points(run);
    let curve = fitted_curve(run);
    let rect = curve_chart(root, style, &points, &curve)?;
    if let Some(label) = diverged_label(run) {
        note_on_plot(root, style, rect, &label)?;
    }
    Ok(())
}

/// The data plane's axes over `[-extent, extent]^2`; returns the plotting rectangle, where
/// the boundary and the points go.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    extent: f64,
) -> DrawResult<Rect> {
    root.fill(&WHITE).map_err(e)?;
    let layout = axis_layout(root, style, &["-2.0".to_string()], "-2.0", 5)?;
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .margin_right(style.px(12.0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(-extent..extent, -extent..extent)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .set_all_tick_mark_size(layout.tick)
        .x_desc("x₁")
        .y_desc("x₂")
        .x_labels(layout.x_labels)
        .y_labels(5)
        .label_style(style.font(LABEL_FONT))
        .axis_desc_style(style.font(TITLE_FONT))
        .draw()
        .map_err(e)?;
    Ok(plot_rect(&chart))
}

/// The page's data view: the boundary advanced by one frame's budget, then the plane with
/// the points as one image.
pub fn draw_live<DB: DrawingBackend, S: ImageSink>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &mut Run,
    boundary: &mut Boundary,
    sink: &mut S,
) -> DrawResult<()> {
    if run.dataset().kind.classes().is_none() {
        return draw_curve(root, style, run);
    }
    if !has_plane(run) {
        let (frequency, class1) = feature_shares(run);
        return features_chart(root, style, &frequency, &class1);
    }
    let rect = frame(root, style, EXTENT)?;
    boundary.refresh_frame(run);
    let (train, test) = labelled_points(run);
    let (w, h) = (rect.w.max(0) as usize, rect.h.max(0) as usize);
    let plane = Plane {
        cells: &boundary.cells,
        n: boundary.n,
        extent: EXTENT,
    };
    let img = plane::render_plane(plane, w, h, &train, &test, 3.0 * style.scale);
    sink.image(rect, &img)?;
    if let Some(label) = diverged_label(run) {
        note_on_plot(root, style, rect, &label)?;
    }
    Ok(())
}

/// A figure's data view, in vector graphics: the whole boundary as cells, and every point
/// as a circle.
pub fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &mut Run,
    sink: &mut dyn CellSink,
) -> DrawResult<()> {
    if run.dataset().kind.classes().is_none() {
        return draw_curve(root, style, run);
    }
    if !has_plane(run) {
        let (frequency, class1) = feature_shares(run);
        return features_chart(root, style, &frequency, &class1);
    }
    let rect = frame(root, style, EXTENT)?;
    let boundary = Boundary::whole(run, GRID);
    sink.cells(rect, GRID, GRID, &boundary.top_down())?;
    let (train, test) = labelled_points(run);
    point_circles(root, style, rect, &train, &test)?;
    if let Some(label) = diverged_label(run) {
        note_on_plot(root, style, rect, &label)?;
    }
    Ok(())
}

/// Training points as filled circles with a white rim, test points as rings, placed in
/// `rect` by their coordinates over `[-EXTENT, EXTENT]^2`.
fn point_circles<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    rect: Rect,
    train: &[Point],
    test: &[Point],
) -> DrawResult<()> {
    // Saturating: a point far outside the plane stays far outside, never wraps into it.
    let to_px = |(a, b): (f64, f64)| {
        (
            rect.x
                .saturating_add(((a + EXTENT) / (2.0 * EXTENT) * rect.w as f64).round() as i32),
            rect.y
                .saturating_add(((EXTENT - b) / (2.0 * EXTENT) * rect.h as f64).round() as i32),
        )
    };
    let r = (3.0 * style.scale).round() as i32;
    for &(a, b, c) in train {
        let at = to_px((a, b));
        root.draw(&Circle::new(at, r + 1, WHITE.filled()))
            .map_err(e)?;
        root.draw(&Circle::new(at, r, rgb(CLASSES[c.min(2)]).filled()))
            .map_err(e)?;
    }
    for &(a, b, c) in test {
        let ring = Circle::new(to_px((a, b)), r, rgb(CLASSES[c.min(2)]).stroke_width(2));
        root.draw(&ring).map_err(e)?;
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    use crate::view::testing::{extreme_sets, run, style, svg, Recorded};

    #[test]
    fn the_points_are_the_datasets_with_their_classes() {
        let r = run(r#"{"dataset": {"kind": "spiral3", "samples": 90}}"#, 0);
        let (train, test) = labelled_points(&r);
        let d = r.dataset();
        assert_eq!(train.len() + test.len(), 90);
        assert_eq!(train.len(), d.train_y.len());
        assert_eq!(
            train[4],
            (d.train_x[8], d.train_x[9], d.train_y[4] as usize)
        );
        assert_eq!(test[1], (d.test_x[2], d.test_x[3], d.test_y[1] as usize));
        let classes: std::collections::BTreeSet<usize> = train.iter().map(|p| p.2).collect();
        assert_eq!(classes.into_iter().collect::<Vec<_>>(), [0, 1, 2]);
    }

    #[test]
    fn the_regression_curve_is_the_networks_prediction_across_the_data() {
        let mut r = run(r#"{"dataset": {"kind": "sine"}}"#, 20);
        let points = regression_points(&r);
        assert_eq!(points.len(), r.dataset().train_y.len());
        assert_eq!(points[3], (r.dataset().train_x[3], r.dataset().train_y[3]));
        let curve = fitted_curve(r.engine_mut());
        assert_eq!(curve.len(), 201);
        assert_eq!((curve[0].0, curve[200].0), (-1.1, 1.1));
        assert_eq!(curve[100].1, r.predict(&[curve[100].0])[0]);
    }

    #[test]
    fn the_page_image_shows_the_boundary_under_the_points() {
        let mut r = run(
            r#"{"dataset": {"kind": "xor"}, "network": {"depth": 2}}"#,
            30,
        );
        let mut b = Boundary::new(GRID);
        let mut sink = Recorded::default();
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (400, 400)).into_drawing_area();
            draw_live(&root, style(), r.engine_mut(), &mut b, &mut sink)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(b.is_synced(30), "a small network syncs in one frame");
        assert_eq!(sink.images.len(), 1);
        let (rect, img) = &sink.images[0];
        let whole = Boundary::whole(r.engine_mut(), GRID);
        let (train, test) = labelled_points(&r);
        let plane = Plane {
            cells: &whole.cells,
            n: GRID,
            extent: EXTENT,
        };
        let expected =
            plane::render_plane(plane, rect.w as usize, rect.h as usize, &train, &test, 3.0);
        assert!(
            img == &expected,
            "the image is the plane of the network now"
        );
        // The top-left corner is the boundary cell at (-EXTENT, EXTENT).
        let top_left = whole.cells[(GRID - 1) * GRID];
        assert_eq!(img[..3], top_left);
    }

    #[test]
    fn the_figure_draws_every_boundary_cell_once() {
        let mut r = run(
            r#"{"dataset": {"kind": "circles"}, "network": {"depth": 2}}"#,
            10,
        );
        let mut sink = Recorded::default();
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (400, 400)).into_drawing_area();
            draw_figure(&root, style(), r.engine_mut(), &mut sink)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(sink.cells.len(), 1);
        let (_, cols, rows, colours) = &sink.cells[0];
        assert_eq!((*cols, *rows), (GRID, GRID));
        assert_eq!(colours, &Boundary::whole(r.engine_mut(), GRID).top_down());
        let circles = text.matches("<circle").count();
        let (train, test) = labelled_points(&r);
        assert_eq!(circles, 2 * train.len() + test.len());
    }

    /// The caption names what the view shows: the fitted curve for the sine regression
    /// (never "decision boundary"), and after divergence the last finite model.
    #[test]
    fn captions_say_what_is_drawn_by_task_and_after_divergence() {
        let (title, text) = caption(&run(r#"{"dataset": {"kind": "sine"}}"#, 3));
        assert_eq!(title, "Data and fitted curve");
        assert!(
            !text.contains("boundary") && !text.contains("rings"),
            "{text}"
        );
        let (title, text) = caption(&run("{}", 3));
        assert_eq!(title, "Data and decision boundary");
        assert!(text.contains("rings"), "{text}");
        let mut r = run(DIVERGES, 40);
        let k = r.diverged_at().unwrap_or_else(|| panic!("diverges"));
        let (_, text) = caption(&r);
        assert!(
            text.starts_with(&format!("Diverged at step {k}:"))
                && text.contains("last finite model"),
            "{text}"
        );
        let out = svg_of_figure(&mut r);
        assert!(
            out.contains(&format!("diverged at step {k}")),
            "on the plot too"
        );
    }

    /// A run whose forward pass overflows f32 at once: 30 relu layers, weights N(0, 10^2).
    pub(crate) const DIVERGES: &str =
        r#"{"network": {"depth": 30, "activation": "relu", "init": "normal", "init_std": 10}}"#;

    fn svg_of_figure(r: &mut crate::ConfiguredRun) -> String {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (400, 400)).into_drawing_area();
            let mut sink = crate::view::chart::RectSink { area: &root };
            draw_figure(&root, style(), r.engine_mut(), &mut sink)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        text
    }

    #[test]
    fn the_data_view_survives_every_number() {
        for values in extreme_sets() {
            let points: Vec<(f64, f64)> = values.iter().map(|v| (*v, *v)).collect();
            let curve: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64 / 8.0, -*v))
                .collect();
            let label = format!("{values:?}");
            let out = svg(move |root| curve_chart(root, style(), &points, &curve).map(|_| ()));
            assert!(out.contains(">\nx\n</text>"), "{label}");
            let points: Vec<Point> = values.iter().map(|v| (*v, -*v, 1)).collect();
            let img = plane::render_plane(
                Plane {
                    cells: &[[1, 2, 3]; 4],
                    n: 2,
                    extent: EXTENT,
                },
                50,
                40,
                &points,
                &points,
                3.0,
            );
            assert_eq!(img.len(), 50 * 40 * 4, "{label}");
            svg(move |root| {
                let rect = frame(root, style(), EXTENT)?;
                point_circles(root, style(), rect, &points, &points)
            });
        }
    }
}
