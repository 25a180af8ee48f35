//! Traces of a run: the summary trace (per-step [`StepRecord`]s, as JSON or CSV) and the
//! full trace of shared/spec/trace-format.md (every parameter, gradient and update), which
//! lets anyone re-compute a run in PyTorch or JAX.

use std::fmt::Write as _;

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::config::{Config, Precision};
use crate::engine::float::Float;
use crate::engine::network::LayerShape;
use crate::engine::session::{Session, StepDetail, StepRecord};
use crate::json::{Rows, Vector};

/// Runs `config` for `steps` steps and returns the summary trace as JSON:
/// `{"config": {...}, "steps": [StepRecord, ...]}`. A diverged run stops early; its last
/// record has `non_finite: true`.
pub fn summary_json(config: &Config, steps: u64) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        config: &'a Config,
        steps: Vec<&'a StepRecord>,
        diverged_at: Option<u64>,
    }
    let records = summary_records(config, steps);
    let diverged_at = records.last().filter(|r| r.non_finite).map(|r| r.step);
    let doc = Doc {
        config,
        steps: records.iter().collect(),
        diverged_at,
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

/// Runs `config` for `steps` steps and returns every step's record.
pub fn summary_records(config: &Config, steps: u64) -> Vec<StepRecord> {
    let capacity = usize::try_from(steps).unwrap_or(usize::MAX).max(1);
    let mut run = crate::engine::session::Run::new(config.clone(), capacity);
    run.step(steps);
    run.history().iter().cloned().collect()
}

/// The summary trace as CSV, one row per (step, layer); layer 1..depth are hidden, the
/// last is the output layer. Step-level columns repeat on each of a step's rows.
pub fn summary_csv(config: &Config, steps: u64) -> String {
    let mut out = String::from(
        "step,loss,batch_accuracy,train_accuracy,test_loss,test_accuracy,grad_norm,clipped_grad_norm,clipped,non_finite,\
         layer,layer_grad_norm,layer_clipped_grad_norm,delta_rms,weight_norm,act_mean,act_std,saturated_or_dead,\
         eff_lr_mean,eff_lr_min,eff_lr_max\n",
    );
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in summary_records(config, steps) {
        for (l, layer) in r.layers.iter().enumerate() {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
                opt(layer.saturated_or_dead),
                layer.eff_lr_mean,
                layer.eff_lr_min,
                layer.eff_lr_max,
            );
        }
    }
    out
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

/// The fingerprint of the 20-step full trace of [`FINGERPRINT_CONFIGS`]`[index]`
/// (0 for an index out of range).
pub fn config_fingerprint(index: usize) -> u64 {
    let Some(text) = FINGERPRINT_CONFIGS.get(index) else {
        return 0;
    };
    match Config::from_json(text) {
        Ok(config) => fingerprint(&full_json(&config, 20)),
        Err(_) => 0,
    }
}

/// Runs `config` for `steps` steps and returns the full trace as JSON.
pub fn full_json(config: &Config, steps: u64) -> String {
    match config.precision {
        Precision::F32 => full_json_in::<f32>(config, steps),
        Precision::F64 => full_json_in::<f64>(config, steps),
    }
}

fn full_json_in<T: Float>(config: &Config, steps: u64) -> String {
    let mut session = Session::<T>::new(config.clone(), 1);
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::new(&mut out);
    let result = (|| -> Result<(), serde_json::Error> {
        let mut doc = ser.serialize_map(Some(3))?;
        doc.serialize_entry("config", config)?;
        let mut recorded = Vec::new();
        for _ in 0..steps {
            let Some(detail) = session.step_detailed() else {
                break;
            };
            let step = session.steps() - 1;
            let loss = session.history().back().map_or(f64::NAN, |r| r.loss);
            recorded.push((step, loss, detail));
        }
        let layers = &session.network().layers;
        let arch = &session.network().arch;
        doc.serialize_entry(
            "steps",
            &StepsJson {
                steps: &recorded,
                layers,
                inputs: arch.inputs,
                outputs: arch.outputs,
            },
        )?;
        doc.serialize_entry(
            "final_layers",
            &LayersJson {
                layers,
                params: &session.network().params,
            },
        )?;
        SerializeMap::end(doc)
    })();
    match result {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

struct StepsJson<'a, T> {
    steps: &'a [(u64, f64, StepDetail<T>)],
    layers: &'a [LayerShape],
    inputs: usize,
    outputs: usize,
}

impl<T: Float> Serialize for StepsJson<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.steps.len()))?;
        for (step, loss, d) in self.steps {
            seq.serialize_element(&StepJson {
                step: *step,
                loss: *loss,
                d,
                layers: self.layers,
                io: (self.inputs, self.outputs),
            })?;
        }
        seq.end()
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
