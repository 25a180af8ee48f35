//! How a page shows gradscope, apart from the run and its view settings: the link
//! parameters of embed mode and of the `<gradscope-lab>` web component.
//!
//! - `embed=1`: the compact layout for an iframe;
//! - `views=heatmap,lr`: the views shown, names from [`View::name`];
//! - `controls=depth,optimizer,threshold`: the controls shown, names from the schema's URL
//!   names of the fields that have a control ([`FIELDS`], place other than
//!   "nowhere");
//! - `allow_origin=https://course.example`: the only origin whose messages the page
//!   answers (see docs/embedding.md).
//!
//! `lesson=NAME` is not read here: a lesson sets up the run, so [`super::url`] and
//! [`crate::lessons`] own it, and the page's query carries it while the run is the lesson's.
//!
//! [`read`] never fails: a bad value is left out and explained in
//! [`PageOptions::messages`], like every other link parameter. [`PageOptions::to_query`]
//! writes the options back, so that a share link reproduces them.

use serde::Serialize;

use super::View;
use crate::config::schema::{excerpt, Place, FIELDS};

/// The link parameters read here (and skipped by the config's own URL reading).
pub const PARAMS: [&str; 4] = ["embed", "views", "controls", "allow_origin"];

/// The page options of a link.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PageOptions {
    /// Compact layout for an iframe.
    pub embed: bool,
    /// The views to show, in the order given; empty means every view (in embed mode,
    /// the lesson's views when the link names a lesson).
    pub views: Vec<&'static str>,
    /// The views of the lesson the link names (`lesson=NAME`), in its order.
    pub lesson_views: Vec<&'static str>,
    /// The controls to show (URL names), in the order given; `None` means all of them in
    /// the full page and none in embed mode; `Some(vec![])` (an empty `controls=`) none.
    pub controls: Option<Vec<&'static str>>,
    /// The one origin whose messages the page answers (`scheme://host[:port]`).
    pub allow_origin: Option<String>,
    /// `allow_origin=` was given but is not an origin: the page answers no message and
    /// sends no event (it fails closed, as its message to the author says).
    pub answer_none: bool,
    /// A message for each parameter not applied as written.
    pub messages: Vec<String>,
}

/// The URL names of the fields that have a control on the page.
pub fn control_names() -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|f| f.place != Place::Nowhere)
        .map(|f| f.url)
        .collect()
}

/// Reads the page options from a query (`?embed=1&views=...`; other parameters are left
/// to [`super::url`]).
pub fn read(query: &str) -> PageOptions {
    let mut options = PageOptions::default();
    let mut seen: Vec<&str> = Vec::new();
    for (_, raw_key, raw_value) in super::url::raw_pairs(query) {
        if raw_key == "lesson" {
            // The lesson itself is url.rs's; only its views matter here.
            let lesson = super::url::decode(raw_value).and_then(|n| crate::lessons::find(&n));
            options.lesson_views =
                lesson.map_or_else(Vec::new, |l| l.views.iter().map(|v| v.name()).collect());
        }
        let Some(&key) = PARAMS.iter().find(|k| **k == raw_key) else {
            continue;
        };
        let Some(value) = super::url::decode(raw_value) else {
            // The config's URL reading reports malformed escapes of every parameter.
            continue;
        };
        if seen.contains(&key) {
            options.messages.push(format!(
                "URL parameter '{key}' is given more than once; the last one counts"
            ));
        }
        seen.push(key);
        match key {
            "embed" => match value.as_str() {
                "1" | "true" | "on" | "yes" => options.embed = true,
                "0" | "false" | "off" | "no" => options.embed = false,
                _ => options.messages.push(format!(
                    "URL parameter 'embed' ignored: '{}' is not a yes/no value; use 1 or 0",
                    excerpt(&value)
                )),
            },
            "views" => {
                options.views = names(&value, "views", &View::names(), &mut options.messages)
            }
            "controls" => {
                options.controls = Some(names(
                    &value,
                    "controls",
                    &control_names(),
                    &mut options.messages,
                ))
            }
            _ => {
                options.allow_origin = origin(&value, &mut options.messages);
                options.answer_none = options.allow_origin.is_none();
            }
        }
    }
    options
}

/// A comma-separated list of names, each checked against `known`; unknown ones and
/// repeats are left out with a message.
fn names(
    value: &str,
    param: &str,
    known: &[&'static str],
    messages: &mut Vec<String>,
) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match known.iter().find(|k| **k == name) {
            Some(k) if !out.contains(k) => out.push(k),
            Some(_) => {}
            None => messages.push(format!(
                "URL parameter '{param}': no such name '{}' (left out); known: {}",
                excerpt(name),
                known.join(", ")
            )),
        }
    }
    out
}

/// An origin as browsers write it: `http` or `https`, a host, an optional port, nothing
/// after (no path, no trailing slash, no user name).
pub fn is_origin(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = if rest.ends_with(']') {
        (rest, None)
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.ends_with(']') => (h, Some(p)),
            _ => (rest, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.[]:".contains(c))
        && !host.contains("..");
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    host_ok && port_ok && value == value.to_ascii_lowercase()
}

fn origin(value: &str, messages: &mut Vec<String>) -> Option<String> {
    if is_origin(value) {
        Some(value.to_string())
    } else {
        messages.push(format!(
            "URL parameter 'allow_origin' ignored: '{}' is not an origin like \
             https://course.example or http://127.0.0.1:8080 (lowercase, no path); \
             the page answers messages from no other page until it is one",
            excerpt(value)
        ));
        None
    }
}

impl PageOptions {
    /// The link parameters that reproduce these options (empty when all are defaults),
    /// in [`PARAMS`] order.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if self.embed {
            parts.push("embed=1".to_string());
        }
        if !self.views.is_empty() {
            parts.push(format!("views={}", self.views.join(",")));
        }
        if let Some(c) = &self.controls {
            parts.push(format!("controls={}", c.join(",")));
        }
        if let Some(o) = &self.allow_origin {
            parts.push(format!("allow_origin={}", super::url::encode(o)));
        }
        parts.join("&")
    }

    /// The views to show: the named ones; else in embed mode the lesson's; else all.
    pub fn shown_views(&self) -> Vec<&'static str> {
        if !self.views.is_empty() {
            self.views.clone()
        } else if self.embed && !self.lesson_views.is_empty() {
            self.lesson_views.clone()
        } else {
            View::names()
        }
    }

    /// The controls to show: the named ones; all of them on the full page and none in
    /// embed mode when none are named.
    pub fn shown_controls(&self) -> Vec<&'static str> {
        match (&self.controls, self.embed) {
            (Some(c), _) => c.clone(),
            (None, false) => control_names(),
            (None, true) => Vec::new(),
        }
    }
}

/// A view's title, as the page's headings and the web component's captions show it.
pub fn title(view: View) -> &'static str {
    match view {
        View::Heatmap => "Gradient size per layer over training",
        View::Flow => "Gradient flow now",
        View::Lr => "Update size per layer",
        View::Loss => "Loss and accuracy",
        View::Activations => "Activations",
        View::Data => "Data and decision boundary",
    }
}

/// The options as the page reads them: [`PageOptions`] with the views and controls to
/// show filled in, and the query that reproduces them.
pub fn to_json(options: &PageOptions) -> serde_json::Value {
    let mut v = serde_json::to_value(options).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "shown_views".into(),
            serde_json::json!(options.shown_views()),
        );
        obj.insert(
            "shown_controls".into(),
            serde_json::json!(options.shown_controls()),
        );
        obj.insert("query".into(), serde_json::json!(options.to_query()));
        let titles: serde_json::Map<String, serde_json::Value> = View::ALL
            .iter()
            .map(|v| (v.name().to_string(), serde_json::json!(title(*v))))
            .collect();
        obj.insert("titles".into(), serde_json::Value::Object(titles));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_against_the_views_and_the_schema() {
        let o =
            read("?embed=1&views=heatmap,lr,nope&controls=depth,optimizer,threshold,seed,bogus");
        assert!(o.embed);
        assert_eq!(o.views, vec!["heatmap", "lr"]);
        // The seed has no control (its button makes a new one); bogus is no field.
        assert_eq!(o.controls, Some(vec!["depth", "optimizer", "threshold"]));
        assert_eq!(o.messages.len(), 3, "{:?}", o.messages);
        assert!(o.messages[0].contains("'nope'") && o.messages[0].contains("saturation"));
        assert!(o.messages[1].contains("'seed'"));
        assert!(o.messages[2].contains("'bogus'") && o.messages[2].contains("threshold"));
        // Every view name and every control of the schema is accepted.
        let all = format!(
            "views={}&controls={}",
            View::names().join(","),
            control_names().join(",")
        );
        let o = read(&all);
        assert_eq!(o.messages, Vec::<String>::new());
        assert_eq!(o.views.len(), View::ALL.len());
        assert!(control_names().contains(&"metric") && control_names().contains(&"speed"));
    }

    #[test]
    fn what_is_shown_when_nothing_is_named() {
        let full = read("");
        assert_eq!(full.shown_views(), View::names());
        assert_eq!(full.shown_controls(), control_names());
        let embed = read("embed=1");
        assert_eq!(embed.shown_controls(), Vec::<&str>::new());
        assert_eq!(
            read("embed=1&controls=").shown_controls(),
            Vec::<&str>::new()
        );
        assert_eq!(read("controls=").controls, Some(vec![]));
    }

    #[test]
    fn embed_mode_shows_a_lesson_s_views_unless_views_are_named() {
        let lesson = crate::lessons::find("adagrad-decay").unwrap_or_else(|| panic!("lesson"));
        let theirs: Vec<&str> = lesson.views.iter().map(|v| v.name()).collect();
        assert!(theirs.len() < View::ALL.len());
        assert_eq!(read("embed=1&lesson=adagrad-decay").shown_views(), theirs);
        assert_eq!(
            read("embed=1&lesson=adagrad-decay&views=data").shown_views(),
            vec!["data"]
        );
        assert_eq!(
            read("lesson=adagrad-decay").shown_views(),
            View::names(),
            "full page"
        );
        assert_eq!(read("embed=1&lesson=nope").shown_views(), View::names());
        assert_eq!(read("embed=1&lesson=adagrad-decay").to_query(), "embed=1");
    }

    #[test]
    fn bad_values_are_left_out_with_a_message_and_never_echoed_long() {
        let long = "x".repeat(5000);
        for q in [
            "embed=maybe".to_string(),
            "views=%3Cscript%3E".to_string(),
            "allow_origin=https://course.example/path".to_string(),
            "allow_origin=javascript:alert(1)".to_string(),
            "allow_origin=*".to_string(),
            "allow_origin=https://Course.example".to_string(),
            format!("views={long}"),
        ] {
            let o = read(&q);
            assert_eq!(o.messages.len(), 1, "{q:.60}: {:?}", o.messages);
            assert!(o.messages[0].len() < 400, "{q:.60}");
            assert_eq!((o.embed, o.allow_origin.clone()), (false, None));
            assert_eq!(o.answer_none, q.starts_with("allow_origin"), "{q:.60}");
        }
        assert!(!read("embed=1").answer_none);
        assert!(!read("allow_origin=http://127.0.0.1:8080").answer_none);
        let o = read("embed=1&embed=0");
        assert!(!o.embed && o.messages[0].contains("more than once"));
    }

    #[test]
    fn the_page_s_headings_are_the_view_titles() {
        let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/index.html"))
            .unwrap_or_default();
        for view in View::ALL {
            let at = html
                .find(&format!("<canvas id=\"view-{view}\""))
                .unwrap_or_else(|| panic!("no canvas for {view}"));
            let heading = html[..at]
                .rsplit("<h2>")
                .next()
                .and_then(|h| h.split("</h2>").next())
                .unwrap_or_default();
            assert_eq!(heading, title(view), "{view}");
        }
    }

    #[test]
    fn origins_are_checked() {
        for ok in [
            "https://course.example",
            "http://127.0.0.1:8080",
            "https://a-b.example.org:443",
            "http://[::1]:9000",
        ] {
            assert!(is_origin(ok), "{ok}");
        }
        for bad in [
            "",
            "https://",
            "course.example",
            "ftp://x.example",
            "https://x.example/",
            "https://x.example:",
            "https://x.example:123456",
            "https://user@x.example",
            "https://x..example",
            "null",
            "*",
            // Browsers write origins in lower case: this one would never match.
            "https://Course.example",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn options_go_back_into_a_link_unchanged() {
        let q =
            "embed=1&views=lr,heatmap&controls=depth&allow_origin=http%3A%2F%2F127.0.0.1%3A8080";
        let o = read(q);
        assert_eq!(o.messages, Vec::<String>::new());
        assert_eq!(o.allow_origin.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(o.to_query(), q);
        assert_eq!(read(&o.to_query()), o);
        assert_eq!(
            read("depth=3&speed=4&lesson=x").to_query(),
            "",
            "not page options"
        );
        let v = to_json(&read("embed=1&views=flow"));
        assert_eq!(v["shown_views"], serde_json::json!(["flow"]));
        assert_eq!(v["query"], serde_json::json!("embed=1&views=flow"));
    }
}
