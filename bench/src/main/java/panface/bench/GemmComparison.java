package panface.bench;

import java.util.Locale;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Times float32 matmul at n^3 (default 1024 and 2048) through the public API, after checking the
 * result against a float64 product on a sample of entries. Prints JSON lines for compare-gemm.sh:
 * the fastest call and the median. The repetition counts are gemm_torch.py's: long enough that
 * the JIT has finished before timing starts and that the fastest call reflects the steady state
 * of both sides (with 20 warm-ups the JIT was still compiling in some timed calls here).
 */
public final class GemmComparison {
    static final int WARMUP = 100;
    static final int REPS = 200;
    static final int WARMUP_LARGE = 10;
    static final int REPS_LARGE = 30;

    private GemmComparison() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {1024, 2048} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int n : sizes) {
            try (Scope s = Scope.open()) {
                Generator g = new Generator(n);
                Tensor a = Tensor.randn(g, n, n);
                Tensor b = Tensor.randn(g, n, n);
                validate(a, b);
                double[] t = Timing.sortedSeconds(() -> {
                    try (Scope inner = Scope.open()) {
                        a.matmul(b);
                    }
                }, n >= 2048 ? WARMUP_LARGE : WARMUP, n >= 2048 ? REPS_LARGE : REPS);
                double sec = t[0];
                double gflops = 2.0 * n * n * n / sec / 1e9;
                Report.line("matmul_f32_" + n, sec, String.format(Locale.ROOT, "\"gflops\":%.1f,\"median\":%.9f", gflops, t[t.length / 2]));
            }
        }
    }

    private static void validate(Tensor a, Tensor b) {
        Tensor c = a.matmul(b);
        int n = a.size(0);
        double[] av = a.toDoubleArray();
        double[] bv = b.toDoubleArray();
        float[] cv = c.toFloatArray();
        Generator g = new Generator(1);
        for (int t = 0; t < 64; t++) {
            int i = g.nextInt(n);
            int j = g.nextInt(n);
            double want = 0;
            for (int p = 0; p < n; p++) {
                want += av[i * n + p] * bv[p * n + j];
            }
            if (Math.abs(want - cv[i * n + j]) > 1e-3 * Math.sqrt(n)) {
                throw new IllegalStateException("matmul result wrong at (" + i + ", " + j + "): " + cv[i * n + j] + " vs " + want);
            }
        }
    }
}
