//! Log axes that survive every number. Charts plot `log10(v)` on a plain linear axis and
//! label it in decades, instead of using plotters' own log coordinates, whose tick search
//! loops or allocates without bound on ranges such as `1e-200 .. 1e-199` or on subnormal
//! values. Everything here is bounded: an axis spans at least one and at most
//! [`MAX_DECADE`] `-` [`MIN_DECADE`] decades, and has at most [`MAX_TICKS`] ticks.

/// The lowest decade an axis reaches (the smallest positive f64 is about `4.9e-324`).
pub const MIN_DECADE: f64 = -324.0;
/// The highest decade an axis reaches (the largest f64 is about `1.8e308`).
pub const MAX_DECADE: f64 = 309.0;
/// The most tick labels an axis draws.
pub const MAX_TICKS: usize = 8;

/// A log axis from `10^lo` to `10^hi`; `lo` and `hi` are decades (exponents), finite,
/// with `hi - lo >= 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogAxis {
    pub lo: f64,
    pub hi: f64,
    /// The most ticks it labels (2 ..= [`MAX_TICKS`]; fewer on a short chart).
    pub max_ticks: usize,
}

impl LogAxis {
    /// The axis that holds the finite positive `values` with a little headroom (a sixth
    /// of a decade each side), at least one decade wide; `10^-3 .. 10^0` when there are
    /// none. Zeros, negatives, NaN and infinities are left out (charts mark them apart).
    pub fn fit<'a>(values: impl IntoIterator<Item = &'a f64>) -> LogAxis {
        LogAxis::fit_with(values, MAX_TICKS)
    }

    /// [`LogAxis::fit`] with room for at most `max_ticks` labels (at least 2).
    pub fn fit_with<'a>(values: impl IntoIterator<Item = &'a f64>, max_ticks: usize) -> LogAxis {
        let max_ticks = max_ticks.clamp(2, MAX_TICKS);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in values {
            if v.is_finite() && v > 0.0 {
                let l = v.log10();
                lo = lo.min(l);
                hi = hi.max(l);
            }
        }
        if !lo.is_finite() {
            return LogAxis {
                lo: -3.0,
                hi: 0.0,
                max_ticks,
            };
        }
        let (mut lo, mut hi) = (lo - 1.0 / 6.0, hi + 1.0 / 6.0);
        if hi - lo < 1.0 {
            let mid = (hi + lo) / 2.0;
            (lo, hi) = (mid - 0.5, mid + 0.5);
        }
        if hi - lo >= 2.0 {
            // Out to the ticks: the labels then reach past the data at both ends.
            let s = stride(lo, hi, max_ticks);
            (lo, hi) = ((lo / s).floor() * s, (hi / s).ceil() * s);
        }
        let lo = lo.clamp(MIN_DECADE, MAX_DECADE - 1.0);
        let hi = hi.clamp(lo + 1.0, MAX_DECADE);
        LogAxis { lo, hi, max_ticks }
    }

    /// Where `v` goes on the axis: `log10 v` clamped into the axis, or `None` for zero,
    /// negative and non-finite values.
    pub fn pos(&self, v: f64) -> Option<f64> {
        (v.is_finite() && v > 0.0).then(|| v.log10().clamp(self.lo, self.hi))
    }

    /// Tick positions (decades): on an axis at least two decades wide, whole decades at
    /// a regular stride ([`stride`]) aligned to its multiples, so labels read 1e-12,
    /// 1e-9, 1e-6 ... (at most [`MAX_TICKS`]; [`LogAxis::fit`] puts the axis's ends on
    /// ticks); on a narrower axis also the 2s and 5s.
    pub fn ticks(&self) -> Vec<f64> {
        let (first, last) = (self.lo.ceil(), self.hi.floor());
        if self.hi - self.lo >= 2.0 && last > first {
            let s = stride(self.lo, self.hi, self.max_ticks);
            let start = (first / s).ceil() * s;
            return (0..self.max_ticks)
                .map(|i| start + s * i as f64)
                .filter(|t| *t <= last)
                .collect();
        }
        let mut ticks = Vec::new();
        let mut d = self.lo.floor();
        while d <= self.hi && ticks.len() < 3 * MAX_TICKS {
            for m in [1.0f64, 2.0, 5.0] {
                let t = d + m.log10();
                if t >= self.lo - 1e-9 && t <= self.hi + 1e-9 {
                    ticks.push(t);
                }
            }
            d += 1.0;
        }
        if ticks.len() > self.max_ticks {
            ticks.retain(|t| (t - t.round()).abs() < 1e-9);
        }
        ticks
    }
}

/// Decades between the ticks of an axis from decade `lo` to `hi`: the first of 1, 2, 3, 5,
/// 10, 20, 25, 50, 100, 150, 200, 500 whose multiples from below `lo` to above `hi` number at most
/// `max_ticks`.
pub fn stride(lo: f64, hi: f64, max_ticks: usize) -> f64 {
    for s in [
        1.0f64, 2.0, 3.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 150.0, 200.0, 500.0,
    ] {
        let count = (hi / s).ceil() - (lo / s).floor() + 1.0;
        if count <= max_ticks as f64 {
            return s;
        }
    }
    ((hi - lo) / (max_ticks.max(2) - 1) as f64).ceil().max(1.0)
}

/// The `y` coordinate of a chart on a [`LogAxis`]: values are decades, and the ticks are
/// the axis's own (plotters asks for key points; we hand it [`LogAxis::ticks`], bounded).
#[derive(Clone, Debug)]
pub struct DecadeCoord {
    axis: LogAxis,
    ticks: Vec<f64>,
}

impl From<LogAxis> for DecadeCoord {
    fn from(axis: LogAxis) -> Self {
        DecadeCoord {
            axis,
            ticks: axis.ticks(),
        }
    }
}

impl plotters::coord::ranged1d::Ranged for DecadeCoord {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.axis.lo, self.axis.hi);
        let t = ((value - lo) / (hi - lo)).clamp(-1.0, 2.0);
        let t = if t.is_finite() { t } else { 0.0 };
        limit.0 + (t * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            return Vec::new();
        }
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.axis.lo..self.axis.hi
    }
}

/// The label of a tick at decade position `t`: `1e-3`, `2e-3`, `5e-3`.
pub fn log_label(t: f64) -> String {
    if !t.is_finite() {
        return String::new();
    }
    let e = (t + 1e-9).floor();
    let m = 10f64.powf(t - e).round();
    format!("{m}e{}", e as i64)
}

/// A number as the page writes it in sentences: `1.23e-5`, `4.56e+2` (three significant
/// digits, the exponent always signed, as JavaScript's `toExponential(2)`); `0` for zero;
/// NaN and infinities in words.
pub fn sci(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else {
            "infinite".into()
        };
    }
    let s = format!("{v:.2e}");
    match s.split_once('e') {
        Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values a run can produce: from subnormals to near overflow, zeros, NaN, inf.
    fn extremes() -> Vec<Vec<f64>> {
        vec![
            vec![],
            vec![0.0],
            vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY],
            vec![5e-324],
            vec![5e-324, 1e-320],
            vec![1e-300, 1e300],
            vec![1e-200, 2e-200],
            vec![1e300],
            vec![f64::MAX],
            vec![f64::MIN_POSITIVE],
            vec![1.0, 1.0],
            vec![3e-9, 0.2, 0.0, -1.0],
            vec![1e-170, 1e-169],
        ]
    }

    #[test]
    fn every_axis_is_finite_bounded_and_at_least_a_decade() {
        for values in extremes() {
            let a = LogAxis::fit(&values);
            assert!(a.lo.is_finite() && a.hi.is_finite(), "{values:?}: {a:?}");
            assert!(a.hi - a.lo >= 1.0 - 1e-12, "{values:?}: {a:?}");
            assert!(
                a.lo >= MIN_DECADE && a.hi <= MAX_DECADE,
                "{values:?}: {a:?}"
            );
            let ticks = a.ticks();
            assert!(
                (2..=MAX_TICKS).contains(&ticks.len()),
                "{values:?}: {a:?} {ticks:?}"
            );
            for t in &ticks {
                assert!(*t >= a.lo - 1e-9 && *t <= a.hi + 1e-9, "{values:?}: {t}");
                assert!(!log_label(*t).is_empty());
            }
            for v in values.iter().filter(|v| v.is_finite() && **v > 0.0) {
                let p = a.pos(*v).unwrap_or(f64::NAN);
                assert!(p >= a.lo && p <= a.hi, "{v} at {p} outside {a:?}");
            }
        }
    }

    #[test]
    fn the_axis_covers_the_data() {
        let a = LogAxis::fit(&[1e-19, 3e-2]);
        assert!(a.lo <= -19.0 && a.hi >= (3e-2f64).log10(), "{a:?}");
        let ticks = a.ticks();
        assert!(ticks.len() <= MAX_TICKS);
        // Labels at whole decades, aligned to the stride.
        assert!(
            ticks.iter().all(|t| (t - t.round()).abs() < 1e-9),
            "{ticks:?}"
        );
        assert!(
            ticks.contains(&-18.0) || ticks.contains(&-15.0),
            "{ticks:?}"
        );
    }

    /// The labels reach past the data at both ends: the lowest tick is at or below the
    /// smallest value and the highest at or above the largest (the issue: "1e-14 while
    /// points reach 1e-19"), with a regular stride.
    #[test]
    fn log_ticks_cover_the_data_at_a_regular_stride() {
        let sets: [&[f64]; 6] = [
            &[1e-19, 3e-2],
            &[2e-14, 1e-19, 5e-3],
            &[1e-24, 1e-12],
            &[3e-7, 2e-6, 9.9e-1],
            &[1e-300, 1e300],
            &[4e-12, 7e1],
        ];
        for values in sets {
            let a = LogAxis::fit(values);
            let t = a.ticks();
            let (lo, hi) = values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(v.log10()), h.max(v.log10()))
                });
            assert!(t.len() >= 2 && t.len() <= MAX_TICKS, "{values:?}: {t:?}");
            assert!(t[0] <= lo && t[t.len() - 1] >= hi, "{values:?}: {t:?}");
            let steps: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
            assert!(steps.iter().all(|d| *d == steps[0]), "{values:?}: {t:?}");
        }
    }

    #[test]
    fn narrow_axes_get_twos_and_fives() {
        let a = LogAxis::fit(&[0.3, 0.6]);
        let labels: Vec<String> = a.ticks().into_iter().map(log_label).collect();
        assert!(labels.contains(&"5e-1".to_string()), "{labels:?}");
        assert!(labels.contains(&"1e0".to_string()) || labels.contains(&"2e-1".to_string()));
        assert_eq!(log_label(-199.0), "1e-199");
        assert_eq!(log_label(2f64.log10() - 3.0), "2e-3");
    }

    #[test]
    fn non_positive_and_non_finite_values_have_no_position() {
        let a = LogAxis::fit(&[1.0, 10.0]);
        for v in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(a.pos(v), None);
        }
        assert_eq!(a.pos(1e-300), Some(a.lo));
        assert_eq!(a.pos(1e300), Some(a.hi));
    }
}
