package panface.tensor.cpu.elementwise;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.View;
import panface.tensor.cpu.runtime.CpuStorage;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.Rows;
import panface.tensor.cpu.runtime.Strided;

/** Copy with dtype conversion, and fill, over arbitrary strides. */
public final class CopyKernels {
    private CopyKernels() {
    }

    /** t itself when it is contiguous, else a contiguous copy of it in new storage. */
    public static View contiguous(View t) {
        if (t.isContiguous()) {
            return t;
        }
        View c = empty(t.dtype(), t.shape());
        copy(t, c);
        return c;
    }

    /** A contiguous copy of t in new storage. */
    static View packed(View t) {
        View c = empty(t.dtype(), t.shape());
        copy(t, c);
        return c;
    }

    /** t's values converted to float, in row-major order. */
    public static float[] toFloats(View t) {
        int n = t.numel();
        if (t.dtype() == DType.F32 && t.isContiguous()) {
            return Arrays.copyOfRange(Ref.storage(t).floats(), t.offset(), t.offset() + n);
        }
        View c = empty(DType.F32, t.shape());
        try {
            copy(t, c);
            return Arrays.copyOf(Ref.storage(c).floats(), n);
        } finally {
            c.storage().close();
        }
    }

    /** A contiguous view of new storage with unspecified contents (for outputs written in full). */
    public static View empty(DType dtype, int... shape) {
        return View.contiguous(new CpuStorage(dtype, Shape.numel(shape), false), shape);
    }

    public static void copy(View src, View dst) {
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy: shapes differ, " + src.describe() + " -> " + dst.describe());
        }
        int n = dst.numel();
        if (n == 0) {
            return;
        }
        CpuStorage s = Ref.storage(src);
        CpuStorage d = Ref.storage(dst);
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous()) {
            Object a = s.array();
            Object b = d.array();
            int so = src.offset();
            int dOff = dst.offset();
            // large copies are split across the threads: one core does not saturate memory bandwidth
            Parallel.forRange(n, CpuStorage.BULK_GRAIN, (lo, hi) -> System.arraycopy(a, so + lo, b, dOff + lo, hi - lo));
            return;
        }
        if (src.dtype() == DType.F32 && dst.dtype() == DType.F32) {
            float[] a = s.floats();
            float[] b = d.floats();
            Rows.forEach(dst.shape(), src.strides(), src.offset(), dst.strides(), dst.offset(), (so, dOff, len, ss, ds) -> {
                if (ss == 1 && ds == 1) {
                    System.arraycopy(a, so, b, dOff, len);
                } else {
                    for (int j = 0; j < len; j++) {
                        b[dOff + j * ds] = a[so + j * ss];
                    }
                }
            });
            return;
        }
        if (src.dtype() == DType.F64 && dst.dtype() == DType.F64) {
            double[] a = s.doubles();
            double[] b = d.doubles();
            Rows.forEach(dst.shape(), src.strides(), src.offset(), dst.strides(), dst.offset(), (so, dOff, len, ss, ds) -> {
                for (int j = 0; j < len; j++) {
                    b[dOff + j * ds] = a[so + j * ss];
                }
            });
            return;
        }
        boolean exactInts = !src.dtype().isFloating() && !dst.dtype().isFloating();
        Rows.forEach(dst.shape(), src.strides(), src.offset(), dst.strides(), dst.offset(), (so, dOff, len, ss, ds) -> {
            for (int j = 0; j < len; j++) {
                if (exactInts) {
                    d.setLong(dOff + j * ds, s.getLong(so + j * ss));
                } else {
                    d.setDouble(dOff + j * ds, s.getDouble(so + j * ss));
                }
            }
        });
    }

    public static void fill(View dst, double value) {
        CpuStorage d = Ref.storage(dst);
        if (dst.isContiguous()) {
            int base = dst.offset();
            Parallel.forRange(dst.numel(), CpuStorage.BULK_GRAIN, (lo, hi) -> {
                int from = base + lo;
                int to = base + hi;
                switch (dst.dtype()) {
                    case F32 -> Arrays.fill(d.floats(), from, to, (float) value);
                    case F64 -> Arrays.fill(d.doubles(), from, to, value);
                    case I64 -> Arrays.fill(d.longs(), from, to, (long) value);
                    case I32 -> Arrays.fill(d.ints(), from, to, (int) value);
                    default -> {
                        for (int i = from; i < to; i++) {
                            d.setDouble(i, value);
                        }
                    }
                }
            });
            return;
        }
        for (int o : Strided.offsets(dst)) {
            d.setDouble(o, value);
        }
    }
}
