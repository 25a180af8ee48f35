//! Lessons in a URL: `?depth=20&activation=sigmoid&init=standard&optimizer=adagrad&lr=0.1`
//! or `?config={...JSON...}`, plus view settings (`metric`, `speed`, `autoplay`,
//! `lr_by`), or `?lesson=NAME` (a lesson's settings, which other parameters override).
//!
//! Parameter names, kinds and ranges come from [`schema::FIELDS`]. Reading
//! ([`parse_query`], then [`apply`]) applies the parameters in the schema's order whatever
//! their order in the link (the dataset before the loss, the optimizer before its
//! hyper-parameters), one at a time, so a bad one gets its message and the others still
//! apply; a value that does not end up in the run as written gets a message too. Writing
//! ([`to_query`]) gives every field that differs from its default, so a link reproduces
//! the run and how it is shown.

use serde::Serialize;
use serde_json::{json, Value};

use crate::config::schema::{self, excerpt, quote, DefaultRule, Field, Kind, Section, FIELDS};
use crate::config::Config;
use crate::view::ViewSettings;

/// One URL parameter that names a field, with its value typed for that field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Param {
    /// The URL name (`depth`).
    pub name: &'static str,
    /// The field's path (`network.depth`).
    pub path: &'static str,
    pub section: Section,
    pub value: Value,
}

/// A parsed query: the `config` parameter, the field parameters (each at most once), and
/// messages for parameters that could not be read at all.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Lesson {
    /// `lesson=NAME`: a lesson of [`crate::lessons`] whose settings the other parameters
    /// override.
    pub lesson: Option<&'static str>,
    pub config: Option<Value>,
    pub params: Vec<Param>,
    pub errors: Vec<String>,
}

/// What a link sets up: the run's config, the view, and a message for every parameter
/// that was not applied as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub config: Config,
    pub view: ViewSettings,
    pub messages: Vec<String>,
}

/// The raw (still escaped) parameters of `?a=b&c=d` (the leading `?` optional), in link
/// order, each as `(whole "key=value", key, value)`; a key without `=` has an empty value.
/// Every reader of a link splits it here.
pub(crate) fn raw_pairs(query: &str) -> impl Iterator<Item = (&str, &str, &str)> {
    query
        .strip_prefix('?')
        .unwrap_or(query)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (pair, key, value)
        })
}

/// Reads `?a=b&c=d` (the leading `?` optional).
pub fn parse_query(query: &str) -> Lesson {
    let mut lesson = Lesson::default();
    for (pair, raw_key, raw_value) in raw_pairs(query) {
        let (Some(key), Some(text)) = (decode(raw_key), decode(raw_value)) else {
            lesson.errors.push(format!(
                "URL parameter '{}' is not valid percent-encoding",
                excerpt(pair)
            ));
            continue;
        };
        if key == "lesson" {
            match crate::lessons::find(&text) {
                Some(l) => {
                    if lesson.lesson.replace(l.name).is_some() {
                        lesson.errors.push(twice("lesson"));
                    }
                }
                None => lesson.errors.push(crate::lessons::unknown(&text)),
            }
        } else if key == "config" {
            match crate::json::parse_strict(&text) {
                Ok(v) if v.is_object() => {
                    if lesson.config.replace(v).is_some() {
                        lesson.errors.push(twice("config"));
                    }
                }
                _ => lesson.errors.push(
                    "URL parameter 'config' ignored: it must be a JSON object, like {\"network\": {\"depth\": 20}}"
                        .into(),
                ),
            }
        } else if let Some(f) = schema::by_url(&key) {
            match typed(f, &text) {
                Ok(value) => {
                    let param = Param {
                        name: f.url,
                        path: f.path,
                        section: f.section,
                        value,
                    };
                    if let Some(old) = lesson.params.iter_mut().find(|p| p.name == f.url) {
                        *old = param;
                        lesson.errors.push(twice(f.url));
                    } else {
                        lesson.params.push(param);
                    }
                }
                Err(m) => lesson
                    .errors
                    .push(format!("URL parameter '{}' ignored: {m}", f.url)),
            }
        } else if super::embed::PARAMS.contains(&key.as_str()) {
            // A page option (embed mode, views, controls, allow_origin): `view::embed` reads it.
        } else {
            let known: Vec<&str> = FIELDS
                .iter()
                .map(|f| f.url)
                .chain(super::embed::PARAMS)
                .collect();
            lesson.errors.push(format!(
                "unknown URL parameter '{}'; known: config, {}",
                excerpt(&key),
                known.join(", ")
            ));
        }
    }
    lesson
}

fn twice(name: &str) -> String {
    format!("URL parameter '{name}' is given more than once; the last one counts")
}

/// A URL value as JSON for a field of this kind. Numbers that JSON would write
/// differently stay text, so that the field's check names them; a yes/no value takes
/// only the usual spellings.
fn typed(f: &Field, text: &str) -> Result<Value, String> {
    match f.kind {
        Kind::Bool => match text {
            "1" | "true" | "on" | "yes" => Ok(json!(true)),
            "0" | "false" | "off" | "no" => Ok(json!(false)),
            _ => Err(format!(
                "'{}' is not a yes/no value; use 1 or 0 (or true/false, on/off, yes/no)",
                excerpt(text)
            )),
        },
        Kind::Int { .. } | Kind::Float { .. } => {
            let Ok(n) = text.parse::<f64>() else {
                return Ok(json!(text));
            };
            if !n.is_finite() {
                return Ok(json!(text));
            }
            // `1e-400` reads as 0: not what was written.
            let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
            if n == 0.0 && mantissa.chars().any(|c| ('1'..='9').contains(&c)) {
                return Err(format!(
                    "'{}' is too close to 0 to be stored; write 0 or a larger number",
                    excerpt(text)
                ));
            }
            let n = n + 0.0; // -0 is 0
            Ok(match f.kind {
                Kind::Int { .. } if n.fract() == 0.0 && n.abs() <= 9.0e15 => json!(n as i64),
                _ => json!(n),
            })
        }
        Kind::Choice { .. } => Ok(json!(text)),
    }
}

/// One value to apply: from a field's parameter, or one leaf of the `config` parameter.
struct Item<'a> {
    /// The URL parameter it came from.
    name: &'a str,
    path: String,
    value: Value,
}

/// Applies a parsed query to the default config and view. Every value, whether from its
/// own parameter or a leaf of `config` (which its own parameter overrides), applies in
/// the schema's order; one that fails is tried again after the others (a smaller
/// `samples` may need the smaller `batch` first), then explained.
pub fn apply(lesson: &Lesson) -> Applied {
    let with_lesson;
    let lesson = match lesson.lesson.and_then(crate::lessons::find) {
        Some(l) => {
            with_lesson = over_lesson(l.settings, lesson);
            &with_lesson
        }
        None => lesson,
    };
    let mut messages = lesson.errors.clone();
    let mut items: Vec<Item> = Vec::new();
    if let Some(c) = &lesson.config {
        for (path, value) in leaves(c, "") {
            match lesson.params.iter().find(|p| p.path == path) {
                Some(p) if !same(&p.value, &value) => messages.push(format!(
                    "URL parameter 'config' sets {path} to {}, but parameter '{}' sets {}; using {}",
                    quote(&value),
                    p.name,
                    quote(&p.value),
                    quote(&p.value)
                )),
                Some(_) => {}
                None => items.push(Item {
                    name: "config",
                    path,
                    value,
                }),
            }
        }
    }
    items.extend(
        lesson
            .params
            .iter()
            .filter(|p| p.section == Section::Config)
            .map(|p| Item {
                name: p.name,
                path: p.path.to_string(),
                value: p.value.clone(),
            }),
    );
    // Unknown paths (from `config`) first: they fail whatever the order.
    items.sort_by_key(|item| {
        schema::fields_of(Section::Config)
            .position(|f| f.path == item.path)
            .map_or(0, |i| i + 1)
    });
    let mut config = Config::default().resolve().unwrap_or_default();
    let mut pending: Vec<&Item> = items.iter().collect();
    let mut failed: Vec<(&Item, String)> = Vec::new();
    loop {
        let before = pending.len();
        failed.clear();
        for item in pending {
            match config.merged(&schema::patch_at(&item.path, item.value.clone())) {
                Ok(next) => config = next,
                Err(e) => failed.push((item, e.to_string())),
            }
        }
        if failed.is_empty() || failed.len() == before {
            break;
        }
        pending = failed.iter().map(|(item, _)| *item).collect();
    }
    for (item, e) in &failed {
        // Of `config`, only the failing value is skipped.
        let how = if item.name == "config" {
            "ignored in part"
        } else {
            "ignored"
        };
        messages.push(format!("URL parameter '{}' {how}: {e}", item.name));
    }
    // What did not end up in the run as written (a later value reset it).
    let doc = serde_json::to_value(&config).unwrap_or_default();
    for item in &items {
        if failed.iter().all(|(f, _)| !std::ptr::eq(*f, item)) {
            if let Some(m) = not_as_written(&doc, &item.path, &item.value) {
                messages.push(format!("URL parameter '{}' {m}", item.name));
            }
        }
    }
    let mut view = ViewSettings::default();
    for p in lesson.params.iter().filter(|p| p.section == Section::View) {
        match view.merged(&schema::patch_at(p.path, p.value.clone())) {
            Ok(next) => view = next,
            Err(e) => messages.push(format!("URL parameter '{}' ignored: {e}", p.name)),
        }
    }
    Applied {
        config,
        view,
        messages,
    }
}

/// A lesson's settings (a query) with the parameters of `given` over them.
fn over_lesson(settings: &str, given: &Lesson) -> Lesson {
    let mut out = parse_query(settings);
    for p in &given.params {
        match out.params.iter_mut().find(|q| q.name == p.name) {
            Some(q) => *q = p.clone(),
            None => out.params.push(p.clone()),
        }
    }
    out.config = given.config.clone();
    out.errors.extend(given.errors.iter().cloned());
    out.lesson = given.lesson;
    out
}

/// Reads and applies a query, as the page does on load.
pub fn read(query: &str) -> Applied {
    apply(&parse_query(query))
}

/// Two JSON values are the same setting (numbers compare as numbers: 20 is 20.0).
fn same(a: &Value, b: &Value) -> bool {
    if a.is_number() && b.is_number() {
        a.as_f64() == b.as_f64()
    } else {
        a == b
    }
}

/// `None` when the config at `path` holds `written`; else what it holds instead.
fn not_as_written(doc: &Value, path: &str, written: &Value) -> Option<String> {
    let now = schema::get(doc, path).filter(|v| !v.is_null());
    if now.is_some_and(|v| same(v, written)) {
        return None;
    }
    let now = now.map_or_else(|| "not set (it does not apply)".into(), quote);
    Some(format!(
        "was not applied as written: {path} is {now}, not {} (another parameter changed it)",
        quote(written)
    ))
}

/// Every non-null, non-object value of a JSON object with its dotted path.
fn leaves(v: &Value, prefix: &str) -> Vec<(String, Value)> {
    match v {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &path)
            })
            .collect(),
        Value::Null => Vec::new(),
        other => vec![(prefix.to_string(), other.clone())],
    }
}

/// Percent-decoding with `+` as space; `None` for malformed escapes or invalid UTF-8.
pub(crate) fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encoding of everything but unreserved characters.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query string that sets up `config` and `view`: every field that differs from its
/// default there (the loss from its dataset's, a hyper-parameter from its optimizer's),
/// in the schema's order. Fields the dataset derives are left out.
pub fn to_query(config: &Config, view: &ViewSettings) -> String {
    let cfg = serde_json::to_value(config).unwrap_or_default();
    let vw = serde_json::to_value(view).unwrap_or_default();
    query_parts(&cfg, &vw, |f, v| f.default_in(&cfg).as_ref() != Some(v)).join("&")
}

/// The parameters that set up `config` and `view` over a lesson's `base` config and view:
/// every field whose value differs from the lesson's, and every field whose default
/// follows a field that does, in the schema's order.
pub fn to_query_over(
    config: &Config,
    view: &ViewSettings,
    base: (&Config, &ViewSettings),
) -> String {
    let cfg = serde_json::to_value(config).unwrap_or_default();
    let vw = serde_json::to_value(view).unwrap_or_default();
    let base_cfg = serde_json::to_value(base.0).unwrap_or_default();
    let base_vw = serde_json::to_value(base.1).unwrap_or_default();
    let differs = |path: &str, section: Section, v: &Value| {
        let doc = match section {
            Section::Config => &base_cfg,
            Section::View => &base_vw,
        };
        !schema::get(doc, path).is_some_and(|b| same(b, v))
    };
    query_parts(&cfg, &vw, |f, v| {
        // A field whose default follows another (a hyper-parameter its optimizer) is
        // written whenever that one changed, since the lesson's value would not follow.
        let leader_changed = f.depends_on().is_some_and(|on| {
            schema::get(&cfg, on).is_some_and(|lv| differs(on, Section::Config, lv))
        });
        leader_changed || differs(f.path, f.section, v)
    })
    .join("&")
}

/// `url=value` for every non-derived field that has a value in `cfg` / `vw` and that
/// `keep` keeps.
fn query_parts(cfg: &Value, vw: &Value, keep: impl Fn(&Field, &Value) -> bool) -> Vec<String> {
    let mut parts = Vec::new();
    for f in FIELDS {
        if matches!(f.default, DefaultRule::Derived(_)) {
            continue;
        }
        let doc = match f.section {
            Section::Config => cfg,
            Section::View => vw,
        };
        let Some(v) = schema::get(doc, f.path).filter(|v| !v.is_null()) else {
            continue;
        };
        if !keep(f, v) {
            continue;
        }
        let text = match v {
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        parts.push(format!("{}={}", f.url, encode(&text)));
    }
    parts
}

#[cfg(test)]
mod tests;
