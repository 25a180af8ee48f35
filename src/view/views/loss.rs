//! Loss and accuracy over the whole run (the run's [`Timeline`]): the training loss of
//! every step's batch (one point per step for the first 512 steps; later the geometric
//! mean of each column's steps, with their min–max band) and the test loss at evaluation
//! steps on a log axis; for classification, beside it, the batch accuracy (mean per
//! column) and the training-set and test-set accuracies from 0 to 1. Non-finite steps are
//! marked in red on both.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::session::Run;
use crate::engine::timeline::{Bucket, Timeline};
use crate::view::axis::LogAxis;
use crate::view::chart::{
    axis_layout, e, few_point_dots, legend, log_tick_budget, non_finite_marks, occupied, rgb,
    step_end, step_label, time_log_chart, Band, DrawResult, Line, Style, LABEL_FONT, TITLE_FONT,
};
use crate::view::colormap::{CLASSES, NON_FINITE};

/// Loss and accuracy lines over the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossLines {
    pub train_loss: Line,
    /// The min–max band of the training loss in columns of more than one step.
    pub train_band: Band,
    pub test_loss: Line,
    pub batch_accuracy: Line,
    pub train_accuracy: Line,
    pub test_accuracy: Line,
}

/// Where a bucket's point goes on a step axis: its middle step (its step, for one step).
pub fn mid(b: &Bucket) -> f64 {
    (b.first as f64 + b.last as f64) / 2.0
}

/// The lines of a timeline: the batch loss per bucket, evaluations at their steps
/// (accuracies for classification only).
pub fn lines(t: &Timeline) -> LossLines {
    let mut out = LossLines::default();
    for b in t.buckets() {
        let x = mid(b);
        out.train_loss.push((x, b.loss.typical()));
        if b.steps() > 1 && b.loss.min <= b.loss.max {
            out.train_band.push((x, b.loss.min, b.loss.max));
        }
        if let Some(acc) = b.batch_accuracy.mean() {
            out.batch_accuracy.push((x, acc));
        }
        if let Some(ev) = b.eval {
            let s = ev.step as f64;
            let push = |line: &mut Line, v: Option<f64>| {
                if let Some(v) = v {
                    line.push((s, v));
                }
            };
            push(&mut out.test_loss, ev.test_loss);
            push(&mut out.train_accuracy, ev.train_accuracy);
            push(&mut out.test_accuracy, ev.test_accuracy);
        }
    }
    out
}

/// The loss chart (log axis), and for `classification` the accuracy chart beside it, over
/// `steps`; `buckets` for the non-finite marks.
pub fn chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    lines: &LossLines,
    steps: (f64, f64),
    buckets: &[Bucket],
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
        .chain(lines.train_band.iter().flat_map(|b| [b.1, b.2]))
        .collect();
    let axis = LogAxis::fit_with(&values, log_tick_budget(&left, style)?);
    let mut chart = time_log_chart(&left, style, steps, axis, &["loss"], 5)?;
    let finite = |l: &Line| -> Vec<(f64, f64)> {
        l.iter()
            .filter_map(|p| Some((p.0, axis.pos(p.1)?)))
            .collect()
    };
    let train = rgb(CLASSES[0]);
    let test = rgb(CLASSES[1]);
    let red = rgb(NON_FINITE);
    let marked = non_finite_marks(&mut chart, style, buckets)?;
    if lines.train_band.len() > 1 {
        let at = |v: f64| axis.pos(v).unwrap_or(axis.lo);
        let mut poly: Vec<(f64, f64)> = lines.train_band.iter().map(|b| (b.0, at(b.2))).collect();
        poly.extend(lines.train_band.iter().rev().map(|b| (b.0, at(b.1))));
        chart
            .draw_series(std::iter::once(Polygon::new(
                poly,
                train.mix(0.15).filled(),
            )))
            .map_err(e)?;
    }
    let train_pts = finite(&lines.train_loss);
    let test_pts = finite(&lines.test_loss);
    chart
        .draw_series(LineSeries::new(
            train_pts.clone(),
            train.stroke_width(style.px(1.5)),
        ))
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            test_pts.clone(),
            test.stroke_width(style.px(2.0)),
        ))
        .map_err(e)?;
    few_point_dots(&mut chart, style, &train_pts, train)?;
    few_point_dots(&mut chart, style, &test_pts, test)?;
    let mut entries = Vec::new();
    if !train_pts.is_empty() {
        entries.push(("train (batch)".to_string(), train));
    }
    if !test_pts.is_empty() {
        entries.push(("test".to_string(), test));
    }
    if marked {
        entries.push(("NaN/inf step".to_string(), red));
    }
    let taken = occupied(&chart, &[&train_pts, &test_pts]);
    legend(&chart, style, &entries, &taken)?;
    if !classification {
        return Ok(());
    }
    let y_labels = ["0.0".to_string(), "1.0".to_string()];
    let layout = axis_layout(&right, style, &y_labels, &step_label(x1), 3)?;
    let mut acc = ChartBuilder::on(&right)
        .margin(style.px(8.0))
        .margin_right(style.px(12.0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(steps.0..x1, 0.0..1.0)
        .map_err(e)?;
    acc.configure_mesh()
        .set_all_tick_mark_size(layout.tick)
        .x_desc("step")
        .y_desc("accuracy")
        .x_labels(layout.x_labels)
        .x_label_formatter(&|v| step_label(*v))
        .y_labels(6)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(LABEL_FONT))
        .axis_desc_style(style.font(TITLE_FONT))
        .draw()
        .map_err(e)?;
    non_finite_marks(&mut acc, style, buckets)?;
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
    let mut entries = Vec::new();
    if !lines.batch_accuracy.is_empty() {
        entries.push(("batch".to_string(), RGBColor(166, 205, 228)));
    }
    if !lines.train_accuracy.is_empty() {
        entries.push(("training set".to_string(), train));
    }
    if !lines.test_accuracy.is_empty() {
        entries.push(("test set".to_string(), test));
    }
    let taken = occupied(
        &acc,
        &[
            &lines.batch_accuracy,
            &lines.train_accuracy,
            &lines.test_accuracy,
        ],
    );
    legend(&acc, style, &entries, &taken)?;
    Ok(())
}

/// Loss and accuracy of `run` over the whole run.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
) -> DrawResult<()> {
    let classification = run.dataset().kind.classes().is_some();
    let t = run.timeline();
    chart(
        root,
        style,
        &lines(t),
        t.span(),
        t.buckets(),
        classification,
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::view::testing::{extreme_sets, run, style, svg};

    #[test]
    fn the_test_loss_is_drawn_only_at_evaluation_steps() {
        let r = run(r#"{"network": {"depth": 3}, "eval_every": 5}"#, 12);
        let h = r.history();
        let l = lines(r.timeline());
        let train: Vec<(f64, f64)> = h.iter().map(|r| (r.step as f64, r.loss)).collect();
        assert_eq!(
            l.train_loss, train,
            "one step per point: the recorded losses"
        );
        assert!(l.train_band.is_empty());
        let at = |line: &Line| line.iter().map(|p| p.0).collect::<Vec<_>>();
        assert_eq!(at(&l.test_loss), [0.0, 5.0, 10.0]);
        assert_eq!(l.test_loss[1].1, h[5].test_loss.unwrap_or(f64::NAN));
        assert_eq!(at(&l.test_accuracy), [0.0, 5.0, 10.0]);
        assert_eq!(
            at(&l.batch_accuracy).len(),
            12,
            "every batch has an accuracy"
        );
    }

    #[test]
    fn a_long_run_is_drawn_whole_with_a_band() {
        let r = run(r#"{"network": {"depth": 2}, "eval_every": 100}"#, 1000);
        let t = r.timeline();
        let w = t.width() as usize;
        assert_eq!(w, 2, "1000 steps: two per column");
        let l = lines(t);
        assert_eq!(
            l.train_loss.first().map(|p| p.0),
            Some(0.5),
            "steps 0 and 1"
        );
        assert!(l.train_loss.len() <= 512 && l.train_band.len() == l.train_loss.len());
        assert_eq!(
            l.test_loss.len(),
            10,
            "every evaluation kept: one per column"
        );
        let h = r.history();
        let first = (0..w).map(|s| h[s].loss).fold(f64::INFINITY, f64::min);
        assert_eq!(l.train_band[0].1, first);
    }

    #[test]
    fn regression_has_no_accuracy() {
        let r = run(r#"{"dataset": {"kind": "sine"}, "eval_every": 4}"#, 9);
        let l = lines(r.timeline());
        assert_eq!(l.train_loss.len(), 9);
        assert_eq!(l.test_loss.len(), 3);
        assert!(l.batch_accuracy.is_empty() && l.test_accuracy.is_empty());
    }

    #[test]
    fn the_loss_chart_survives_every_number() {
        for values in extreme_sets() {
            let line: Line = values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, *v))
                .collect();
            let steps = (0.0, values.len() as f64);
            for classification in [true, false] {
                let loss = LossLines {
                    train_loss: line.clone(),
                    train_band: line.iter().map(|p| (p.0, p.1 / 2.0, p.1)).collect(),
                    test_loss: line.clone(),
                    batch_accuracy: line.clone(),
                    train_accuracy: vec![],
                    test_accuracy: line.clone(),
                };
                let out = svg(move |root| chart(root, style(), &loss, steps, &[], classification));
                assert!(out.contains("loss"), "{values:?}");
            }
        }
    }
}
