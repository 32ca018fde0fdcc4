package panface.bench;

import java.util.Arrays;

/**
 * A small timing harness for the side-by-side comparison programs (JMH remains the tool for
 * kernel benchmarks): warm up, then report the median of repeated runs.
 */
public final class Timing {
    private Timing() {
    }

    /** Median seconds per call of body after warmup calls, over the given number of repetitions. */
    public static double medianSeconds(Runnable body, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - s) * 1e-9;
        }
        Arrays.sort(t);
        return reps % 2 == 1 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    }
}
