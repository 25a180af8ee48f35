use gradscope::engine::gemm::{gemm, GemmScratch, MatRef};
fn main() {
    for &(m, n, k) in &[(128usize, 128usize, 128usize), (32, 16, 16), (64, 32, 32)] {
        let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 * 0.1).collect();
        let mut c = vec![0f32; m * n];
        let mut s = GemmScratch::default();
        for (name, ta) in [("NN", false), ("TN", true)] {
            let reps = (200_000_000 / (m * n * k)).max(10);
            let t = std::time::Instant::now();
            for _ in 0..reps {
                let av = if ta {
                    MatRef::transposed(&a, m)
                } else {
                    MatRef::rows(&a, k)
                };
                gemm(m, n, k, av, MatRef::rows(&b, n), &mut c, n, &mut s);
            }
            let secs = t.elapsed().as_secs_f64() / reps as f64;
            println!(
                "{m}x{n}x{k} {name}: {:.1} GFLOP/s",
                2.0 * (m * n * k) as f64 / secs / 1e9
            );
        }
    }
}
