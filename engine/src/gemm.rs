//! Dense matrix product `C = A B` with a fixed summation order, so every platform and
//! every SIMD width gives the same bits.
//!
//! Each output element is `c_ij = (((0 + a_i0 b_0j) + a_i1 b_1j) + ...) + a_i,k-1 b_k-1,j`:
//! one rounding per multiply and per add, summed in `k` order, never fused. SIMD only
//! spreads *different* output elements across lanes, which does not change any element's
//! arithmetic; so the AVX build, the SSE2 build and the wasm `simd128` build agree bit for
//! bit. A register-blocked micro-kernel accumulates an `MR x NR` tile (`MR` rows of `A`,
//! `NR` columns of `B` across the SIMD lanes). Operands are read in place when that is
//! cheap (rows of `A` contiguous in `k`; short `k`) and packed into panels otherwise, and
//! the product runs as `C^T = B^T A^T` when that packs less (at width 256 and batch 16,
//! the forward pass then packs the batch, not the weights). This is the reason the
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

/// How the micro-kernel reads the left operand's `MR` values of each `k`.
#[derive(Clone, Copy)]
enum Left<'a, T> {
    /// Rows contiguous in `k`: `MR` row slices of length `k` (rows past the matrix repeat
    /// its last row; their results are not written).
    Rows([&'a [T]; MR]),
    /// The `MR` values of one `k` adjacent, one `k` every `stride` (a packed panel has
    /// stride `MR`).
    Cols(&'a [T], usize),
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
    // The kernel spreads the columns of its right operand over SIMD lanes and reads the
    // left one a scalar at a time. An operand is read in place when that is cheap (see
    // `direct_*`) and packed otherwise. `C^T = B^T A^T` computes every element with the
    // same products in the same `k` order (IEEE multiplication commutes), so when packing
    // `A^T` as the right operand costs less than packing `B`, the transposed product runs.
    let at = MatRef {
        data: a.data,
        rs: a.cs,
        cs: a.rs,
    };
    let bt = MatRef {
        data: b.data,
        rs: b.cs,
        cs: b.rs,
    };
    let cost = |a: MatRef<'_, T>, b: MatRef<'_, T>, m: usize, n: usize| {
        let pack_a = if direct_a(a, k) { 0 } else { m * k };
        let pack_b = if direct_b(b, k) { 0 } else { n * k };
        pack_a + pack_b
    };
    let (cost_ab, cost_swapped) = (cost(a, b, m, n), cost(bt, at, n, m));
    // One call site, so the kernel is compiled once.
    let (m, n, a, b, crs, ccs) = if cost_swapped < cost_ab {
        (n, m, bt, at, 1, ldc)
    } else {
        (m, n, a, b, ldc, 1)
    };
    drive::<T, NR>(m, n, k, a, b, c, crs, ccs, scratch);
}

/// Up to this many rows of `k`, an operand whose panel is strided across rows is read in
/// place: a panel of `k` rows, each a cache line apart by a power-of-two stride, then
/// still fits the L1 cache's sets; longer ones would evict each other on every re-read
/// (measured: reading 128 rows in place made 10 x 128 x 128 12% slower), so they are
/// packed.
const DIRECT_K: usize = 32;

/// Whether the right operand is read in place: its columns adjacent and `k` short.
fn direct_b<T>(b: MatRef<'_, T>, k: usize) -> bool {
    b.cs == 1 && k <= DIRECT_K
}

/// Whether the left operand is read in place: rows contiguous in `k` (streamed), or the
/// `MR` values of each `k` adjacent and `k` short.
fn direct_a<T>(a: MatRef<'_, T>, k: usize) -> bool {
    a.cs == 1 || (a.rs == 1 && k <= DIRECT_K)
}

/// `C = A B` with `C(i, j)` at `c[i * crs + j * ccs]`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn drive<T: Float, const NR: usize>(
    m: usize,
    n: usize,
    k: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    crs: usize,
    ccs: usize,
    scratch: &mut GemmScratch<T>,
) {
    let m_panels = m.div_ceil(MR);
    let n_panels = n.div_ceil(NR);
    // A in place if its rows are contiguous, or its columns and `k` is short; else packed
    // (in place by columns, a last partial panel is packed alone).
    let a_direct = direct_a(a, k);
    let a_tail = m % MR;
    if !a_direct {
        pack(&mut scratch.a, a.data, a.rs, a.cs, MR, m, k);
    } else if a.cs != 1 && a_tail != 0 {
        let sub = &a.data[((m - a_tail) * a.rs).min(a.data.len())..];
        pack(&mut scratch.a, sub, a.rs, a.cs, MR, a_tail, k);
    }
    // B in place if its columns are adjacent: every full panel, then the last partial
    // one packed (with zero lanes).
    let b_direct = direct_b(b, k);
    if b_direct {
        let tail = n % NR;
        if tail != 0 {
            let j0 = n - tail;
            let sub = &b.data[j0.min(b.data.len())..];
            pack(&mut scratch.b, sub, b.cs, b.rs, NR, tail, k);
        }
    } else {
        pack(&mut scratch.b, b.data, b.cs, b.rs, NR, n, k);
    }
    for jp in 0..n_panels {
        let j0 = jp * NR;
        let nj = NR.min(n - j0);
        // B's rows of this panel, one `k` every `stride`.
        let (bdata, bstride) = if b_direct && nj == NR {
            (&b.data[j0.min(b.data.len())..], b.rs)
        } else if b_direct {
            (&scratch.b[..k * NR], NR)
        } else {
            (&scratch.b[jp * k * NR..(jp + 1) * k * NR], NR)
        };
        for ip in 0..m_panels {
            let i0 = ip * MR;
            let mi = MR.min(m - i0);
            let left = if a_direct && a.cs == 1 {
                Left::Rows(std::array::from_fn(|i| {
                    let r = i0 + i.min(mi - 1);
                    &a.data[r * a.rs..r * a.rs + k]
                }))
            } else if a_direct && mi == MR {
                Left::Cols(&a.data[i0.min(a.data.len())..], a.cs)
            } else if a_direct {
                Left::Cols(&scratch.a[..k * MR], MR)
            } else {
                Left::Cols(&scratch.a[ip * k * MR..(ip + 1) * k * MR], MR)
            };
            let tile = micro_kernel::<T, NR>(k, left, bdata, bstride);
            for (i, row) in tile.iter().enumerate().take(mi) {
                let start = (i0 + i) * crs + j0 * ccs;
                if ccs == 1 {
                    c[start..start + nj].copy_from_slice(&row[..nj]);
                } else {
                    for (j, &v) in row.iter().enumerate().take(nj) {
                        c[start + j * ccs] = v;
                    }
                }
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
    if buf.len() < panels * k * lanes {
        buf.resize(panels * k * lanes, T::ZERO);
    }
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
                for (d, &v) in dst[..width].iter_mut().zip(&data[src..src + width]) {
                    *d = v;
                }
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

/// One `MR x NR` tile of `A B`, accumulated in `k` order: the left operand's values as
/// `a` says, the right one's `NR` values of each `k` at `b[kk * stride..]`.
#[inline(always)]
fn micro_kernel<T: Float, const NR: usize>(
    k: usize,
    a: Left<'_, T>,
    b: &[T],
    stride: usize,
) -> [[T; NR]; MR] {
    if k == 0 {
        return [[T::ZERO; NR]; MR];
    }
    // Checked once here, so the loop over `k` reads without index checks.
    assert!(
        b.len() >= (k - 1) * stride + NR,
        "gemm: right operand too short"
    );
    let bp = b.as_ptr();
    // SAFETY: kk < k, so kk * stride + NR <= (k - 1) * stride + NR <= b.len(): the NR
    // values read are inside `b` (an unaligned read of plain floats).
    let rows = (0..k).map(|kk| unsafe { bp.add(kk * stride).cast::<[T; NR]>().read_unaligned() });
    match a {
        Left::Rows(r) => {
            let cols = r[0]
                .iter()
                .zip(r[1])
                .zip(r[2])
                .zip(r[3])
                .map(|(((&x0, &x1), &x2), &x3)| [x0, x1, x2, x3]);
            accumulate(cols.zip(rows))
        }
        Left::Cols(data, stride) => {
            assert!(
                data.len() >= (k - 1) * stride + MR,
                "gemm: left operand too short"
            );
            let ap = data.as_ptr();
            // SAFETY: as for `b`: kk * stride + MR <= data.len() for kk < k.
            let cols =
                (0..k).map(|kk| unsafe { ap.add(kk * stride).cast::<[T; MR]>().read_unaligned() });
            accumulate(cols.zip(rows))
        }
    }
}

/// `acc[i][j] = sum over the pairs (a, b), in order, of a[i] * b[j]`: one rounding per
/// operation, never fused.
#[inline(always)]
fn accumulate<T: Float, const NR: usize>(
    pairs: impl Iterator<Item = ([T; MR], [T; NR])>,
) -> [[T; NR]; MR] {
    let mut acc = [[T::ZERO; NR]; MR];
    for (av, bv) in pairs {
        for i in 0..MR {
            let ai = av[i];
            for j in 0..NR {
                acc[i][j] += ai * bv[j];
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
            // The network's shapes at width 256, batch 16 (forward, dW, dX), and around
            // the in-place limit of k.
            (16, 256, 256),
            (256, 256, 16),
            (5, 40, 32),
            (6, 37, 33),
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
