package panface.tensor.cuda;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.backend.Pool2dParams;

/**
 * Gather/scatter and image kernels on the GPU. Indices are checked on the device before any
 * in-place write, so a bad index raises {@link IndexOutOfBoundsException} with nothing modified.
 */
final class CudaIndexing {
    private final CudaBackend backend;
    private final CudaDevice dev;

    CudaIndexing(CudaBackend backend, CudaDevice dev) {
        this.backend = backend;
        this.dev = dev;
    }

    private static String isfx(View index) {
        return switch (index.dtype()) {
            case I64 -> "i64";
            case I32 -> "i32";
            default -> throw new IllegalArgumentException("indices must be I64 or I32, got " + index.describe());
        };
    }

    private static long prod(int[] s, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            p *= s[i];
        }
        return p;
    }

    /** Raises the error for the first index outside [0, bound), before anything is written. */
    private void checkIndices(String op, View index, long bound) {
        long n = index.numel();
        if (n == 0) {
            return;
        }
        KernelArgs k = KernelArgs.begin().i64(n).ptr(CudaBackend.address(index)).layout(index).i64(bound).ptr(dev.errorBuffer());
        dev.launch1d("index.cu", "check_index_" + isfx(index), n, k);
        dev.checkErrors(op);
    }

    void indexSelect(View x, int dim, View index, View out) {
        int[] xs = x.shape();
        checkIndices("indexSelect", index, xs[dim]);
        View xc = backend.contiguous(x);
        View ic = backend.contiguous(index);
        View o = backend.output(out, false);
        long outer = prod(xs, 0, dim);
        long inner = prod(xs, dim + 1, xs.length);
        long kk = index.numel();
        KernelArgs a = KernelArgs.begin().i64(outer).i64(xs[dim]).i64(kk).i64(inner).ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(ic))
                .ptr(CudaBackend.start(o)).ptr(dev.errorBuffer());
        dev.launch1d("index.cu", "index_select_" + CudaBackend.sfx(x.dtype()) + "_" + isfx(index), outer * kk * inner, a);
        CudaBackend.release(xc, x);
        CudaBackend.release(ic, index);
        backend.finish(o, out);
    }

    void indexAdd(View out, int dim, View index, View src) {
        requireAccumulable("indexAdd", out);
        int[] os = out.shape();
        checkIndices("indexAdd", index, os[dim]);
        View o = backend.output(out, true);
        View sc = backend.contiguous(src.dtype() == out.dtype() ? src : converted(src, out.dtype()));
        View ic = backend.contiguous(index);
        long outer = prod(os, 0, dim);
        long inner = prod(os, dim + 1, os.length);
        long kk = index.numel();
        KernelArgs a = KernelArgs.begin().i64(outer).i64(os[dim]).i64(kk).i64(inner).ptr(CudaBackend.start(o)).ptr(CudaBackend.start(ic))
                .ptr(CudaBackend.start(sc)).ptr(dev.errorBuffer());
        dev.launch1d("index.cu", "index_add_" + CudaBackend.sfx(out.dtype()) + "_" + isfx(index), outer * kk * inner, a);
        CudaBackend.release(sc, src);
        CudaBackend.release(ic, index);
        backend.finish(o, out);
    }

    private View converted(View t, DType dtype) {
        View c = backend.empty(dtype, t.shape());
        backend.copy(t, c);
        return c;
    }

    private static void requireAccumulable(String op, View out) {
        if (out.dtype() == DType.BOOL) {
            throw new IllegalArgumentException(op + " cannot accumulate into a BOOL tensor");
        }
    }

    private static void checkIndexShape(String op, int[] index, int[] data, int dim) {
        if (index.length != data.length) {
            throw new IllegalArgumentException(op + ": index has rank " + index.length + " but the data has rank " + data.length);
        }
        for (int d = 0; d < index.length; d++) {
            if (d != dim && index[d] > data[d]) {
                throw new IllegalArgumentException(op + ": index size " + index[d] + " exceeds data size " + data[d] + " in dimension " + d);
            }
        }
    }

    void gather(View x, int dim, View index, View out) {
        checkIndexShape("gather", index.shape(), x.shape(), dim);
        checkIndices("gather", index, x.size(dim));
        View o = backend.output(out, false);
        long n = index.numel();
        KernelArgs a = KernelArgs.begin().i64(n).ptr(CudaBackend.address(x)).layout(x).ptr(CudaBackend.address(index)).layout(index)
                .ptr(CudaBackend.start(o)).i32(dim).ptr(dev.errorBuffer());
        dev.launch1d("index.cu", "gather_" + CudaBackend.sfx(x.dtype()) + "_" + isfx(index), n, a);
        backend.finish(o, out);
    }

    void scatterAdd(View out, int dim, View index, View src) {
        requireAccumulable("scatterAdd", out);
        checkIndexShape("scatterAdd", index.shape(), out.shape(), dim);
        checkIndexShape("scatterAdd", index.shape(), src.shape(), -1);
        checkIndices("scatterAdd", index, out.size(dim));
        View sc = src.dtype() == out.dtype() ? src : converted(src, out.dtype());
        long n = index.numel();
        KernelArgs a = KernelArgs.begin().i64(n).ptr(CudaBackend.address(out)).layout(out).ptr(CudaBackend.address(index)).layout(index)
                .ptr(CudaBackend.address(sc)).layout(sc).i32(dim).ptr(dev.errorBuffer());
        dev.launch1d("index.cu", "scatter_add_" + CudaBackend.sfx(out.dtype()) + "_" + isfx(index), n, a);
        CudaBackend.release(sc, src);
    }

    // ---- images ---------------------------------------------------------------------------------------

    private static int[] conv(Conv2dParams p) {
        return new int[] {p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(), p.dh(), p.dw()};
    }

    private static int[] pool(Pool2dParams p) {
        return new int[] {p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(), p.countIncludePad() ? 1 : 0};
    }

    private static void requireImage(String op, View x) {
        if (x.dim() != 4 || !x.dtype().isFloating()) {
            throw new IllegalArgumentException(op + " takes a floating-point (N, C, H, W) tensor, got " + x.describe());
        }
    }

    void im2col(View x, Conv2dParams p, View cols) {
        requireImage("im2col", x);
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = p.outH(h);
        int wo = p.outW(w);
        View xc = backend.contiguous(x);
        View o = backend.output(cols, false);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(o)).i32(n).i32(c).i32(h).i32(w).i32(ho).i32(wo)
                .ints(conv(p));
        dev.launch1d("image.cu", "im2col_" + CudaBackend.sfx(x.dtype()), (long) n * c * p.kh() * p.kw() * ho * wo, a);
        CudaBackend.release(xc, x);
        backend.finish(o, cols);
    }

    void col2im(View cols, Conv2dParams p, View x) {
        requireImage("col2im", x);
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        View cc = backend.contiguous(cols);
        View o = backend.output(x, true);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(cc)).ptr(CudaBackend.start(o)).i32(n).i32(c).i32(h).i32(w).i32(p.outH(h))
                .i32(p.outW(w)).ints(conv(p));
        dev.launch1d("image.cu", "col2im_" + CudaBackend.sfx(x.dtype()), (long) n * c * h * w, a);
        CudaBackend.release(cc, cols);
        backend.finish(o, x);
    }

    void maxPool2d(View x, Pool2dParams p, View out, View argmax) {
        requireImage("maxPool2d", x);
        View xc = backend.contiguous(x);
        View o = backend.output(out, false);
        View am = backend.output(argmax, false);
        int planes = x.size(0) * x.size(1);
        int ho = out.size(2);
        int wo = out.size(3);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(o)).ptr(CudaBackend.start(am)).i32(planes)
                .i32(x.size(2)).i32(x.size(3)).i32(ho).i32(wo).ints(pool(p));
        dev.launch1d("image.cu", "max_pool_" + CudaBackend.sfx(x.dtype()), (long) planes * ho * wo, a);
        CudaBackend.release(xc, x);
        backend.finish(o, out);
        backend.finish(am, argmax);
    }

    void maxPool2dBackward(View gy, View argmax, View gx) {
        View gc = backend.contiguous(gy);
        View ac = backend.contiguous(argmax);
        View o = backend.output(gx, true);
        int planes = gx.size(0) * gx.size(1);
        int per = gy.size(2) * gy.size(3);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(gc)).ptr(CudaBackend.start(ac)).ptr(CudaBackend.start(o)).i32(planes)
                .i32(gx.size(2) * gx.size(3)).i32(per);
        dev.launch1d("image.cu", "max_pool_backward_" + CudaBackend.sfx(gx.dtype()), (long) planes * per, a);
        CudaBackend.release(gc, gy);
        CudaBackend.release(ac, argmax);
        backend.finish(o, gx);
    }

    void avgPool2d(View x, Pool2dParams p, View out) {
        requireImage("avgPool2d", x);
        View xc = backend.contiguous(x);
        View o = backend.output(out, false);
        int planes = x.size(0) * x.size(1);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(o)).i32(planes).i32(x.size(2)).i32(x.size(3))
                .i32(out.size(2)).i32(out.size(3)).ints(pool(p));
        dev.launch1d("image.cu", "avg_pool_" + CudaBackend.sfx(x.dtype()), (long) planes * out.size(2) * out.size(3), a);
        CudaBackend.release(xc, x);
        backend.finish(o, out);
    }

    void avgPool2dBackward(View gy, Pool2dParams p, View gx) {
        View gc = backend.contiguous(gy);
        View o = backend.output(gx, false);
        int planes = gx.size(0) * gx.size(1);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(gc)).ptr(CudaBackend.start(o)).i32(planes).i32(gx.size(2)).i32(gx.size(3))
                .i32(gy.size(2)).i32(gy.size(3)).ints(pool(p));
        dev.launch1d("image.cu", "avg_pool_backward_" + CudaBackend.sfx(gx.dtype()), (long) planes * gx.size(2) * gx.size(3), a);
        CudaBackend.release(gc, gy);
        backend.finish(o, gx);
    }

    void adaptiveAvgPool2d(View x, View out) {
        requireImage("adaptiveAvgPool2d", x);
        View xc = backend.contiguous(x);
        View o = backend.output(out, false);
        int planes = x.size(0) * x.size(1);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(o)).i32(planes).i32(x.size(2)).i32(x.size(3))
                .i32(out.size(2)).i32(out.size(3));
        dev.launch1d("image.cu", "adaptive_avg_pool_" + CudaBackend.sfx(x.dtype()), (long) planes * out.size(2) * out.size(3), a);
        CudaBackend.release(xc, x);
        backend.finish(o, out);
    }

    void adaptiveAvgPool2dBackward(View gy, View gx) {
        View gc = backend.contiguous(gy);
        View o = backend.output(gx, false);
        int planes = gx.size(0) * gx.size(1);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(gc)).ptr(CudaBackend.start(o)).i32(planes).i32(gx.size(2)).i32(gx.size(3))
                .i32(gy.size(2)).i32(gy.size(3));
        dev.launch1d("image.cu", "adaptive_avg_pool_backward_" + CudaBackend.sfx(gx.dtype()), (long) planes * gx.size(2) * gx.size(3), a);
        CudaBackend.release(gc, gy);
        backend.finish(o, gx);
    }

    void gridSample(View x, View grid, boolean alignCorners, View out) {
        requireImage("gridSample", x);
        View xc = backend.contiguous(x);
        View gc = backend.contiguous(grid.dtype() == x.dtype() ? grid : converted(grid, x.dtype()));
        View o = backend.output(out, false);
        int n = x.size(0);
        int c = x.size(1);
        int ho = grid.size(1);
        int wo = grid.size(2);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(gc)).ptr(CudaBackend.start(o)).i32(n).i32(c)
                .i32(x.size(2)).i32(x.size(3)).i32(ho).i32(wo).i32(alignCorners ? 1 : 0);
        dev.launch1d("image.cu", "grid_sample_" + CudaBackend.sfx(x.dtype()), (long) n * c * ho * wo, a);
        CudaBackend.release(xc, x);
        CudaBackend.release(gc, grid);
        backend.finish(o, out);
    }

    void gridSampleBackward(View x, View grid, boolean alignCorners, View gy, View gx, View ggrid) {
        requireImage("gridSampleBackward", x);
        if (grid.dtype() != x.dtype() || (ggrid != null && ggrid.dtype() != x.dtype())) {
            throw new IllegalArgumentException("gridSample needs the grid in the image's dtype, got " + grid.describe());
        }
        View xc = backend.contiguous(x);
        View gc = backend.contiguous(grid);
        View yc = backend.contiguous(gy);
        View dx = backend.output(gx, true);
        View dg = backend.output(ggrid, true);
        int n = x.size(0);
        int ho = grid.size(1);
        int wo = grid.size(2);
        KernelArgs a = KernelArgs.begin().ptr(CudaBackend.start(xc)).ptr(CudaBackend.start(gc)).ptr(CudaBackend.start(yc))
                .ptr(dx == null ? 0 : CudaBackend.start(dx)).ptr(dg == null ? 0 : CudaBackend.start(dg)).i32(n).i32(x.size(1)).i32(x.size(2))
                .i32(x.size(3)).i32(ho).i32(wo).i32(alignCorners ? 1 : 0);
        dev.launch1d("image.cu", "grid_sample_backward_" + CudaBackend.sfx(x.dtype()), (long) n * ho * wo, a);
        CudaBackend.release(xc, x);
        CudaBackend.release(gc, grid);
        CudaBackend.release(yc, gy);
        if (dx != null) {
            backend.finish(dx, gx);
        }
        if (dg != null) {
            backend.finish(dg, ggrid);
        }
    }
}
