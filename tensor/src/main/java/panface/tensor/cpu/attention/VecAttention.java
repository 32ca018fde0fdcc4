package panface.tensor.cpu.attention;

import java.util.concurrent.atomic.AtomicInteger;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.View;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.gemm.SmallGemm;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.math.VecMath;
import panface.tensor.math.VecReproducible;

/**
 * Fused float32 attention for contiguous (B, H, T, D) tensors, one (batch, head) pair per task:
 * the two products of each pair are single-threaded GEMMs ({@link SmallGemm}: OpenBLAS's kernel,
 * or the Java one) into a per-task score buffer, and the softmax runs on that buffer with vector loops (row maximum
 * subtracted). The forward saves the log-sum-exp of each row; the backward recomputes the
 * probabilities from it, so no (T x S) matrix outlives a task.
 */
public final class VecAttention {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private VecAttention() {
    }

    /** In place: row r of p (rows x s) becomes exp(p - lse[lo + r]), the probabilities recomputed from the saved log-sum-exp. */
    private static void softmaxRows(float[] p, int rows, int s, float[] lse, int lo) {
        int ub = s - s % L;
        for (int r = 0; r < rows; r++) {
            int o = r * s;
            float l = lse[lo + r];
            for (int j = 0; j < ub; j += L) {
                VecReproducible.exp(FloatVector.fromArray(S, p, o + j).sub(l)).intoArray(p, o + j);
            }
            for (int j = ub; j < s; j++) {
                p[o + j] = (float) Math.exp(p[o + j] - l);
            }
        }
    }

    /**
     * The forward's softmax with one exponential per score: row r of p (rows x s) becomes
     * exp(p - max_r) (not yet divided by its sum), lse[lo + r] = max_r + log(sum_r), and inv[r] =
     * 1 / sum_r, so the caller normalises the (rows x dv) output instead of the (rows x s) scores.
     */
    private static void expRows(float[] p, int rows, int s, float[] lse, int lo, float[] inv) {
        int ub = s - s % L;
        for (int r = 0; r < rows; r++) {
            int o = r * s;
            FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < ub; j += L) {
                vmax = vmax.max(FloatVector.fromArray(S, p, o + j));
            }
            float max = vmax.reduceLanes(VectorOperators.MAX);
            for (int j = ub; j < s; j++) {
                max = Math.max(max, p[o + j]);
            }
            FloatVector vsum = FloatVector.zero(S);
            for (int j = 0; j < ub; j += L) {
                FloatVector e = VecReproducible.exp(FloatVector.fromArray(S, p, o + j).sub(max));
                e.intoArray(p, o + j);
                vsum = vsum.add(e);
            }
            double sum = VecReproducible.sum(vsum);
            for (int j = ub; j < s; j++) {
                float e = (float) Math.exp(p[o + j] - max);
                p[o + j] = e;
                sum += e;
            }
            lse[lo + r] = max + (float) Math.log(sum);
            inv[r] = (float) (1.0 / sum);
        }
    }

    /** Row r of the (rows x n) block at o (row stride ld) times inv[r]. */
    private static void scaleRows(float[] a, int o, int ld, int rows, int n, float[] inv) {
        int ub = n - n % L;
        for (int r = 0; r < rows; r++) {
            int ro = o + r * ld;
            float f = inv[r];
            for (int j = 0; j < ub; j += L) {
                FloatVector.fromArray(S, a, ro + j).mul(f).intoArray(a, ro + j);
            }
            for (int j = ub; j < n; j++) {
                a[ro + j] *= f;
            }
        }
    }

    private static final ThreadLocal<float[]> SCORES = new ThreadLocal<>();

    /** Score buffers up to this many floats (4 MiB) are kept per thread; larger ones are garbage after the call. */
    private static final int KEEP_SCORES = 1 << 20;

    /** This thread's score buffer of at least n floats (reused: its contents are stale). */
    private static float[] scores(int n) {
        float[] p = SCORES.get();
        if (p != null && p.length >= n) {
            return p;
        }
        p = new float[n];
        if (n <= KEEP_SCORES) {
            SCORES.set(p);
        }
        return p;
    }

    /** Storage offset of head (b / heads, b % heads) of a (B, H, T, D) view. */
    private static int base(View t, int b, int heads) {
        return t.offset() + (b / heads) * t.stride(0) + (b % heads) * t.stride(1);
    }

    /** Operands as {@link panface.tensor.cpu.CpuKernel#ATTENTION_FUSED} states them (rows may be strided: views into a fused qkv buffer). */
    public static void attentionForward(View q, View k, View v, double scale, View out, View lse) {
        float[] qa = VecElementwise.data(q);
        float[] ka = VecElementwise.data(k);
        float[] va = VecElementwise.data(v);
        float[] oa = VecElementwise.data(out);
        float[] la = VecElementwise.data(lse);
        int heads = q.size(1);
        int bh = q.size(0) * heads;
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        int lq = q.stride(2);
        int lk = k.stride(2);
        int lv = v.stride(2);
        int lo1 = out.stride(2);
        // (batch, head) pairs go to whichever thread is free, one at a time: a thread that starts
        // late or runs slower takes fewer, instead of the others waiting for its fixed share
        AtomicInteger next = new AtomicInteger();
        Parallel.forRange(Math.min(bh, Parallel.threads()), 1, (lo, hi) -> {
            float[] p = scores(t * s);
            float[] inv = new float[t];
            for (int b = next.getAndIncrement(); b < bh; b = next.getAndIncrement()) {
                SmallGemm.sgemm(false, true, t, s, d, (float) scale, qa, base(q, b, heads), lq, ka, base(k, b, heads), lk, p, 0, s);
                expRows(p, t, s, la, lse.offset() + b * t, inv);
                SmallGemm.sgemm(false, false, t, dv, s, 1f, p, 0, s, va, base(v, b, heads), lv, oa, base(out, b, heads), lo1);
                scaleRows(oa, base(out, b, heads), lo1, t, dv, inv);
            }
        });
    }

    public static void attentionBackward(View q, View k, View v, View out, View lse, View gy, double scale, View gq, View gk, View gv) {
        float[] qa = VecElementwise.data(q);
        float[] ka = VecElementwise.data(k);
        float[] va = VecElementwise.data(v);
        float[] oa = VecElementwise.data(out);
        float[] la = VecElementwise.data(lse);
        float[] ga = VecElementwise.data(gy);
        float[] dq = VecElementwise.data(gq);
        float[] dk = VecElementwise.data(gk);
        float[] dvv = VecElementwise.data(gv);
        int heads = q.size(1);
        int bh = q.size(0) * heads;
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        float sc = (float) scale;
        // (batch, head) pairs one at a time to whichever thread is free, as in the forward
        AtomicInteger next = new AtomicInteger();
        Parallel.forRange(Math.min(bh, Parallel.threads()), 1, (lo, hi) -> {
            float[] p = new float[t * s];
            float[] dp = new float[t * s];
            for (int b = next.getAndIncrement(); b < bh; b = next.getAndIncrement()) {
                int qo = base(q, b, heads);
                int ko = base(k, b, heads);
                int vo = base(v, b, heads);
                int go = base(gy, b, heads);
                int oo = base(out, b, heads);
                int lq = q.stride(2);
                int lk = k.stride(2);
                int lv = v.stride(2);
                int lg = gy.stride(2);
                int lout = out.stride(2);
                SmallGemm.sgemm(false, true, t, s, d, sc, qa, qo, lq, ka, ko, lk, p, 0, s);
                softmaxRows(p, t, s, la, lse.offset() + b * t);
                SmallGemm.sgemm(true, false, s, dv, t, 1f, p, 0, s, ga, go, lg, dvv, base(gv, b, heads), gv.stride(2));
                SmallGemm.sgemm(false, true, t, s, dv, 1f, ga, go, lg, va, vo, lv, dp, 0, s);
                int ub = s - s % L;
                for (int i = 0; i < t; i++) {
                    float delta = 0;
                    for (int c = 0; c < dv; c++) {
                        delta += ga[go + i * lg + c] * oa[oo + i * lout + c];
                    }
                    int o = i * s;
                    for (int j = 0; j < ub; j += L) {
                        FloatVector pv = FloatVector.fromArray(S, p, o + j);
                        pv.mul(FloatVector.fromArray(S, dp, o + j).sub(delta)).mul(sc).intoArray(dp, o + j);
                    }
                    for (int j = ub; j < s; j++) {
                        dp[o + j] = p[o + j] * (dp[o + j] - delta) * sc;
                    }
                }
                SmallGemm.sgemm(false, false, t, d, s, 1f, dp, 0, s, ka, ko, lk, dq, base(gq, b, heads), gq.stride(2));
                SmallGemm.sgemm(true, false, s, d, t, 1f, dp, 0, s, qa, qo, lq, dk, base(gk, b, heads), gk.stride(2));
            }
        });
    }
}
