//! Gradient flow: the latest step's weight-gradient norm `‖dL/dW‖` per layer, raw and
//! after clipping, on a log axis from the input side to the output layer, with the clip
//! threshold where it bounds these norms (norm clipping). Exact zeros (dead layers), which
//! a log axis cannot place, sit on the axis floor as open triangles.
//!
//! Beside it, theory against measurement at initialization ([`crate::view::theory`]): the
//! RMS of the back-propagated signal `dL/dz` per layer measured at step 0 (open circles)
//! and the signal-propagation prediction through the output layer's value, each layer's
//! factor `sqrt(n Var(W) E[f'(z)^2])` multiplied over depth (dashed), for plain networks.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::clip::Clip;
use crate::engine::session::{Run, StepRecord};
use crate::view::axis::{log_label, DecadeCoord, LogAxis};
use crate::view::chart::{
    axis_layout, e, legend_below, log_tick_budget, rgb, title_that_fits, DrawResult, Style,
    LABEL_FONT, TITLE_FONT,
};
use crate::view::colormap::{CLASSES, NON_FINITE};
use crate::view::theory;

/// Per layer (hidden then output): the latest raw and clipped weight-gradient norms.
pub fn norms(latest: Option<&StepRecord>) -> Vec<(f64, f64)> {
    latest.map_or_else(Vec::new, |r| {
        r.layers
            .iter()
            .map(|l| (l.grad_norm, l.clipped_grad_norm))
            .collect()
    })
}

/// Step 0's measured RMS of `dL/dz` per layer and the theory's prediction for it, or
/// `None` before step 0 or for a network the theory does not cover.
#[derive(Clone, Debug, PartialEq)]
pub struct Theory {
    pub measured: Vec<f64>,
    pub predicted: Vec<f64>,
}

/// The step-0 comparison for `run` ([`Theory`]).
pub fn theory_of(run: &Run) -> Option<Theory> {
    let first = run.timeline().first()?;
    let spec = run.spec();
    let power = theory::input_power(&run.dataset().train_x, spec.arch.inputs);
    let factors = theory::factors(&spec.arch, &spec.init, power)?;
    let measured: Vec<f64> = first.layers.iter().map(|l| l.delta_rms).collect();
    let anchor = *measured.last()?;
    if !(anchor.is_finite() && anchor > 0.0) {
        return None;
    }
    Some(Theory {
        predicted: theory::predicted_delta_rms(&factors, anchor),
        measured,
    })
}

/// The axis label of a layer position (1-based; "out" for the last of `n`).
fn layer_label(v: f64, n: usize) -> String {
    let l = v.round() as usize;
    if (v - v.round()).abs() > 1e-9 || l == 0 || l > n {
        String::new()
    } else if l == n {
        "out".into()
    } else {
        l.to_string()
    }
}

/// The chart of per-layer norms `flow` (raw, clipped) under clipping rule `clip`, with the
/// step-0 `theory` comparison when given.
pub fn chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    flow: &[(f64, f64)],
    clip: Clip,
    theory: Option<&Theory>,
    layers: usize,
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
    let raw_color = rgb(CLASSES[0]);
    let clip_color = rgb(CLASSES[1]);
    let theory_color = rgb(CLASSES[2]);
    let red = rgb(NON_FINITE);
    let mut entries = Vec::new();
    if !flow.is_empty() {
        entries.push(("‖dL/dW‖ now".to_string(), raw_color));
        if clip != Clip::None {
            entries.push(("clipped".into(), clip_color));
        }
        if flow.iter().any(|p| p.0 == 0.0) {
            entries.push(("exactly 0 (on the floor)".into(), raw_color));
        }
    }
    if theory.is_some() {
        entries.push(("rms dL/dz at step 0 (circles)".to_string(), theory_color));
        entries.push(("theory at init (dashed)".to_string(), theory_color));
    }
    if line.is_some() {
        entries.push(("clip threshold (global norm)".into(), red));
    }
    let area = legend_below(root, style, &entries)?;
    let root = &area;
    let n = flow
        .len()
        .max(theory.map_or(0, |t| t.measured.len()))
        .max(layers)
        .max(1);
    let theory_values = theory
        .into_iter()
        .flat_map(|t| t.measured.iter().chain(&t.predicted).copied());
    let values: Vec<f64> = flow
        .iter()
        .flat_map(|(a, b)| [*a, *b])
        .chain(line)
        .chain(theory_values)
        .collect();
    let axis = LogAxis::fit_with(&values, log_tick_budget(root, style)?);
    let y_labels: Vec<String> = axis.ticks().into_iter().map(log_label).collect();
    let layout = axis_layout(root, style, &y_labels, "out", n.min(16))?;
    let (_, h) = root.dim_in_pixel();
    let titles: &[&str] = if theory.is_some() {
        &["‖dL/dW‖ · rms dL/dz", "‖dL/dW‖, dL/dz", "size"]
    } else {
        &["‖dL/dW‖"]
    };
    let y_desc = title_that_fits(
        root,
        style,
        titles,
        h.saturating_sub(layout.x_area + style.px(16.0)),
    )?;
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(8.0))
        .margin_right(style.px(12.0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(0.5..n as f64 + 0.5, DecadeCoord::from(axis))
        .map_err(e)?;
    let label = move |v: &f64| layer_label(*v, n);
    chart
        .configure_mesh()
        .set_all_tick_mark_size(layout.tick)
        .x_desc("layer (input → output)")
        .y_desc(y_desc)
        .x_labels(layout.x_labels.min(n))
        .x_label_formatter(&label)
        .y_label_formatter(&|t| log_label(*t))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .label_style(style.font(LABEL_FONT))
        .axis_desc_style(style.font(TITLE_FONT))
        .draw()
        .map_err(e)?;
    let at = |i: usize, v: f64| Some(((i + 1) as f64, axis.pos(v)?));
    let pts = |pick: fn(&(f64, f64)) -> f64| -> Vec<(f64, f64)> {
        flow.iter()
            .enumerate()
            .filter_map(|(i, p)| at(i, pick(p)))
            .collect()
    };
    let raw = pts(|p| p.0);
    let clipped = pts(|p| p.1);

    if let Some(t) = theory {
        let measured: Vec<(f64, f64)> = t
            .measured
            .iter()
            .enumerate()
            .filter_map(|(i, v)| at(i, *v))
            .collect();
        let predicted: Vec<(f64, f64)> = t
            .predicted
            .iter()
            .enumerate()
            .filter_map(|(i, v)| at(i, *v))
            .collect();
        chart
            .draw_series(DashedLineSeries::new(
                predicted.clone(),
                style.px(6.0),
                style.px(4.0),
                theory_color.stroke_width(style.px(2.0)),
            ))
            .map_err(e)?;
        chart
            .draw_series(
                measured.iter().map(|p| {
                    Circle::new(*p, style.px(4.0), theory_color.stroke_width(style.px(1.5)))
                }),
            )
            .map_err(e)?;
    }
    chart
        .draw_series(LineSeries::new(
            raw.clone(),
            raw_color.stroke_width(style.px(2.0)),
        ))
        .map_err(e)?;
    chart
        .draw_series(
            raw.iter()
                .map(|p| Circle::new(*p, style.px(3.0), raw_color.filled())),
        )
        .map_err(e)?;
    // Exact zeros: open triangles on the floor of the axis.
    let zeros: Vec<(f64, f64)> = flow
        .iter()
        .enumerate()
        .filter(|(_, p)| p.0 == 0.0)
        .map(|(i, _)| ((i + 1) as f64, axis.lo))
        .collect();
    if !zeros.is_empty() {
        let size = style.px(5.0) as i32;
        chart
            .draw_series(zeros.iter().map(|p| {
                EmptyElement::at(*p)
                    + Polygon::new(
                        vec![(0, -size), (-size, size / 2), (size, size / 2)],
                        raw_color.filled(),
                    )
            }))
            .map_err(e)?;
    }
    if clip != Clip::None && !flow.is_empty() {
        chart
            .draw_series(LineSeries::new(
                clipped.clone(),
                clip_color.stroke_width(style.px(2.0)),
            ))
            .map_err(e)?;
    }
    if let Some(t) = line.and_then(|t| axis.pos(t)) {
        let threshold = vec![(0.5, t), (n as f64 + 0.5, t)];
        chart
            .draw_series(DashedLineSeries::new(
                threshold.clone(),
                style.px(6.0),
                style.px(4.0),
                red.stroke_width(style.px(1.5)),
            ))
            .map_err(e)?;
    }
    Ok(())
}

/// The gradient flow of `run`'s latest step, with the step-0 theory comparison.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
) -> DrawResult<()> {
    let theory = theory_of(run);
    chart(
        root,
        style,
        &norms(run.history().back()),
        run.spec().clip,
        theory.as_ref(),
        run.arch().depth + 1,
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::view::testing::{extreme_sets, run, style, svg};

    #[test]
    fn the_points_are_the_last_records_norms_per_layer() {
        let r = run(
            r#"{"network": {"depth": 3}, "clip": {"kind": "norm", "threshold": 0.01}}"#,
            12,
        );
        let h = r.history();
        let flow = norms(h.back());
        assert_eq!(flow.len(), 4, "three hidden layers and the output layer");
        for (l, (raw, clipped)) in flow.iter().enumerate() {
            assert_eq!(*raw, h[11].layers[l].grad_norm);
            assert_eq!(*clipped, h[11].layers[l].clipped_grad_norm);
            assert_ne!(*raw, h[10].layers[l].grad_norm, "not an older step");
            assert!(
                clipped <= raw && *clipped <= 0.01 + 1e-12,
                "{raw} {clipped}"
            );
        }
        assert!(norms(None).is_empty());
    }

    #[test]
    fn the_theory_comparison_is_step_0s_signal_and_its_prediction() {
        let r = run(r#"{"network": {"depth": 5, "activation": "tanh"}}"#, 30);
        let t = theory_of(&r).unwrap_or_else(|| panic!("a plain network"));
        let first = &r.history()[0];
        let measured: Vec<f64> = first.layers.iter().map(|l| l.delta_rms).collect();
        assert_eq!(t.measured, measured, "step 0, not the latest step");
        assert_eq!(t.predicted.len(), 6);
        assert_eq!(t.predicted[5], measured[5], "anchored at the output layer");
        let out = svg(move |root| chart(root, style(), &[(1.0, 1.0); 6], Clip::None, Some(&t), 6));
        assert!(out.contains("theory at init") && out.contains("rms dL/dz"));
        for cfg in [
            r#"{"network": {"batch_norm": true}}"#,
            r#"{"network": {"skip_connections": true}}"#,
        ] {
            assert_eq!(theory_of(&run(cfg, 2)), None, "{cfg}");
        }
        assert_eq!(theory_of(&run("{}", 0)), None, "nothing measured yet");
    }

    #[test]
    fn zero_gradients_sit_on_the_floor_with_a_legend_entry() {
        let flow = vec![(0.0, 0.0), (0.0, 0.0), (1e-3, 1e-3)];
        let out = svg(move |root| chart(root, style(), &flow, Clip::None, None, 3));
        assert!(out.contains("exactly 0 (on the floor)"), "zeros named");
        let none = svg(move |root| chart(root, style(), &[], Clip::None, None, 4));
        assert!(!none.contains("now"), "no legend before the first step");
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
                let t = Theory {
                    measured: values.clone(),
                    predicted: values.iter().map(|v| v * 3.0).collect(),
                };
                let out = svg(move |root| chart(root, style(), &flow, clip, Some(&t), 2));
                assert!(out.contains("layer"), "{values:?}");
            }
        }
    }

    #[test]
    fn log_ticks_label_the_data_range() {
        // The flow chart of norms from 1e-19 to 1e-2 labels decades across that range.
        let flow = vec![(1e-19, 1e-19), (1e-10, 1e-10), (1e-2, 1e-2)];
        let out = svg(move |root| chart(root, style(), &flow, Clip::None, None, 3));
        assert!(
            out.contains("1e-21") && out.contains("1e0"),
            "labels past both ends"
        );
    }
}
