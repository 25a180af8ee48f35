//! Loss and accuracy over the window: the training loss of every step's batch and the
//! test loss at evaluation steps on a log axis; for classification, beside it, the batch,
//! training-set and test-set accuracies from 0 to 1.

use std::collections::VecDeque;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::session::{Run, StepRecord};
use crate::view::axis::LogAxis;
use crate::view::chart::{
    e, legend, rgb, step_end, step_span, time_log_chart, Corner, DrawResult, Line, Style,
};
use crate::view::colormap::CLASSES;
use crate::view::recent;

/// Loss and accuracy lines over the window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossLines {
    pub train_loss: Line,
    pub test_loss: Line,
    pub batch_accuracy: Line,
    pub train_accuracy: Line,
    pub test_accuracy: Line,
}

/// The lines of the last `window` records: the batch loss at every step, the rest at the
/// steps that have them (evaluations; accuracies for classification only).
pub fn lines(history: &VecDeque<StepRecord>, window: usize) -> LossLines {
    let mut out = LossLines::default();
    for r in recent(history, window) {
        let s = r.step as f64;
        out.train_loss.push((s, r.loss));
        let push = |line: &mut Line, v: Option<f64>| {
            if let Some(v) = v {
                line.push((s, v));
            }
        };
        push(&mut out.test_loss, r.test_loss);
        push(&mut out.batch_accuracy, r.batch_accuracy);
        push(&mut out.train_accuracy, r.train_accuracy);
        push(&mut out.test_accuracy, r.test_accuracy);
    }
    out
}

/// The loss chart (log axis), and for `classification` the accuracy chart beside it.
pub fn chart<DB: DrawingBackend>(
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

/// Loss and accuracy of `run` over the last `window` steps.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    window: usize,
) -> DrawResult<()> {
    let classification = run.dataset().kind.classes().is_some();
    let lines = lines(run.history(), window);
    chart(
        root,
        style,
        &lines,
        step_span(run.history(), window),
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
        let l = lines(h, 100);
        let train: Vec<(f64, f64)> = h.iter().map(|r| (r.step as f64, r.loss)).collect();
        assert_eq!(l.train_loss, train);
        let at = |line: &Line| line.iter().map(|p| p.0).collect::<Vec<_>>();
        assert_eq!(at(&l.test_loss), [0.0, 5.0, 10.0]);
        assert_eq!(l.test_loss[1].1, h[5].test_loss.unwrap_or(f64::NAN));
        assert_eq!(at(&l.test_accuracy), [0.0, 5.0, 10.0]);
        assert_eq!(
            at(&l.batch_accuracy).len(),
            12,
            "every batch has an accuracy"
        );
        // The window keeps the last steps.
        assert_eq!(at(&lines(h, 4).test_loss), [10.0]);
    }

    #[test]
    fn regression_has_no_accuracy() {
        let r = run(r#"{"dataset": {"kind": "sine"}, "eval_every": 4}"#, 9);
        let l = lines(r.history(), 100);
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
                    test_loss: line.clone(),
                    batch_accuracy: line.clone(),
                    train_accuracy: vec![],
                    test_accuracy: line.clone(),
                };
                let out = svg(move |root| chart(root, style(), &loss, steps, classification));
                assert!(out.contains("loss"), "{values:?}");
            }
        }
    }
}
