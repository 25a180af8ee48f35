//! Weight initialization schemes (PyTorch's `torch.nn.init` conventions, gain 1), each
//! times a user gain. Biases start at 0. `fan_in` and `fan_out` are the `in` and `out` of
//! a `W` that is `out x in`.

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// How a layer's `W` is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// `U[-1/sqrt(fan_in), 1/sqrt(fan_in)]`, the "standard" init of Glorot & Bengio (2010).
    Standard,
    /// `U[-a, a]`, `a = sqrt(6 / (fan_in + fan_out))` (Glorot & Bengio 2010).
    XavierUniform,
    /// `N(0, 2 / (fan_in + fan_out))`.
    XavierNormal,
    /// `U[-b, b]`, `b = sqrt(6 / fan_in)` (He et al. 2015, gain sqrt 2).
    HeUniform,
    /// `N(0, 2 / fan_in)`.
    HeNormal,
    /// `N(0, 1 / fan_in)` (LeCun 1998).
    LecunNormal,
    /// A random (semi-)orthogonal matrix: `Q` of the QR factorization of a standard normal
    /// matrix with `diag(R) > 0`, as `torch.nn.init.orthogonal_` (Saxe et al. 2014).
    Orthogonal,
    /// `N(0, init_std^2)`.
    Normal,
    /// All zeros: every unit of a layer stays identical (the symmetry problem).
    Zeros,
}

impl Init {
    pub const ALL: [Init; 9] = [
        Init::Standard,
        Init::XavierUniform,
        Init::XavierNormal,
        Init::HeUniform,
        Init::HeNormal,
        Init::LecunNormal,
        Init::Orthogonal,
        Init::Normal,
        Init::Zeros,
    ];

    /// The variance of one weight this scheme draws with gain 1 (orthogonal: `1/max(in,out)`
    /// per element on average, which is what `Q` has).
    pub fn variance(self, fan_in: usize, fan_out: usize, init_std: f64) -> f64 {
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        match self {
            Init::Standard => 1.0 / (3.0 * fi),
            Init::XavierUniform | Init::XavierNormal => 2.0 / (fi + fo),
            Init::HeUniform | Init::HeNormal => 2.0 / fi,
            Init::LecunNormal => 1.0 / fi,
            Init::Orthogonal => 1.0 / fi.max(fo),
            Init::Normal => init_std * init_std,
            Init::Zeros => 0.0,
        }
    }

    /// Fills `w` (`fan_out x fan_in`, row-major) and returns it, in f64.
    pub fn sample(
        self,
        fan_in: usize,
        fan_out: usize,
        init_std: f64,
        gain: f64,
        rng: &mut Rng,
    ) -> Vec<f64> {
        let n = fan_in * fan_out;
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        let uniform = |rng: &mut Rng, bound: f64| -> Vec<f64> {
            (0..n).map(|_| rng.uniform_in(-bound, bound)).collect()
        };
        let normal =
            |rng: &mut Rng, std: f64| -> Vec<f64> { (0..n).map(|_| std * rng.normal()).collect() };
        let w = match self {
            Init::Standard => uniform(rng, 1.0 / fi.sqrt()),
            Init::XavierUniform => uniform(rng, (6.0 / (fi + fo)).sqrt()),
            Init::XavierNormal => normal(rng, (2.0 / (fi + fo)).sqrt()),
            Init::HeUniform => uniform(rng, (6.0 / fi).sqrt()),
            Init::HeNormal => normal(rng, (2.0 / fi).sqrt()),
            Init::LecunNormal => normal(rng, (1.0 / fi).sqrt()),
            Init::Orthogonal => orthogonal(fan_out, fan_in, rng),
            Init::Normal => normal(rng, init_std),
            Init::Zeros => vec![0.0; n],
        };
        w.into_iter().map(|x| x * gain).collect()
    }
}

/// A `rows x cols` matrix with orthonormal rows (rows <= cols) or columns (rows >= cols).
///
/// Draws a standard normal `rows x cols` matrix, transposes it if it is wide, and
/// orthonormalizes its columns by modified Gram–Schmidt, run twice for stability. That is
/// the `Q` of a QR factorization with positive `diag(R)`, which is what PyTorch's
/// `orthogonal_` returns after its sign correction.
fn orthogonal(rows: usize, cols: usize, rng: &mut Rng) -> Vec<f64> {
    let normal: Vec<f64> = (0..rows * cols).map(|_| rng.normal()).collect();
    let wide = rows < cols;
    let (tall, short) = if wide { (cols, rows) } else { (rows, cols) };
    // Column-major copy of the tall matrix: column c is q[c * tall .. (c + 1) * tall].
    let mut q = vec![0.0; tall * short];
    for r in 0..rows {
        for c in 0..cols {
            let (i, j) = if wide { (c, r) } else { (r, c) };
            q[j * tall + i] = normal[r * cols + c];
        }
    }
    for j in 0..short {
        for _pass in 0..2 {
            for p in 0..j {
                let dot: f64 = (0..tall).map(|i| q[p * tall + i] * q[j * tall + i]).sum();
                for i in 0..tall {
                    q[j * tall + i] -= dot * q[p * tall + i];
                }
            }
        }
        let norm = (0..tall)
            .map(|i| q[j * tall + i].powi(2))
            .sum::<f64>()
            .sqrt();
        let inv = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        for i in 0..tall {
            q[j * tall + i] *= inv;
        }
    }
    let mut w = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            let (i, j) = if wide { (c, r) } else { (r, c) };
            w[r * cols + c] = q[j * tall + i];
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn empirical_variance_matches_the_scheme() {
        let mut rng = Rng::new(11, Stream::Init);
        for init in Init::ALL {
            let (fi, fo) = (200, 300);
            let w = init.sample(fi, fo, 0.7, 1.0, &mut rng);
            let var = w.iter().map(|x| x * x).sum::<f64>() / w.len() as f64;
            let want = init.variance(fi, fo, 0.7);
            assert!(
                (var - want).abs() <= 0.03 * want + 1e-300,
                "{init:?}: {var} vs {want}"
            );
        }
    }

    #[test]
    fn gain_scales_every_weight() {
        let a = Init::HeNormal.sample(5, 4, 1.0, 1.0, &mut Rng::new(2, Stream::Init));
        let b = Init::HeNormal.sample(5, 4, 1.0, 3.0, &mut Rng::new(2, Stream::Init));
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(3.0 * x, *y);
        }
    }

    #[test]
    fn orthogonal_rows_or_columns_are_orthonormal() {
        for (rows, cols) in [(8, 8), (5, 12), (12, 5)] {
            let w = Init::Orthogonal.sample(cols, rows, 1.0, 1.0, &mut Rng::new(5, Stream::Init));
            // Vector v's entry i: rows of W when it is wide, columns when it is tall.
            let wide = rows <= cols;
            let (n, len) = if wide { (rows, cols) } else { (cols, rows) };
            let at = |v: usize, i: usize| {
                if wide {
                    w[v * cols + i]
                } else {
                    w[i * cols + v]
                }
            };
            for a in 0..n {
                for b in 0..n {
                    let dot: f64 = (0..len).map(|i| at(a, i) * at(b, i)).sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!((dot - want).abs() < 1e-12, "{rows}x{cols} ({a},{b}) {dot}");
                }
            }
        }
    }
}
