//! Dense matrix product `C = A B` with a fixed summation order, so every platform and
//! every SIMD width gives the same bits.
//!
//! Each output element is `c_ij = (((0 + a_i0 b_0j) + a_i1 b_1j) + ...) + a_i,k-1 b_k-1,j`:
//! one rounding per multiply and per add, summed in `k` order, never fused. SIMD only
//! spreads *different* output elements across lanes, which does not change any element's
//! arithmetic; so the AVX build, the SSE2 build and the wasm `simd128` build agree bit for
//! bit. Operands are packed into panels (`MR` rows of `A`, `NR` columns of `B`) and a
//! register-blocked micro-kernel accumulates an `MR x NR` tile. This is the reason the
//! engine does not use a BLAS (or `matrixmultiply`, or nalgebra's `gemm`): those pick
//! FMA kernels at run time, which changes the last bits between machines.

use super::float::Float;

/// A read-only strided view: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rs: usize,
    pub cs: usize,
}

impl<'a, T: Copy> MatRef<'a, T> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(data: &'a [T], cols: usize) -> Self {
        MatRef {
            data,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [T], cols: usize) -> Self {
        MatRef {
            data,
            rs: 1,
            cs: cols,
        }
    }
    #[cfg(test)]
    fn at(&self, i: usize, j: usize) -> T {
        self.data[i * self.rs + j * self.cs]
    }
}

/// Reusable packing buffers, so a training step does not allocate.
#[derive(Default, Clone, Debug)]
pub struct GemmScratch<T> {
    a: Vec<T>,
    b: Vec<T>,
}

const MR: usize = 4;

/// `C = A B` where `A` is `m x k`, `B` is `k x n` and `C` is row-major with row stride
/// `ldc`. Elements of `C` outside the `m x n` block are left alone.
///
/// # Panics
/// If a view is too short for the given shape (a bug in the caller, not user input).
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    ldc: usize,
    scratch: &mut GemmScratch<T>,
) {
    if m == 0 || n == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU supports AVX, as checked on the line above.
            unsafe { gemm_avx(m, n, k, a, b, c, ldc, scratch) };
            return;
        }
    }
    if std::mem::size_of::<T>() == 4 {
        gemm_body::<T, 8>(m, n, k, a, b, c, ldc, scratch);
    } else {
        gemm_body::<T, 4>(m, n, k, a, b, c, ldc, scratch);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_avx<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    ldc: usize,
    scratch: &mut GemmScratch<T>,
) {
    if std::mem::size_of::<T>() == 4 {
        gemm_body::<T, 16>(m, n, k, a, b, c, ldc, scratch);
    } else {
        gemm_body::<T, 8>(m, n, k, a, b, c, ldc, scratch);
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gemm_body<T: Float, const NR: usize>(
    m: usize,
    n: usize,
    k: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    ldc: usize,
    scratch: &mut GemmScratch<T>,
) {
    let m_panels = m.div_ceil(MR);
    let n_panels = n.div_ceil(NR);
    pack(&mut scratch.a, a.data, a.rs, a.cs, MR, m, k);
    pack(&mut scratch.b, b.data, b.cs, b.rs, NR, n, k);
    for jp in 0..n_panels {
        let bp = &scratch.b[jp * k * NR..(jp + 1) * k * NR];
        let j0 = jp * NR;
        let nj = NR.min(n - j0);
        for ip in 0..m_panels {
            let ap = &scratch.a[ip * k * MR..(ip + 1) * k * MR];
            let tile = micro_kernel::<T, NR>(ap, bp);
            let i0 = ip * MR;
            for (i, row) in tile.iter().enumerate().take(MR.min(m - i0)) {
                let start = (i0 + i) * ldc + j0;
                c[start..start + nj].copy_from_slice(&row[..nj]);
            }
        }
    }
}

/// Packs `lanes`-wide panels of a strided matrix: `buf[(p * k + kk) * lanes + l] =
/// data[(p * lanes + l) * lane_stride + kk * k_stride]`, zero past `len` lanes. Copies
/// whole runs when either stride is 1 (the layouts the network uses).
#[inline(always)]
fn pack<T: Float>(
    buf: &mut Vec<T>,
    data: &[T],
    lane_stride: usize,
    k_stride: usize,
    lanes: usize,
    len: usize,
    k: usize,
) {
    let panels = len.div_ceil(lanes);
    buf.resize(panels * k * lanes, T::ZERO);
    for p in 0..panels {
        let base = p * k * lanes;
        let width = lanes.min(len - p * lanes);
        let first = p * lanes * lane_stride;
        let panel = &mut buf[base..base + k * lanes];
        if width < lanes {
            panel.fill(T::ZERO);
        }
        if lane_stride == 1 {
            // The lanes of one k are adjacent in memory: copy them as a run.
            for (kk, dst) in panel.chunks_exact_mut(lanes).enumerate() {
                let src = first + kk * k_stride;
                dst[..width].copy_from_slice(&data[src..src + width]);
            }
        } else if k_stride == 1 {
            // Each lane's k values are adjacent: read them as a run.
            for l in 0..width {
                let src = &data[first + l * lane_stride..first + l * lane_stride + k];
                for (kk, &v) in src.iter().enumerate() {
                    panel[kk * lanes + l] = v;
                }
            }
        } else {
            for l in 0..width {
                for kk in 0..k {
                    panel[kk * lanes + l] = data[first + l * lane_stride + kk * k_stride];
                }
            }
        }
    }
}

/// One `MR x NR` tile of `A B`, accumulated in `k` order.
#[inline(always)]
fn micro_kernel<T: Float, const NR: usize>(ap: &[T], bp: &[T]) -> [[T; NR]; MR] {
    let mut acc = [[T::ZERO; NR]; MR];
    for (a, b) in ap.chunks_exact(MR).zip(bp.chunks_exact(NR)) {
        let (Ok(a), Ok(b)) = (<&[T; MR]>::try_from(a), <&[T; NR]>::try_from(b)) else {
            continue;
        };
        for i in 0..MR {
            let ai = a[i];
            for j in 0..NR {
                acc[i][j] += ai * b[j];
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive<T: Float>(m: usize, n: usize, k: usize, a: &MatRef<T>, b: &MatRef<T>) -> Vec<T> {
        let mut c = vec![T::ZERO; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = T::ZERO;
                for kk in 0..k {
                    s += a.at(i, kk) * b.at(kk, j);
                }
                c[i * n + j] = s;
            }
        }
        c
    }

    #[test]
    fn matches_naive_product_in_k_order_for_odd_shapes_and_transposes() {
        matches_naive::<f64>();
    }

    /// The f32 kernels (8-wide lanes on AVX, 4 on simd128) against the same naive product:
    /// the shapes cover partial register blocks and panels in every direction.
    #[test]
    fn the_f32_kernel_matches_the_naive_product_too() {
        matches_naive::<f32>();
    }

    fn matches_naive<T: Float + std::fmt::Debug>() {
        let mut scratch = GemmScratch::default();
        for &(m, n, k) in &[
            (1, 1, 1),
            (3, 5, 7),
            (17, 9, 33),
            (4, 16, 0),
            (70, 130, 19),
            (8, 8, 8),
            (9, 17, 65),
            (129, 33, 257),
        ] {
            let av: Vec<T> = (0..m * k)
                .map(|i| T::from_f64(((i * 37 % 101) as f64 - 50.0) / 7.0))
                .collect();
            let bv: Vec<T> = (0..k * n)
                .map(|i| T::from_f64(((i * 53 % 97) as f64 - 48.0) / 3.0))
                .collect();
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = if ta {
                    MatRef::transposed(&av, m)
                } else {
                    MatRef::rows(&av, k)
                };
                let b = if tb {
                    MatRef::transposed(&bv, k)
                } else {
                    MatRef::rows(&bv, n)
                };
                let mut c = vec![T::from_f64(f64::NAN); m * n];
                gemm(m, n, k, a, b, &mut c, n, &mut scratch);
                // Same order of operations: equal to the last bit, not just close.
                assert_eq!(
                    c,
                    naive(m, n, k, &a, &b),
                    "m={m} n={n} k={k} ta={ta} tb={tb}"
                );
            }
        }
    }

    #[test]
    fn writes_only_its_block_of_a_wider_output() {
        let av = [1.0f32, 2.0, 3.0, 4.0];
        let bv = [1.0f32, 0.0, 0.0, 1.0];
        let mut c = [9.0f32; 6];
        gemm(
            2,
            2,
            2,
            MatRef::rows(&av, 2),
            MatRef::rows(&bv, 2),
            &mut c,
            3,
            &mut GemmScratch::default(),
        );
        assert_eq!(c, [1.0, 2.0, 9.0, 3.0, 4.0, 9.0]);
    }
}
