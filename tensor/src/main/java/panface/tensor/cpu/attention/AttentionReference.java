package panface.tensor.cpu.attention;

import panface.tensor.View;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;

/**
 * Reference scaled dot-product attention over (B, H, T, D) in double: forward saves the per-row
 * log-sum-exp of the scaled scores; backward recomputes the probabilities from it.
 */
public final class AttentionReference {
    private AttentionReference() {
    }

    public static void attentionForward(View q, View k, View v, double scale, View out, View lse) {
        RefCalls.hit("attention");
        double[] qv = Ref.load(q);
        double[] kv = Ref.load(k);
        double[] vv = Ref.load(v);
        int bh = q.size(0) * q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        double[] o = new double[bh * t * dv];
        double[] l = new double[bh * t];
        double[] row = new double[s];
        for (int b = 0; b < bh; b++) {
            for (int i = 0; i < t; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s; j++) {
                    double acc = 0;
                    for (int c = 0; c < d; c++) {
                        acc += qv[(b * t + i) * d + c] * kv[(b * s + j) * d + c];
                    }
                    row[j] = acc * scale;
                    max = Math.max(max, row[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    row[j] = Math.exp(row[j] - max);
                    sum += row[j];
                }
                l[b * t + i] = max + Math.log(sum);
                for (int j = 0; j < s; j++) {
                    double p = row[j] / sum;
                    for (int c = 0; c < dv; c++) {
                        o[(b * t + i) * dv + c] += p * vv[(b * s + j) * dv + c];
                    }
                }
            }
        }
        Ref.store(o, out);
        Ref.store(l, lse);
    }

    public static void attentionBackward(View q, View k, View v, View out, View lse, View gy, double scale,
                         View gq, View gk, View gv) {
        RefCalls.hit("attentionBackward");
        double[] qv = Ref.load(q);
        double[] kv = Ref.load(k);
        double[] vv = Ref.load(v);
        double[] ov = Ref.load(out);
        double[] lv = Ref.load(lse);
        double[] g = Ref.load(gy);
        int bh = q.size(0) * q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        double[] dq = new double[qv.length];
        double[] dk = new double[kv.length];
        double[] dvv = new double[vv.length];
        double[] p = new double[s];
        for (int b = 0; b < bh; b++) {
            for (int i = 0; i < t; i++) {
                int qi = (b * t + i);
                double delta = 0;
                for (int c = 0; c < dv; c++) {
                    delta += g[qi * dv + c] * ov[qi * dv + c];
                }
                for (int j = 0; j < s; j++) {
                    double acc = 0;
                    for (int c = 0; c < d; c++) {
                        acc += qv[qi * d + c] * kv[(b * s + j) * d + c];
                    }
                    p[j] = Math.exp(acc * scale - lv[qi]);
                }
                for (int j = 0; j < s; j++) {
                    int kj = b * s + j;
                    double dp = 0;
                    for (int c = 0; c < dv; c++) {
                        dp += g[qi * dv + c] * vv[kj * dv + c];
                        dvv[kj * dv + c] += p[j] * g[qi * dv + c];
                    }
                    double ds = p[j] * (dp - delta) * scale;
                    for (int c = 0; c < d; c++) {
                        dq[qi * d + c] += ds * kv[kj * d + c];
                        dk[kj * d + c] += ds * qv[qi * d + c];
                    }
                }
            }
        }
        Ref.store(dq, gq);
        Ref.store(dk, gk);
        Ref.store(dvv, gv);
    }
}
