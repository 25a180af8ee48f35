//! Colours: a perceptually uniform, colour-blind-safe sequential scale (viridis, given by
//! ten of its published anchor colours and interpolated linearly in sRGB), a colour for
//! non-finite values outside that scale, and the Okabe–Ito class colours.

/// Viridis at t = 0, 1/9, ..., 1.
const VIRIDIS: [[u8; 3]; 10] = [
    [0x44, 0x01, 0x54],
    [0x48, 0x28, 0x78],
    [0x3e, 0x49, 0x89],
    [0x31, 0x68, 0x8e],
    [0x26, 0x82, 0x8e],
    [0x1f, 0x9e, 0x89],
    [0x35, 0xb7, 0x79],
    [0x6e, 0xce, 0x58],
    [0xb5, 0xde, 0x2b],
    [0xfd, 0xe7, 0x25],
];

/// NaN and infinite cells: a red far from every viridis colour.
pub const NON_FINITE: [u8; 3] = [0xe4, 0x1a, 0x1c];
/// Cells with no data yet.
pub const EMPTY: [u8; 3] = [0xee, 0xee, 0xee];
/// Class colours (Okabe & Ito 2008): blue, orange, bluish green.
pub const CLASSES: [[u8; 3]; 3] = [[0x00, 0x72, 0xb2], [0xe6, 0x9f, 0x00], [0x00, 0x9e, 0x73]];

/// The viridis colour at `t` in `[0, 1]` (clamped).
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |k: usize| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// A colour between white (`t = 0`) and `color` (`t = 1`).
pub fn tint(color: [u8; 3], t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let mix = |c: u8| (255.0 + (c as f64 - 255.0) * t).round() as u8;
    [mix(color[0]), mix(color[1]), mix(color[2])]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_is_monotone_in_lightness() {
        assert_eq!(viridis(0.0), VIRIDIS[0]);
        assert_eq!(viridis(1.0), VIRIDIS[9]);
        assert_eq!(viridis(-3.0), VIRIDIS[0]);
        let lum = |c: [u8; 3]| 0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64;
        let mut last = -1.0;
        for i in 0..=100 {
            let l = lum(viridis(i as f64 / 100.0));
            assert!(l >= last - 1.0, "lightness drops at {i}");
            last = l;
        }
        assert_ne!(NON_FINITE, viridis(0.0));
    }
}
