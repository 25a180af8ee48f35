//! The wasm boundary in a real headless Chromium (wasm-bindgen-test): the App handle,
//! its JSON, its errors, and drawing onto real canvases.
#![cfg(target_arch = "wasm32")]

use gradscope::web::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or(serde_json::Value::Null)
}

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let c: HtmlCanvasElement = document
        .create_element("canvas")
        .expect("canvas")
        .dyn_into()
        .expect("a canvas element");
    c.set_width(w);
    c.set_height(h);
    document
        .body()
        .expect("body")
        .append_child(&c)
        .expect("appended");
    c
}

/// Number of distinct colours in a canvas (a blank one has 1).
fn colours(c: &HtmlCanvasElement) -> usize {
    let ctx: CanvasRenderingContext2d = c
        .get_context("2d")
        .ok()
        .flatten()
        .expect("2d")
        .dyn_into()
        .expect("2d context");
    let data = ctx
        .get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .expect("pixels")
        .data();
    let mut seen: Vec<[u8; 4]> = data.chunks(4).map(|p| [p[0], p[1], p[2], p[3]]).collect();
    seen.sort();
    seen.dedup();
    seen.len()
}

#[wasm_bindgen_test]
fn steps_and_inspect_through_the_handle() {
    let mut app = App::new(r#"{"network": {"depth": 5}, "optimizer": {"kind": "adagrad"}}"#)
        .expect("valid config");
    assert_eq!(json(&app.inspect())["step"], serde_json::Value::Null);
    assert_eq!(app.step(7), 7);
    let v = json(&app.inspect());
    assert_eq!(v["step"], 6);
    assert_eq!(v["steps"], 7);
    assert_eq!(v["diverged"], false);
    assert_eq!(v["layers"].as_array().map(|l| l.len()), Some(6));
    assert!(v["layers"][0]["eff_lr_mean"]
        .as_f64()
        .is_some_and(|x| x > 0.0));
    assert_eq!(json(&app.config())["optimizer"]["kind"], "adagrad");
}

#[wasm_bindgen_test]
fn pytorch_script_embeds_the_run_and_rejects_too_many_rows() {
    let app = App::new(r#"{"network": {"depth": 3}, "optimizer": {"kind": "adam"}}"#)
        .expect("valid config");
    let script = app.pytorch_script(4).expect("a script");
    assert!(script.contains("torch.optim.Adam("));
    assert!(script.contains("DEPTH = 3"));
    assert!(script.contains("BATCHES = ["));
    assert!(app.pytorch_script(u32::MAX).is_err());
}

#[wasm_bindgen_test]
fn set_config_continues_or_restarts_and_rejects_bad_values() {
    let mut app = App::new("{}").expect("defaults");
    app.step(5);
    let r = json(
        &app.set_config(r#"{"clip": {"kind": "norm", "threshold": 0.5}}"#)
            .expect("valid"),
    );
    assert_eq!(r["restarted"], false);
    assert_eq!(app.steps(), 5.0);
    let r = json(
        &app.set_config(r#"{"network": {"depth": 9}}"#)
            .expect("valid"),
    );
    assert_eq!(r["restarted"], true);
    assert_eq!(app.steps(), 0.0);
    for bad in [
        r#"{"network": {"depth": 0}}"#,
        r#"{"optimizer": {"kind": "lion"}}"#,
        "[1]",
        "{",
        r#"{"x": 1}"#,
    ] {
        assert!(app.set_config(bad).is_err(), "{bad}");
    }
    assert_eq!(json(&app.config())["network"]["depth"], 9);
}

#[wasm_bindgen_test]
fn url_lessons_apply_good_parameters_and_explain_bad_ones() {
    let app = App::from_query("?depth=20&activation=sigmoid&width=9999&bogus=1&metric=delta");
    let c = json(&app.config());
    assert_eq!(c["network"]["depth"], 20);
    assert_eq!(c["network"]["activation"], "sigmoid");
    assert_eq!(c["network"]["width"], 8);
    let m = json(&app.messages());
    let text = m.to_string();
    assert!(text.contains("width") && text.contains("bogus"), "{text}");
    assert_eq!(app.metric(), "delta");
}

#[wasm_bindgen_test]
fn the_schema_states_and_view_cross_the_boundary() {
    let fields = json(&gradscope::web::schema())["fields"].clone();
    let urls: Vec<&str> = fields
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["url"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        urls.contains(&"residual_scale") && urls.contains(&"autoplay"),
        "{urls:?}"
    );
    let mut app = App::from_query("?dataset=spiral3&optimizer=adam&speed=30");
    let s = json(&app.field_states());
    assert_eq!(
        s["loss"]["options"],
        serde_json::json!(["cross_entropy", "mse"])
    );
    assert_eq!(s["beta1"]["shown"], true);
    assert_eq!(s["momentum"]["shown"], false);
    assert_eq!(s["batch"]["max"], 160.0);
    assert!(app.set_view(r#"{"autoplay": true}"#).is_ok());
    assert!(app.set_view(r#"{"speed": 0}"#).is_err());
    assert_eq!(json(&app.view_settings())["speed"], 30);
    assert_eq!(
        app.query(),
        "dataset=spiral3&optimizer=adam&speed=30&autoplay=1"
    );
    let captions = json(&app.captions());
    let lr = captions["lr"]["caption"].as_str().unwrap_or_default();
    assert!(lr.starts_with("Adam scales each weight's step"), "{lr}");
    assert_eq!(captions["data"]["title"], "Data and decision boundary");
}

#[wasm_bindgen_test]
fn every_view_draws_something_and_the_heatmap_answers_hover() {
    let mut app = App::new(r#"{"network": {"depth": 6}}"#).expect("valid");
    let names = ["heatmap", "flow", "lr", "loss", "saturation", "data"];
    let canvases: Vec<HtmlCanvasElement> = names.iter().map(|_| canvas(480, 270)).collect();
    for (n, c) in names.iter().zip(&canvases) {
        app.attach(n, c.clone()).expect("known view");
    }
    assert!(app.attach("pie", canvas(10, 10)).is_err());
    app.step(40);
    app.draw(1.0).expect("draws");
    for (n, c) in names.iter().zip(&canvases) {
        assert!(colours(c) > 8, "{n} looks blank");
    }
    let t = json(&app.draw_timings());
    assert!(t["heatmap"].as_f64().is_some());
    // The heatmap spans the whole run: across its middle row most points answer with a
    // cell of the 40 steps taken; the margins (layer labels, colour bar) answer nothing.
    let hits: Vec<serde_json::Value> = (0..480)
        .step_by(4)
        .map(|x| json(&app.hover(x as f64, 120.0)))
        .collect();
    let with_value = hits
        .iter()
        .filter(|h| h["value"].is_number() && h["layer"].is_number())
        .count();
    assert!(with_value > hits.len() / 2, "{hits:?}");
    assert!(
        hits.iter().any(|h| h.is_null()),
        "the margins answer nothing"
    );
    assert!(hits
        .iter()
        .all(|h| h.is_null() || h["step"].as_u64().is_some_and(|s| s < 40)));
}

#[wasm_bindgen_test]
fn a_diverged_run_draws_and_reports_without_panicking() {
    let mut app =
        App::new(r#"{"network": {"depth": 40, "width": 64, "activation": "linear", "init": "normal", "init_std": 3.0}}"#)
            .expect("valid");
    let c = canvas(400, 240);
    app.attach("heatmap", c.clone()).expect("view");
    app.step(10);
    assert!(json(&app.inspect())["diverged"].as_bool().unwrap_or(false));
    app.draw(2.0).expect("draws a diverged run");
    assert_eq!(json(&app.diagnosis())["level"], "diverged");
}
