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

/// What a [`TextBoxes`] backend saw: each text with its box `[x0, y0, x1, y1]`, and each
/// filled rectangle with its corners and colour.
#[derive(Debug, Default)]
pub struct Seen {
    pub texts: Vec<(String, [f64; 4])>,
    pub fills: Vec<([i32; 4], [u8; 3])>,
}

/// A plotters backend that draws nothing and records where text and filled rectangles
/// go. Text is measured like a browser's sans-serif: 0.6 em per character, 1.2 em tall
/// (wider than the canvas measures digits, so a layout that passes here has room on the
/// page); a box follows the text's anchor and rotation.
pub struct TextBoxes {
    size: (u32, u32),
    pub seen: std::rc::Rc<std::cell::RefCell<Seen>>,
}

impl TextBoxes {
    pub fn new(size: (u32, u32)) -> TextBoxes {
        TextBoxes {
            size,
            seen: Default::default(),
        }
    }

    fn measure(text: &str, size: f64) -> (f64, f64) {
        (0.6 * size * text.chars().count() as f64, 1.2 * size)
    }
}

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::FontTransform;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

type Fail = DrawingErrorKind<std::io::Error>;

impl DrawingBackend for TextBoxes {
    type ErrorType = std::io::Error;
    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), Fail> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), Fail> {
        Ok(())
    }
    fn draw_pixel(&mut self, _: BackendCoord, _: BackendColor) -> Result<(), Fail> {
        Ok(())
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
    ) -> Result<(), Fail> {
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Fail> {
        if fill {
            let c = style.color();
            self.seen
                .borrow_mut()
                .fills
                .push(([a.0, a.1, b.0, b.1], [c.rgb.0, c.rgb.1, c.rgb.2]));
        }
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result<(), Fail> {
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: u32,
        _: &S,
        _: bool,
    ) -> Result<(), Fail> {
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result<(), Fail> {
        Ok(())
    }
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Fail> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let (w, h) = Self::measure(text, style.size());
        let anchor = style.anchor();
        let u0 = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        let v0 = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -h / 2.0,
            VPos::Bottom => -h,
        };
        let (x, y) = (pos.0 as f64, pos.1 as f64);
        // (u, v) along and across the text, mapped by the rotation.
        let map = |u: f64, v: f64| match style.transform() {
            FontTransform::Rotate90 => (x - v, y + u),
            FontTransform::Rotate180 => (x - u, y - v),
            FontTransform::Rotate270 => (x + v, y - u),
            _ => (x + u, y + v),
        };
        let (a, b) = (map(u0, v0), map(u0 + w, v0 + h));
        let rect = [a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1)];
        self.seen.borrow_mut().texts.push((text.to_string(), rect));
        Ok(())
    }
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Fail> {
        let (w, h) = Self::measure(text, style.size());
        Ok((w.ceil() as u32, h.ceil() as u32))
    }
}

/// Pairs of texts whose boxes overlap by more than a pixel each way, and texts that
/// reach outside `size` by more than a pixel.
pub fn text_problems(seen: &Seen, size: (u32, u32)) -> Vec<String> {
    let mut out = Vec::new();
    let t = &seen.texts;
    for (i, (a, ra)) in t.iter().enumerate() {
        if ra[0] < -1.0
            || ra[1] < -1.0
            || ra[2] > size.0 as f64 + 1.0
            || ra[3] > size.1 as f64 + 1.0
        {
            out.push(format!("{a:?} {ra:?} leaves the {size:?} canvas"));
        }
        for (b, rb) in &t[i + 1..] {
            let dx = ra[2].min(rb[2]) - ra[0].max(rb[0]);
            let dy = ra[3].min(rb[3]) - ra[1].max(rb[1]);
            if dx > 1.0 && dy > 1.0 {
                out.push(format!("{a:?} {ra:?} overlaps {b:?} {rb:?}"));
            }
        }
    }
    out
}
