package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.Tensor;

/**
 * Fused float32 attention for contiguous (B, H, T, D) tensors, one (batch, head) pair per task:
 * the two products of each pair are single-threaded GEMMs (OpenBLAS, or the Java kernel) into a
 * per-task score buffer, and the softmax runs on that buffer with vector loops (row maximum
 * subtracted). The forward saves the log-sum-exp of each row; the backward recomputes the
 * probabilities from it, so no (T x S) matrix outlives a task.
 */
final class VecAttention {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private VecAttention() {
    }

    /** In place: row r of p (rows x s) becomes exp(p - lse[r]) (with lse computed when save is set). */
    private static void softmaxRows(float[] p, int rows, int s, float[] lse, int lo, boolean compute) {
        int ub = s - s % L;
        for (int r = 0; r < rows; r++) {
            int o = r * s;
            float l;
            if (compute) {
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
                    vsum = vsum.add(FloatVector.fromArray(S, p, o + j).sub(max).lanewise(VectorOperators.EXP));
                }
                double sum = vsum.reduceLanes(VectorOperators.ADD);
                for (int j = ub; j < s; j++) {
                    sum += Math.exp(p[o + j] - max);
                }
                l = max + (float) Math.log(sum);
                lse[lo + r] = l;
            } else {
                l = lse[lo + r];
            }
            for (int j = 0; j < ub; j += L) {
                FloatVector.fromArray(S, p, o + j).sub(l).lanewise(VectorOperators.EXP).intoArray(p, o + j);
            }
            for (int j = ub; j < s; j++) {
                p[o + j] = (float) Math.exp(p[o + j] - l);
            }
        }
    }

    static boolean forward(Tensor q, Tensor k, Tensor v, double scale, Tensor out, Tensor lse) {
        if (!VecElementwise.f32Contiguous(q, k, v, out, lse)) {
            return false;
        }
        float[] qa = VecElementwise.data(q);
        float[] ka = VecElementwise.data(k);
        float[] va = VecElementwise.data(v);
        float[] oa = VecElementwise.data(out);
        float[] la = VecElementwise.data(lse);
        int bh = q.size(0) * q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        Parallel.forRange(bh, 1, (lo, hi) -> {
            float[] p = new float[t * s];
            for (int b = lo; b < hi; b++) {
                Gemm.sgemm(false, true, t, s, d, (float) scale, qa, q.offset() + b * t * d, d, ka, k.offset() + b * s * d, d, 0f, p, 0, s);
                softmaxRows(p, t, s, la, lse.offset() + b * t, true);
                Gemm.sgemm(false, false, t, dv, s, 1f, p, 0, s, va, v.offset() + b * s * dv, dv, 0f, oa, out.offset() + b * t * dv, dv);
            }
        });
        return true;
    }

    static boolean backward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor gy, double scale, Tensor gq, Tensor gk, Tensor gv) {
        if (!VecElementwise.f32Contiguous(q, k, v, out, lse, gy, gq, gk, gv)) {
            return false;
        }
        float[] qa = VecElementwise.data(q);
        float[] ka = VecElementwise.data(k);
        float[] va = VecElementwise.data(v);
        float[] oa = VecElementwise.data(out);
        float[] la = VecElementwise.data(lse);
        float[] ga = VecElementwise.data(gy);
        float[] dq = VecElementwise.data(gq);
        float[] dk = VecElementwise.data(gk);
        float[] dvv = VecElementwise.data(gv);
        int bh = q.size(0) * q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        float sc = (float) scale;
        Parallel.forRange(bh, 1, (lo, hi) -> {
            float[] p = new float[t * s];
            float[] dp = new float[t * s];
            for (int b = lo; b < hi; b++) {
                int qo = q.offset() + b * t * d;
                int ko = k.offset() + b * s * d;
                int vo = v.offset() + b * s * dv;
                int go = gy.offset() + b * t * dv;
                int oo = out.offset() + b * t * dv;
                Gemm.sgemm(false, true, t, s, d, sc, qa, qo, d, ka, ko, d, 0f, p, 0, s);
                softmaxRows(p, t, s, la, lse.offset() + b * t, false);
                Gemm.sgemm(true, false, s, dv, t, 1f, p, 0, s, ga, go, dv, 0f, dvv, gv.offset() + b * s * dv, dv);
                Gemm.sgemm(false, true, t, s, dv, 1f, ga, go, dv, va, vo, dv, 0f, dp, 0, s);
                int ub = s - s % L;
                for (int i = 0; i < t; i++) {
                    float delta = 0;
                    for (int c = 0; c < dv; c++) {
                        delta += ga[go + i * dv + c] * oa[oo + i * dv + c];
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
                Gemm.sgemm(false, false, t, d, s, 1f, dp, 0, s, ka, ko, d, 0f, dq, gq.offset() + b * t * d, d);
                Gemm.sgemm(true, false, s, d, t, 1f, dp, 0, s, qa, qo, d, 0f, dk, gk.offset() + b * s * d, d);
            }
        });
        return true;
    }
}
