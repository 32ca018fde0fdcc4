package panface.tensor.cpu.runtime;

import panface.tensor.View;

/**
 * Loading and storing tensors as row-major double arrays: the reference kernels compute in double
 * on these copies, which keeps them short and obviously right; fast kernels are checked against
 * them.
 */
public final class Ref {
    private Ref() {
    }

    public static CpuStorage storage(View t) {
        return (CpuStorage) t.storage();
    }

    /** The logical values of t, row-major, as double. */
    public static double[] load(View t) {
        CpuStorage s = storage(t);
        int[] off = Strided.offsets(t);
        double[] v = new double[off.length];
        if (s.dtype() == panface.tensor.DType.F64) {
            double[] a = s.doubles();
            for (int i = 0; i < off.length; i++) {
                v[i] = a[off[i]];
            }
        } else if (s.dtype() == panface.tensor.DType.F32) {
            float[] a = s.floats();
            for (int i = 0; i < off.length; i++) {
                v[i] = a[off[i]];
            }
        } else {
            for (int i = 0; i < off.length; i++) {
                v[i] = s.getDouble(off[i]);
            }
        }
        return v;
    }

    /** The logical values of an integer tensor, row-major, as long. */
    public static long[] loadLong(View t) {
        CpuStorage s = storage(t);
        int[] off = Strided.offsets(t);
        long[] v = new long[off.length];
        for (int i = 0; i < off.length; i++) {
            v[i] = s.getLong(off[i]);
        }
        return v;
    }

    /** Writes row-major values into t (any strides), converting to its dtype. */
    public static void store(double[] v, View t) {
        CpuStorage s = storage(t);
        int[] off = Strided.offsets(t);
        if (s.dtype() == panface.tensor.DType.F64) {
            double[] a = s.doubles();
            for (int i = 0; i < off.length; i++) {
                a[off[i]] = v[i];
            }
        } else if (s.dtype() == panface.tensor.DType.F32) {
            float[] a = s.floats();
            for (int i = 0; i < off.length; i++) {
                a[off[i]] = (float) v[i];
            }
        } else {
            for (int i = 0; i < off.length; i++) {
                s.setDouble(off[i], v[i]);
            }
        }
    }

    /** Writes row-major integer values into t. */
    public static void storeLong(long[] v, View t) {
        CpuStorage s = storage(t);
        int[] off = Strided.offsets(t);
        for (int i = 0; i < off.length; i++) {
            s.setLong(off[i], v[i]);
        }
    }

    /** Adds row-major values into t. */
    public static void accumulate(double[] v, View t) {
        double[] cur = load(t);
        for (int i = 0; i < v.length; i++) {
            cur[i] += v[i];
        }
        store(cur, t);
    }
}
