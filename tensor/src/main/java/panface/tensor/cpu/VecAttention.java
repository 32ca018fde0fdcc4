package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.Tensor;

/**
 * Fused float32 attention for contiguous (B, H, T, D) tensors, one (batch, head) pair per task.
 * Keys and values are transposed once per pair so that each query's scores (and, backward, each
 * row of dP) are vectors along the key axis; the output and the query/key/value gradients are
 * vectors along the head dimension. Softmax rows subtract their max; the forward saves the
 * log-sum-exp and the backward recomputes the probabilities from it.
 */
final class VecAttention {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private VecAttention() {
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
        int qo = q.offset();
        int ko = k.offset();
        int vo = v.offset();
        int oo = out.offset();
        int lo0 = lse.offset();
        int bh = q.size(0) * q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        float sc = (float) scale;
        Parallel.forRange(bh, 1, (lo, hi) -> {
            float[] kt = new float[d * s];
            float[] p = new float[s];
            for (int b = lo; b < hi; b++) {
                transpose(ka, ko + b * s * d, s, d, kt);
                for (int i = 0; i < t; i++) {
                    int qi = qo + (b * t + i) * d;
                    scores(qa, qi, kt, d, s, sc, p);
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < s; j++) {
                        max = Math.max(max, p[j]);
                    }
                    float sum = 0;
                    for (int j = 0; j < s; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, s);
                        FloatVector e = FloatVector.fromArray(S, p, j, m).sub(max).lanewise(VectorOperators.EXP);
                        e.intoArray(p, j, m);
                        sum += e.reduceLanes(VectorOperators.ADD, m);
                    }
                    la[lo0 + b * t + i] = max + (float) Math.log(sum);
                    float inv = 1f / sum;
                    int orow = oo + (b * t + i) * dv;
                    for (int c = 0; c < dv; c += L) {
                        VectorMask<Float> m = S.indexInRange(c, dv);
                        FloatVector acc = FloatVector.zero(S);
                        for (int j = 0; j < s; j++) {
                            acc = FloatVector.fromArray(S, va, vo + (b * s + j) * dv + c, m).fma(FloatVector.broadcast(S, p[j]), acc);
                        }
                        acc.mul(inv).intoArray(oa, orow + c, m);
                    }
                }
            }
        });
        return true;
    }

    /** dst (cols x rows) = src (rows x cols) transposed. */
    private static void transpose(float[] src, int off, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[off + r * cols + c];
            }
        }
    }

    /** p[j] = scale * sum_c a[ai + c] * bt[c * s + j] (a row times a transposed matrix). */
    private static void scores(float[] a, int ai, float[] bt, int d, int s, float scale, float[] p) {
        for (int j = 0; j < s; j += L) {
            VectorMask<Float> m = S.indexInRange(j, s);
            FloatVector acc = FloatVector.zero(S);
            for (int c = 0; c < d; c++) {
                acc = FloatVector.fromArray(S, bt, c * s + j, m).fma(FloatVector.broadcast(S, a[ai + c]), acc);
            }
            acc.mul(scale).intoArray(p, j, m);
        }
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
        int qo = q.offset();
        int ko = k.offset();
        int vo = v.offset();
        int oo = out.offset();
        int lo0 = lse.offset();
        int go = gy.offset();
        int dqo = gq.offset();
        int dko = gk.offset();
        int dvo = gv.offset();
        int bh = q.size(0) * q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        float sc = (float) scale;
        Parallel.forRange(bh, 1, (lo, hi) -> {
            float[] kt = new float[d * s];
            float[] vt = new float[dv * s];
            float[] p = new float[s];
            float[] dp = new float[s];
            for (int b = lo; b < hi; b++) {
                transpose(ka, ko + b * s * d, s, d, kt);
                transpose(va, vo + b * s * dv, s, dv, vt);
                int kBase = dko + b * s * d;
                int vBase = dvo + b * s * dv;
                java.util.Arrays.fill(dk, kBase, kBase + s * d, 0f);
                java.util.Arrays.fill(dvv, vBase, vBase + s * dv, 0f);
                for (int i = 0; i < t; i++) {
                    int row = b * t + i;
                    int qi = qo + row * d;
                    int gi = go + row * dv;
                    scores(qa, qi, kt, d, s, sc, p);
                    float l = la[lo0 + row];
                    for (int j = 0; j < s; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, s);
                        FloatVector.fromArray(S, p, j, m).sub(l).lanewise(VectorOperators.EXP).intoArray(p, j, m);
                    }
                    scores(ga, gi, vt, dv, s, 1f, dp);
                    float delta = 0;
                    for (int c = 0; c < dv; c += L) {
                        VectorMask<Float> m = S.indexInRange(c, dv);
                        delta += FloatVector.fromArray(S, ga, gi + c, m).mul(FloatVector.fromArray(S, oa, oo + row * dv + c, m))
                                .reduceLanes(VectorOperators.ADD, m);
                    }
                    for (int j = 0; j < s; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, s);
                        FloatVector pv = FloatVector.fromArray(S, p, j, m);
                        pv.mul(FloatVector.fromArray(S, dp, j, m).sub(delta)).mul(sc).intoArray(dp, j, m);
                    }
                    for (int c = 0; c < d; c += L) {
                        VectorMask<Float> m = S.indexInRange(c, d);
                        FloatVector acc = FloatVector.zero(S);
                        FloatVector qv = FloatVector.fromArray(S, qa, qi + c, m);
                        for (int j = 0; j < s; j++) {
                            acc = FloatVector.fromArray(S, ka, ko + (b * s + j) * d + c, m).fma(FloatVector.broadcast(S, dp[j]), acc);
                            int kj = kBase + j * d + c;
                            FloatVector.fromArray(S, dk, kj, m).add(qv.mul(dp[j])).intoArray(dk, kj, m);
                        }
                        acc.intoArray(dq, dqo + row * d + c, m);
                    }
                    for (int c = 0; c < dv; c += L) {
                        VectorMask<Float> m = S.indexInRange(c, dv);
                        FloatVector gv0 = FloatVector.fromArray(S, ga, gi + c, m);
                        for (int j = 0; j < s; j++) {
                            int vj = vBase + j * dv + c;
                            FloatVector.fromArray(S, dvv, vj, m).add(gv0.mul(p[j])).intoArray(dvv, vj, m);
                        }
                    }
                }
            }
        });
        return true;
    }
}
