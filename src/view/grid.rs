//! Dense heatmaps as one RGBA image: a grid of optional values, a log10 colour scale,
//! and the mapping between image pixels and grid cells (for hovering).

use super::colormap::{viridis, EMPTY, NON_FINITE};

/// A `rows x cols` grid; row 0 is drawn at the bottom. `None` is "no data".
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<Option<f64>>,
}

impl Grid {
    pub fn new(rows: usize, cols: usize) -> Grid {
        Grid {
            rows,
            cols,
            values: vec![None; rows * cols],
        }
    }
    pub fn get(&self, row: usize, col: usize) -> Option<f64> {
        self.values.get(row * self.cols + col).copied().flatten()
    }
    pub fn set(&mut self, row: usize, col: usize, v: f64) {
        if let Some(cell) = self.values.get_mut(row * self.cols + col) {
            *cell = Some(v);
        }
    }
}

/// How values map to `[0, 1]` on the colour scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// `(log10 v - lo) / (hi - lo)`; `lo`, `hi` are decades.
    Log10 { lo: f64, hi: f64 },
    /// `(v - lo) / (hi - lo)`.
    Linear { lo: f64, hi: f64 },
}

impl Scale {
    /// A log scale spanning the finite positive values, at least `min_decades` wide,
    /// on whole decades.
    pub fn log_fit(values: impl Iterator<Item = f64>, min_decades: f64) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite() && *v > 0.0) {
            let l = v.log10();
            lo = lo.min(l);
            hi = hi.max(l);
        }
        if !lo.is_finite() {
            return Scale::Log10 { lo: -3.0, hi: 1.0 };
        }
        let (mut lo, mut hi) = (lo.floor(), hi.ceil());
        if hi - lo < min_decades {
            let pad = (min_decades - (hi - lo)) / 2.0;
            lo = (lo - pad).floor();
            hi = (hi + pad).ceil();
        }
        Scale::Log10 { lo, hi }
    }

    /// Position of `v` on the scale, or `None` for a non-finite value.
    pub fn position(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        Some(match *self {
            Scale::Log10 { lo, hi } => {
                let l = if v > 0.0 { v.log10() } else { lo };
                ((l - lo) / (hi - lo)).clamp(0.0, 1.0)
            }
            Scale::Linear { lo, hi } => ((v - lo) / (hi - lo)).clamp(0.0, 1.0),
        })
    }

    /// The colour of one cell.
    pub fn color(&self, v: Option<f64>) -> [u8; 3] {
        match v {
            None => EMPTY,
            Some(v) => self.position(v).map_or(NON_FINITE, viridis),
        }
    }
}

/// The grid drawn into a `width x height` RGBA image (nearest cell per pixel).
pub fn render(grid: &Grid, scale: &Scale, width: usize, height: usize) -> Vec<u8> {
    let mut img = vec![0u8; width * height * 4];
    if grid.rows == 0 || grid.cols == 0 {
        return img;
    }
    // Colour each cell once and map each pixel column once, then copy per pixel.
    let colors: Vec<[u8; 3]> = grid.values.iter().map(|v| scale.color(*v)).collect();
    let cols: Vec<usize> = (0..width)
        .map(|x| (x * grid.cols / width).min(grid.cols - 1))
        .collect();
    for y in 0..height {
        let row = grid.rows - 1 - (y * grid.rows / height).min(grid.rows - 1);
        let line = &colors[row * grid.cols..(row + 1) * grid.cols];
        for (px, &col) in img[y * width * 4..(y + 1) * width * 4]
            .chunks_exact_mut(4)
            .zip(&cols)
        {
            let c = line[col];
            px.copy_from_slice(&[c[0], c[1], c[2], 255]);
        }
    }
    img
}

/// The `(row, col)` under pixel `(x, y)` of a `width x height` rendering.
pub fn cell_at(grid: &Grid, width: usize, height: usize, x: f64, y: f64) -> Option<(usize, usize)> {
    if x < 0.0
        || y < 0.0
        || x >= width as f64
        || y >= height as f64
        || grid.rows == 0
        || grid.cols == 0
    {
        return None;
    }
    let col = ((x as usize) * grid.cols / width).min(grid.cols - 1);
    let row = grid.rows - 1 - ((y as usize) * grid.rows / height).min(grid.rows - 1);
    Some((row, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_drawn_bottom_up_and_non_finite_gets_its_own_colour() {
        let mut g = Grid::new(2, 3);
        g.set(0, 0, 1e-6);
        g.set(1, 2, 1.0);
        g.set(0, 1, f64::INFINITY);
        g.set(0, 2, f64::NAN);
        let s = Scale::Log10 { lo: -6.0, hi: 0.0 };
        let img = render(&g, &s, 3, 2);
        let px = |x: usize, y: usize| {
            [
                img[(y * 3 + x) * 4],
                img[(y * 3 + x) * 4 + 1],
                img[(y * 3 + x) * 4 + 2],
            ]
        };
        assert_eq!(px(0, 1), viridis(0.0)); // row 0 at the bottom
        assert_eq!(px(2, 0), viridis(1.0)); // row 1 at the top
        assert_eq!(px(1, 1), NON_FINITE);
        assert_eq!(px(2, 1), NON_FINITE);
        assert_eq!(px(0, 0), EMPTY);
        assert_eq!(cell_at(&g, 300, 200, 250.0, 10.0), Some((1, 2)));
        assert_eq!(cell_at(&g, 300, 200, 5.0, 199.0), Some((0, 0)));
        assert_eq!(cell_at(&g, 300, 200, 300.0, 10.0), None);
    }

    #[test]
    fn log_fit_covers_whole_decades_and_ignores_non_finite() {
        let s = Scale::log_fit([3e-9, 0.2, f64::NAN, f64::INFINITY, 0.0].into_iter(), 2.0);
        assert_eq!(s, Scale::Log10 { lo: -9.0, hi: 0.0 });
        let s = Scale::log_fit([0.5, 0.6].into_iter(), 2.0);
        match s {
            Scale::Log10 { lo, hi } => {
                assert!(hi - lo >= 2.0 && lo <= 0.5f64.log10() && hi >= 0.6f64.log10())
            }
            Scale::Linear { .. } => panic!("linear"),
        }
    }
}
