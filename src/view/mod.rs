//! What the page shows, computed from a run's history: one module per view in
//! [`views`] (its numbers, its composition and its plotters drawing, generic over the
//! backend, so the same code draws to a browser canvas and to SVG), what they share
//! ([`chart`], [`axis`], [`grid`], [`colormap`]), the diagnosis, URL lessons, and the
//! page's state apart from the DOM ([`page`]). No DOM here; the wasm boundary
//! (`src/web.rs`) hands canvases in.

pub mod axis;
pub mod boundary;
pub mod budget;
pub mod chart;
pub mod colormap;
pub mod diagnosis;
pub mod embed;
pub mod grid;
pub mod page;
pub mod plane;
#[cfg(test)]
pub(crate) mod testing;
pub mod url;
pub mod views;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::engine::session::{LayerRecord, StepRecord};

pub use views::View;

/// The last `window` records (fewer at the start of a run).
pub fn recent(history: &VecDeque<StepRecord>, window: usize) -> impl Iterator<Item = &StepRecord> {
    history.iter().skip(history.len().saturating_sub(window))
}

/// Which per-layer gradient measure the heatmap and diagnosis use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `||dL/dW||` per layer (raw): what the optimizer receives.
    #[default]
    GradNorm,
    /// RMS of `dL/dz` per layer: the back-propagated signal.
    Delta,
}

impl Metric {
    pub const ALL: [Metric; 2] = [Metric::GradNorm, Metric::Delta];

    /// The value of this measure in one layer's record.
    pub fn of(self, layer: &LayerRecord) -> f64 {
        match self {
            Metric::GradNorm => layer.grad_norm,
            Metric::Delta => layer.delta_rms,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::GradNorm => "grad_norm",
            Metric::Delta => "delta",
        }
    }
    /// A phrase for sentences ("gradient", "signal").
    pub fn noun(self) -> &'static str {
        match self {
            Metric::GradNorm => "weight gradient",
            Metric::Delta => "back-propagated signal",
        }
    }
    /// The quantity's symbol, for a value's caption.
    pub fn symbol(self) -> &'static str {
        match self {
            Metric::GradNorm => "‖dL/dW‖",
            Metric::Delta => "rms dL/dz",
        }
    }
    /// The page's label for the choice.
    pub fn label(self) -> &'static str {
        match self {
            Metric::GradNorm => "weight gradient ‖dL/dW‖",
            Metric::Delta => "back-propagated signal dL/dz",
        }
    }
}

/// What the learning-rate view plots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrBy {
    /// Each layer's mean rate (and band) over time.
    #[default]
    Layer,
    /// The first layer's rate per input feature now (mean over the weights reading it).
    Feature,
}

impl LrBy {
    pub const ALL: [LrBy; 2] = [LrBy::Layer, LrBy::Feature];

    pub fn name(self) -> &'static str {
        match self {
            LrBy::Layer => "layer",
            LrBy::Feature => "feature",
        }
    }
    /// The page's label for the choice.
    pub fn label(self) -> &'static str {
        match self {
            LrBy::Layer => "per layer over time",
            LrBy::Feature => "per input feature of layer 1",
        }
    }
}

/// How the page shows a run, apart from the run's config: the settings a share link
/// carries besides the config (described in [`crate::config::schema::FIELDS`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewSettings {
    /// What the heatmap and the diagnosis measure.
    pub metric: Metric,
    /// Training steps per animation frame, at most.
    pub speed: u32,
    /// Whether training runs (from the start, in a link).
    pub autoplay: bool,
    /// What the learning-rate view plots.
    #[serde(default)]
    pub lr_by: LrBy,
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            metric: Metric::GradNorm,
            speed: 10,
            autoplay: false,
            lr_by: LrBy::Layer,
        }
    }
}

impl ViewSettings {
    /// These settings with `patch` (partial JSON) merged in and checked against the schema.
    pub fn merged(&self, patch: &serde_json::Value) -> Result<ViewSettings, ConfigError> {
        use crate::config::schema::{self, Section};
        let mut doc = serde_json::to_value(self).unwrap_or_default();
        if !patch.is_object() {
            return Err(ConfigError {
                field: String::new(),
                message: "view settings must be a JSON object, like {\"speed\": 20}".into(),
            });
        }
        crate::config::merge_json(&mut doc, patch);
        schema::resolve(&mut doc, Section::View)?;
        serde_json::from_value(doc).map_err(|e| ConfigError {
            field: String::new(),
            message: e.to_string(),
        })
    }
}

/// A pixel rectangle on a canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}
