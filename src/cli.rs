//! The native command line. `main` takes the arguments and returns what to print (or a
//! one-line error); the binary in `src/bin/gradscope.rs` only prints it and sets the exit
//! code. This module is the only place that reads or writes files.

use std::io::Write as _;

use plotters::prelude::{IntoDrawingArea, SVGBackend};

use crate::config::{schema, Config};
use crate::engine::session::Run;
use crate::trace;
use crate::view::chart::{RectSink, Style};
use crate::view::views::{self, View};
use crate::view::{Metric, ViewSettings};

/// Longest run the CLI accepts.
pub const MAX_STEPS: u64 = 1_000_000;
/// Longest full trace (each step holds every parameter three times).
pub const MAX_FULL_TRACE_STEPS: u64 = 10_000;

const USAGE: &str = "\
gradscope: watch gradients vanish and explode in a real deep network.

Usage:
  gradscope run [--config FILE.json] [--set FIELD=VALUE]... [--steps N]
                [--trace summary|full [--splits]] [--format json|csv] [--out FILE]
  gradscope figure --view VIEW [--config FILE.json] [--set FIELD=VALUE]... [--steps N]
                   [--width PX] [--height PX] [--metric grad_norm|delta] [--out FILE.svg]
  gradscope export pytorch [--config FILE.json] [--set FIELD=VALUE]... [--steps N]
                           [--out gradscope_run.py]
  gradscope config [--config FILE.json] [--set FIELD=VALUE]...
  gradscope fields [--markdown | --json]
  gradscope lessons [--markdown]
  gradscope run --help

run      trains N steps (default 100) and writes a trace to FILE or stdout:
         summary (default): per step the loss, accuracies, global gradient norms, and
           per layer the weight-gradient norm (raw, clipped), the RMS of dL/dz, the
           weight norm, activation mean/std, the flat share (|f'(u)| under 5% of its
           peak), the dead share (relu), the relative update ||dW||/||W|| and the
           effective learning rate (mean/min/max); JSON or CSV (--format csv).
         full: every parameter, raw and clipped gradient and Adagrad effective rate
           of every step, as docs/trace-format.md says (JSON; at most 10000 steps).
           --splits adds the data set's train and test splits ({x, y, labels}),
           beyond the format, to re-compute evaluation-mode numbers (test loss).
figure   trains N steps, then draws one of the page's views as an SVG figure (default
         900 x 400, data 500 x 500): VIEWS; the same code that
         draws the page, so a figure shows what a student sees for that config and seed.
export   writes a self-contained Python script that rebuilds the run in PyTorch (same
         network, initial weights, data, minibatches, loss, clipping and optimizer) and
         reproduces its first N steps (default 100), then trains on: 'continue in PyTorch'.
         Run it with 'python gradscope_run.py' (needs torch and numpy).
config   prints the resolved config (every default filled in).
fields   lists every config field with its range and default (--markdown: the README's
         table; --json: the schema the page builds its controls from).
lessons  lists the lessons (the page's menu, lesson=NAME in a link) with their settings
         and claims (--markdown: the README's table); the page opens one at ?lesson=NAME.

--config FILE   a JSON config ('-' reads stdin); omitted fields take their defaults.
--set F=V       overrides one field after the file, e.g. --set network.depth=30
                --set optimizer.kind=adagrad (V is JSON, or else a string).
";

/// Runs the command line; returns the text for stdout, or a one-line error.
/// The usage text, with the view names from [`View::ALL`].
fn usage() -> String {
    USAGE.replace("VIEWS", &View::names().join(", "))
}

pub fn main(args: &[String]) -> Result<String, String> {
    let Some(command) = args.first() else {
        return Ok(usage());
    };
    let rest = &args[1..];
    match command.as_str() {
        "-h" | "--help" | "help" => Ok(usage()),
        "run" if rest.iter().any(|a| a == "-h" || a == "--help") => Ok(run_help()),
        "run" => run(rest),
        "figure" if rest.iter().any(|a| a == "-h" || a == "--help") => Ok(usage()),
        "figure" => figure(rest),
        "export" if rest.iter().any(|a| a == "-h" || a == "--help") => Ok(usage()),
        "export" => export(rest),
        "config" => {
            let opts = parse(rest)?;
            Ok(format!("{}\n", opts.config.to_json()))
        }
        "fields" => match rest.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => Ok(schema::help_text()),
            ["--markdown"] => Ok(schema::markdown()),
            ["--json"] => Ok(format!("{:#}\n", schema::to_json())),
            _ => Err("fields takes --markdown or --json (or nothing)".into()),
        },
        "lessons" => match rest.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => Ok(crate::lessons::LESSONS
                .iter()
                .map(|l| {
                    format!(
                        "{:<20} {}\n  ?{}\n  {}\n",
                        l.name,
                        l.title,
                        l.settings,
                        l.claim.text(l.config().network.depth)
                    )
                })
                .collect()),
            ["--markdown"] => Ok(crate::lessons::markdown()),
            _ => Err("lessons takes --markdown (or nothing)".into()),
        },
        other => Err(format!("unknown command '{other}'; try 'gradscope --help'")),
    }
}

fn run_help() -> String {
    let mut s = usage();
    s.push_str("\nConfig fields (JSON object; dotted names are nested objects):\n");
    s.push_str(&schema::help_text());
    s.push_str(
        "\nExample config:\n  {\"seed\": 7, \"network\": {\"depth\": 20, \"activation\": \"sigmoid\", \"init\": \"standard\"},\n   \
         \"optimizer\": {\"kind\": \"adagrad\", \"lr\": 0.1}, \"clip\": {\"kind\": \"norm\", \"threshold\": 1.0}}\n",
    );
    s
}

#[derive(Debug)]
struct Options {
    config: Config,
    steps: u64,
    full: bool,
    /// `--splits`: the full trace also carries the train and test splits.
    splits: bool,
    csv: bool,
    out: Option<String>,
    /// `gradscope figure` only: which view, its size in pixels, and the heatmap measure.
    view: Option<View>,
    size: Option<(u32, u32)>,
    metric: Metric,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut config_text: Option<String> = None;
    let mut sets: Vec<(String, String)> = Vec::new();
    let mut steps = 100u64;
    let mut full = false;
    let mut splits = false;
    let mut csv = false;
    let mut out = None;
    let mut view = None;
    let mut size: Option<(u32, u32)> = None;
    let mut metric = Metric::GradNorm;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let value = || {
            args.get(i + 1)
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--config" => {
                let path = value()?;
                config_text = Some(read_input(&path)?);
            }
            "--set" => {
                let v = value()?;
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--set takes FIELD=VALUE, got '{v}'"))?;
                sets.push((k.to_string(), val.to_string()));
            }
            "--steps" => {
                let v = value()?;
                steps = v.parse().ok().filter(|n| *n <= MAX_STEPS).ok_or_else(|| {
                    format!("--steps takes a whole number from 0 to {MAX_STEPS}, got '{v}'")
                })?;
            }
            "--trace" => match value()?.as_str() {
                "summary" => full = false,
                "full" => full = true,
                other => return Err(format!("--trace takes summary or full, got '{other}'")),
            },
            "--format" => match value()?.as_str() {
                "json" => csv = false,
                "csv" => csv = true,
                other => return Err(format!("--format takes json or csv, got '{other}'")),
            },
            "--out" => out = Some(value()?),
            "--splits" => {
                splits = true;
                i += 1;
                continue;
            }
            "--view" => {
                let v = value()?;
                view = Some(v.parse::<View>().map_err(|_| {
                    format!(
                        "--view takes one of {}, got '{v}'",
                        View::names().join(", ")
                    )
                })?);
            }
            "--width" | "--height" => {
                let v = value()?;
                let px = v
                    .parse::<u32>()
                    .ok()
                    .filter(|p| (100..=4000).contains(p))
                    .ok_or_else(|| {
                        format!("{flag} takes a whole number of pixels from 100 to 4000, got '{v}'")
                    })?;
                let (w, h) = size.get_or_insert((0, 0));
                if flag == "--width" {
                    *w = px;
                } else {
                    *h = px;
                }
            }
            "--metric" => {
                metric = ViewSettings::default()
                    .merged(&serde_json::json!({ "metric": value()? }))
                    .map_err(|e| format!("--{e}"))?
                    .metric;
            }
            other => {
                return Err(format!(
                    "unknown option '{other}'; try 'gradscope run --help'"
                ))
            }
        }
        i += 2;
    }
    let mut doc: serde_json::Value = match &config_text {
        Some(text) => {
            crate::json::parse_strict(text).map_err(|e| format!("config is not valid JSON: {e}"))?
        }
        None => serde_json::json!({}),
    };
    for (field, value) in &sets {
        set_field(&mut doc, field, value)?;
    }
    let config = Config::from_json(&doc.to_string()).map_err(|e| e.to_string())?;
    if full && csv {
        return Err("--format csv is for the summary trace; the full trace is JSON".into());
    }
    if splits && !full {
        return Err("--splits is for the full trace (--trace full)".into());
    }
    if full && steps > MAX_FULL_TRACE_STEPS {
        return Err(format!(
            "--trace full takes at most {MAX_FULL_TRACE_STEPS} steps, got {steps}"
        ));
    }
    Ok(Options {
        config,
        steps,
        full,
        splits,
        csv,
        out,
        view,
        size,
        metric,
    })
}

/// Sets dotted `field` of a JSON object to `value` (parsed as JSON, else taken as a string).
fn set_field(doc: &mut serde_json::Value, field: &str, value: &str) -> Result<(), String> {
    let parsed = serde_json::from_str(value)
        .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
    let mut node = doc;
    let parts: Vec<&str> = field.split('.').collect();
    for (k, part) in parts.iter().enumerate() {
        let obj = node
            .as_object_mut()
            .ok_or_else(|| format!("--set {field}: {} is not an object", parts[..k].join(".")))?;
        if k + 1 == parts.len() {
            obj.insert(part.to_string(), parsed);
            return Ok(());
        }
        node = obj
            .entry(part.to_string())
            .or_insert_with(|| serde_json::json!({}));
    }
    Ok(())
}

fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read config '{path}': {e}"))
    }
}

/// Steps across the heatmap and time charts of a figure (at most).
const FIGURE_WINDOW: u64 = 500;

/// `gradscope figure`: trains, then draws one view as SVG.
fn figure(args: &[String]) -> Result<String, String> {
    let opts = parse(args)?;
    let view = opts
        .view
        .ok_or_else(|| format!("figure needs --view ({})", View::names().join(", ")))?;
    if opts.full || opts.csv {
        return Err("--trace and --format are for 'gradscope run'".into());
    }
    let window = opts.steps.clamp(1, FIGURE_WINDOW) as usize;
    let mut run = Run::new(opts.config.spec(), opts.config.precision, window);
    run.step(opts.steps);
    // A side not given takes the view's default.
    let default = view.figure_size();
    let size = opts.size.map_or(default, |(w, h)| {
        (
            if w == 0 { default.0 } else { w },
            if h == 0 { default.1 } else { h },
        )
    });
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let style = Style { scale: 1.0 };
        let mut sink = RectSink { area: &root };
        views::figure(view, &root, style, &mut run, opts.metric, window, &mut sink)
            .map_err(|e| format!("drawing {view}: {e}"))?;
        root.present()
            .map_err(|e| format!("drawing {view}: {e:?}"))?;
    }
    write_or_return(opts.out.as_deref(), svg)
}

/// `gradscope export pytorch`: the run as a PyTorch script.
fn export(args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("pytorch") => {}
        Some(other) if !other.starts_with("--") => {
            return Err(format!("export knows one format, pytorch; got '{other}'"))
        }
        _ => return Err("export needs a format: 'gradscope export pytorch ...'".into()),
    }
    let opts = parse(&args[1..])?;
    if opts.full || opts.csv || opts.view.is_some() || opts.size.is_some() {
        return Err("export takes --config, --set, --steps and --out only".into());
    }
    let script = crate::pytorch::script_for(&opts.config, opts.steps)?;
    write_or_return(opts.out.as_deref(), script)
}

fn write_or_return(out: Option<&str>, text: String) -> Result<String, String> {
    match out {
        Some(path) => {
            std::fs::write(path, text.as_bytes())
                .map_err(|e| format!("cannot write '{path}': {e}"))?;
            Ok(String::new())
        }
        None => Ok(if text.ends_with('\n') {
            text
        } else {
            text + "\n"
        }),
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let opts = parse(args)?;
    if opts.view.is_some() {
        return Err("--view is for 'gradscope figure'".into());
    }
    // Traces stream to the file or stdout while the run goes, so a long run never holds
    // its whole trace in memory.
    // A long run shows a progress bar on a terminal (never when stderr is piped).
    let write = |out: &mut dyn std::io::Write| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(out);
        let mut progress = crate::progress::Progress::on_stderr(opts.steps);
        let tick = &mut |done| progress.tick(done);
        if opts.csv {
            trace::write_summary_csv(&opts.config, opts.steps, &mut out, tick)?;
        } else {
            if opts.full {
                trace::write_full_json(&opts.config, opts.steps, opts.splits, &mut out, tick)?;
            } else {
                trace::write_summary_json(&opts.config, opts.steps, &mut out, tick)?;
            }
            writeln!(out)?;
        }
        progress.finish();
        out.flush()
    };
    match &opts.out {
        Some(path) => {
            let mut file =
                std::fs::File::create(path).map_err(|e| format!("cannot write '{path}': {e}"))?;
            write(&mut file).map_err(|e| format!("cannot write '{path}': {e}"))?;
        }
        None => write(&mut std::io::stdout().lock())
            .map_err(|e| format!("cannot write to stdout: {e}"))?,
    }
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn set_overrides_nested_fields_and_bad_values_name_the_field() {
        let out = main(&args(
            "config --set network.depth=30 --set optimizer.kind=adagrad",
        ))
        .unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(v["network"]["depth"], 30);
        assert_eq!(v["optimizer"]["kind"], "adagrad");
        assert_eq!(v["optimizer"]["eps"], 1e-8);
        let e = main(&args("run --set network.depth=999"))
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("network.depth") && e.contains("999") && e.contains("1 to 64"),
            "{e}"
        );
    }

    #[test]
    fn bad_flags_are_one_line_errors() {
        for (cmd, needle) in [
            ("run --steps -3", "--steps"),
            ("run --steps", "needs a value"),
            ("run --trace partial", "summary or full"),
            ("run --format xml", "json or csv"),
            ("run --bogus 1", "unknown option"),
            ("fly", "unknown command"),
            ("run --config /nonexistent/x.json", "cannot read config"),
            ("run --trace full --format csv", "full trace is JSON"),
            ("run --trace full --steps 20000", "at most 10000"),
            ("run --splits", "--splits is for the full trace"),
            ("export", "needs a format"),
            ("export jax", "one format, pytorch"),
            ("export pytorch --trace full", "--steps and --out only"),
            (
                "export pytorch --set batch_size=100 --steps 100000",
                "at most",
            ),
        ] {
            let e = main(&args(cmd)).err().unwrap_or_default();
            assert!(e.contains(needle) && !e.contains('\n'), "{cmd}: {e}");
        }
    }

    /// Every leaf of a JSON object as a dotted path.
    fn leaf_paths(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        match v.as_object() {
            Some(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaf_paths(v, &path, out);
                }
            }
            None => out.push(prefix.to_string()),
        }
    }

    /// The help is printed from the schema; the fields it must document come from serde
    /// instead: the resolved config of every optimizer, serialized, walked leaf by leaf.
    #[test]
    fn help_documents_every_config_field() {
        let h = main(&args("run --help")).unwrap_or_default();
        let mut paths = Vec::new();
        for kind in crate::engine::optim::OptimizerKind::ALL {
            let c = Config::from_value(serde_json::json!({"optimizer": {"kind": kind}}))
                .unwrap_or_else(|e| panic!("{e}"));
            leaf_paths(
                &serde_json::to_value(&c).unwrap_or_default(),
                "",
                &mut paths,
            );
        }
        assert!(paths.len() > 30, "{paths:?}");
        for path in paths {
            let line = h
                .lines()
                .find(|l| l.split_whitespace().next() == Some(path.as_str()))
                .unwrap_or_else(|| panic!("run --help does not document {path}"));
            assert!(line.contains("default"), "{line}");
        }
    }

    #[test]
    fn fields_prints_the_readme_table_and_the_schema() {
        let md = main(&args("fields --markdown")).unwrap_or_default();
        assert!(
            md.contains(
                "| `network.depth` | `depth` | integer 1 to 64 hidden layers | 6 | restarts |"
            ),
            "{md}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&main(&args("fields --json")).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(json["fields"][0]["path"], "seed");
        let e = main(&args("fields --html")).err().unwrap_or_default();
        assert!(e.contains("--markdown"), "{e}");
        let e = main(&args("figure --view heatmap --metric colour"))
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("--metric: 'colour' is not a measure here; choose one of grad_norm, delta"),
            "{e}"
        );
    }

    /// The help and the error of `figure --view` list the views from `View`, in order.
    #[test]
    fn figure_names_the_views_of_the_enum() {
        let names = "heatmap, flow, lr, loss, saturation, data";
        assert_eq!(View::names().join(", "), names);
        let help = main(&args("figure --help")).unwrap_or_default();
        assert!(help.contains(&format!("500 x 500): {names};")), "{help}");
        assert!(!help.contains("VIEWS"));
        let e = main(&args("figure --view Flow")).err().unwrap_or_default();
        assert_eq!(e, format!("--view takes one of {names}, got 'Flow'"));
    }
}
