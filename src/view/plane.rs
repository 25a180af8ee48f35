//! The data plane as one RGBA image: the decision-boundary grid scaled to the plotting
//! area, with the data points rasterized on top (train points filled with a white rim,
//! test points as rings), so a frame costs one `putImageData`, not one call per point.

use super::colormap::CLASSES;

/// A labelled point in data coordinates.
pub type Point = (f64, f64, usize);

/// The boundary grid: `n x n` colours over the square `[-extent, extent]^2`, row 0 at
/// the bottom.
#[derive(Clone, Copy, Debug)]
pub struct Plane<'a> {
    pub cells: &'a [[u8; 3]],
    pub n: usize,
    pub extent: f64,
}

/// Renders a `w x h` image of the plane with the points on top (`radius` in pixels).
pub fn render_plane(
    plane: Plane<'_>,
    w: usize,
    h: usize,
    train: &[Point],
    test: &[Point],
    radius: f64,
) -> Vec<u8> {
    let Plane { cells, n, extent } = plane;
    let mut img = vec![255u8; w * h * 4];
    if n > 0 && cells.len() == n * n {
        let cols: Vec<usize> = (0..w).map(|x| (x * n / w.max(1)).min(n - 1)).collect();
        for y in 0..h {
            let gy = n - 1 - (y * n / h.max(1)).min(n - 1);
            let row = &cells[gy * n..(gy + 1) * n];
            for (x, &gx) in cols.iter().enumerate() {
                let c = row[gx];
                let p = (y * w + x) * 4;
                img[p..p + 3].copy_from_slice(&c);
            }
        }
    }
    let to_px = |(a, b): (f64, f64)| {
        (
            (a + extent) / (2.0 * extent) * w as f64,
            (extent - b) / (2.0 * extent) * h as f64,
        )
    };
    let mut disc = |cx: f64, cy: f64, r_out: f64, r_in: f64, color: [u8; 3]| {
        let (x0, x1) = (
            (cx - r_out).floor().max(0.0) as usize,
            ((cx + r_out).ceil() as usize).min(w),
        );
        let (y0, y1) = (
            (cy - r_out).floor().max(0.0) as usize,
            ((cy + r_out).ceil() as usize).min(h),
        );
        for y in y0..y1 {
            for x in x0..x1 {
                let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
                if d <= r_out && d >= r_in {
                    let p = (y * w + x) * 4;
                    img[p..p + 3].copy_from_slice(&color);
                }
            }
        }
    };
    for &(a, b, c) in train {
        let (x, y) = to_px((a, b));
        disc(x, y, radius + 1.0, 0.0, [255, 255, 255]);
        disc(x, y, radius, 0.0, CLASSES[c.min(2)]);
    }
    for &(a, b, c) in test {
        let (x, y) = to_px((a, b));
        disc(x, y, radius + 0.5, radius - 1.5, CLASSES[c.min(2)]);
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_fills_the_image_and_points_land_where_their_coordinates_say() {
        let cells = vec![[10, 20, 30], [10, 20, 30], [200, 0, 0], [200, 0, 0]]; // bottom row dark, top red
        let plane = Plane {
            cells: &cells,
            n: 2,
            extent: 1.0,
        };
        let img = render_plane(plane, 100, 100, &[(0.5, -0.5, 1)], &[], 3.0);
        let px = |x: usize, y: usize| {
            [
                img[(y * 100 + x) * 4],
                img[(y * 100 + x) * 4 + 1],
                img[(y * 100 + x) * 4 + 2],
            ]
        };
        assert_eq!(px(5, 5), [200, 0, 0]);
        assert_eq!(px(5, 95), [10, 20, 30]);
        // (0.5, -0.5) is at pixel (75, 75): the class-1 colour, rimmed in white.
        assert_eq!(px(75, 75), CLASSES[1]);
        assert_eq!(px(75 + 3, 75), [255, 255, 255]);
        assert_eq!(img[3], 255);
    }
}
