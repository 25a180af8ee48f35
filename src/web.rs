//! The wasm-bindgen boundary: one opaque [`App`] handle around a [`Page`] (the run, the
//! view settings and what the views keep between frames, all native and tested there)
//! and the canvases the page attaches. JavaScript owns the animation loop and calls
//! `step` and `draw`; results cross as small strings of JSON, never as views into wasm
//! memory. Only glue is here: JSON text in and out, canvases turned into plotters
//! backends and cell or image sinks; every decision is [`Page`]'s.

use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use plotters_canvas::CanvasBackend;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::Clamped;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::config::schema;
use crate::view::chart::{drawable, CellSink, DrawResult, ImageSink, Style};
use crate::view::page::Page;
use crate::view::{url, Rect, View};

/// The global property where a panic leaves its message, for the page's crash banner
/// (`www/crash.js` reads it: after a panic this module must not be called again).
const PANIC_GLOBAL: &str = "__gradscopePanic";

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let text = info.to_string();
        let _ = js_sys::Reflect::set(
            &js_sys::global(),
            &JsValue::from_str(PANIC_GLOBAL),
            &JsValue::from_str(&text),
        );
    }));
}

thread_local! {
    /// Set by [`panic_on_next_step`]: the next [`App::step`] panics (end-to-end tests of
    /// the crash banner; nothing a URL, a control or a message can reach).
    static PANIC_NEXT_STEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Makes the next `App::step` panic inside the run, as a real bug would: the tests use it
/// to check that a panic never leaves a frozen page.
#[wasm_bindgen]
pub fn panic_on_next_step() {
    PANIC_NEXT_STEP.with(|p| p.set(true));
}

#[wasm_bindgen]
pub struct App {
    page: Page,
    canvases: Vec<(View, HtmlCanvasElement)>,
    /// Milliseconds each view took in the last `draw`.
    timings: Vec<(View, f64)>,
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn parse_json(text: &str) -> Result<Value, JsError> {
    crate::json::parse_strict(text).map_err(|e| js_err(format!("not valid JSON: {e}")))
}

#[wasm_bindgen]
impl App {
    /// A run of the default config with `patch` (partial config JSON) merged in.
    #[wasm_bindgen(constructor)]
    pub fn new(patch: &str) -> Result<App, JsError> {
        let patch = parse_json(patch)?;
        Ok(App::on(Page::from_patch(&patch).map_err(js_err)?))
    }

    /// A run set up by a URL query (`?depth=20&...`). Never fails: each parameter that
    /// cannot be applied as written is explained in [`App::messages`].
    pub fn from_query(query: &str) -> App {
        App::on(Page::from_query(query))
    }

    fn on(page: Page) -> App {
        App {
            page,
            canvases: Vec::new(),
            timings: Vec::new(),
        }
    }

    /// Messages about URL parameters that were not applied as written (JSON array of
    /// strings).
    pub fn messages(&self) -> String {
        serde_json::to_string(self.page.messages()).unwrap_or_default()
    }

    /// The view settings (`metric`, `speed`, `autoplay`) as JSON.
    pub fn view_settings(&self) -> String {
        serde_json::to_string(&self.page.settings()).unwrap_or_default()
    }

    /// Merges partial view settings (JSON), checked against the schema; a bad value is an
    /// error naming the setting and leaves the view as it was.
    pub fn set_view(&mut self, patch: &str) -> Result<(), JsError> {
        self.page.set_view(&parse_json(patch)?).map_err(js_err)
    }

    /// The full config, every default filled in (JSON).
    pub fn config(&self) -> String {
        serde_json::to_string(self.page.run().config()).unwrap_or_default()
    }

    /// The query string that reproduces this run and its view.
    pub fn query(&self) -> String {
        self.page.query()
    }

    /// Sets up a lesson by name (its config and view); an unknown name is an error listing
    /// the lessons.
    pub fn set_lesson(&mut self, name: &str) -> Result<(), JsError> {
        self.page.set_lesson(name).map_err(js_err)
    }

    /// What the last optimizer switch did to the learning rate, as JSON `{text, offer:
    /// {label, patch} | null, beside}`, or `null`.
    pub fn optimizer_note(&self) -> String {
        self.page
            .optimizer_note()
            .map_or(Value::Null, |n| n.to_json())
            .to_string()
    }

    /// The name of the lesson the page was last set up by, or an empty string.
    pub fn lesson(&self) -> String {
        self.page.lesson().map_or("", |l| l.name).to_string()
    }

    /// Whether the run has left its lesson's settings (`Page::lesson_left`).
    pub fn lesson_left(&self) -> bool {
        self.page.lesson_left()
    }

    /// The first layer's effective learning rate per input feature now (JSON array).
    pub fn input_feature_lr(&self) -> String {
        json!(self.page.run().engine().input_feature_lr()).to_string()
    }

    /// Each setting's state now (JSON object keyed by URL name): whether its control
    /// shows, its options and slider bounds for this config, and its value.
    pub fn field_states(&self) -> String {
        schema::states(self.page.run().config(), &self.page.settings()).to_string()
    }

    /// The caption of the data view for this run's data.
    pub fn data_caption(&self) -> String {
        self.page.data_caption()
    }

    /// The caption of the effective-learning-rate view for this run's optimizer.
    pub fn lr_caption(&self) -> String {
        self.page.lr_caption()
    }

    /// Deep-merges a partial config (JSON) and applies it: a change to fields the schema
    /// marks as continuing (learning rate, clipping) continues the run; anything else (or
    /// any change to a diverged run) restarts it. Returns `{"restarted": bool}`; a bad
    /// value is an error naming the field, and leaves the run as it was.
    pub fn set_config(&mut self, patch: &str) -> Result<String, JsError> {
        let restarted = self.page.set_config(&parse_json(patch)?).map_err(js_err)?;
        Ok(json!({ "restarted": restarted }).to_string())
    }

    /// Restarts the run from its config (same seed, same numbers).
    pub fn reset(&mut self) {
        self.page.reset();
    }

    /// Trains up to `n` steps; returns how many were taken (0 once diverged).
    pub fn step(&mut self, n: u32) -> u32 {
        if PANIC_NEXT_STEP.with(|p| p.replace(false)) {
            panic!("a test asked step {} to panic", self.page.run().steps());
        }
        self.page.step(n as u64) as u32
    }

    /// With `false`, the following steps compute no per-layer records (`cargo xtask
    /// bench` measures what they cost); nothing the page or a link reaches.
    pub fn set_records(&mut self, on: bool) {
        self.page.engine_mut().set_records(on);
    }

    /// Steps to train next in this frame, given the steps `done` and the milliseconds
    /// `elapsed_ms` of the frame so far; 0 ends the frame's training (`Page::plan_steps`).
    pub fn plan_steps(&self, done: u32, elapsed_ms: f64) -> u32 {
        self.page.plan_steps(u64::from(done), elapsed_ms) as u32
    }

    /// The last `taken` steps took `ms` milliseconds (for [`App::plan_steps`]).
    pub fn record_steps(&mut self, taken: u32, ms: f64) {
        self.page.record_steps(u64::from(taken), ms);
    }

    /// Steps taken so far.
    pub fn steps(&self) -> f64 {
        self.page.run().steps() as f64
    }

    /// The latest step's record as JSON: `{step, steps, loss, diverged, grad_norm,
    /// clipped_grad_norm, clipped, layers: [{grad_norm, clipped_grad_norm, delta_rms,
    /// eff_lr_mean, ...}]}`, hidden layers first, output layer last; `step` is null before
    /// the first step.
    pub fn inspect(&self) -> String {
        self.page.inspect().to_string()
    }

    /// A self-contained Python script that rebuilds this run in PyTorch and reproduces its
    /// first `steps` steps from the current config ("continue in PyTorch"; the same text
    /// as `gradscope export pytorch`). Too many steps for the script is an error.
    pub fn pytorch_script(&self, steps: u32) -> Result<String, JsError> {
        crate::pytorch::script_for(self.page.run().config(), steps as u64).map_err(js_err)
    }

    /// Spends at most `budget_steps` training steps on measured advice; its state as JSON
    /// (`Page::advise`).
    pub fn advisor_step(&mut self, budget_steps: u32) -> String {
        serde_json::to_string(&self.page.advise(u64::from(budget_steps))).unwrap_or_default()
    }

    /// The run's history (the steps the page keeps) as the summary trace's JSON, with
    /// `first_step`.
    pub fn history_json(&self) -> String {
        crate::export::history_json(self.page.run())
    }

    /// The run's history as the summary trace's CSV.
    pub fn history_csv(&self) -> String {
        crate::export::history_csv(self.page.run())
    }

    /// The full trace of the run so far (docs/trace-format.md); an error in words when
    /// the run is too long or cannot be replayed from its config.
    pub fn full_trace(&self) -> Result<String, JsError> {
        crate::export::full_trace(self.page.run()).map_err(js_err)
    }

    /// A file name that says what run an export holds (`what`: a view's name, "history",
    /// ...; `ext` without the dot).
    pub fn file_name(&self, what: &str, ext: &str) -> String {
        let run = self.page.run();
        crate::export::file_name(run.config(), run.steps(), what, ext)
    }

    /// The diagnosis as JSON `{level, text}`.
    pub fn diagnosis(&self) -> String {
        serde_json::to_string(&self.page.diagnosis()).unwrap_or_default()
    }

    /// `"grad_norm"` or `"delta"`: what the heatmap and diagnosis measure.
    pub fn set_metric(&mut self, name: &str) -> Result<(), JsError> {
        self.page
            .set_view(&json!({ "metric": name }))
            .map_err(js_err)
    }

    pub fn metric(&self) -> String {
        self.page.settings().metric.name().into()
    }

    /// Gives the app a canvas for view `name` (one of [`views`]).
    pub fn attach(&mut self, name: &str, canvas: HtmlCanvasElement) -> Result<(), JsError> {
        let view: View = name.parse().map_err(js_err)?;
        self.canvases.retain(|(v, _)| *v != view);
        self.canvases.push((view, canvas));
        Ok(())
    }

    /// Redraws every attached view; `dpr` is the device-pixel ratio (text and line scale).
    pub fn draw(&mut self, dpr: f64) -> Result<(), JsError> {
        let style = Style::for_pixel_ratio(dpr);
        let clock = web_sys::window().and_then(|w| w.performance());
        let now = || clock.as_ref().map_or(0.0, |p| p.now());
        self.timings.clear();
        for (view, canvas) in &self.canvases {
            if !drawable(canvas.width(), canvas.height()) {
                continue;
            }
            let started = now();
            let root = backend(canvas)
                .map_err(|e| js_err(format!("drawing {view}: {e}")))?
                .into_drawing_area();
            self.page
                .draw(*view, &root, style, &mut CanvasSink(canvas))
                .and_then(|()| root.present().map_err(|e| format!("{e:?}")))
                .map_err(|e| js_err(format!("drawing {view}: {e}")))?;
            self.timings.push((*view, now() - started));
        }
        Ok(())
    }

    /// Whether a view is still catching up with the current step (the decision boundary
    /// refreshes over several frames for large networks).
    pub fn needs_redraw(&self) -> bool {
        self.page
            .needs_redraw(self.canvases.iter().map(|(v, _)| *v))
    }

    /// Milliseconds per view in the last `draw`, as a JSON object.
    pub fn draw_timings(&self) -> String {
        let map: serde_json::Map<String, Value> = self
            .timings
            .iter()
            .map(|(v, t)| (v.name().to_string(), json!(t)))
            .collect();
        Value::Object(map).to_string()
    }

    /// The heatmap cell under canvas pixel `(x, y)` as JSON `{layer, step, value, metric,
    /// measure}` (`measure` the symbol of the metric, `‖dL/dW‖`; `layer` "out" for the
    /// output layer; `value` a number or a word such as "NaN"), or "".
    pub fn hover(&self, x: f64, y: f64) -> String {
        self.page
            .hover(x, y)
            .and_then(|h| serde_json::to_string(&h).ok())
            .unwrap_or_default()
    }
}

fn backend(canvas: &HtmlCanvasElement) -> Result<Canvas, String> {
    Ok(Canvas {
        inner: CanvasBackend::with_canvas_object(canvas.clone())
            .ok_or_else(|| "no 2d context".to_string())?,
        ctx: context(canvas)?,
    })
}

/// A page canvas: plotters' canvas backend, except that text is measured by the canvas
/// itself. plotters' own measurement on the web appends a span with a `style` attribute
/// to the document, which a strict Content-Security-Policy refuses (and which costs a
/// layout per label).
struct Canvas {
    inner: CanvasBackend,
    ctx: CanvasRenderingContext2d,
}

type CanvasError = DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>;

impl DrawingBackend for Canvas {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), CanvasError> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), CanvasError> {
        self.inner.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), CanvasError> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), CanvasError> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), CanvasError> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), CanvasError> {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), CanvasError> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), CanvasError> {
        self.inner.fill_polygon(vert, style)
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), CanvasError> {
        self.inner.draw_text(text, style, pos)
    }
    /// Width from `measureText`; height from the font's bounding box (the line height a
    /// label needs).
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), CanvasError> {
        let size = style.size();
        self.ctx.set_font(&format!(
            "{} {}px {}",
            style.style().as_str(),
            size,
            style.family().as_str()
        ));
        let metrics = self
            .ctx
            .measure_text(text)
            .map_err(|e| DrawingErrorKind::FontError(format!("{e:?}").into()))?;
        let height = metrics.font_bounding_box_ascent() + metrics.font_bounding_box_descent();
        let height = if height.is_finite() && height > 0.0 {
            height
        } else {
            size * 1.2
        };
        Ok((metrics.width().ceil() as u32, height.ceil() as u32))
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (w, h): (u32, u32),
        src: &[u8],
    ) -> Result<(), CanvasError> {
        self.inner.blit_bitmap(pos, (w, h), src)
    }
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, String> {
    canvas
        .get_context("2d")
        .map_err(|e| format!("{e:?}"))?
        .ok_or("no 2d context")?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| "not a 2d context".to_string())
}

/// Paints cell grids on a canvas: one pixel per cell on a scratch canvas, scaled up by
/// the browser without smoothing (far fewer pixels to compute and copy than rendering
/// at the target size); whole images with one `putImageData`.
struct CanvasSink<'a>(&'a HtmlCanvasElement);

impl ImageSink for CanvasSink<'_> {
    fn image(&mut self, rect: Rect, rgba: &[u8]) -> DrawResult<()> {
        if rect.w <= 0 || rect.h <= 0 {
            return Ok(());
        }
        let img = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(rgba),
            rect.w as u32,
            rect.h as u32,
        )
        .map_err(|e| format!("{e:?}"))?;
        context(self.0)?
            .put_image_data(&img, rect.x as f64, rect.y as f64)
            .map_err(|e| format!("{e:?}"))
    }
}

impl CellSink for CanvasSink<'_> {
    fn cells(
        &mut self,
        rect: Rect,
        cols: usize,
        rows: usize,
        rgb: &[[u8; 3]],
    ) -> Result<(), String> {
        if rect.w <= 0 || rect.h <= 0 || cols == 0 || rows == 0 {
            return Ok(());
        }
        let scratch = SCRATCH.with(|cell| -> Result<HtmlCanvasElement, String> {
            if let Some(c) = cell.borrow().as_ref() {
                return Ok(c.clone());
            }
            let document = web_sys::window()
                .and_then(|w| w.document())
                .ok_or("no document")?;
            let c: HtmlCanvasElement = document
                .create_element("canvas")
                .map_err(|e| format!("{e:?}"))?
                .dyn_into()
                .map_err(|_| "not a canvas".to_string())?;
            *cell.borrow_mut() = Some(c.clone());
            Ok(c)
        })?;
        let (w, h) = (cols as u32, rows as u32);
        if scratch.width() != w || scratch.height() != h {
            scratch.set_width(w);
            scratch.set_height(h);
        }
        let pixels: Vec<u8> = rgb.iter().flat_map(|c| [c[0], c[1], c[2], 255]).collect();
        let img = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), w, h)
            .map_err(|e| format!("{e:?}"))?;
        context(&scratch)?
            .put_image_data(&img, 0.0, 0.0)
            .map_err(|e| format!("{e:?}"))?;
        let ctx = context(self.0)?;
        ctx.set_image_smoothing_enabled(false);
        ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
            &scratch,
            rect.x as f64,
            rect.y as f64,
            rect.w as f64,
            rect.h as f64,
        )
        .map_err(|e| format!("{e:?}"))
    }
}

thread_local! {
    /// The one scratch canvas grids are rendered into before scaling.
    static SCRATCH: std::cell::RefCell<Option<HtmlCanvasElement>> = const { std::cell::RefCell::new(None) };
}

/// Parses a URL query into `{config, params, errors}` (JSON), for pages that apply it
/// themselves.
#[wasm_bindgen]
pub fn parse_query(query: &str) -> String {
    serde_json::to_string(&url::parse_query(query)).unwrap_or_default()
}

/// Every lesson (JSON array): name, title, settings, views, what to watch, what to try
/// next, the claim in words and its numbers.
#[wasm_bindgen]
pub fn lessons() -> String {
    crate::lessons::to_json().to_string()
}

/// Every setting, once (JSON): the page builds its controls from it.
#[wasm_bindgen]
pub fn schema() -> String {
    schema::to_json().to_string()
}

/// The names of the views a canvas can be attached to (JSON array), from [`View::ALL`].
#[wasm_bindgen]
pub fn views() -> String {
    serde_json::to_string(&View::names()).unwrap_or_default()
}

/// The page options of a link (`embed`, `views`, `controls`, `lesson`, `allow_origin`) as
/// JSON, with the views and controls to show and a message for each bad value.
#[wasm_bindgen]
pub fn page_options(query: &str) -> String {
    crate::view::embed::to_json(&crate::view::embed::read(query)).to_string()
}
