//! The page's state apart from the DOM: the run and its config, the view settings, the
//! messages about a link, and what the views keep between frames (the heatmap as last
//! drawn, for hovering; the decision boundary being refreshed). `src/web.rs` holds one
//! [`Page`] in its wasm `App` and only converts: JSON text in and out, canvases to
//! plotters backends and sinks.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{json, Value};

use super::boundary::{Boundary, GRID};
use super::budget::{StepBudget, Work};
use super::chart::{DrawResult, ImageSink, Style};
use super::diagnosis::{self, Diagnosis};
use super::views::{activations, data, flow, heatmap, loss, lr, View};
use super::{url, LrBy, ViewSettings};
use crate::advice::{self, Advisor};
use crate::config::schema::{self, number_text};
use crate::config::{Config, ConfigError};
use crate::engine::optim::OptimizerKind;
use crate::lessons::{self, Lesson};
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
    /// Measured advice for the current config, once the run was in trouble.
    advisor: Option<Advisor>,
    /// The lesson the page was last set up by (its text stays shown).
    lesson: Option<&'static Lesson>,
    /// What the last optimizer switch did to the learning rate.
    optimizer_note: Option<OptimizerNote>,
    /// How many steps a frame trains ([`StepBudget`]).
    budget: StepBudget,
}

/// What switching the optimizer did to the learning rate: kept the old one (unless the
/// change set one), and the new optimizer's own default, which the page offers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerNote {
    pub optimizer: OptimizerKind,
    /// The learning rate now.
    pub lr: f64,
    /// The optimizer's default learning rate (from the schema).
    pub default_lr: f64,
    /// Whether the learning rate was kept from the previous optimizer.
    pub kept: bool,
}

impl OptimizerNote {
    /// The note in words, and the offer of the default as `{label, patch}` (or null when
    /// the rate is the default already); `beside`: the URL name of the control it goes with.
    pub fn to_json(&self) -> Value {
        let (name, lr, default) = (
            self.optimizer.name(),
            number_text(self.lr),
            number_text(self.default_lr),
        );
        // `default_lr` is gradscope's starting rate for the optimizer, not a library's
        // default (PyTorch's Adam starts at 0.001, its Adagrad at 0.01): the words say so.
        let text = match (self.kept, self.lr == self.default_lr) {
            (true, false) => format!(
                "Switched to {name} and kept the learning rate {lr}; gradscope starts {name} at {default}."
            ),
            (true, true) => format!(
                "Switched to {name}; the learning rate {lr} is also gradscope's starting lr for {name}."
            ),
            (false, true) => format!("{name} with gradscope's starting learning rate {lr}."),
            (false, false) => format!("{name} with learning rate {lr}."),
        };
        let offer = (self.lr != self.default_lr).then(|| {
            json!({
                "label": format!("Use {default}, gradscope's starting lr for {name}"),
                "patch": {"optimizer": {"lr": self.default_lr}},
            })
        });
        json!({"text": text, "offer": offer, "beside": "optimizer"})
    }
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
            advisor: None,
            lesson: None,
            optimizer_note: None,
            budget: StepBudget::new(),
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
        let parsed = url::parse_query(query);
        let applied = url::apply(&parsed);
        Page {
            settings: applied.view,
            messages: applied.messages,
            lesson: parsed.lesson.and_then(lessons::find),
            ..Page::new(applied.config)
        }
    }

    /// Sets up the lesson `name`: its config (a fresh run) and view settings, keeping
    /// whether the page plays. An unknown name is a message listing the lessons and
    /// changes nothing.
    pub fn set_lesson(&mut self, name: &str) -> Result<(), String> {
        let lesson = lessons::find(name).ok_or_else(|| lessons::unknown(name))?;
        let applied = lesson.applied();
        self.run = ConfiguredRun::new(applied.config, HISTORY);
        self.settings = ViewSettings {
            autoplay: self.settings.autoplay,
            ..applied.view
        };
        self.boundary = Boundary::new(GRID);
        self.budget.restart();
        self.heatmap = None;
        self.lesson = Some(lesson);
        self.optimizer_note = None;
        Ok(())
    }

    /// What the last optimizer switch did to the learning rate (until another optimizer
    /// is chosen or a lesson set up).
    pub fn optimizer_note(&self) -> Option<OptimizerNote> {
        self.optimizer_note
    }

    /// The lesson the page was last set up by.
    pub fn lesson(&self) -> Option<&'static Lesson> {
        self.lesson
    }

    /// Whether the run has left the lesson it was set up by (another setting or seed), so
    /// that the lesson's numbers no longer describe it.
    pub fn lesson_left(&self) -> bool {
        self.lesson
            .is_some_and(|l| &l.applied().config != self.run.config())
    }

    /// The query of a link to this page. After a lesson: `lesson=NAME` and the settings
    /// that differ from the lesson's (so the link keeps the lesson's text), as long as that
    /// link reads back to this very run and view; else every field off its default
    /// ([`url::to_query`]).
    pub fn query(&self) -> String {
        if let Some(l) = self.lesson {
            let a = l.applied();
            let over = url::to_query_over(self.run.config(), &self.settings, (&a.config, &a.view));
            let q = if over.is_empty() {
                format!("lesson={}", l.name)
            } else {
                format!("lesson={}&{over}", l.name)
            };
            let back = url::read(&q);
            if &back.config == self.run.config() && back.view == self.settings {
                return q;
            }
        }
        url::to_query(self.run.config(), &self.settings)
    }

    pub fn run(&self) -> &ConfiguredRun {
        &self.run
    }

    /// The engine's run, for what changes no setting (benchmarks switching records off).
    pub fn engine_mut(&mut self) -> &mut crate::engine::session::Run {
        self.run.engine_mut()
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
    ///
    /// A patch that switches the optimizer keeps the learning rate unless it sets one
    /// (the other hyper-parameters take the new optimizer's defaults);
    /// [`Page::optimizer_note`] then says so and what the new optimizer's default is.
    pub fn set_config(&mut self, patch: &Value) -> Result<bool, ConfigError> {
        let old = self.run.config();
        let kind = schema::get(patch, "optimizer.kind")
            .and_then(|v| serde_json::from_value::<OptimizerKind>(v.clone()).ok());
        let switches = kind.is_some_and(|k| k != old.optimizer.kind);
        let lr_given = schema::get(patch, "optimizer.lr").is_some();
        let mut patch = patch.clone();
        if switches && !lr_given {
            if let Some(lr) = old.optimizer.lr {
                crate::config::merge_json(&mut patch, &json!({"optimizer": {"lr": lr}}));
            }
        }
        let new = old.merged(&patch)?;
        let (now, lr) = (new.optimizer.kind, new.optimizer.lr.unwrap_or(f64::NAN));
        let default_lr = schema::default_lr(now).unwrap_or(f64::NAN);
        self.optimizer_note = if switches {
            Some(OptimizerNote {
                optimizer: now,
                lr,
                default_lr,
                kept: !lr_given,
            })
        } else if lr_given && self.optimizer_note.is_some_and(|n| n.optimizer == now) {
            Some(OptimizerNote {
                optimizer: now,
                lr,
                default_lr,
                kept: false,
            })
        } else {
            self.optimizer_note.filter(|n| n.optimizer == now)
        };
        let restarted = self.run.apply(new) == Change::Restart;
        if restarted {
            self.boundary = Boundary::new(GRID);
            self.budget.restart();
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

    /// The work of this run's steps ([`Work`]).
    fn work(&self) -> Work {
        let run = self.run.engine();
        let spec = run.spec();
        let data = run.dataset();
        Work::of(
            run.param_count(),
            spec.batch_size,
            data.n_train() + data.n_test(),
            spec.eval_every,
        )
    }

    /// Steps to train next in a frame that took `done` steps in `elapsed_ms` so far (at
    /// most the view's speed per frame); 0 ends the frame's training. See [`StepBudget`].
    pub fn plan_steps(&self, done: u64, elapsed_ms: f64) -> u64 {
        let speed = u64::from(self.settings.speed);
        self.budget
            .next_chunk(&self.work(), self.run.steps(), done, speed, elapsed_ms)
    }

    /// The last `taken` steps took `ms` milliseconds.
    pub fn record_steps(&mut self, taken: u64, ms: f64) {
        let first = self.run.steps().saturating_sub(taken);
        let gflop = self.work().of_steps(first, taken);
        self.budget.record(gflop, ms);
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

    /// The learning-rate view's caption for the run's optimizer and the view's mode.
    pub fn lr_caption(&self) -> String {
        match self.settings.lr_by {
            LrBy::Layer => lr::caption(&self.run.spec().optimizer),
            LrBy::Feature => lr::feature_caption(self.run.config().optimizer.kind),
        }
    }

    /// The data view's caption: what it draws for this run's data (and after divergence,
    /// what the picture is of).
    pub fn data_caption(&self) -> String {
        data::caption(self.run.engine()).1
    }

    /// The plain-language diagnosis of the run, for the chosen metric.
    pub fn diagnosis(&self) -> Diagnosis {
        diagnosis::diagnose(
            self.run.history(),
            self.settings.metric,
            &diagnosis::Task::of(&self.run),
        )
    }

    /// Spends at most `budget` training steps on measured advice and returns its state:
    /// `{"status": "none"}` while the run is not in trouble, else the advisor's JSON
    /// ([`Advisor::to_json`]) with `used`, the steps spent. An advisor is made when the
    /// diagnosis first finds trouble in a config (its runs as long as this run so far,
    /// within the advice's limits) and kept while the config and metric stay the same. A
    /// network too large for trial runs in the background (`advice::affordable`) gets
    /// `{"status": "skipped"}` with a summary saying so.
    pub fn advise(&mut self, budget: u64) -> Value {
        let level = self.diagnosis().level;
        let (config, metric) = (self.run.config(), self.settings.metric);
        let current = self
            .advisor
            .as_ref()
            .is_some_and(|a| a.config() == config && a.metric() == metric);
        if level.is_trouble() && !advice::affordable(config) {
            self.advisor = None;
            return json!({
                "status": "skipped",
                "summary": "This network is too large to try fixes on in the background; change one setting yourself and compare.",
                "offers": [],
                "used": 0,
            });
        }
        if !current {
            self.advisor = level.is_trouble().then(|| {
                let steps = self.run.steps();
                Advisor::new(config, metric, steps).with_banner(level, steps.saturating_sub(1))
            });
        }
        match self.advisor.as_mut() {
            Some(a) if level.is_trouble() => {
                let used = a.step(budget);
                let mut v = a.to_json();
                v["used"] = json!(used);
                v
            }
            _ => json!({"status": "none", "used": 0}),
        }
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
            View::Lr => match self.settings.lr_by {
                LrBy::Layer => lr::draw(root, style, run),
                LrBy::Feature => lr::draw_features(root, style, run),
            },
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
            && data::has_plane(self.run.engine())
            && !self.boundary.is_synced(self.run.steps())
    }

    /// The title and caption of each view whose words depend on the run, by view name
    /// (`{"lr": {"title": ..., "caption": ...}, ...}`).
    pub fn captions(&self) -> Value {
        let mut out = serde_json::Map::new();
        for v in View::ALL {
            let words = match (v, self.settings.lr_by) {
                (View::Lr, LrBy::Feature) => Some((
                    "Learning rate per input feature".to_string(),
                    self.lr_caption(),
                )),
                _ => super::views::caption(v, self.run.engine()),
            };
            if let Some((title, caption)) = words {
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
    fn advice_is_sought_for_trouble_within_the_budget_and_goes_with_the_config() {
        let mut p = page(
            r#"{"network": {"depth": 12, "width": 8, "activation": "sigmoid", "init": "standard"}}"#,
        );
        assert_eq!(p.advise(100)["status"], "none", "no step taken");
        p.step(5);
        assert_eq!(p.diagnosis().level, diagnosis::Level::Vanishing);
        let mut v = p.advise(100);
        assert_eq!(v["status"], "running");
        assert_eq!(v["used"], 100);
        while v["status"] == "running" {
            v = p.advise(1000);
            assert!(v["used"].as_u64().unwrap_or(0) <= 1000);
        }
        assert_eq!(v["trouble"], "vanishing");
        let offers = v["offers"].as_array().cloned().unwrap_or_default();
        assert!(!offers.is_empty(), "{v}");
        // Done, the advice costs nothing more and stays for the same config.
        assert_eq!(p.advise(1000)["used"], 0);
        let restarted = p
            .set_config(&offers[0]["patch"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(restarted);
        p.step(5);
        assert_eq!(p.advise(100)["status"], "none", "{}", p.diagnosis().text);
        // The largest network the sliders allow is in trouble, but too large to try fixes on.
        let mut big = page(
            r#"{"network": {"depth": 64, "width": 256, "activation": "sigmoid", "init": "standard"}, "batch_size": 64}"#,
        );
        big.step(1);
        assert!(
            big.diagnosis().level.is_trouble(),
            "{}",
            big.diagnosis().text
        );
        let v = big.advise(100);
        assert_eq!(v["status"], "skipped");
        assert_eq!(v["used"], 0);
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
    fn sparse_features_draw_every_view_and_say_what_the_data_view_shows() {
        let mut p = page(r#"{"dataset": {"kind": "sparse"}, "optimizer": {"kind": "adagrad"}}"#);
        p.step(30);
        assert!(!p.needs_redraw(View::ALL), "no plane to refresh");
        assert!(p.data_caption().starts_with("16 input features"));
        for view in View::ALL {
            draw(&mut p, view);
        }
        assert!(p.set_view(&json!({"lr_by": "feature"})).is_ok());
        assert!(p.lr_caption().contains("per input feature"));
        draw(&mut p, View::Lr);
        assert!(page("{}")
            .data_caption()
            .starts_with("Training points (filled)"));
        assert!(page(r#"{"dataset": {"kind": "sine"}}"#)
            .data_caption()
            .contains("curve"));
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
