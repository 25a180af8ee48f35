//! The views, one module each: what it plots (its series, from the history), how it is
//! composed on any plotters backend, and its plotters drawing. [`View`] names them once:
//! the page's canvases (`view-<name>`, listed by the wasm `views()` export) and the CLI's
//! `figure --view NAME` take their names from it.

pub mod activations;
pub mod data;
pub mod flow;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod geometry;
pub mod heatmap;
pub mod loss;
pub mod lr;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{CellSink, DrawResult, Style};
use super::Metric;
use crate::engine::session::Run;

/// A view of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    /// Per-layer gradient measure over the window of steps ([`heatmap`]).
    Heatmap,
    /// Per-layer gradient norms of the latest step ([`flow`]).
    Flow,
    /// Effective learning rate per layer over the window ([`lr`]).
    Lr,
    /// Loss and accuracy over the window ([`loss`]).
    Loss,
    /// Histogram of each hidden layer's activations, named "saturation" ([`activations`]).
    Activations,
    /// The data with the decision boundary or the fitted curve ([`data`]).
    Data,
}

impl View {
    /// Every view, in the page's order.
    pub const ALL: [View; 6] = [
        View::Heatmap,
        View::Flow,
        View::Lr,
        View::Loss,
        View::Activations,
        View::Data,
    ];

    /// The view's name on the page (`view-<name>` canvases), in links and on the command
    /// line.
    pub fn name(self) -> &'static str {
        match self {
            View::Heatmap => "heatmap",
            View::Flow => "flow",
            View::Lr => "lr",
            View::Loss => "loss",
            View::Activations => "saturation",
            View::Data => "data",
        }
    }

    /// Every view's name, in order.
    pub fn names() -> Vec<&'static str> {
        View::ALL.iter().map(|v| v.name()).collect()
    }

    /// A figure's size in pixels when none is given: the data plane is square, the other
    /// views are wide.
    pub fn figure_size(self) -> (u32, u32) {
        match self {
            View::Data => (500, 500),
            _ => (900, 400),
        }
    }
}

impl std::fmt::Display for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no view's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownView(pub String);

impl std::fmt::Display for UnknownView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown view '{}'; views: {}",
            self.0,
            View::names().join(", ")
        )
    }
}

impl std::error::Error for UnknownView {}

impl std::str::FromStr for View {
    type Err = UnknownView;
    fn from_str(name: &str) -> Result<View, UnknownView> {
        View::ALL
            .into_iter()
            .find(|v| v.name() == name)
            .ok_or_else(|| UnknownView(name.to_string()))
    }
}

/// The title and caption of `view` for `run` where they depend on the run (HTML around
/// the canvas; the others are fixed in the page): the learning-rate view's per optimizer,
/// the flow view's theory note, the data view's per task and after divergence.
pub fn caption(view: View, run: &Run) -> Option<(String, String)> {
    match view {
        View::Lr => {
            let o = &run.spec().optimizer;
            let title = if lr::shows_rate(o) {
                "Learning rate and update size"
            } else {
                "Update size per layer"
            };
            Some((title.into(), lr::caption(o)))
        }
        View::Flow => {
            let base = "The latest step's weight-gradient norm of each layer, before and after clipping; flat is healthy.";
            let arch = &run.spec().arch;
            let text = match crate::view::theory::unsupported(arch) {
                None => {
                    let narrow = if arch.width < crate::view::theory::WIDE {
                        format!(
                            " The theory is for wide layers; at width {} take it as a rough guide.",
                            arch.width
                        )
                    } else {
                        String::new()
                    };
                    format!("{base} Green: at step 0, the back-propagated signal dL/dz (circles) and what signal-propagation theory predicts for this activation and init (dashed): each layer multiplies it by sqrt(n·Var(W)·E[f′(z)²]).{narrow}")
                }
                Some(why) => format!("{base} ({why}.)"),
            };
            Some(("Gradient flow now".into(), text))
        }
        View::Data => Some(data::caption(run)),
        View::Heatmap | View::Loss | View::Activations => None,
    }
}

/// Draws `view` of `run` as a figure (the CLI's SVG): dense grids as cells through `sink`,
/// the whole decision boundary at once; the heatmap measures `metric`; the time views
/// span the whole run.
pub fn figure<DB: DrawingBackend>(
    view: View,
    root: &DrawingArea<DB, Shift>,
    style: Style,
    run: &mut Run,
    metric: Metric,
    sink: &mut dyn CellSink,
) -> DrawResult<()> {
    match view {
        View::Heatmap => heatmap::draw(root, style, run, metric, sink).map(|_| ()),
        View::Flow => flow::draw(root, style, run),
        View::Lr => lr::draw(root, style, run),
        View::Loss => loss::draw(root, style, run),
        View::Activations => activations::draw(root, style, run, sink),
        View::Data => data::draw_figure(root, style, run, sink),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::view::chart::RectSink;
    use crate::view::testing::{run, style};

    #[test]
    fn names_parse_back_to_their_views_and_others_are_refused() {
        assert_eq!(
            View::names(),
            ["heatmap", "flow", "lr", "loss", "saturation", "data"]
        );
        for v in View::ALL {
            assert_eq!(v.name().parse::<View>(), Ok(v));
            assert_eq!(v.to_string(), v.name());
        }
        for bad in ["", "pie", "Heatmap", "activations", "heatmap "] {
            let err = bad.parse::<View>().err().map(|e| e.to_string());
            assert_eq!(
                err.as_deref(),
                Some(
                    format!(
                        "unknown view '{bad}'; views: heatmap, flow, lr, loss, saturation, data"
                    )
                    .as_str()
                )
            );
        }
        assert_eq!(View::Data.figure_size(), (500, 500));
        assert_eq!(View::Loss.figure_size(), (900, 400));
    }

    /// The page has one canvas per view, `view-<name>`, in the order of [`View::ALL`], and
    /// the README's `figure` paragraph names every view.
    #[test]
    fn the_page_and_the_readme_show_every_view_by_its_name() {
        let read = |file: &str| {
            std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_else(|e| panic!("{file}: {e}"))
        };
        let html = read("index.html");
        let canvases: Vec<&str> = html
            .split("<canvas id=\"view-")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(canvases, View::names());
        let readme = read("README.md");
        let figure = readme
            .split("- `figure`")
            .nth(1)
            .and_then(|rest| rest.split("\n- ").next())
            .unwrap_or_else(|| panic!("README.md describes `figure`"));
        for name in View::names() {
            assert!(figure.contains(&format!("`{name}`")), "README: {name}");
        }
    }

    /// The SVG of `f` drawn on a 500 x 300 area with a cell sink.
    fn svg_of(
        f: impl FnOnce(&DrawingArea<SVGBackend, Shift>, &mut dyn CellSink) -> DrawResult<()>,
    ) -> String {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (500, 300)).into_drawing_area();
            let mut sink = RectSink { area: &root };
            f(&root, &mut sink).unwrap_or_else(|e| panic!("{e}"));
        }
        text
    }

    #[test]
    fn each_figure_is_its_own_views_drawing() {
        let mut r = run(r#"{"network": {"depth": 3}}"#, 8);
        let r = r.engine_mut();
        let m = Metric::Delta;
        let mut drawings = Vec::new();
        for view in View::ALL {
            let figure = svg_of(|root, sink| figure(view, root, style(), r, m, sink));
            let own = svg_of(|root, sink| match view {
                View::Heatmap => heatmap::draw(root, style(), r, m, sink).map(|_| ()),
                View::Flow => flow::draw(root, style(), r),
                View::Lr => lr::draw(root, style(), r),
                View::Loss => loss::draw(root, style(), r),
                View::Activations => activations::draw(root, style(), r, sink),
                View::Data => data::draw_figure(root, style(), r, sink),
            });
            assert!(figure == own, "{view}");
            drawings.push(figure);
        }
        for (i, a) in drawings.iter().enumerate() {
            assert!(
                drawings[..i].iter().all(|b| b != a),
                "{} draws like another view",
                View::ALL[i]
            );
        }
    }
}
