//! The views' layout at the page's canvas sizes, checked natively with a backend that
//! records where text goes ([`TextBoxes`]): no text overlaps other text or leaves the
//! canvas, for every view, at the sizes the page gives its canvases at 360, 700 and
//! 1,400 px wide, on runs that fill the charts differently; and every time chart marks a
//! non-finite step.

use plotters::prelude::*;
use serde_json::Value;

use crate::view::chart::Style;
use crate::view::colormap::NON_FINITE;
use crate::view::page::Page;
use crate::view::testing::{text_problems, Recorded, Seen, TextBoxes};
use crate::view::views::View;

/// Canvas sizes (CSS pixels) of the views at 360, 700 and 1,400 px wide: the heatmap
/// (21:8, at least 220 tall), the other views (16:9; 21:7 for the wide loss view at
/// 1,400; 3:4 for the learning-rate view on a phone), the data plane (square).
const SIZES: [(u32, u32); 10] = [
    (330, 220),
    (330, 186),
    (330, 330),
    (330, 440),
    (668, 254),
    (668, 376),
    (520, 292),
    (1060, 404),
    (1060, 353),
    (520, 520),
];

fn page(config: &str, steps: u64) -> Page {
    let patch: Value = serde_json::from_str(config).unwrap_or_else(|e| panic!("{e}"));
    let mut p = Page::from_patch(&patch).unwrap_or_else(|e| panic!("{e}"));
    p.step(steps);
    p
}

/// What drawing `view` of `page` on a `size` canvas put where.
fn seen(page: &mut Page, view: View, size: (u32, u32), scale: f64) -> Seen {
    let backend = TextBoxes::new(size);
    let seen = backend.seen.clone();
    let root = backend.into_drawing_area();
    let mut sink = Recorded::default();
    page.draw(view, &root, Style { scale }, &mut sink)
        .unwrap_or_else(|e| panic!("{view}: {e}"));
    drop(root);
    let out = std::mem::take(&mut *seen.borrow_mut());
    out
}

#[test]
fn no_text_overlaps_at_the_pages_sizes() {
    let runs = [
        (r#"{"network": {"depth": 6}}"#, 60),
        (
            r#"{"network": {"depth": 30, "activation": "sigmoid", "init": "standard"}, "optimizer": {"kind": "adagrad"}}"#,
            700,
        ),
        (
            r#"{"dataset": {"kind": "sine"}, "clip": {"kind": "norm", "threshold": 0.1}}"#,
            40,
        ),
        (crate::view::views::data::tests::DIVERGES, 5),
        ("{}", 0),
    ];
    let mut problems = Vec::new();
    for (config, steps) in runs {
        let mut p = page(config, steps);
        for view in View::ALL {
            for size in SIZES {
                for scale in [1.0, 2.0] {
                    let px = (
                        (size.0 as f64 * scale) as u32,
                        (size.1 as f64 * scale) as u32,
                    );
                    let s = seen(&mut p, view, px, scale);
                    for problem in text_problems(&s, px) {
                        problems.push(format!(
                            "{view} {size:?} x{scale} after {steps} steps of {config}: {problem}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems[..problems.len().min(25)].join("\n")
    );
}

/// The axis titles sit clear of the tick labels: "step" below the step numbers, the
/// rotated "layer" left of the layer numbers.
#[test]
fn axis_titles_clear_their_tick_labels() {
    let mut p = page(r#"{"network": {"depth": 12}}"#, 2200);
    for size in SIZES {
        let s = seen(&mut p, View::Heatmap, size, 1.0);
        let title = |name: &str| {
            s.texts
                .iter()
                .find(|t| t.0 == name)
                .map(|t| t.1)
                .unwrap_or_else(|| panic!("{size:?}: no {name:?}"))
        };
        let step = title("step");
        let numbers = s
            .texts
            .iter()
            .filter(|t| t.0.parse::<f64>().is_ok() && t.1[1] > step[1] - 40.0 && t.1[3] <= step[3]);
        for (text, r) in numbers {
            assert!(
                r[3] <= step[1],
                "{size:?}: tick {text:?} {r:?} reaches the title {step:?}"
            );
        }
        let layer = title("layer");
        assert!(
            layer[2]
                < s.texts
                    .iter()
                    .filter(|t| t.0 == "out")
                    .map(|t| t.1[0])
                    .fold(f64::INFINITY, f64::min),
            "{size:?}"
        );
    }
}

/// A non-finite step is marked in red on every time chart: a band on the loss and
/// update-size charts, red cells on the heatmap.
#[test]
fn every_time_chart_marks_a_non_finite_step() {
    let mut p = page(crate::view::views::data::tests::DIVERGES, 5);
    assert!(p.run().diverged_at().is_some());
    for view in [View::Loss, View::Lr] {
        let s = seen(&mut p, view, (668, 376), 1.0);
        let red: Vec<_> = s.fills.iter().filter(|f| f.1 == NON_FINITE).collect();
        assert!(
            red.iter().any(|f| f.0[2] - f.0[0] >= 3),
            "{view}: no red band {red:?}"
        );
    }
    let backend = TextBoxes::new((668, 254));
    let root = backend.into_drawing_area();
    let mut sink = Recorded::default();
    p.draw(View::Heatmap, &root, Style { scale: 1.0 }, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(sink.cells[0].3.contains(&NON_FINITE), "heatmap: red cells");
}
