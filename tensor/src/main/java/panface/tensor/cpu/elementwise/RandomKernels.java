package panface.tensor.cpu.elementwise;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.backend.Distribution;
import panface.tensor.cpu.runtime.CpuStorage;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.random.Philox;

/**
 * Philox-based fills. Layout of the stream (shared with the CUDA kernels): F32 and the 16-bit
 * types take one word per value, element i from block offset + i/4, word i%4; F64 takes two words
 * per value, element i from block offset + i/2, words 2(i%2) and 2(i%2)+1. Normal values come in
 * Box-Muller pairs from consecutive values; Bernoulli always uses the F32 rule, u &lt; p.
 */
public final class RandomKernels {
    private RandomKernels() {
    }

    public static void random(View dst, Distribution dist, long seed, long offset, double a, double b) {
        if (!dst.isContiguous()) {
            throw new IllegalArgumentException("randomFill needs a contiguous tensor, got " + dst.describe());
        }
        if (!dst.dtype().isFloating() && dist != Distribution.BERNOULLI) {
            throw new IllegalArgumentException(dist + " needs a floating-point tensor, got " + dst.describe());
        }
        CpuStorage s = Ref.storage(dst);
        int n = dst.numel();
        int base = dst.offset();
        if (dst.dtype() == DType.F32 && dist == Distribution.NORMAL) {
            normalF32(s.floats(), base, n, seed, offset, (float) a, (float) b);
            return;
        }
        boolean wide = dst.dtype() == DType.F64 && dist != Distribution.BERNOULLI;
        int perBlock = wide ? 2 : 4;
        int blocks = (n + perBlock - 1) / perBlock;
        Parallel.forRange(blocks, 1024, (lo, hi) -> {
            int[] w = new int[4];
            double[] vals = new double[4];
            for (int blk = lo; blk < hi; blk++) {
                Philox.block(seed, offset + blk, w);
                int count = values(dist, wide, w, a, b, vals);
                for (int j = 0; j < count; j++) {
                    int i = blk * perBlock + j;
                    if (i < n) {
                        s.setDouble(base + i, vals[j]);
                    }
                }
            }
        });
    }

    private static int values(Distribution dist, boolean wide, int[] w, double a, double b, double[] out) {
        if (wide) {
            double u0 = Philox.uniformDouble(w[0], w[1]);
            double u1 = Philox.uniformDouble(w[2], w[3]);
            if (dist == Distribution.UNIFORM) {
                out[0] = a + (b - a) * u0;
                out[1] = a + (b - a) * u1;
            } else {
                double r = Math.sqrt(-2.0 * Math.log(1.0 - u0));
                double t = 2.0 * Math.PI * u1;
                out[0] = a + b * r * Math.cos(t);
                out[1] = a + b * r * Math.sin(t);
            }
            return 2;
        }
        for (int j = 0; j < 4; j++) {
            out[j] = Philox.uniformFloat(w[j]);
        }
        switch (dist) {
            case UNIFORM -> {
                for (int j = 0; j < 4; j++) {
                    out[j] = (float) (a + (b - a) * out[j]);
                }
            }
            case BERNOULLI -> {
                for (int j = 0; j < 4; j++) {
                    out[j] = out[j] < a ? 1.0 : 0.0;
                }
            }
            case NORMAL -> {
                for (int j = 0; j < 4; j += 2) {
                    float r = (float) Math.sqrt(-2.0 * Math.log(1.0f - (float) out[j]));
                    float t = (float) (2.0 * Math.PI * out[j + 1]);
                    out[j] = (float) (a + b * r * Math.cos(t));
                    out[j + 1] = (float) (a + b * r * Math.sin(t));
                }
            }
        }
        return 4;
    }

    /**
     * Float32 normal values with the same stream layout and arithmetic as the generic path
     * (Box-Muller in float on the words of block offset + i/4), written straight into the array.
     */
    private static void normalF32(float[] out, int base, int n, long seed, long offset, float mean, float std) {
        int blocks = (n + 3) / 4;
        Parallel.forRange(blocks, 1024, (lo, hi) -> {
            int[] w = new int[4];
            for (int blk = lo; blk < hi; blk++) {
                Philox.block(seed, offset + blk, w);
                for (int j = 0; j < 4; j += 2) {
                    float u0 = Philox.uniformFloat(w[j]);
                    float u1 = Philox.uniformFloat(w[j + 1]);
                    float r = (float) Math.sqrt(-2.0 * Math.log(1.0f - u0));
                    float t = (float) (2.0 * Math.PI * u1);
                    int i = blk * 4 + j;
                    if (i < n) {
                        out[base + i] = (float) (mean + std * r * Math.cos(t));
                    }
                    if (i + 1 < n) {
                        out[base + i + 1] = (float) (mean + std * r * Math.sin(t));
                    }
                }
            }
        });
    }
}
