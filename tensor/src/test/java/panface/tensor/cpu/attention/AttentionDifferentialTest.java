package panface.tensor.cpu.attention;

import static panface.tensor.cpu.KernelViews.viewOf;

import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.Tolerances;

/**
 * The fused attention kernel (VecAttention) against the float64 reference (AttentionReference),
 * forward and backward: saturated softmax from large scores, equal keys, keys at -inf (masked)
 * and queries whose every key is masked, NaN and infinities, one query or one key, key counts
 * around the vector width and long ones; offset outputs, strided heads through F.selfAttention.
 * The fused kernel takes no mask: an additive -inf mask goes through softmax (see
 * SoftmaxDifferentialTest); here -inf scores come from keys with a -inf component.
 */
class AttentionDifferentialTest {
    private final SplittableRandom rnd = new SplittableRandom(13);

    private enum Kind {
        NORMAL, LARGE_SCORES, EQUAL_KEYS, MASKED_KEYS, ALL_MASKED, NAN_VALUE, INF_QUERY
    }

    @Test
    void kernelAgreesWithTheReferenceOnHardInputs() {
        int l = Differential.LANES;
        // B, H, T, S, D, Dv
        int[][] shapes = {{1, 1, 1, 1, 1, 1}, {1, 2, 1, l + 1, 3, 2}, {2, 3, 7, l - 1, 5, 4}, {1, 2, 9, 4 * l + 3, 16, 8}, {1, 1, 33, 1021, 8, 5},
            {2, 1, 3, 20_011, 4, 3}};
        for (int[] sh : shapes) {
            for (Kind kind : Kind.values()) {
                check(kind, sh);
            }
        }
    }

    private void check(Kind kind, int[] sh) {
        int b = sh[0];
        int h = sh[1];
        int t = sh[2];
        int s = sh[3];
        int d = sh[4];
        int dv = sh[5];
        float[] q = Differential.normal(rnd, b * h * t * d, 1);
        float[] k = Differential.normal(rnd, b * h * s * d, 1);
        float[] v = Differential.normal(rnd, b * h * s * dv, 1);
        double scale = 1 / Math.sqrt(d);
        switch (kind) {
            case LARGE_SCORES -> {
                // scores of a few thousand: a max-free softmax overflows, one key takes the row
                scale = 30;
                for (int i = 0; i < k.length; i++) {
                    k[i] *= 10;
                }
            }
            case EQUAL_KEYS -> {
                for (int i = 0; i < k.length; i++) {
                    k[i] = k[i % d];
                }
            }
            case MASKED_KEYS, ALL_MASKED -> {
                // component 0 of every query positive; keys with -inf there score -inf
                for (int i = 0; i < q.length; i += d) {
                    q[i] = Math.abs(q[i]) + 0.5f;
                }
                for (int j = 0; j < b * h * s; j++) {
                    if (kind == Kind.ALL_MASKED || (j % s != 0 && rnd.nextInt(3) == 0)) {
                        k[j * d] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            case NAN_VALUE -> v[rnd.nextInt(v.length)] = Float.NaN;
            case INF_QUERY -> q[rnd.nextInt(q.length)] = Float.POSITIVE_INFINITY;
            default -> {
            }
        }
        String what = kind + " " + java.util.Arrays.toString(sh);
        Tensor qt = Tensor.of(q, b, h, t, d);
        Tensor kt = Tensor.of(k, b, h, s, d);
        Tensor vt = Tensor.of(v, b, h, s, dv);
        Tensor outWant = Differential.f64(b, h, t, dv);
        Tensor lseWant = Differential.f64(b, h, t);
        AttentionReference.attentionForward(viewOf(qt), viewOf(kt), viewOf(vt), scale, viewOf(outWant), viewOf(lseWant));
        Tensor out = Differential.empty(Layout.OFFSET, DType.F32, b, h, t, dv);
        Tensor lse = Differential.empty(Layout.CONTIGUOUS, DType.F32, b, h, t);
        assertTaken(what, Chosen.attention(qt, kt, vt, scale, out, lse), true);
        double[] qd = Differential.widen(q);
        double[] kd = Differential.widen(k);
        double[] vd = Differential.widen(v);
        double[] ow = outWant.toDoubleArray();
        double[] lw = lseWant.toDoubleArray();
        double[][] fb = Tolerances.attention(qd, kd, vd, ow, lw, null, b * h, t, s, d, dv, scale);
        assertAgrees("attention " + what, ow, out, i -> fb[0][i]);
        assertAgrees("attention lse " + what, lw, lse, i -> fb[1][i]);
        assertOnlyViewWritten("attention " + what, out);
        if (kind == Kind.ALL_MASKED) {
            // PyTorch: softmax over a row of -inf is NaN, and so is everything it weights
            double[] nan = new double[ow.length];
            java.util.Arrays.fill(nan, Double.NaN);
            Differential.assertExactly("attention of fully masked queries " + what, nan, out);
        }

        // backward from the float32 forward's output and log-sum-exp, as autograd saves them
        float[] gv = Differential.normal(rnd, b * h * t * dv, 1);
        Tensor gy = Tensor.of(gv, b, h, t, dv);
        Tensor o32 = Tensor.of(outWant.toFloatArray(), b, h, t, dv);
        Tensor l32 = Tensor.of(lseWant.toFloatArray(), b, h, t);
        Tensor[] gWant = {Differential.f64(b, h, t, d), Differential.f64(b, h, s, d), Differential.f64(b, h, s, dv)};
        AttentionReference.attentionBackward(viewOf(qt), viewOf(kt), viewOf(vt), viewOf(o32), viewOf(l32), viewOf(gy), scale, (gWant[0]).asView(), (gWant[1]).asView(), (gWant[2]).asView());
        Tensor[] gGot = {Differential.empty(Layout.CONTIGUOUS, DType.F32, b, h, t, d), Differential.empty(Layout.OFFSET, DType.F32, b, h, s, d),
            Differential.empty(Layout.CONTIGUOUS, DType.F32, b, h, s, dv)};
        assertTaken(what + " backward", Chosen.attentionBackward(qt, kt, vt, o32, l32, gy, scale, gGot[0], gGot[1], gGot[2]), true);
        double[][] bb = Tolerances.attention(qd, kd, vd, o32.toDoubleArray(), l32.toDoubleArray(), Differential.widen(gv), b * h, t, s, d, dv,
                scale);
        String[] names = {"dq", "dk", "dv"};
        for (int i = 0; i < 3; i++) {
            double[] bound = bb[i];
            assertAgrees("attention " + names[i] + " " + what, gWant[i].toDoubleArray(), gGot[i], j -> bound[j]);
            assertOnlyViewWritten("attention " + names[i] + " " + what, gGot[i]);
        }
    }

    /** F.selfAttention reads q, k, v as strided views of one (B, L, 3 D) buffer and writes heads into a permuted view: against float64. */
    @Test
    void selfAttentionOnStridedHeadsAgreesWithFloat64() {
        int b = 2;
        int len = 2 * Differential.LANES + 3;
        int heads = 3;
        int dh = 5;
        for (double scale : new double[] {0.3, 40}) {
            float[] x = Differential.normal(rnd, b * len * 3 * heads * dh, 1);
            Tensor qkv = Tensor.of(x, b, len, 3 * heads * dh).requiresGrad(true);
            Tensor y = F.selfAttention(qkv, heads, scale);
            Tensor q64 = Tensor.of(x, b, len, 3, heads, dh).to(DType.F64);
            Tensor[] parts = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                parts[i] = q64.select(2, i).permute(0, 2, 1, 3).contiguous();
            }
            Tensor out = Differential.f64(b, heads, len, dh);
            Tensor lse = Differential.f64(b, heads, len);
            AttentionReference.attentionForward((parts[0]).asView(), (parts[1]).asView(), (parts[2]).asView(), scale, viewOf(out), viewOf(lse));
            double[] ow = out.toDoubleArray();
            double[][] fb = Tolerances.attention(parts[0].toDoubleArray(), parts[1].toDoubleArray(), parts[2].toDoubleArray(), ow,
                    lse.toDoubleArray(), null, b * heads, len, len, dh, dh, scale);
            assertAgrees("selfAttention scale=" + scale, ow, y.reshape(b, len, heads, dh).permute(0, 2, 1, 3).contiguous(), i -> fb[0][i]);
            Tensor g = Tensor.of(Differential.normal(rnd, b * len * heads * dh, 1), b, len, heads * dh);
            y.backward(g);
            Tensor gy = g.reshape(b, len, heads, dh).permute(0, 2, 1, 3).contiguous();
            Tensor[] gw = {Differential.f64(b, heads, len, dh), Differential.f64(b, heads, len, dh), Differential.f64(b, heads, len, dh)};
            Tensor o32 = y.detach().reshape(b, len, heads, dh).permute(0, 2, 1, 3).contiguous();
            Tensor l32 = Tensor.zeros(b, heads, len);
            Tensor o32b = Tensor.zeros(b, heads, len, dh);
            // the log-sum-exp the float32 forward saved: the same kernel call again
            Chosen.attention(parts[0].to(DType.F32), parts[1].to(DType.F32), parts[2].to(DType.F32), scale, o32b, l32);
            AttentionReference.attentionBackward((parts[0]).asView(), (parts[1]).asView(), (parts[2]).asView(), viewOf(o32), viewOf(l32), viewOf(gy), scale, (gw[0]).asView(), (gw[1]).asView(), (gw[2]).asView());
            double[][] bb = Tolerances.attention(parts[0].toDoubleArray(), parts[1].toDoubleArray(), parts[2].toDoubleArray(), o32.toDoubleArray(),
                    l32.toDoubleArray(), gy.toDoubleArray(), b * heads, len, len, dh, dh, scale);
            Tensor grad = qkv.grad().reshape(b, len, 3, heads, dh);
            for (int i = 0; i < 3; i++) {
                double[] bound = bb[i];
                assertAgrees("selfAttention grad " + i + " scale=" + scale, gw[i].toDoubleArray(), grad.select(2, i).permute(0, 2, 1, 3).contiguous(),
                        j -> bound[j]);
            }
        }
    }
}
