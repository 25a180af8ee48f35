//! What the page shows, computed from a run's history: heatmap grids, chart series, the
//! diagnosis, URL lessons, and the plotters drawing of every chart (generic over the
//! backend, so the same code draws to a browser canvas and natively). No DOM here; the
//! wasm boundary (`src/web.rs`) hands canvases in.

pub mod axis;
pub mod boundary;
pub mod charts;
pub mod colormap;
pub mod diagnosis;
pub mod heatmap;
pub mod plane;
pub mod scene;
pub mod series;
pub mod url;

use serde::{Deserialize, Serialize};

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
}

/// A pixel rectangle on a canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}
