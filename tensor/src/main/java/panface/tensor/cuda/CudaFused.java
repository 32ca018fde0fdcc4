package panface.tensor.cuda;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;

/**
 * The fused kernels on the GPU: row softmax and layer normalisation (with gradients), fused
 * attention (forward and backward), the AdamW step and the margin-softmax cross-entropy.
 * Statistics (mean, 1/std, log-sum-exp) are float32 for 16- and 32-bit inputs, float64 for F64.
 */
final class CudaFused {
    /** Rows per block of the attention kernels and key/query tile length (attention.cu). */
    private static final int ATTN_ROWS = 32;
    private static final int ATTN_TILE = 32;
    static final int ATTN_THREADS = 128;
    /** Head-dimension slices per lane the attention kernels are compiled for (4 lanes a row: D up to 128). */
    static final int[] ATTN_LANE_DIMS = {8, 16, 24, 32};

    private final CudaBackend backend;
    private final CudaDevice dev;

    CudaFused(CudaBackend backend, CudaDevice dev) {
        this.backend = backend;
        this.dev = dev;
    }

    static DType statType(DType t) {
        return t == DType.F64 ? DType.F64 : DType.F32;
    }

    /** Threads per row block: about four elements per thread, 32 to 1024. */
    static int rowThreads(long cols) {
        long want = Math.max(32, (cols + 3) / 4);
        int t = 32;
        while (t < want && t < 1024) {
            t <<= 1;
        }
        return t;
    }

    private static void requireFloat(String op, View t) {
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(op + " needs a floating-point tensor, got " + t.describe());
        }
    }

    /** t in dtype `want` and contiguous: t itself, or a converted copy. */
    private View as(View t, DType want) {
        if (t == null) {
            return null;
        }
        if (t.dtype() == want) {
            return backend.contiguous(t);
        }
        View c = backend.empty(want, t.shape());
        backend.copy(t, c);
        return c;
    }

    /** An output buffer in dtype `want`, contiguous: out itself when it already is. */
    private View out(View out, DType want, boolean accumulate) {
        if (out == null) {
            return null;
        }
        if (out.dtype() == want && out.isContiguous()) {
            return out;
        }
        View t = backend.empty(want, out.shape());
        if (accumulate) {
            backend.copy(out, t);
        }
        return t;
    }

    // ---- softmax ------------------------------------------------------------------------------------

    void softmax(View x, View out, boolean log) {
        requireFloat("softmax", x);
        long cols = x.dim() == 0 ? 1 : x.size(x.dim() - 1);
        long rows = cols == 0 ? 0 : x.numel() / cols;
        if (rows == 0) {
            return;
        }
        View xc = backend.contiguous(x);
        View o = out(out, x.dtype(), false);
        KernelArgs k = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(o)).i64(cols).i32(log ? 1 : 0);
        dev.launch("rows.cu", "softmax_" + CudaBackend.sfx(x.dtype()), (int) rows, 1, rowThreads(cols), 0, k);
        CudaBackend.release(xc, x);
        backend.finish(o, out);
    }

    void softmaxBackward(View y, View gy, View gx, boolean log) {
        requireFloat("softmaxBackward", y);
        long cols = y.size(y.dim() - 1);
        long rows = cols == 0 ? 0 : y.numel() / cols;
        if (rows == 0) {
            return;
        }
        View yc = as(y, y.dtype());
        View gc = as(gy, y.dtype());
        View o = out(gx, y.dtype(), false);
        KernelArgs k = KernelArgs.begin().ptr(CudaBackend.start(yc)).ptr(CudaBackend.start(gc)).ptr(CudaBackend.start(o)).i64(cols)
                .i32(log ? 1 : 0);
        dev.launch("rows.cu", "softmax_backward_" + CudaBackend.sfx(y.dtype()), (int) rows, 1, rowThreads(cols), 0, k);
        CudaBackend.release(yc, y);
        CudaBackend.release(gc, gy);
        backend.finish(o, gx);
    }

    // ---- layer norm ---------------------------------------------------------------------------------

    void layerNorm(View x, View weight, View bias, double eps, View y, View mean, View rstd) {
        requireFloat("layerNorm", x);
        DType t = x.dtype();
        DType st = statType(t);
        long cols = x.size(x.dim() - 1);
        long rows = cols == 0 ? 0 : x.numel() / cols;
        if (rows == 0) {
            return;
        }
        View xc = backend.contiguous(x);
        View wc = as(weight, t);
        View bc = as(bias, t);
        View yo = out(y, t, false);
        View mo = out(mean, st, false);
        View ro = out(rstd, st, false);
        KernelArgs k = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(wc == null ? 0 : CudaBackend.start(wc))
                .ptr(bc == null ? 0 : CudaBackend.start(bc)).f64(eps).ptr(CudaBackend.start(yo)).ptr(CudaBackend.start(mo))
                .ptr(CudaBackend.start(ro)).i64(cols);
        dev.launch("rows.cu", "layer_norm_" + CudaBackend.sfx(t), (int) rows, 1, rowThreads(cols), 0, k);
        CudaBackend.release(xc, x);
        CudaBackend.release(wc, weight);
        CudaBackend.release(bc, bias);
        backend.finish(yo, y);
        backend.finish(mo, mean);
        backend.finish(ro, rstd);
    }

    void layerNormBackward(View x, View weight, View mean, View rstd, View gy, View gx, View gw, View gb) {
        requireFloat("layerNormBackward", x);
        DType t = x.dtype();
        DType st = statType(t);
        long cols = x.size(x.dim() - 1);
        long rows = cols == 0 ? 0 : x.numel() / cols;
        if (rows == 0) {
            return;
        }
        View xc = backend.contiguous(x);
        View wc = as(weight, t);
        View mc = as(mean, st);
        View rc = as(rstd, st);
        View gc = as(gy, t);
        if (gx != null) {
            View o = out(gx, t, false);
            KernelArgs k = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(wc == null ? 0 : CudaBackend.start(wc))
                    .ptr(CudaBackend.start(mc)).ptr(CudaBackend.start(rc)).ptr(CudaBackend.start(gc)).ptr(CudaBackend.start(o)).i64(cols);
            dev.launch("rows.cu", "layer_norm_backward_" + CudaBackend.sfx(t), (int) rows, 1, rowThreads(cols), 0, k);
            backend.finish(o, gx);
        }
        if (gw != null || gb != null) {
            long perChunk = CudaBackend.rowsPerChunk(rows);
            long chunks = (rows + perChunk - 1) / perChunk;
            View pw = backend.empty(st, (int) chunks, (int) cols);
            View pb = backend.empty(st, (int) chunks, (int) cols);
            KernelArgs k = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(mc)).ptr(CudaBackend.start(rc))
                    .ptr(CudaBackend.start(gc)).i64(rows).i64(cols).i64(perChunk).ptr(CudaBackend.start(pw)).ptr(CudaBackend.start(pb));
            dev.launch("rows.cu", "layer_norm_params_partial_" + CudaBackend.sfx(t), (int) ((cols + 255) / 256), (int) chunks, 256, 0, k);
            sumChunks(pw, chunks, cols, gw, t);
            sumChunks(pb, chunks, cols, gb, t);
            pw.storage().close();
            pb.storage().close();
        }
        CudaBackend.release(xc, x);
        CudaBackend.release(wc, weight);
        CudaBackend.release(mc, mean);
        CudaBackend.release(rc, rstd);
        CudaBackend.release(gc, gy);
    }

    private void sumChunks(View partial, long chunks, long cols, View dst, DType t) {
        if (dst == null) {
            return;
        }
        View o = out(dst, t, false);
        KernelArgs k = KernelArgs.begin().ptr(CudaBackend.start(partial)).i64(chunks).i64(cols).ptr(CudaBackend.start(o));
        dev.launch1d("rows.cu", "sum_chunks_" + CudaBackend.sfx(t), cols, k);
        backend.finish(o, dst);
    }

    // ---- attention ----------------------------------------------------------------------------------

    /** Dimensions per lane of the fused kernel for head size d (0 when it is too large). */
    static int lanesWidth(int d) {
        for (int dl : ATTN_LANE_DIMS) {
            if (4 * dl >= d) {
                return dl;
            }
        }
        return 0;
    }

    /** Dynamic shared memory of attention_forward: a K and a V tile of 4*dl values each, in the statistics type. */
    static int forwardSharedBytes(int dl, DType st) {
        return 2 * ATTN_TILE * 4 * dl * st.byteSize();
    }

    /** Dynamic shared memory of attention_dkdv: a Q and a dY tile, and their log-sum-exp and delta. */
    static int dkdvSharedBytes(int dl, DType st) {
        return (2 * ATTN_TILE * 4 * dl + 2 * ATTN_TILE) * st.byteSize();
    }

    /** Dynamic shared memory of attention_dq: a K and a V tile. */
    static int dqSharedBytes(int dl, DType st) {
        return 2 * ATTN_TILE * 4 * dl * st.byteSize();
    }

    /** A view with unit stride along D, copied when it has none. */
    private View unitLast(View t) {
        return t.stride(3) == 1 ? t : backend.contiguous(t);
    }

    private static KernelArgs strides(KernelArgs a, View t) {
        return a.longs(t.stride(0), t.stride(1), t.stride(2));
    }

    private static void checkAttention(View q, View k, View v) {
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
            throw new IllegalArgumentException("attention takes (B, H, T, D) tensors, got " + q.describe() + ", " + k.describe() + ", "
                    + v.describe());
        }
        requireFloat("attention", q);
    }

    /** The fused attention kernels take v with q's head size d, and (batch x heads) as gridDim.y. */
    private static boolean fusedAttentionFits(View v, int b, int h, int d) {
        return v.size(3) == d && (long) b * h <= CudaBackend.MAX_GRID_Y;
    }

    void attention(View q, View k, View v, double scale, View out, View lse) {
        checkAttention(q, k, v);
        int b = q.size(0);
        int h = q.size(1);
        int t = q.size(2);
        int d = q.size(3);
        int s = k.size(2);
        int dl = lanesWidth(d);
        if (b * h * t == 0) {
            return;
        }
        DType st = statType(q.dtype());
        if (s == 0) {   // no keys: zero output and log-sum-exp -inf, as the CPU reference
            backend.fill(out, 0.0);
            backend.fill(lse, Double.NEGATIVE_INFINITY);
            return;
        }
        if (dl == 0 || !fusedAttentionFits(v, b, h, d)) {
            composite(q, k, v, scale, out, lse);
            return;
        }
        View qc = unitLast(q);
        View kc = unitLast(k);
        View vc = unitLast(v);
        View oc = out.stride(3) == 1 ? out : backend.empty(out.dtype(), out.shape());
        View lo = out(lse, st, false);
        KernelArgs a = KernelArgs.begin();
        strides(a.ptr(CudaBackend.address(qc) + (long) qc.offset() * qc.dtype().byteSize()), qc);
        strides(a.ptr(CudaBackend.start(kc)), kc);
        strides(a.ptr(CudaBackend.start(vc)), vc);
        strides(a.ptr(CudaBackend.start(oc)), oc);
        a.ptr(CudaBackend.start(lo)).i32(h).i32(t).i32(s).i32(d).f64(scale);
        int smem = forwardSharedBytes(dl, st);
        dev.launch("attention.cu", "attention_forward_" + CudaBackend.sfx(q.dtype()) + "_" + dl, (t + ATTN_ROWS - 1) / ATTN_ROWS, b * h,
                ATTN_THREADS, smem, a);
        CudaBackend.release(qc, q);
        CudaBackend.release(kc, k);
        CudaBackend.release(vc, v);
        backend.finish(oc, out);
        backend.finish(lo, lse);
    }

    void attentionBackward(View q, View k, View v, View out, View lse, View gy, double scale, View gq, View gk, View gv) {
        checkAttention(q, k, v);
        int b = q.size(0);
        int h = q.size(1);
        int t = q.size(2);
        int d = q.size(3);
        int s = k.size(2);
        int dl = lanesWidth(d);
        DType st = statType(q.dtype());
        if (dl == 0 || s == 0 || t == 0 || !fusedAttentionFits(v, b, h, d)) {
            compositeBackward(q, k, v, lse, gy, scale, gq, gk, gv);
            return;
        }
        View qc = unitLast(q);
        View kc = unitLast(k);
        View vc = unitLast(v);
        View oc = unitLast(out);
        View gc = unitLast(gy);
        View lc = as(lse, st);
        View gqo = gq.stride(3) == 1 ? gq : backend.empty(gq.dtype(), gq.shape());
        View gko = gk.stride(3) == 1 ? gk : backend.empty(gk.dtype(), gk.shape());
        View gvo = gv.stride(3) == 1 ? gv : backend.empty(gv.dtype(), gv.shape());
        View delta = backend.empty(st, b, h, t);
        String sx = CudaBackend.sfx(q.dtype());
        KernelArgs a = KernelArgs.begin();
        strides(a.ptr(CudaBackend.start(oc)), oc);
        strides(a.ptr(CudaBackend.start(gc)), gc);
        a.ptr(CudaBackend.start(delta)).i32(h).i32(t).i32(d).i32(b * h);
        long warps = (long) b * h * t;
        dev.launch("attention.cu", "attention_delta_" + sx, (int) ((warps * 32 + 255) / 256), 1, 256, 0, a);

        a = KernelArgs.begin();
        strides(a.ptr(CudaBackend.start(qc)), qc);
        strides(a.ptr(CudaBackend.start(kc)), kc);
        strides(a.ptr(CudaBackend.start(vc)), vc);
        strides(a.ptr(CudaBackend.start(gc)), gc);
        a.ptr(CudaBackend.start(lc)).ptr(CudaBackend.start(delta));
        strides(a.ptr(CudaBackend.start(gko)), gko);
        strides(a.ptr(CudaBackend.start(gvo)), gvo);
        a.i32(h).i32(t).i32(s).i32(d).f64(scale);
        int smemKv = dkdvSharedBytes(dl, st);
        dev.launch("attention.cu", "attention_dkdv_" + sx + "_" + dl, (s + ATTN_ROWS - 1) / ATTN_ROWS, b * h, ATTN_THREADS, smemKv, a);

        a = KernelArgs.begin();
        strides(a.ptr(CudaBackend.start(qc)), qc);
        strides(a.ptr(CudaBackend.start(kc)), kc);
        strides(a.ptr(CudaBackend.start(vc)), vc);
        strides(a.ptr(CudaBackend.start(gc)), gc);
        a.ptr(CudaBackend.start(lc)).ptr(CudaBackend.start(delta));
        strides(a.ptr(CudaBackend.start(gqo)), gqo);
        a.i32(h).i32(t).i32(s).i32(d).f64(scale);
        int smemQ = dqSharedBytes(dl, st);
        dev.launch("attention.cu", "attention_dq_" + sx + "_" + dl, (t + ATTN_ROWS - 1) / ATTN_ROWS, b * h, ATTN_THREADS, smemQ, a);

        delta.storage().close();
        CudaBackend.release(qc, q);
        CudaBackend.release(kc, k);
        CudaBackend.release(vc, v);
        CudaBackend.release(oc, out);
        CudaBackend.release(gc, gy);
        CudaBackend.release(lc, lse);
        backend.finish(gqo, gq);
        backend.finish(gko, gk);
        backend.finish(gvo, gv);
    }

    /** k viewed as (B, H, D, S) without a copy. */
    private static View transposed(View k) {
        return View.checked(k.storage(), k.offset(), new int[] {k.size(0), k.size(1), k.size(3), k.size(2)},
                new int[] {k.stride(0), k.stride(1), k.stride(3), k.stride(2)});
    }

    /** Attention from GEMMs and row kernels, for head sizes beyond the fused kernel (D > 128). */
    private void composite(View q, View k, View v, double scale, View out, View lse) {
        int b = q.size(0);
        int h = q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        View scores = backend.empty(q.dtype(), b, h, t, s);
        backend.matmul(q, transposed(k), scores, scale, 0.0);
        View logp = backend.empty(q.dtype(), b, h, t, s);
        backend.softmax(scores, logp, true);
        // lse = score - log p, read at the first key of each row
        View first = View.checked(scores.storage(), 0, new int[] {b, h, t}, new int[] {h * t * s, t * s, s});
        View firstLog = View.checked(logp.storage(), 0, new int[] {b, h, t}, new int[] {h * t * s, t * s, s});
        View lt = backend.empty(q.dtype(), b, h, t);
        backend.binary(BinaryOp.SUB, first, firstLog, lt);
        backend.copy(lt, lse);
        backend.unary(UnaryOp.EXP, logp, scores, 0, 0);
        backend.matmul(scores, v, out, 1.0, 0.0);
        lt.storage().close();
        logp.storage().close();
        scores.storage().close();
    }

    private void compositeBackward(View q, View k, View v, View lse, View gy, double scale, View gq, View gk, View gv) {
        int b = q.size(0);
        int h = q.size(1);
        int t = q.size(2);
        int s = k.size(2);
        if (b * h * t * s == 0) {
            backend.fill(gq, 0);
            backend.fill(gk, 0);
            backend.fill(gv, 0);
            return;
        }
        View p = backend.empty(q.dtype(), b, h, t, s);
        backend.matmul(q, transposed(k), p, scale, 0.0);
        View l = as(lse, q.dtype());
        View lb = View.checked(l.storage(), l.offset(), new int[] {b, h, t, s}, new int[] {h * t, t, 1, 0});
        backend.binary(BinaryOp.SUB, p, lb, p);
        backend.unary(UnaryOp.EXP, p, p, 0, 0);
        View pt = transposed(p);
        backend.matmul(pt, gy, gv, 1.0, 0.0);
        View dp = backend.empty(q.dtype(), b, h, t, s);
        backend.matmul(gy, transposed(v), dp, 1.0, 0.0);
        backend.softmaxBackward(p, dp, dp, false);
        backend.matmul(dp, k, gq, scale, 0.0);
        backend.matmul(transposed(dp), q, gk, scale, 0.0);
        dp.storage().close();
        CudaBackend.release(l, lse);
        p.storage().close();
    }

    // ---- optimizer and loss -------------------------------------------------------------------------

    void adamw(View param, View grad, View m, View v, double lr, double beta1, double beta2, double eps, double weightDecay,
               long step) {
        DType t = param.dtype();
        requireFloat("adamw", param);
        for (View x : new View[] {grad, m, v}) {
            if (x.dtype() != t || !x.isContiguous() || x.numel() != param.numel()) {
                throw new IllegalArgumentException("adamw needs contiguous gradient and moments of the parameter's dtype and size, got "
                        + x.describe() + " for " + param.describe());
            }
        }
        if (!param.isContiguous()) {
            throw new IllegalArgumentException("adamw needs a contiguous parameter, got " + param.describe());
        }
        if (step < 1) {
            throw new IllegalArgumentException("adamw step counts from 1, got " + step);
        }
        double stepSize = lr / (1 - Math.pow(beta1, step));
        double invBc2 = 1 / Math.sqrt(1 - Math.pow(beta2, step));
        long n = param.numel();
        KernelArgs k = KernelArgs.begin().i64(n).ptr(CudaBackend.start(param)).ptr(CudaBackend.start(grad)).ptr(CudaBackend.start(m))
                .ptr(CudaBackend.start(v)).f64(lr).f64(beta1).f64(beta2).f64(eps).f64(weightDecay).f64(stepSize).f64(invBc2);
        dev.launch1d("rows.cu", "adamw_" + CudaBackend.sfx(t), n, k);
    }

    void marginCrossEntropy(View cos, View labels, double s, double m1, double m2, double m3, boolean exact, boolean hardFallback,
                            double gradScale, View loss, View grad) {
        if (cos.dim() != 2 || !cos.isContiguous() || (grad != null && (!grad.isContiguous() || grad.dtype() != cos.dtype()))) {
            throw new IllegalArgumentException("marginCrossEntropy needs contiguous (B, K) logits and gradient, got " + cos.describe());
        }
        requireFloat("marginCrossEntropy", cos);
        int rows = cos.size(0);
        int cols = cos.size(1);
        View lab = as(labels, DType.I64);
        // check the labels before anything is written (the gradient may overwrite the logits)
        long[] y = new long[rows];
        backend.read(lab.storage(), lab.offset(), y, 0, rows);
        for (int i = 0; i < rows; i++) {
            if (y[i] < -1 || y[i] >= cols) {
                CudaBackend.release(lab, labels);
                throw new IndexOutOfBoundsException("marginCrossEntropy: label " + y[i] + " of row " + i + " is outside [-1, " + cols + ")");
            }
        }
        View lo = out(loss, cos.dtype(), false);
        KernelArgs k = KernelArgs.begin().ptr(CudaBackend.start(cos)).ptr(CudaBackend.start(lab)).i64(cols).f64(s).f64(m1).f64(m2).f64(m3)
                .i32(exact ? 1 : 0).i32(hardFallback ? 1 : 0).f64(gradScale).ptr(CudaBackend.start(lo))
                .ptr(grad == null ? 0 : CudaBackend.start(grad)).ptr(dev.errorBuffer());
        if (rows > 0) {
            dev.launch("rows.cu", "margin_ce_" + CudaBackend.sfx(cos.dtype()), rows, 1, rowThreads(cols), 0, k);
        }
        CudaBackend.release(lab, labels);
        backend.finish(lo, loss);
    }
}
