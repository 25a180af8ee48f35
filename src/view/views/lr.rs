//! The effective learning rate per layer over the window: for each layer the mean over
//! its weights of the step size the optimizer applied (`lr / sqrt(G + eps)` for Adagrad;
//! the plain `lr` for SGD and momentum), as a line, with the min–max band of the first
//! and last hidden layers; log axis. Steps with non-finite numbers are left out.

use std::collections::VecDeque;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::optim::{OptimizerKind, OptimizerSpec};
use crate::engine::session::{Run, StepRecord};
use crate::view::axis::{log_label, DecadeCoord, LogAxis};
use crate::view::chart::{
    e, layer_color, legend, shown_layers, step_span, time_log_chart, Band, Corner, DrawResult,
    Line, Style,
};
use crate::view::recent;

/// Per layer: the mean effective learning rate over the window, and its min–max band.
pub fn lines(history: &VecDeque<StepRecord>, window: usize) -> Vec<(Line, Band)> {
    let layers = history.back().map_or(0, |r| r.layers.len());
    (0..layers)
        .map(|l| {
            let mut mean = Vec::new();
            let mut band = Vec::new();
            for r in recent(history, window).filter(|r| !r.non_finite) {
                if let Some(layer) = r.layers.get(l) {
                    mean.push((r.step as f64, layer.eff_lr_mean));
                    band.push((r.step as f64, layer.eff_lr_min, layer.eff_lr_max));
                }
            }
            (mean, band)
        })
        .collect()
}

/// The view's caption for an optimizer (HTML around the canvas).
pub fn caption(kind: OptimizerKind) -> String {
    let name = kind.name();
    match kind {
        OptimizerKind::Adagrad => "Adagrad's effective learning rate lr / sqrt(G + eps) per layer (line: mean over the layer's weights; band: min to max). G only grows, so it only shrinks.".into(),
        OptimizerKind::Sgd | OptimizerKind::Momentum | OptimizerKind::Nesterov => {
            format!("{name} uses the same learning rate for every weight at every step: a flat line.")
        }
        _ => format!("{name}'s effective step size per layer (line: mean; band: min to max)."),
    }
}

/// The name of the vertical axis for an optimizer.
pub fn axis_name(optimizer: &OptimizerSpec) -> &'static str {
    match optimizer {
        OptimizerSpec::Adagrad { .. } => "lr / sqrt(G + eps)",
        o if !o.is_adaptive() => "lr",
        _ => "effective step size",
    }
}

/// The chart of `lines` (from [`lines`]) over the step range `steps`; `what` names the axis.
pub fn chart<DB: DrawingBackend>(
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

/// The effective learning rate of `run` over the last `window` steps.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
    window: usize,
) -> DrawResult<()> {
    chart(
        root,
        style,
        &lines(run.history(), window),
        step_span(run.history(), window),
        axis_name(&run.spec().optimizer),
    )
}

/// The caption of the per-input-feature mode (HTML around the canvas).
pub fn feature_caption(kind: OptimizerKind) -> String {
    match kind {
        OptimizerKind::Adagrad => "Layer 1's effective learning rate lr / sqrt(G + eps) per input feature (mean over the weights that read it), features from the most frequent (1) to the rarest: a rare feature's weights see few gradients, so they keep a large rate.".into(),
        _ => format!("Layer 1's effective learning rate per input feature (mean over the weights that read it) for {}.", kind.name()),
    }
}

/// The chart of one rate per input feature (`rates[j]` for feature `j + 1`), log axis.
pub fn feature_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    rates: &[f64],
    what: &str,
) -> DrawResult<()> {
    root.fill(&WHITE).map_err(e)?;
    let axis = LogAxis::fit(rates);
    let n = rates.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(60.0))
        .build_cartesian_2d(0.5..n + 0.5, DecadeCoord::from(axis))
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("input feature (1 = most frequent)")
        .y_desc(what)
        .x_labels(rates.len().clamp(2, 9))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|t| log_label(*t))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .draw()
        .map_err(e)?;
    let color = layer_color(0, 2);
    let pts: Vec<(f64, f64)> = rates
        .iter()
        .enumerate()
        .filter_map(|(j, r)| Some((j as f64 + 1.0, axis.pos(*r)?)))
        .collect();
    chart
        .draw_series(LineSeries::new(
            pts.clone(),
            color.stroke_width(style.px(1.5)),
        ))
        .map_err(e)?;
    chart
        .draw_series(
            pts.into_iter()
                .map(|p| Circle::new(p, style.px(3.5), color.filled())),
        )
        .map_err(e)?;
    Ok(())
}

/// `run`'s first-layer effective learning rate per input feature after its last step.
pub fn draw_features<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
) -> DrawResult<()> {
    feature_chart(
        root,
        style,
        &run.input_feature_lr(),
        axis_name(&run.spec().optimizer),
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn adagrad_keeps_a_rare_features_rate_large_and_the_chart_survives_every_number() {
        let r = run(
            r#"{"dataset": {"kind": "sparse"}, "optimizer": {"kind": "adagrad"}}"#,
            100,
        );
        let rates = r.input_feature_lr();
        assert_eq!(rates.len(), 16);
        assert!(
            rates[15] > 2.0 * rates[0],
            "the rarest feature's rate is larger: {rates:?}"
        );
        for values in extreme_sets() {
            let out = svg(move |root| feature_chart(root, style(), &values, "lr"));
            assert!(out.contains("input feature"));
        }
    }
    use crate::view::testing::{extreme_sets, run, style, svg};

    #[test]
    fn the_lines_are_each_layers_mean_effective_rate_and_its_band() {
        let r = run(
            r#"{"network": {"depth": 3}, "optimizer": {"kind": "adagrad"}}"#,
            12,
        );
        let h = r.history();
        let lr = lines(h, 100);
        assert_eq!(lr.len(), 4);
        for (l, (mean, band)) in lr.iter().enumerate() {
            assert_eq!(mean.len(), 12);
            assert_eq!(mean[7], (7.0, h[7].layers[l].eff_lr_mean));
            let b = band[7];
            assert_eq!(
                (b.1, b.2),
                (h[7].layers[l].eff_lr_min, h[7].layers[l].eff_lr_max)
            );
            assert!(b.1 < b.2, "adagrad's rates differ between weights");
        }
        assert!(
            lr[0].0.windows(2).all(|w| w[1].1 <= w[0].1),
            "adagrad's mean rate only shrinks"
        );
        // The window keeps the last steps.
        let last = lines(h, 5);
        assert_eq!(last[2].0.first().map(|p| p.0), Some(7.0));
        assert_eq!(step_span(h, 5), (7.0, 12.0));
    }

    #[test]
    fn plain_sgd_draws_its_learning_rate_and_non_finite_steps_are_left_out() {
        let r = run(r#"{"optimizer": {"kind": "sgd", "lr": 0.05}}"#, 5);
        let lr = lines(r.history(), 100);
        // The rate as the f32 run holds it.
        let rate = 0.05f32 as f64;
        assert!(
            lr.iter().all(|(m, _)| m.iter().all(|p| p.1 == rate)),
            "{lr:?}"
        );
        assert_eq!(axis_name(&r.spec().optimizer), "lr");
        let mut h = r.history().clone();
        h[2].non_finite = true;
        let steps: Vec<f64> = lines(&h, 100)[0].0.iter().map(|p| p.0).collect();
        assert_eq!(steps, [0.0, 1.0, 3.0, 4.0]);
        assert!(caption(OptimizerKind::Adagrad).starts_with("Adagrad's"));
        assert!(caption(OptimizerKind::Sgd).contains("flat line"));
    }

    #[test]
    fn the_lr_chart_survives_every_number() {
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
            let lines = vec![(line.clone(), band.clone()), (line, band)];
            let steps = (0.0, values.len() as f64);
            let out = svg(move |root| chart(root, style(), &lines, steps, "lr"));
            assert!(out.contains("step"), "{values:?}");
        }
    }
}
