//! Gradient flow: the latest step's weight-gradient norm `‖dL/dW‖` per layer, raw and
//! after clipping, on a log axis from the input side to the output layer, with the clip
//! threshold where it bounds these norms (norm clipping).

use std::collections::VecDeque;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::clip::Clip;
use crate::engine::session::{Run, StepRecord};
use crate::view::axis::{log_label, DecadeCoord, LogAxis};
use crate::view::chart::{e, legend, rgb, Corner, DrawResult, Style};
use crate::view::colormap::{CLASSES, NON_FINITE};

/// Per layer (hidden then output): the latest raw and clipped weight-gradient norms.
pub fn norms(history: &VecDeque<StepRecord>) -> Vec<(f64, f64)> {
    history.back().map_or_else(Vec::new, |r| {
        r.layers
            .iter()
            .map(|l| (l.grad_norm, l.clipped_grad_norm))
            .collect()
    })
}

/// The chart of per-layer norms `flow` (raw, clipped) under clipping rule `clip`.
pub fn chart<DB: DrawingBackend>(
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

/// The gradient flow of `run`'s latest step.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
) -> DrawResult<()> {
    chart(root, style, &norms(run.history()), run.spec().clip)
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
        let flow = norms(h);
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
        assert!(norms(&VecDeque::new()).is_empty());
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
                let out = svg(move |root| chart(root, style(), &flow, clip));
                assert!(out.contains("layer"), "{values:?}");
            }
        }
    }

    #[test]
    fn log_ticks_label_the_data_range() {
        // The flow chart of norms from 1e-19 to 1e-2 labels decades across that range.
        let flow = vec![(1e-19, 1e-19), (1e-10, 1e-10), (1e-2, 1e-2)];
        let out = svg(move |root| chart(root, style(), &flow, Clip::None));
        assert!(
            out.contains("1e-18") || out.contains("1e-19"),
            "low decades labelled"
        );
        assert!(out.contains("1e-3") || out.contains("1e-2") || out.contains("1e-6"));
    }
}
