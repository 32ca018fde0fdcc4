package panface.tensor.cpu.index;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.cpu.runtime.CpuStorage;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;

/**
 * Sorting along the last dimension (stable; NaN sorts as the largest value, as PyTorch), top-k by
 * selection (no full sort of large rows), and binary search.
 */
public final class SortKernels {
    private SortKernels() {
    }

    /** Total order used everywhere: NaN above +infinity. */
    static int compare(double a, double b) {
        boolean an = Double.isNaN(a);
        boolean bn = Double.isNaN(b);
        if (an || bn) {
            return an == bn ? 0 : (an ? 1 : -1);
        }
        return Double.compare(a == 0.0 ? 0.0 : a, b == 0.0 ? 0.0 : b);
    }

    /**
     * The values of x as double: read straight from a contiguous float32, float64 or int64 array;
     * other layouts through the reference load, which the reference-call counter records.
     */
    private static double[] values(View x) {
        if (x.isContiguous() && (x.dtype() == DType.F32 || x.dtype() == DType.F64 || x.dtype() == DType.I64)) {
            CpuStorage st = Ref.storage(x);
            int o = x.offset();
            double[] v = new double[x.numel()];
            switch (x.dtype()) {
                case F32 -> {
                    float[] a = st.floats();
                    for (int i = 0; i < v.length; i++) {
                        v[i] = a[o + i];
                    }
                }
                case F64 -> System.arraycopy(st.doubles(), o, v, 0, v.length);
                default -> {
                    long[] a = st.longs();
                    for (int i = 0; i < v.length; i++) {
                        v[i] = a[o + i];
                    }
                }
            }
            return v;
        }
        RefCalls.hit("sortLoad");
        return Ref.load(x);
    }

    public static void sort(View x, boolean descending, View values, View indices) {
        double[] v = values(x);
        int cols = x.dim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : v.length / cols;
        double[] ov = new double[v.length];
        long[] oi = new long[v.length];
        Parallel.forRange(rows, 1, (lo, hi) -> {
            Integer[] order = new Integer[cols];
            for (int r = lo; r < hi; r++) {
                int base = r * cols;
                for (int j = 0; j < cols; j++) {
                    order[j] = j;
                }
                Arrays.sort(order, (a, b) -> {
                    int c = compare(v[base + a], v[base + b]);
                    return descending ? -c : c;
                });
                for (int j = 0; j < cols; j++) {
                    ov[base + j] = v[base + order[j]];
                    oi[base + j] = order[j];
                }
            }
        });
        Ref.store(ov, values);
        Ref.storeLong(oi, indices);
    }

    public static void topk(View x, int k, boolean largest, View values, View indices) {
        double[] v = values(x);
        int cols = x.size(-1);
        if (k < 0 || k > cols) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for a dimension of size " + cols);
        }
        int rows = cols == 0 ? 0 : v.length / cols;
        double[] ov = new double[rows * k];
        long[] oi = new long[rows * k];
        Parallel.forRange(rows, 1, (lo, hi) -> {
            int[] idx = new int[cols];
            for (int r = lo; r < hi; r++) {
                int base = r * cols;
                for (int j = 0; j < cols; j++) {
                    idx[j] = j;
                }
                // order: "better" first; ties broken by the smaller index
                IntComparator better = (a, b) -> {
                    int c = compare(v[base + a], v[base + b]);
                    if (c != 0) {
                        return largest ? -c : c;
                    }
                    return Integer.compare(a, b);
                };
                if (k > 0 && k < cols) {
                    select(idx, 0, cols - 1, k - 1, better);
                }
                Integer[] head = new Integer[k];
                for (int j = 0; j < k; j++) {
                    head[j] = idx[j];
                }
                Arrays.sort(head, better::compare);
                for (int j = 0; j < k; j++) {
                    ov[r * k + j] = v[base + head[j]];
                    oi[r * k + j] = head[j];
                }
            }
        });
        Ref.store(ov, values);
        Ref.storeLong(oi, indices);
    }

    @FunctionalInterface
    private interface IntComparator {
        int compare(int a, int b);
    }

    /** Quickselect (median of three): afterwards a[0..k] hold the k+1 best in some order. */
    private static void select(int[] a, int lo, int hi, int k, IntComparator cmp) {
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            if (cmp.compare(a[mid], a[lo]) < 0) {
                swap(a, mid, lo);
            }
            if (cmp.compare(a[hi], a[lo]) < 0) {
                swap(a, hi, lo);
            }
            if (cmp.compare(a[hi], a[mid]) < 0) {
                swap(a, hi, mid);
            }
            int pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (cmp.compare(a[i], pivot) < 0) {
                    i++;
                }
                while (cmp.compare(a[j], pivot) > 0) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    public static void searchsorted(View sorted, View values, boolean right, View out) {
        double[] s = values(sorted);
        double[] v = values(values);
        int n = sorted.size(-1);
        int perRow = values.dim() == 0 ? 1 : values.size(-1);
        long[] o = new long[v.length];
        boolean shared = sorted.dim() == 1;
        for (int i = 0; i < v.length; i++) {
            int base = shared ? 0 : (i / perRow) * n;
            int lo = 0;
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                int c = compare(s[base + mid], v[i]);
                if (c < 0 || (right && c == 0)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            o[i] = lo;
        }
        Ref.storeLong(o, out);
    }
}
