package panface.bench;

import java.util.Arrays;

/**
 * A small timing harness for the side-by-side comparison programs (JMH remains the tool for
 * kernel benchmarks): warm up, then report the median of repeated runs.
 */
public final class Timing {
    private Timing() {
    }

    /**
     * Seconds per call of body after warmup calls: the median of the repetitions. See
     * {@link #bestSeconds} for the statistic the comparison scripts use.
     */
    public static double medianSeconds(Runnable body, int warmup, int reps) {
        double[] t = sortedSeconds(body, warmup, reps);
        return reps % 2 == 1 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    }

    /**
     * Seconds per call: the fastest of the repetitions after warmup. On a shared machine other
     * tenants only ever add time, so the minimum is the most repeatable estimate of what the code
     * costs; the PyTorch side of each comparison script uses the same statistic.
     */
    public static double bestSeconds(Runnable body, int warmup, int reps) {
        return sortedSeconds(body, warmup, reps)[0];
    }

    /** The seconds of each of reps calls of body after warmup calls, fastest first. */
    public static double[] sortedSeconds(Runnable body, int warmup, int reps) {
        if (reps < 1) {
            throw new IllegalArgumentException("need at least one repetition, got " + reps);
        }
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
        return t;
    }

    /** Milliseconds the JVM's collectors have spent so far (their pauses, for the parallel collector). */
    public static long gcMillis() {
        long ms = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }
}
