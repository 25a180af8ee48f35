//! What the views' tests share: short real runs, the extreme numbers every chart must
//! survive, an SVG drawing with a watchdog, and a sink that records the cells and images
//! a view paints.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{CellSink, DrawResult, ImageSink, Style};
use super::Rect;
use crate::{Config, ConfiguredRun};

/// A run of `config` (partial JSON) after `steps` steps.
pub fn run(config: &str, steps: u64) -> ConfiguredRun {
    let c = Config::from_json(config).unwrap_or_else(|e| panic!("{e}"));
    let mut run = ConfiguredRun::new(c, 1000);
    run.step(steps);
    run
}

pub fn style() -> Style {
    Style { scale: 1.0 }
}

/// Series a run can produce: subnormals, near-overflow, zeros, NaN and inf.
pub fn extreme_sets() -> Vec<Vec<f64>> {
    vec![
        vec![],
        vec![0.0, 0.0],
        vec![f64::NAN, f64::INFINITY],
        vec![5e-324, 1e-320],
        vec![1e-300, 1e300],
        vec![1e-200, 1.5e-200],
        vec![1e300, f64::MAX],
        vec![1e-170, 2e-170, 0.0, f64::NEG_INFINITY],
    ]
}

/// Draws `f` into an SVG string; the drawing must succeed and finish (plotters' own
/// log axis looped forever on some of these ranges: a watchdog turns that into a
/// failure instead of a hung test run).
pub fn svg(
    f: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult<()> + Send + 'static,
) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = String::new();
        let result = {
            let root = SVGBackend::with_string(&mut out, (600, 300)).into_drawing_area();
            f(&root).and_then(|()| root.present().map_err(|err| format!("{err:?}")))
        };
        let _ = tx.send(result.map(|()| out));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(Ok(out)) => out,
        Ok(Err(err)) => panic!("drawing failed: {err}"),
        Err(_) => panic!("drawing did not finish within a minute (or panicked)"),
    }
}

/// What a view painted through its sink.
#[derive(Debug, Default)]
pub struct Recorded {
    /// `(rect, cols, rows, colours)` per `cells` call.
    pub cells: Vec<(Rect, usize, usize, Vec<[u8; 3]>)>,
    /// `(rect, rgba)` per `image` call.
    pub images: Vec<(Rect, Vec<u8>)>,
}

impl CellSink for Recorded {
    fn cells(&mut self, rect: Rect, cols: usize, rows: usize, rgb: &[[u8; 3]]) -> DrawResult<()> {
        assert_eq!(rgb.len(), cols * rows, "one colour per cell");
        self.cells.push((rect, cols, rows, rgb.to_vec()));
        Ok(())
    }
}

impl ImageSink for Recorded {
    fn image(&mut self, rect: Rect, rgba: &[u8]) -> DrawResult<()> {
        assert_eq!(rgba.len(), (rect.w * rect.h * 4) as usize, "a whole image");
        self.images.push((rect, rgba.to_vec()));
        Ok(())
    }
}
