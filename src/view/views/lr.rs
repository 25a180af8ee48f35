//! How each layer's weights move, over the whole run (the run's [`Timeline`]):
//!
//! - for every optimizer, the relative update size `||dW|| / ||W||` per layer (numerics.md
//!   8.3: the change the step really made to `W`, after clipping, the optimizer and
//!   weight decay, over the norm of `W` before it), the one step size that means the same
//!   for every optimizer;
//! - for Adagrad also, beside it, its learning rate `lr / sqrt(G + eps)` per layer (mean
//!   over the layer's weights, with the min–max band of the first and last hidden
//!   layers), which only shrinks, and a `1/sqrt(t)` reference line through the output
//!   layer's latest value (`t` the number of updates): the rate of a weight whose
//!   gradients keep one size.
//!
//! Adam's, RMSprop's and Adadelta's per-weight factors (`lr / (sqrt(v) + eps)` and
//! similar) are not drawn: they multiply a normalized quantity and say little about how
//! far the weights move (0.3 to 6.6 for Adam at lr 0.01 while the weights moved 1e-5 to
//! 3e-4 per step). Non-finite steps are marked in red; lines are the geometric means of
//! each column's steps (one step per column for the first 512).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::optim::{OptimizerKind, OptimizerSpec};
use crate::engine::session::Run;
use crate::engine::timeline::{Agg, Bucket, LayerAgg, Timeline};
use crate::view::axis::{log_label, sci, DecadeCoord, LogAxis};
use crate::view::chart::{
    e, few_point_dots, layer_color, legend, log_tick_budget, non_finite_marks, occupied, rgb,
    shown_layers, time_log_chart, Band, DrawResult, Line, Style,
};
use crate::view::colormap::NON_FINITE;
use crate::view::views::loss::mid;

/// Per layer: a line of one measure's per-column typical value and its min–max band.
pub type Lines = Vec<(Line, Band)>;

/// Per layer, `pick`'s line (the column's [`Agg::typical`]) and band (`band`'s min and
/// max) over the timeline; columns holding a non-finite step are left out.
fn per_layer(
    t: &Timeline,
    pick: impl Fn(&LayerAgg) -> Agg,
    band: impl Fn(&LayerAgg) -> (f64, f64),
) -> Lines {
    (0..t.layers())
        .map(|l| {
            let mut line = Vec::new();
            let mut b = Vec::new();
            for (i, bucket) in t.buckets().iter().enumerate() {
                if bucket.non_finite > 0 {
                    continue;
                }
                let a = t.layer(i, l);
                let x = mid(bucket);
                line.push((x, pick(a).typical()));
                let (lo, hi) = band(a);
                b.push((x, lo, hi));
            }
            (line, b)
        })
        .collect()
}

/// Adagrad's learning rate per layer: the mean over the layer's weights (geometric mean
/// over a column's steps), banded by the smallest and largest weight's rate.
pub fn rate_lines(t: &Timeline) -> Lines {
    per_layer(t, |a| a.eff_lr_mean, |a| (a.eff_lr_min, a.eff_lr_max))
}

/// The relative update size `||dW|| / ||W||` per layer, banded by its min and max over a
/// column's steps.
pub fn update_lines(t: &Timeline) -> Lines {
    per_layer(
        t,
        |a| a.update_ratio,
        |a| (a.update_ratio.min, a.update_ratio.max),
    )
}

/// The `1/sqrt(t)` reference through the last point `(x, y)` of `line`, at the line's
/// steps (`t = step + 1` updates): `y sqrt((x + 1) / (s + 1))`.
pub fn reference(line: &Line) -> Line {
    let Some(&(x, y)) = line.iter().rev().find(|p| p.1.is_finite() && p.1 > 0.0) else {
        return Vec::new();
    };
    line.iter()
        .map(|p| (p.0, y * ((x + 1.0) / (p.0 + 1.0)).sqrt()))
        .collect()
}

/// Whether the view draws the optimizer's own learning rate beside the update size:
/// Adagrad only, whose `lr / sqrt(G + eps)` is a learning rate in the usual sense.
pub fn shows_rate(optimizer: &OptimizerSpec) -> bool {
    matches!(optimizer, OptimizerSpec::Adagrad { .. })
}

/// An optimizer's name at the start of a sentence.
pub fn display_name(optimizer: &OptimizerSpec) -> &'static str {
    match optimizer {
        OptimizerSpec::Sgd { .. } => "SGD",
        OptimizerSpec::Momentum { .. } => "SGD with momentum",
        OptimizerSpec::Nesterov { .. } => "SGD with Nesterov momentum",
        OptimizerSpec::Adagrad { .. } => "Adagrad",
        OptimizerSpec::Rmsprop { .. } => "RMSprop",
        OptimizerSpec::Adadelta { .. } => "Adadelta",
        OptimizerSpec::Adam { .. } => "Adam",
        OptimizerSpec::Adamw { .. } => "AdamW",
    }
}

/// The view's caption for an optimizer (HTML around the canvas).
pub fn caption(optimizer: &OptimizerSpec) -> String {
    let name = display_name(optimizer);
    let update = "||dW|| / ||W||, how far each step moves each layer's weights relative to their size (line: the layer; band: first and last hidden layer's range)";
    match optimizer {
        OptimizerSpec::Adagrad { .. } => format!(
            "First chart: Adagrad's learning rate lr / sqrt(G + eps) per layer (line: mean over the layer's weights; band: smallest to largest). G only grows, so the rate only shrinks; the dashed grey line falls like 1/sqrt(t) through the output layer's latest rate. Second chart: {update}."
        ),
        o if !o.is_adaptive() => format!(
            "{name} gives every weight the same learning rate, {} at every step. The chart shows {update}.",
            sci_plain(o.lr())
        ),
        _ => format!(
            "{name} scales each weight's step by that weight's own gradient history, so no single learning rate describes it. The chart shows {update}."
        ),
    }
}

/// A learning rate as a student writes it: `0.05`, `1e-4`.
fn sci_plain(v: f64) -> String {
    if (1e-3..1e3).contains(&v.abs()) {
        format!("{}", (v * 1e6).round() / 1e6)
    } else {
        sci(v)
    }
}

/// The names of the vertical axes, long and short (for short charts): the rate's
/// (Adagrad) and the update size's.
pub const RATE_AXIS: [&str; 2] = ["lr / sqrt(G + eps)", "lr/√(G+ε)"];
pub const UPDATE_AXIS: [&str; 2] = ["‖dW‖ / ‖W‖", "‖dW‖/‖W‖"];

/// One chart of per-layer `lines` over `steps` on a log axis named `what`, with
/// `reference` dashed and the non-finite `buckets` marked.
pub fn chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    lines: &Lines,
    steps: (f64, f64),
    buckets: &[Bucket],
    what: &[&str],
    reference: Option<&Line>,
) -> DrawResult<()> {
    root.fill(&WHITE).map_err(e)?;
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|(line, band)| {
            line.iter()
                .map(|p| p.1)
                .chain(band.iter().flat_map(|b| [b.1, b.2]))
        })
        .collect();
    let axis = LogAxis::fit_with(&values, log_tick_budget(root, style)?);
    let mut chart = time_log_chart(root, style, steps, axis, what, 5)?;
    let marked = non_finite_marks(&mut chart, style, buckets)?;
    let layers = lines.len();
    let hidden = layers.saturating_sub(1);
    let mut entries = Vec::new();
    let mut drawn: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut zeros = false;
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
        // Exact zeros (an update too small to change an f32 weight) on the floor.
        let pts: Vec<(f64, f64)> = mean
            .iter()
            .filter_map(|p| {
                if p.1 == 0.0 {
                    zeros = true;
                    Some((p.0, axis.lo))
                } else {
                    Some((p.0, axis.pos(p.1)?))
                }
            })
            .collect();
        chart
            .draw_series(LineSeries::new(
                pts.clone(),
                color.stroke_width(style.px(1.5)),
            ))
            .map_err(e)?;
        few_point_dots(&mut chart, style, &pts, color)?;
        if (l == 0 || l + 1 == layers) && !pts.is_empty() {
            let name = if l + 1 == layers {
                "output layer".to_string()
            } else {
                format!("layer {}", l + 1)
            };
            entries.push((name, color));
        }
        drawn.push(pts);
    }
    if let Some(r) = reference {
        let grey = RGBColor(0x77, 0x77, 0x77);
        let pts: Vec<(f64, f64)> = r
            .iter()
            .filter_map(|p| Some((p.0, axis.pos(p.1)?)))
            .collect();
        if pts.len() > 1 {
            chart
                .draw_series(DashedLineSeries::new(
                    pts.clone(),
                    style.px(5.0),
                    style.px(4.0),
                    grey.stroke_width(style.px(1.5)),
                ))
                .map_err(e)?;
            entries.push(("∝ 1/√t".to_string(), grey));
            drawn.push(pts);
        }
    }
    if zeros {
        entries.push((
            "exactly 0: on the floor".to_string(),
            RGBColor(0x77, 0x77, 0x77),
        ));
    }
    if marked {
        entries.push(("NaN/inf step".to_string(), rgb(NON_FINITE)));
    }
    let refs: Vec<&[(f64, f64)]> = drawn.iter().map(|v| v.as_slice()).collect();
    let taken = occupied(&chart, &refs);
    legend(&chart, style, &entries, &taken)?;
    Ok(())
}

/// The view of `run`: the update size, and for Adagrad its learning rate beside it (side
/// by side on a wide canvas, one above the other on a narrow one).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &Run,
) -> DrawResult<()> {
    let t = run.timeline();
    let (span, buckets) = (t.span(), t.buckets());
    let updates = update_lines(t);
    if !shows_rate(&run.spec().optimizer) {
        return chart(root, style, &updates, span, buckets, &UPDATE_AXIS, None);
    }
    root.fill(&WHITE).map_err(e)?;
    let (w, h) = root.dim_in_pixel();
    let (a, b) = if (w as f64) < 1.6 * h as f64 {
        root.split_vertically(h / 2)
    } else {
        root.split_horizontally(w / 2)
    };
    let rates = rate_lines(t);
    let reference = rates.last().map(|(line, _)| reference(line));
    chart(
        &a,
        style,
        &rates,
        span,
        buckets,
        &RATE_AXIS,
        reference.as_ref(),
    )?;
    chart(&b, style, &updates, span, buckets, &UPDATE_AXIS, None)
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

/// The per-feature chart's axis: the factor numerics.md 6.4 records for the optimizer
/// (a learning rate in the usual sense for Adagrad and the SGD family only).
pub fn feature_axis_name(optimizer: &OptimizerSpec) -> &'static str {
    match optimizer {
        OptimizerSpec::Adagrad { .. } => RATE_AXIS[0],
        o if !o.is_adaptive() => "lr",
        OptimizerSpec::Adadelta { .. } => "lr·sqrt(u + eps) / sqrt(v + eps)",
        _ => "lr / (sqrt(v) + eps)",
    }
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
        feature_axis_name(&run.spec().optimizer),
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
    fn adagrad_rates_are_each_layers_mean_and_band_and_only_shrink() {
        let r = run(
            r#"{"network": {"depth": 3}, "optimizer": {"kind": "adagrad"}}"#,
            12,
        );
        let h = r.history();
        let lr = rate_lines(r.timeline());
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
        let up = update_lines(r.timeline());
        assert_eq!(up[2].0[5], (5.0, h[5].layers[2].update_ratio));
        assert!(shows_rate(&r.spec().optimizer));
    }

    #[test]
    fn the_reference_falls_like_one_over_root_t_through_the_last_point() {
        let line = vec![(0.0, 9.0), (3.0, 4.0), (15.0, 1.0)];
        let r = reference(&line);
        assert_eq!(r[2], (15.0, 1.0));
        assert_eq!(r[0], (0.0, 4.0), "16 updates later the rate is a quarter");
        assert!((r[1].1 - 2.0).abs() < 1e-12);
        assert!(reference(&vec![(0.0, f64::NAN)]).is_empty());
    }

    /// Over a 10,000-step Adagrad run the view holds the whole decay: its first point is
    /// step 0's rate and its last the latest, in at most 512 columns.
    #[test]
    fn adagrads_decay_is_shown_over_the_whole_run() {
        let r = run(
            r#"{"network": {"depth": 2, "width": 8}, "optimizer": {"kind": "adagrad"}, "eval_every": 0}"#,
            10_000,
        );
        let t = r.timeline();
        let lr = rate_lines(t);
        let (first, last) = (lr[0].0[0], lr[0].0[lr[0].0.len() - 1]);
        assert!(lr[0].0.len() <= 512);
        assert!(first.0 < 16.0 && last.0 > 9_900.0, "{first:?} {last:?}");
        assert!(
            last.1 < first.1 / 3.0,
            "the rate shrank: {first:?} {last:?}"
        );
    }

    #[test]
    fn captions_and_axes_say_what_each_optimizer_draws() {
        let spec = |k: &str| {
            run(
                &format!(r#"{{"optimizer": {{"kind": "{k}", "lr": 0.05}}}}"#),
                0,
            )
            .spec()
            .optimizer
        };
        assert!(caption(&spec("adagrad")).starts_with("First chart: Adagrad's learning rate"));
        let sgd = caption(&spec("sgd"));
        assert!(
            sgd.contains("the same learning rate, 0.05 at every step"),
            "{sgd}"
        );
        for k in ["adam", "rmsprop", "adadelta", "adamw"] {
            let c = caption(&spec(k));
            assert!(
                !c.contains("effective step size") && c.contains("||dW|| / ||W||"),
                "{c}"
            );
            assert!(!shows_rate(&spec(k)));
        }
        // A non-finite step leaves its column out of the lines.
        let r = run(crate::view::views::data::tests::DIVERGES, 40);
        let t = r.timeline();
        let bad = t.buckets().iter().filter(|b| b.non_finite > 0).count();
        assert_eq!(bad, 1, "the run diverged");
        assert_eq!(update_lines(t)[0].0.len(), t.buckets().len() - 1);
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
            let r = reference(&line);
            let lines = vec![(line.clone(), band.clone()), (line, band)];
            let steps = (0.0, values.len() as f64);
            let out = svg(move |root| chart(root, style(), &lines, steps, &[], &["lr"], Some(&r)));
            assert!(out.contains("step"), "{values:?}");
        }
    }
}
