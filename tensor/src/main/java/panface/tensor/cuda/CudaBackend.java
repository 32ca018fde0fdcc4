package panface.tensor.cuda;

import java.lang.foreign.MemorySegment;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Storage;
import panface.tensor.View;
import panface.tensor.backend.Backend;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.backend.Distribution;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.runtime.CpuStorage;
import panface.tensor.internal.Floats;

/**
 * The CUDA backend: the same primitives as the CPU backend, on one GPU. Elementwise kernels,
 * copies and reductions work on strided views directly; the fused and image kernels take
 * contiguous data (strided arguments are copied first). GEMMs go to cuBLAS. Sorting, top-k and
 * searchsorted round-trip through the host (documented; they are not on the training hot path).
 * Work is queued on the device's stream; reading data back, and operations that can fail on
 * bad indices, wait for it.
 */
public final class CudaBackend implements Backend {
    private final CudaDevice dev;
    private final CudaGemm gemm;
    private final CudaFused fused;
    private final CudaIndexing indexing;

    CudaBackend(CudaDevice dev) {
        this.dev = dev;
        this.gemm = new CudaGemm(this, dev);
        this.fused = new CudaFused(this, dev);
        this.indexing = new CudaIndexing(this, dev);
    }

    @Override
    public Device device() {
        return dev.device();
    }

    /** The device's name, compute capability, multiprocessors and memory. */
    public String describe() {
        var info = dev.info();
        return dev.device() + ": " + info.name() + ", compute capability " + info.major() + "." + info.minor() + ", " + info.multiprocessors()
                + " multiprocessors, " + CudaAllocator.mib(info.totalMemory());
    }

    /** Bytes held by live tensors, bytes cached for reuse, and the peak held. */
    public long[] memory() {
        CudaAllocator a = dev.allocator();
        return new long[] {a.inUse(), a.cached(), a.peak()};
    }

    /** Returns cached blocks to the driver (for other processes or libraries on the GPU). */
    public void emptyCache() {
        dev.allocator().releaseCache();
    }

    /** Waits until every queued kernel and copy has finished. */
    @Override
    public void synchronize() {
        dev.synchronize();
    }

    /** How float32 matrix products run: exact fp32 (the default, as PyTorch) or TF32 tensor cores. */
    public void setFloat32MatmulMode(panface.nativebindings.cublas.CublasHandle.Float32Mode mode) {
        gemm.setFloat32Mode(mode);
    }

    // ---- memory ---------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int numel) {
        return new CudaStorage(dev, dtype, numel, true);
    }

    @Override
    public Storage allocateUninitialized(DType dtype, int numel) {
        return new CudaStorage(dev, dtype, numel, false);
    }

    static long address(View t) {
        return ((CudaStorage) t.storage()).address();
    }

    /** Address of the view's first element (for kernels that take contiguous data). */
    static long start(View t) {
        return address(t) + (long) t.offset() * t.dtype().byteSize();
    }

    static String sfx(DType t) {
        return switch (t) {
            case F32 -> "f32";
            case F64 -> "f64";
            case BF16 -> "bf16";
            case F16 -> "f16";
            case I32 -> "i32";
            case I64 -> "i64";
            case BOOL -> "b8";
        };
    }

    private static Class<?> arrayType(DType t) {
        return switch (t) {
            case F32 -> float[].class;
            case F64 -> double[].class;
            case BF16, F16 -> short[].class;
            case I32 -> int[].class;
            case I64 -> long[].class;
            case BOOL -> byte[].class;
        };
    }

    private static void checkHost(Storage s, Object host, int hostOffset, int count) {
        if (host.getClass() != arrayType(s.dtype())) {
            throw new IllegalArgumentException("host array " + host.getClass().getSimpleName() + " does not match storage element type "
                    + s.dtype());
        }
        if (count < 0 || hostOffset < 0 || hostOffset + count > java.lang.reflect.Array.getLength(host)) {
            throw new IndexOutOfBoundsException("host range [" + hostOffset + ", " + (hostOffset + count) + ") is outside the array");
        }
    }

    private static MemorySegment heap(Object array) {
        return switch (array) {
            case float[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case byte[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalArgumentException("not a primitive array: " + array.getClass());
        };
    }

    @Override
    public void write(Storage dst, int dstOffset, Object src, int srcOffset, int count) {
        checkHost(dst, src, srcOffset, count);
        if (dstOffset < 0 || dstOffset + count > dst.numel()) {
            throw new IndexOutOfBoundsException("storage range [" + dstOffset + ", " + (dstOffset + count) + ") is outside " + dst.numel());
        }
        long es = dst.dtype().byteSize();
        MemorySegment host = heap(src).asSlice(srcOffset * es, count * es);
        dev.upload(((CudaStorage) dst).address() + dstOffset * es, host, count * es);
    }

    @Override
    public void read(Storage src, int srcOffset, Object dst, int dstOffset, int count) {
        checkHost(src, dst, dstOffset, count);
        if (srcOffset < 0 || srcOffset + count > src.numel()) {
            throw new IndexOutOfBoundsException("storage range [" + srcOffset + ", " + (srcOffset + count) + ") is outside " + src.numel());
        }
        long es = src.dtype().byteSize();
        MemorySegment host = heap(dst).asSlice(dstOffset * es, count * es);
        dev.download(host, ((CudaStorage) src).address() + srcOffset * es, count * es);
    }

    @Override
    public void copy(View src, View dst) {
        long n = dst.numel();
        if (n == 0) {
            return;
        }
        if (src.dtype() == dst.dtype()) {
            int es = src.dtype().byteSize();
            if (src.isContiguous() && dst.isContiguous()) {
                dev.makeCurrent();
                panface.nativebindings.cuda.Cuda.copyDeviceToDevice(start(dst), start(src), n * es, dev.stream());
                return;
            }
            KernelArgs a = KernelArgs.begin().i64(n).ptr(address(src)).layout(src).ptr(address(dst)).layout(dst);
            dev.launch1d("elementwise.cu", "copy_w" + es, n, a);
            return;
        }
        boolean integral = !src.dtype().isFloating() && !dst.dtype().isFloating();
        KernelArgs a = KernelArgs.begin().i64(n).ptr(address(src)).layout(src).ptr(address(dst)).layout(dst).i32(integral ? 1 : 0);
        dev.launch1d("elementwise.cu", "convert_" + sfx(src.dtype()) + "_" + sfx(dst.dtype()), n, a);
    }

    @Override
    public void fill(View dst, double value) {
        long n = dst.numel();
        if (n == 0) {
            return;
        }
        KernelArgs a = KernelArgs.begin().i64(n).ptr(address(dst)).layout(dst);
        switch (dst.dtype()) {
            case F32 -> a.i32(Float.floatToRawIntBits((float) value));
            case F64 -> a.i64(Double.doubleToRawLongBits(value));
            case BF16 -> a.ints16(Floats.floatToBf16((float) value));
            case F16 -> a.ints16(Floats.floatToF16((float) value));
            case I32 -> a.i32((int) value);
            case I64 -> a.i64((long) value);
            case BOOL -> a.byte8((byte) (value != 0 ? 1 : 0));
        }
        dev.launch1d("elementwise.cu", "fill_w" + dst.dtype().byteSize(), n, a);
    }

    @Override
    public void randomFill(View dst, Distribution dist, long seed, long offset, double a, double b) {
        if (!dst.isContiguous()) {
            throw new IllegalArgumentException("randomFill needs a contiguous tensor, got " + dst.describe());
        }
        if (!dst.dtype().isFloating() && dist != Distribution.BERNOULLI) {
            throw new IllegalArgumentException(dist + " needs a floating-point tensor, got " + dst.describe());
        }
        long n = dst.numel();
        boolean wide = dst.dtype() == DType.F64 && dist != Distribution.BERNOULLI;
        long blocks = (n + (wide ? 1 : 3)) / (wide ? 2 : 4);
        KernelArgs args = KernelArgs.begin().i32(dist.ordinal()).i64(n).ptr(start(dst)).i64(seed).i64(offset).f64(a).f64(b)
                .i32(dst.dtype() == DType.F32 && dist == Distribution.NORMAL ? 1 : 0);
        dev.launch1d("elementwise.cu", "random_" + sfx(dst.dtype()), blocks, args);
    }

    // ---- elementwise ----------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, View x, View out, double a, double b) {
        long n = out.numel();
        if (op.isPredicate()) {
            View o = out.dtype() == DType.BOOL ? out : empty(DType.BOOL, out.shape());
            KernelArgs k = KernelArgs.begin().i32(op.ordinal()).i64(n).ptr(address(x)).layout(x).ptr(address(o)).layout(o);
            dev.launch1d("elementwise.cu", "unary_pred_" + sfx(x.dtype()), n, k);
            finish(o, out);
            return;
        }
        View o = out.dtype() == x.dtype() ? out : empty(x.dtype(), out.shape());
        KernelArgs k = KernelArgs.begin().i32(op.ordinal()).i64(n).ptr(address(x)).layout(x).ptr(address(o)).layout(o).f64(a).f64(b);
        dev.launch1d("elementwise.cu", "unary_" + sfx(x.dtype()), n, k);
        finish(o, out);
    }

    /** Copies a temporary result into the requested output and frees it (no-op when they are the same). */
    void finish(View temp, View out) {
        if (temp != out) {
            copy(temp, out);
            temp.storage().close();
        }
    }

    @Override
    public void unaryBackward(UnaryOp op, View x, View y, View gy, View gx, double a, double b) {
        DType t = gy.dtype();
        if (!t.isFloating()) {
            throw new IllegalArgumentException("gradients are floating point, got " + gy.describe());
        }
        long n = gx.numel();
        KernelArgs k = KernelArgs.begin().i32(op.ordinal()).i64(n);
        if (x != null) {
            k.ptr(address(x)).layout(x);
        } else {
            k.ptr(0).layout(gy);
        }
        if (y != null) {
            k.ptr(address(y)).layout(y);
        } else {
            k.ptr(0).layout(gy);
        }
        k.ptr(address(gy)).layout(gy).ptr(address(gx)).layout(gx).f64(a).f64(b);
        dev.launch1d("elementwise.cu", "unary_backward_" + sfx(t), n, k);
    }

    @Override
    public void biasActivation(UnaryOp act, double a, double b, View x, View bias, View out) {
        if (!fusable(x, bias, out)) {
            Backend.super.biasActivation(act, a, b, x, bias, out);
            return;
        }
        long n = x.numel();
        KernelArgs k = KernelArgs.begin().i32(act.ordinal()).i64(n).i64(bias.numel()).ptr(start(x)).ptr(start(bias))
                .ptr(start(out)).f64(a).f64(b);
        dev.launch1d("elementwise.cu", "bias_act_" + sfx(x.dtype()), n, k);
    }

    @Override
    public void biasActivationBackward(UnaryOp act, double a, double b, View x, View bias, View gy, View gz) {
        if (!fusable(x, bias, gz) || !gy.isContiguous() || gy.dtype() != x.dtype()) {
            Backend.super.biasActivationBackward(act, a, b, x, bias, gy, gz);
            return;
        }
        long n = x.numel();
        KernelArgs k = KernelArgs.begin().i32(act.ordinal()).i64(n).i64(bias.numel()).ptr(start(x)).ptr(start(bias))
                .ptr(start(gy)).ptr(start(gz)).f64(a).f64(b);
        dev.launch1d("elementwise.cu", "bias_act_backward_" + sfx(x.dtype()), n, k);
    }

    /** Contiguous floating x and out of one dtype, and a contiguous bias as long as x's last dimension. */
    private static boolean fusable(View x, View bias, View out) {
        return x.dtype().isFloating() && x.dtype() == bias.dtype() && x.dtype() == out.dtype() && x.isContiguous() && out.isContiguous()
                && bias.isContiguous() && bias.dim() == 1 && x.dim() >= 1 && bias.size(0) == x.size(-1) && x.numel() > 0;
    }

    @Override
    public void binary(BinaryOp op, View a, View b, View out) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("binary " + op + " needs operands of one dtype, got " + a.dtype() + " and " + b.dtype());
        }
        long n = out.numel();
        DType want = op.isPredicate() ? DType.BOOL : a.dtype();
        View o = out.dtype() == want ? out : empty(want, out.shape());
        boolean integral = !a.dtype().isFloating();
        String name = (integral ? "binary_int_" : "binary_") + (op.isPredicate() ? "pred_" : "") + sfx(a.dtype());
        KernelArgs k = KernelArgs.begin().i32(op.ordinal()).i64(n).ptr(address(a)).layout(a).ptr(address(b)).layout(b).ptr(address(o))
                .layout(o);
        if (integral) {
            k.ptr(dev.errorBuffer());
        }
        dev.launch1d("elementwise.cu", name, n, k);
        if (integral && op == BinaryOp.DIV) {
            dev.checkErrors("integer division");
        }
        finish(o, out);
    }

    @Override
    public void where(View cond, View a, View b, View out) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where needs a BOOL condition, got " + cond.describe());
        }
        long n = out.numel();
        View o = out.dtype() == a.dtype() ? out : empty(a.dtype(), out.shape());
        KernelArgs k = KernelArgs.begin().i64(n).ptr(address(cond)).layout(cond).ptr(address(a)).layout(a).ptr(address(b)).layout(b)
                .ptr(address(o)).layout(o);
        dev.launch1d("elementwise.cu", "where_" + sfx(a.dtype()), n, k);
        finish(o, out);
    }

    // ---- reductions -----------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, View x, int[] dims, View out) {
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        if (arg && dims.length != 1) {
            throw new IllegalArgumentException(op + " reduces exactly one dimension");
        }
        if (!arg && out.dtype() != x.dtype()) {
            View xc = empty(out.dtype(), x.shape());
            copy(x, xc);
            reduce(op, xc, dims, out);
            xc.storage().close();
            return;
        }
        int[] shape = x.shape();
        int[] strides = x.strides();
        boolean[] reduced = new boolean[shape.length];
        for (int d : dims) {
            reduced[d] = true;
        }
        int nk = shape.length - dims.length;
        int[] ks = new int[nk];
        int[] kst = new int[nk];
        int[] rs = new int[dims.length];
        int[] rst = new int[dims.length];
        long nRed = 1;
        for (int d = 0, i = 0, j = 0; d < shape.length; d++) {
            if (reduced[d]) {
                rs[j] = shape[d];
                rst[j++] = strides[d];
                nRed *= shape[d];
            } else {
                ks[i] = shape[d];
                kst[i++] = strides[d];
            }
        }
        long nOut = out.numel();
        if (nOut == 0) {
            return;
        }
        if (nRed == 0) {
            if (op == ReduceOp.MAX || op == ReduceOp.MIN || arg) {
                throw new IllegalArgumentException(op + " of an empty tensor");
            }
            fill(out, op == ReduceOp.PROD ? 1.0 : 0.0);
            return;
        }
        if (op == ReduceOp.SUM && columnSum(x, dims, nRed, nOut, out)) {
            return;
        }
        View o = out;
        KernelArgs k = KernelArgs.begin().i32(op.ordinal()).i64(nOut).ptr(address(x)).layout(ks, kst, x.offset(), false)
                .layout(rs, rst, 0, false).i64(nRed);
        if (arg) {
            k.ptr(0).layout(o).ptr(address(o));
        } else {
            k.ptr(address(o)).layout(o).ptr(0);
        }
        boolean block = nOut < 2L * dev.info().multiprocessors() && nRed >= 2048;
        String name = (block ? "reduce_block_" : "reduce_warp_") + sfx(x.dtype());
        if (block) {
            dev.launch("reduce.cu", name, (int) nOut, 1, REDUCE_BLOCK_THREADS, 0, k);
        } else {
            long blocks = (nOut + 7) / 8;
            dev.launch("reduce.cu", name, (int) blocks, 1, 256, 0, k);
        }
    }

    /** The most blocks a launch may have along y (gridDim.y). */
    static final int MAX_GRID_Y = 65535;

    /** Threads per block of reduce_block (one block per output); the other reductions use 256. */
    static final int REDUCE_BLOCK_THREADS = 512;

    /** Rows per chunk of a two-stage column reduction: 64, or more where the chunks (one per gridDim.y) would pass {@link #MAX_GRID_Y}. */
    static long rowsPerChunk(long rows) {
        return Math.max(64, (rows + MAX_GRID_Y - 1) / MAX_GRID_Y);
    }

    /** Sums over the leading dimensions of a contiguous tensor, coalesced and in two stages. */
    private boolean columnSum(View x, int[] dims, long rows, long cols, View out) {
        if (!x.isContiguous() || cols < 32) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != i) {
                return false;
            }
        }
        long rowsPerChunk = rowsPerChunk(rows);
        long chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        DType acc = x.dtype() == DType.F64 ? DType.F64 : x.dtype().isFloating() ? DType.F32 : DType.I64;
        View partial = empty(acc, (int) chunks, (int) cols);
        KernelArgs k = KernelArgs.begin().ptr(start(x)).i64(rows).i64(cols).i64(rowsPerChunk).ptr(start(partial));
        dev.launch("reduce.cu", "colsum_partial_" + sfx(x.dtype()), (int) ((cols + 255) / 256), (int) chunks, 256, 0, k);
        KernelArgs f = KernelArgs.begin().ptr(start(partial)).i64(chunks).i64(cols).ptr(address(out)).layout(out);
        dev.launch1d("reduce.cu", "colsum_final_" + sfx(x.dtype()), cols, f);
        partial.storage().close();
        return true;
    }

    // ---- sorting: through the host ------------------------------------------------------------------

    private static Backend host() {
        return Backends.of(Device.CPU);
    }

    /** A CPU copy of a device tensor (contiguous). */
    private View toHost(View t) {
        View h = host().empty(t.dtype(), t.shape());
        View c = contiguous(t);
        read(c.storage(), c.offset(), ((CpuStorage) h.storage()).array(), 0, t.numel());
        release(c, t);
        return h;
    }

    /** Writes a CPU result into a device output (any layout). */
    private void fromHost(View h, View out) {
        View o = out.isContiguous() ? out : empty(out.dtype(), out.shape());
        write(o.storage(), o.offset(), ((CpuStorage) h.storage()).array(), 0, h.numel());
        finish(o, out);
    }

    @Override
    public void sort(View x, boolean descending, View values, View indices) {
        View hx = toHost(x);
        View hv = host().empty(values.dtype(), values.shape());
        View hi = host().empty(indices.dtype(), indices.shape());
        host().sort(hx, descending, hv, hi);
        fromHost(hv, values);
        fromHost(hi, indices);
    }

    @Override
    public void topk(View x, int k, boolean largest, View values, View indices) {
        View hx = toHost(x);
        View hv = host().empty(values.dtype(), values.shape());
        View hi = host().empty(indices.dtype(), indices.shape());
        host().topk(hx, k, largest, hv, hi);
        fromHost(hv, values);
        fromHost(hi, indices);
    }

    @Override
    public void searchsorted(View sorted, View values, boolean right, View out) {
        View hs = toHost(sorted);
        View hv = toHost(values);
        View ho = host().empty(out.dtype(), out.shape());
        host().searchsorted(hs, hv, right, ho);
        fromHost(ho, out);
    }

    // ---- layouts ------------------------------------------------------------------------------------

    /** t itself when contiguous, else a contiguous device copy (free it with {@link #release}). */
    View contiguous(View t) {
        if (t == null || t.isContiguous()) {
            return t;
        }
        View c = empty(t.dtype(), t.shape());
        copy(t, c);
        return c;
    }

    /** Frees a temporary made by {@link #contiguous} (nothing when it is the original). */
    static void release(View temp, View original) {
        if (temp != null && temp != original) {
            temp.storage().close();
        }
    }

    /** An output to write contiguously: out itself, or a temporary (holding out's values when accumulating). */
    View output(View out, boolean accumulate) {
        if (out == null || out.isContiguous()) {
            return out;
        }
        View t = empty(out.dtype(), out.shape());
        if (accumulate) {
            copy(out, t);
        }
        return t;
    }

    CudaDevice cudaDevice() {
        return dev;
    }

    // ---- delegated ----------------------------------------------------------------------------------

    @Override
    public void matmul(View a, View b, View out, double alpha, double beta) {
        gemm.matmul(a, b, out, alpha, beta);
    }

    @Override
    public void softmax(View x, View out, boolean log) {
        fused.softmax(x, out, log);
    }

    @Override
    public void softmaxBackward(View y, View gy, View gx, boolean log) {
        fused.softmaxBackward(y, gy, gx, log);
    }

    @Override
    public void layerNorm(View x, View weight, View bias, double eps, View y, View mean, View rstd) {
        fused.layerNorm(x, weight, bias, eps, y, mean, rstd);
    }

    @Override
    public void layerNormBackward(View x, View weight, View mean, View rstd, View gy, View gx, View gw, View gb) {
        fused.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb);
    }

    @Override
    public void attention(View q, View k, View v, double scale, View out, View lse) {
        fused.attention(q, k, v, scale, out, lse);
    }

    @Override
    public void attentionBackward(View q, View k, View v, View out, View lse, View gy, double scale, View gq, View gk,
                                  View gv) {
        fused.attentionBackward(q, k, v, out, lse, gy, scale, gq, gk, gv);
    }

    @Override
    public void adamw(View param, View grad, View m, View v, double lr, double beta1, double beta2, double eps, double weightDecay,
                      long step) {
        fused.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
    }

    /**
     * The {@code margin_ce} kernel of rows.cu, for the face losses' margin cross-entropy kernel on
     * CUDA (registered by that library, not part of {@link Backend}): per-row losses over contiguous
     * (B, K) cosines with int64 labels in [-1, K), and gradScale times the gradient (which may
     * overwrite the cosines). The kernel stays here because it is compiled in one NVRTC module with
     * the other row kernels and shares their device helpers and host-executed tests.
     */
    public void marginCrossEntropy(View cos, View labels, double s, double m1, double m2, double m3, boolean exact, boolean hardFallback,
                                   double gradScale, View loss, View grad) {
        fused.marginCrossEntropy(cos, labels, s, m1, m2, m3, exact, hardFallback, gradScale, loss, grad);
    }

    @Override
    public void indexSelect(View x, int dim, View index, View out) {
        indexing.indexSelect(x, dim, index, out);
    }

    @Override
    public void indexAdd(View out, int dim, View index, View src) {
        indexing.indexAdd(out, dim, index, src);
    }

    @Override
    public void gather(View x, int dim, View index, View out) {
        indexing.gather(x, dim, index, out);
    }

    @Override
    public void scatterAdd(View out, int dim, View index, View src) {
        indexing.scatterAdd(out, dim, index, src);
    }

    @Override
    public void im2col(View x, Conv2dParams p, View cols) {
        indexing.im2col(x, p, cols);
    }

    @Override
    public void col2im(View cols, Conv2dParams p, View x) {
        indexing.col2im(cols, p, x);
    }

    @Override
    public void maxPool2d(View x, Pool2dParams p, View out, View argmax) {
        indexing.maxPool2d(x, p, out, argmax);
    }

    @Override
    public void maxPool2dBackward(View gy, View argmax, View gx) {
        indexing.maxPool2dBackward(gy, argmax, gx);
    }

    @Override
    public void avgPool2d(View x, Pool2dParams p, View out) {
        indexing.avgPool2d(x, p, out);
    }

    @Override
    public void avgPool2dBackward(View gy, Pool2dParams p, View gx) {
        indexing.avgPool2dBackward(gy, p, gx);
    }

    @Override
    public void adaptiveAvgPool2d(View x, View out) {
        indexing.adaptiveAvgPool2d(x, out);
    }

    @Override
    public void adaptiveAvgPool2dBackward(View gy, View gx) {
        indexing.adaptiveAvgPool2dBackward(gy, gx);
    }

    @Override
    public void gridSample(View x, View grid, boolean alignCorners, View out) {
        indexing.gridSample(x, grid, alignCorners, out);
    }

    @Override
    public void gridSampleBackward(View x, View grid, boolean alignCorners, View gy, View gx, View ggrid) {
        indexing.gridSampleBackward(x, grid, alignCorners, gy, gx, ggrid);
    }
}
