//! Shared by the fuzz tests: a small seeded generator, the option names to try, and
//! reading their settings from the environment.

use gradscope::config::schema::{Kind, FIELDS};

/// splitmix64: a tiny seeded generator, enough to pick among cases.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The environment variable `name` read as a `T`, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every option name of the schema's choices (from the enums themselves, not a copy),
/// plus near misses a person might type.
pub fn option_words() -> &'static [String] {
    static WORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<String> = FIELDS
            .iter()
            .filter_map(|f| match f.kind {
                Kind::Choice { options, .. } => Some(options.all()),
                _ => None,
            })
            .flatten()
            .chain(["swish", "Tanh", "ReLU", ""].map(String::from))
            .collect();
        words.sort();
        words.dedup();
        words
    })
}
