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
use crate::view::chart::{e, plot_rect, rgb, CellSink, DrawResult, ImageSink, Style};
use crate::view::colormap::CLASSES;
use crate::view::plane::{self, Plane, Point};
use crate::view::Rect;

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
    Ok(())
}

/// The view's caption (HTML around the canvas) for `run`'s data.
pub fn caption(run: &Run) -> String {
    let data = run.dataset();
    if data.kind.classes().is_none() {
        "Training points and the curve the network fits to them.".into()
    } else if has_plane(run) {
        "Training points (filled) and test points (rings) over the network's prediction; paler means less sure.".into()
    } else {
        format!(
            "{} input features, too many for a plane: per feature, the share of training rows in which it is on (bars) and the share of class 1 among them (dots).",
            data.inputs
        )
    }
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
    crate::view::chart::legend(
        &chart,
        style,
        &entries,
        crate::view::chart::Corner::UpperRight,
    )
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
    curve_chart(root, style, &points, &curve)
}

/// The data plane's axes over `[-extent, extent]^2`; returns the plotting rectangle, where
/// the boundary and the points go.
pub fn frame<DB: DrawingBackend>(
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
    sink.image(rect, &img)
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
    point_circles(root, style, rect, &train, &test)
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
mod tests {
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
            let out = svg(move |root| curve_chart(root, style(), &points, &curve));
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
