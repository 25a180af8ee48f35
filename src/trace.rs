//! Traces of a run: the summary trace (per-step [`StepRecord`]s, as JSON or CSV) and the
//! full trace of docs/trace-format.md (every parameter, gradient and update), which
//! lets anyone re-compute a run in PyTorch or JAX.

use std::io::{self, Write};

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use serde::Serialize;

use crate::config::{Config, Precision};
use crate::engine::float::Float;
use crate::engine::network::LayerShape;
use crate::engine::session::{LayerRecord, Run, Session, StepDetail, StepRecord};
use crate::json::{Rows, Vector, J};

/// A step record as JSON, the one encoding of the summary trace and of the page's
/// `inspect()`: every field of [`StepRecord`] and [`LayerRecord`] by its name, non-finite
/// numbers as `"NaN"`, `"inf"`, `"-inf"`, and absent measures as `null`.
pub struct RecordJson<'a>(pub &'a StepRecord);

impl Serialize for RecordJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_struct("StepRecord", 11)?;
        m.serialize_field("step", &r.step)?;
        m.serialize_field("loss", &J(r.loss))?;
        m.serialize_field("batch_accuracy", &r.batch_accuracy.map(J))?;
        m.serialize_field("train_accuracy", &r.train_accuracy.map(J))?;
        m.serialize_field("test_loss", &r.test_loss.map(J))?;
        m.serialize_field("test_accuracy", &r.test_accuracy.map(J))?;
        m.serialize_field("grad_norm", &J(r.grad_norm))?;
        m.serialize_field("clipped_grad_norm", &J(r.clipped_grad_norm))?;
        m.serialize_field("clipped", &r.clipped)?;
        m.serialize_field("non_finite", &r.non_finite)?;
        m.serialize_field("layers", &LayerRecordsJson(&r.layers))?;
        m.end()
    }
}

struct LayerRecordsJson<'a>(&'a [LayerRecord]);

impl Serialize for LayerRecordsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for layer in self.0 {
            seq.serialize_element(&LayerRecordJson(layer))?;
        }
        seq.end()
    }
}

struct LayerRecordJson<'a>(&'a LayerRecord);

impl Serialize for LayerRecordJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.0;
        let mut m = s.serialize_struct("LayerRecord", 12)?;
        m.serialize_field("grad_norm", &J(l.grad_norm))?;
        m.serialize_field("clipped_grad_norm", &J(l.clipped_grad_norm))?;
        m.serialize_field("delta_rms", &J(l.delta_rms))?;
        m.serialize_field("weight_norm", &J(l.weight_norm))?;
        m.serialize_field("act_mean", &J(l.act_mean))?;
        m.serialize_field("act_std", &J(l.act_std))?;
        m.serialize_field("flat_share", &l.flat_share.map(J))?;
        m.serialize_field("dead_share", &l.dead_share.map(J))?;
        m.serialize_field("update_ratio", &J(l.update_ratio))?;
        m.serialize_field("eff_lr_mean", &J(l.eff_lr_mean))?;
        m.serialize_field("eff_lr_min", &J(l.eff_lr_min))?;
        m.serialize_field("eff_lr_max", &J(l.eff_lr_max))?;
        m.end()
    }
}

// Traces are written while the run goes: memory stays that of one step, however long the
// run (a CLI run may have a million steps).

/// Runs `config` for `steps` steps, calling `each` with every step's record as it is made;
/// a diverged run stops after its non-finite step.
fn for_each_record(
    config: &Config,
    steps: u64,
    on_step: &mut dyn FnMut(u64),
    mut each: impl FnMut(&StepRecord) -> io::Result<()>,
) -> io::Result<()> {
    let mut run = Run::new(config.spec(), config.precision, 1);
    for done in 0..steps {
        if run.step(1) == 0 {
            break;
        }
        on_step(done + 1);
        if let Some(record) = run.history().back() {
            each(record)?;
        }
    }
    Ok(())
}

fn to_io(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

/// Writes the summary trace as JSON: `{"config": {...}, "steps": [StepRecord, ...],
/// "diverged_at": step or null}`.
/// `on_step(n)` is called after each of the `n` steps trained (the CLI's progress bar).
pub fn write_summary_json(
    config: &Config,
    steps: u64,
    out: &mut impl Write,
    on_step: &mut dyn FnMut(u64),
) -> io::Result<()> {
    out.write_all(b"{\"config\":")?;
    serde_json::to_writer(&mut *out, config).map_err(to_io)?;
    out.write_all(b",\"steps\":[")?;
    let mut first = true;
    let mut diverged_at = None;
    for_each_record(config, steps, on_step, |r| {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        if r.non_finite {
            diverged_at = Some(r.step);
        }
        serde_json::to_writer(&mut *out, &RecordJson(r)).map_err(to_io)
    })?;
    out.write_all(b"],\"diverged_at\":")?;
    serde_json::to_writer(&mut *out, &diverged_at).map_err(to_io)?;
    out.write_all(b"}")
}

/// The summary trace as a JSON string (see [`write_summary_json`]).
pub fn summary_json(config: &Config, steps: u64) -> String {
    let mut out = Vec::new();
    match write_summary_json(config, steps, &mut out, &mut |_| {}) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

/// Writes the summary trace as CSV, one row per (step, layer); layers 1..depth are hidden,
/// the last is the output layer. Step-level columns repeat on each of a step's rows.
/// `on_step` as for [`write_summary_json`].
pub fn write_summary_csv(
    config: &Config,
    steps: u64,
    out: &mut impl Write,
    on_step: &mut dyn FnMut(u64),
) -> io::Result<()> {
    out.write_all(CSV_HEADER)?;
    for_each_record(config, steps, on_step, |r| write_csv_rows(r, out))
}

/// The header of the summary trace's CSV.
pub const CSV_HEADER: &[u8] =
    b"step,loss,batch_accuracy,train_accuracy,test_loss,test_accuracy,grad_norm,clipped_grad_norm,clipped,non_finite,\
      layer,layer_grad_norm,layer_clipped_grad_norm,delta_rms,weight_norm,act_mean,act_std,flat_share,dead_share,\
      update_ratio,eff_lr_mean,eff_lr_min,eff_lr_max\n";

/// One record's rows of the summary trace's CSV (one per layer).
pub fn write_csv_rows(r: &StepRecord, out: &mut impl Write) -> io::Result<()> {
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (l, layer) in r.layers.iter().enumerate() {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.step,
            r.loss,
            opt(r.batch_accuracy),
            opt(r.train_accuracy),
            opt(r.test_loss),
            opt(r.test_accuracy),
            r.grad_norm,
            r.clipped_grad_norm,
            r.clipped,
            r.non_finite,
            l + 1,
            layer.grad_norm,
            layer.clipped_grad_norm,
            layer.delta_rms,
            layer.weight_norm,
            layer.act_mean,
            layer.act_std,
            opt(layer.flat_share),
            opt(layer.dead_share),
            layer.update_ratio,
            layer.eff_lr_mean,
            layer.eff_lr_min,
            layer.eff_lr_max,
        )?;
    }
    Ok(())
}

/// A 64-bit FNV-1a fingerprint of a trace's text: two runs with equal fingerprints wrote
/// the same bytes (up to hash collisions). Used to compare runs across machines.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Configs whose full traces the cross-platform determinism check compares: every
/// activation's special function (tanh, sigmoid, exp, erf), batch norm, skips, each loss
/// and both precisions.
pub const FINGERPRINT_CONFIGS: [&str; 4] = [
    r#"{"seed": 3, "network": {"depth": 6, "width": 12, "activation": "tanh", "batch_norm": true}, "optimizer": {"kind": "adagrad"}, "clip": {"kind": "norm", "threshold": 0.5}}"#,
    r#"{"seed": 4, "network": {"depth": 5, "width": 9, "activation": "gelu", "init": "orthogonal", "skip_connections": true}, "optimizer": {"kind": "adam"}, "dataset": {"kind": "spiral3"}}"#,
    r#"{"seed": 5, "network": {"depth": 4, "width": 16, "activation": "selu", "init": "lecun_normal"}, "optimizer": {"kind": "rmsprop"}, "dataset": {"kind": "sine"}, "precision": "f64"}"#,
    r#"{"seed": 6, "network": {"depth": 8, "width": 8, "activation": "sigmoid", "init": "standard"}, "optimizer": {"kind": "nesterov"}, "dataset": {"kind": "xor"}, "loss": "mse", "clip": {"kind": "value", "threshold": 0.01}}"#,
];

/// The fingerprint of the 20-step full trace of [`FINGERPRINT_CONFIGS`]`[index]`. An index
/// out of range or a config that does not parse is an error, never a number: a broken
/// fixture must fail the check on both sides, not agree with itself.
pub fn config_fingerprint(index: usize) -> Result<u64, String> {
    let text = FINGERPRINT_CONFIGS.get(index).ok_or_else(|| {
        format!(
            "no fingerprint config {index}; there are {}",
            FINGERPRINT_CONFIGS.len()
        )
    })?;
    let config = Config::from_json(text).map_err(|e| format!("fingerprint config {index}: {e}"))?;
    Ok(fingerprint(&full_json(&config, 20)))
}

/// Writes the full trace of trace-format.md: `{"config": ..., "steps": [...],
/// "final_layers": [...]}`, each step as soon as it is taken. With `splits`, two top-level
/// fields beyond the format follow: `"train"` and `"test"`, each `{"x": rows x inputs,
/// "y": rows x outputs (the targets as the loss sees them), "labels": [class index, or the
/// regression target]}` in the run's precision, so that the evaluation-mode numbers of the
/// summary trace (test loss, train and test accuracy) can be re-computed too.
pub fn write_full_json(
    config: &Config,
    steps: u64,
    splits: bool,
    out: &mut impl Write,
    on_step: &mut dyn FnMut(u64),
) -> io::Result<()> {
    match config.precision {
        Precision::F32 => write_full_json_in::<f32>(config, steps, splits, out, on_step),
        Precision::F64 => write_full_json_in::<f64>(config, steps, splits, out, on_step),
    }
}

/// The full trace as a JSON string (see [`write_full_json`]).
pub fn full_json(config: &Config, steps: u64) -> String {
    let mut out = Vec::new();
    match write_full_json(config, steps, false, &mut out, &mut |_| {}) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

fn write_full_json_in<T: Float>(
    config: &Config,
    steps: u64,
    splits: bool,
    out: &mut impl Write,
    on_step: &mut dyn FnMut(u64),
) -> io::Result<()> {
    let mut session = Session::<T>::new(config.spec(), 1);
    out.write_all(b"{\"config\":")?;
    serde_json::to_writer(&mut *out, config).map_err(to_io)?;
    out.write_all(b",\"steps\":[")?;
    for i in 0..steps {
        on_step(i);
        let Some(d) = session.step_detailed() else {
            break;
        };
        if i > 0 {
            out.write_all(b",")?;
        }
        let net = session.network();
        let step = StepJson {
            step: session.steps() - 1,
            loss: session.history().back().map_or(f64::NAN, |r| r.loss),
            d: &d,
            layers: &net.layers,
            io: (net.arch.inputs, net.arch.outputs),
        };
        serde_json::to_writer(&mut *out, &step).map_err(to_io)?;
    }
    out.write_all(b"],\"final_layers\":")?;
    let net = session.network();
    serde_json::to_writer(
        &mut *out,
        &LayersJson {
            layers: &net.layers,
            params: &net.params,
        },
    )
    .map_err(to_io)?;
    if splits {
        let (data, outputs) = (session.dataset(), net.arch.outputs);
        for (name, x, labels) in [
            ("train", &data.train_x, &data.train_y),
            ("test", &data.test_x, &data.test_y),
        ] {
            write!(out, ",\"{name}\":")?;
            let x: Vec<T> = x.iter().map(|&v| T::from_f64(v)).collect();
            let mut row = vec![0.0; outputs];
            let mut y: Vec<T> = Vec::with_capacity(labels.len() * outputs);
            for &label in labels.iter() {
                data.targets(label, outputs, &mut row);
                y.extend(row.iter().map(|&v| T::from_f64(v)));
            }
            let split = SplitJson {
                x: Rows {
                    data: &x,
                    cols: data.inputs,
                },
                y: Rows {
                    data: &y,
                    cols: outputs,
                },
                labels,
            };
            serde_json::to_writer(&mut *out, &split).map_err(to_io)?;
        }
    }
    out.write_all(b"}")
}

/// One split of the data set, for the full trace's optional `"train"` and `"test"`.
struct SplitJson<'a, T> {
    x: Rows<'a, T>,
    y: Rows<'a, T>,
    labels: &'a [f64],
}

impl<T: Float> Serialize for SplitJson<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Split", 3)?;
        m.serialize_field("x", &self.x)?;
        m.serialize_field("y", &self.y)?;
        m.serialize_field("labels", &Vector(self.labels))?;
        m.end()
    }
}

struct StepJson<'a, T> {
    step: u64,
    loss: f64,
    d: &'a StepDetail<T>,
    layers: &'a [LayerShape],
    io: (usize, usize),
}

impl<T: Float> Serialize for StepJson<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("step", &self.step)?;
        m.serialize_entry(
            "x",
            &Rows {
                data: &self.d.x,
                cols: self.io.0,
            },
        )?;
        m.serialize_entry(
            "y",
            &Rows {
                data: &self.d.y,
                cols: self.io.1,
            },
        )?;
        m.serialize_entry("loss", &crate::json::J(self.loss))?;
        m.serialize_entry(
            "layers",
            &StepLayersJson {
                d: self.d,
                layers: self.layers,
            },
        )?;
        m.end()
    }
}

struct StepLayersJson<'a, T> {
    d: &'a StepDetail<T>,
    layers: &'a [LayerShape],
}

impl<T: Float> Serialize for StepLayersJson<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.layers.len()))?;
        for shape in self.layers {
            seq.serialize_element(&LayerJson { shape, d: self.d })?;
        }
        seq.end()
    }
}

struct LayerJson<'a, T> {
    shape: &'a LayerShape,
    d: &'a StepDetail<T>,
}

/// Writes `W`, `b` (and `gamma`, `beta`) of one layer from a flat vector, with `prefix`.
fn layer_entries<M: SerializeMap, T: Float>(
    m: &mut M,
    shape: &LayerShape,
    flat: &[T],
    prefix: &str,
) -> Result<(), M::Error> {
    let n = shape.n_out;
    m.serialize_entry(
        &format!("{prefix}W"),
        &Rows {
            data: &flat[shape.w_range()],
            cols: shape.n_in,
        },
    )?;
    m.serialize_entry(&format!("{prefix}b"), &Vector(&flat[shape.b..shape.b + n]))?;
    if let Some((g, beta)) = shape.bn {
        m.serialize_entry(&format!("{prefix}gamma"), &Vector(&flat[g..g + n]))?;
        m.serialize_entry(&format!("{prefix}beta"), &Vector(&flat[beta..beta + n]))?;
    }
    Ok(())
}

impl<T: Float> Serialize for LayerJson<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        layer_entries(&mut m, self.shape, &self.d.params, "")?;
        layer_entries(&mut m, self.shape, &self.d.grads, "grad_")?;
        layer_entries(&mut m, self.shape, &self.d.clipped_grads, "clipped_grad_")?;
        if let Some(eff) = &self.d.eff_lr {
            let n = self.shape.n_out;
            m.serialize_entry(
                "eff_lr_W",
                &Rows {
                    data: &eff[self.shape.w_range()],
                    cols: self.shape.n_in,
                },
            )?;
            m.serialize_entry("eff_lr_b", &Vector(&eff[self.shape.b..self.shape.b + n]))?;
        }
        m.end()
    }
}

struct LayersJson<'a, T> {
    layers: &'a [LayerShape],
    params: &'a [T],
}

impl<T: Float> Serialize for LayersJson<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.layers.len()))?;
        for shape in self.layers {
            seq.serialize_element(&FinalLayerJson {
                shape,
                params: self.params,
            })?;
        }
        seq.end()
    }
}

struct FinalLayerJson<'a, T> {
    shape: &'a LayerShape,
    params: &'a [T],
}

impl<T: Float> Serialize for FinalLayerJson<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        layer_entries(&mut m, self.shape, self.params, "")?;
        m.end()
    }
}
