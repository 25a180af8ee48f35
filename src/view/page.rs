//! The page's state apart from the DOM: the run and its config, the view settings, the
//! messages about a link, and what the views keep between frames (the heatmap as last
//! drawn, for hovering; the decision boundary being refreshed). `src/web.rs` holds one
//! [`Page`] in its wasm `App` and only converts: JSON text in and out, canvases to
//! plotters backends and sinks.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{json, Value};

use super::boundary::{Boundary, GRID};
use super::chart::{DrawResult, ImageSink, Style};
use super::diagnosis::{self, Diagnosis};
use super::views::{activations, data, flow, heatmap, loss, lr, View};
use super::{url, ViewSettings};
use crate::config::{Config, ConfigError};
use crate::run::{Change, ConfiguredRun};
use crate::trace::RecordJson;

/// Step records kept in full (the diagnosis reads them; the time charts draw the run's
/// whole timeline).
pub const HISTORY: usize = 2000;

/// Everything the page shows, without the DOM.
pub struct Page {
    run: ConfiguredRun,
    settings: ViewSettings,
    /// Messages about link parameters that were not applied as written.
    messages: Vec<String>,
    heatmap: Option<heatmap::Drawn>,
    boundary: Boundary,
}

impl Page {
    /// A page showing a fresh run of a resolved config, with the default view settings.
    pub fn new(config: Config) -> Page {
        Page {
            run: ConfiguredRun::new(config, HISTORY),
            settings: ViewSettings::default(),
            messages: Vec::new(),
            heatmap: None,
            boundary: Boundary::new(GRID),
        }
    }

    /// A page showing a fresh run of the default config with `patch` (partial config JSON)
    /// merged in; a bad value is an error naming the field.
    pub fn from_patch(patch: &Value) -> Result<Page, ConfigError> {
        let defaults = Config::default().resolve().unwrap_or_default();
        Ok(Page::new(defaults.merged(patch)?))
    }

    /// A page set up by a link's query (`?depth=20&...`); each parameter that cannot be
    /// applied as written is explained in [`Page::messages`].
    pub fn from_query(query: &str) -> Page {
        let applied = url::read(query);
        Page {
            settings: applied.view,
            messages: applied.messages,
            ..Page::new(applied.config)
        }
    }

    pub fn run(&self) -> &ConfiguredRun {
        &self.run
    }

    pub fn settings(&self) -> ViewSettings {
        self.settings
    }

    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    /// Merges partial view settings, checked against the schema; a bad value leaves the
    /// settings as they were.
    pub fn set_view(&mut self, patch: &Value) -> Result<(), ConfigError> {
        self.settings = self.settings.merged(patch)?;
        Ok(())
    }

    /// Deep-merges a partial config and applies it: the run continues or restarts as
    /// [`Change::between`] decides. Returns whether it restarted; a bad value is an error
    /// naming the field and leaves the run as it was.
    pub fn set_config(&mut self, patch: &Value) -> Result<bool, ConfigError> {
        let new = self.run.config().merged(patch)?;
        let restarted = self.run.apply(new) == Change::Restart;
        if restarted {
            self.boundary = Boundary::new(GRID);
        }
        Ok(restarted)
    }

    /// Restarts the run from its config (same seed, same numbers).
    pub fn reset(&mut self) {
        self.run.restart();
        self.boundary = Boundary::new(GRID);
    }

    /// Trains up to `n` steps; returns how many were taken (0 once diverged).
    pub fn step(&mut self, n: u64) -> u64 {
        self.run.step(n)
    }

    /// The latest record as JSON ([`RecordJson`]; `step` null before the first step) with
    /// the run's `steps`, `diverged` and `diverged_at`.
    pub fn inspect(&self) -> Value {
        let mut v = match self.run.history().back() {
            Some(r) => serde_json::to_value(RecordJson(r)).unwrap_or(Value::Null),
            None => json!({"step": null, "loss": null, "layers": []}),
        };
        if let Some(obj) = v.as_object_mut() {
            obj.insert("steps".into(), json!(self.run.steps()));
            obj.insert("diverged".into(), json!(self.run.diverged_at().is_some()));
            obj.insert("diverged_at".into(), json!(self.run.diverged_at()));
        }
        v
    }

    /// The plain-language diagnosis of the run, for the chosen metric.
    pub fn diagnosis(&self) -> Diagnosis {
        let arch = &self.run.spec().arch;
        diagnosis::diagnose(
            self.run.history(),
            self.settings.metric,
            arch.depth,
            arch.activation,
        )
    }

    /// Draws `view` on `root`, dense grids and images through `sink`. The heatmap is
    /// kept for [`Page::hover`]; the data view advances the decision boundary by one
    /// frame's budget.
    pub fn draw<DB: DrawingBackend, S: ImageSink>(
        &mut self,
        view: View,
        root: &DrawingArea<DB, Shift>,
        style: Style,
        sink: &mut S,
    ) -> DrawResult<()> {
        let run = self.run.engine_mut();
        match view {
            View::Heatmap => {
                let metric = self.settings.metric;
                self.heatmap = Some(heatmap::draw(root, style, run, metric, sink)?);
                Ok(())
            }
            View::Flow => flow::draw(root, style, run),
            View::Lr => lr::draw(root, style, run),
            View::Loss => loss::draw(root, style, run),
            View::Activations => activations::draw(root, style, run, sink),
            View::Data => data::draw_live(root, style, run, &mut self.boundary, sink),
        }
    }

    /// Whether one of the `shown` views is still catching up with the current step (the
    /// decision boundary of a classification run refreshes over several frames for large
    /// networks), so the page should draw again although nothing changed.
    pub fn needs_redraw(&self, shown: impl IntoIterator<Item = View>) -> bool {
        shown.into_iter().any(|v| v == View::Data)
            && self.run.dataset().kind.classes().is_some()
            && !self.boundary.is_synced(self.run.steps())
    }

    /// The title and caption of each view whose words depend on the run, by view name
    /// (`{"lr": {"title": ..., "caption": ...}, ...}`).
    pub fn captions(&self) -> Value {
        let mut out = serde_json::Map::new();
        for v in View::ALL {
            if let Some((title, caption)) = super::views::caption(v, self.run.engine()) {
                out.insert(v.name().into(), json!({"title": title, "caption": caption}));
            }
        }
        Value::Object(out)
    }

    /// The heatmap cell under canvas pixel `(x, y)` as last drawn.
    pub fn hover(&self, x: f64, y: f64) -> Option<heatmap::Hover> {
        self.heatmap.as_ref()?.hover(x, y)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::view::testing::{style, Recorded};
    use crate::view::Metric;

    fn page(patch: &str) -> Page {
        let patch: Value = serde_json::from_str(patch).unwrap_or_else(|e| panic!("{e}"));
        Page::from_patch(&patch).unwrap_or_else(|e| panic!("{e}"))
    }

    fn draw(p: &mut Page, view: View) -> Recorded {
        let mut sink = Recorded::default();
        let mut text = String::new();
        let root = SVGBackend::with_string(&mut text, (480, 270)).into_drawing_area();
        p.draw(view, &root, style(), &mut sink)
            .unwrap_or_else(|e| panic!("{view}: {e}"));
        sink
    }

    #[test]
    fn the_data_view_asks_for_frames_until_its_boundary_is_in_sync() {
        let mut p = page(r#"{"network": {"depth": 12, "width": 128}}"#);
        p.step(2);
        assert!(
            !p.needs_redraw([View::Heatmap, View::Flow]),
            "no data view shown"
        );
        assert!(p.needs_redraw(View::ALL));
        let mut frames = 0;
        while p.needs_redraw([View::Data]) {
            let sink = draw(&mut p, View::Data);
            assert_eq!(sink.images.len(), 1, "one image per frame");
            frames += 1;
            assert!(frames < 2000, "the boundary never syncs");
        }
        assert!(frames > 1, "a large network takes several frames");
        p.step(1);
        assert!(p.needs_redraw([View::Data]), "stale after a step");
        // A restart starts a new sweep.
        while p.needs_redraw([View::Data]) {
            draw(&mut p, View::Data);
        }
        p.reset();
        assert!(p.needs_redraw([View::Data]), "stale after a reset");
        assert!(
            !page(r#"{"dataset": {"kind": "sine"}}"#).needs_redraw(View::ALL),
            "regression has no boundary"
        );
    }

    #[test]
    fn a_config_change_continues_or_restarts_and_a_bad_one_changes_nothing() {
        let mut p = page("{}");
        p.step(5);
        let restarted = p.set_config(&json!({"clip": {"kind": "norm", "threshold": 0.5}}));
        assert_eq!(restarted, Ok(false));
        assert_eq!(p.run().steps(), 5);
        draw(&mut p, View::Data);
        assert!(!p.needs_redraw([View::Data]));
        assert_eq!(p.set_config(&json!({"network": {"depth": 9}})), Ok(true));
        assert_eq!(p.run().steps(), 0);
        assert!(
            p.needs_redraw([View::Data]),
            "a new run's boundary is not drawn yet"
        );
        // Drawn at step 0, then restarted at step 0: the old network's image is stale.
        draw(&mut p, View::Data);
        assert!(!p.needs_redraw([View::Data]));
        assert_eq!(p.set_config(&json!({"network": {"width": 4}})), Ok(true));
        assert!(
            p.needs_redraw([View::Data]),
            "the boundary of the network before the restart is not this run's"
        );
        for bad in [
            json!({"network": {"depth": 0}}),
            json!([1]),
            json!({"x": 1}),
        ] {
            assert!(p.set_config(&bad).is_err(), "{bad}");
        }
        assert_eq!(p.run().config().network.depth, 9);
        let bad = Page::from_patch(&json!({"network": {"depth": -1}})).err();
        assert!(bad.is_some_and(|e| e.to_string().contains("network.depth")));
    }

    #[test]
    fn hovering_answers_for_the_heatmap_as_last_drawn() {
        let mut p = page(r#"{"network": {"depth": 4}}"#);
        p.step(40);
        assert_eq!(p.hover(200.0, 100.0), None, "nothing drawn yet");
        let sink = draw(&mut p, View::Heatmap);
        let rect = sink.cells[0].0;
        let (x, y) = (rect.x as f64 + 1.0, (rect.y + rect.h) as f64 - 1.0);
        let hit = p.hover(x, y).unwrap_or_else(|| panic!("a cell"));
        assert_eq!((hit.layer, hit.step), (json!(1), 0));
        assert_eq!(hit.metric, "grad_norm");
        assert!(p.set_view(&json!({"metric": "delta"})).is_ok());
        draw(&mut p, View::Heatmap);
        assert_eq!(
            p.hover(x, y).map(|h| h.measure),
            Some(Metric::Delta.symbol())
        );
        assert!(p.set_view(&json!({"speed": 0})).is_err());
    }

    #[test]
    fn a_link_sets_up_the_run_and_the_view() {
        let p = Page::from_query("?depth=7&metric=delta&bogus=1");
        assert_eq!(p.run().arch().depth, 7);
        assert_eq!(p.settings().metric, Metric::Delta);
        assert!(p.messages().iter().any(|m| m.contains("bogus")));
        assert_eq!(p.inspect()["step"], Value::Null);
        let mut p = p;
        p.step(3);
        let v = p.inspect();
        assert_eq!(
            (v["step"].clone(), v["steps"].clone()),
            (json!(2), json!(3))
        );
        assert_eq!(v["diverged"], json!(false));
    }
}
