package panface.tensor.cpu.runtime;

/**
 * Walks two tensors of the same shape row by row (a row = the last dimension), handing each
 * row's base offsets, length and last-dimension strides to a body.
 */
public final class Rows {
    private Rows() {
    }

    @FunctionalInterface
    public interface Body {
        void row(int aBase, int bBase, int len, int aStride, int bStride);
    }

    public static void forEach(int[] shape0, int[] aStrides0, int aOff, int[] bStrides0, int bOff, Body body) {
        int[][] c = coalesce(shape0, aStrides0, bStrides0);
        int[] shape = c[0];
        int[] aStrides = c[1];
        int[] bStrides = c[2];
        int rank = shape.length;
        for (int d : shape) {
            if (d == 0) {
                return;
            }
        }
        if (rank == 0) {
            body.row(aOff, bOff, 1, 1, 1);
            return;
        }
        int last = rank - 1;
        int[] idx = new int[rank];
        int a = aOff;
        int b = bOff;
        while (true) {
            body.row(a, b, shape[last], aStrides[last], bStrides[last]);
            int d = last - 1;
            while (d >= 0) {
                idx[d]++;
                a += aStrides[d];
                b += bStrides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                a -= aStrides[d] * shape[d];
                b -= bStrides[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /**
     * Merges adjacent dimensions that are laid out contiguously relative to each other in both
     * tensors (and drops size-1 dimensions), so rows get as long as the layouts allow.
     */
    static int[][] coalesce(int[] shape, int[] a, int[] b) {
        int[] s = new int[shape.length];
        int[] sa = new int[shape.length];
        int[] sb = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) {
                continue;
            }
            if (n > 0 && sa[n - 1] == a[i] * shape[i] && sb[n - 1] == b[i] * shape[i]) {
                s[n - 1] *= shape[i];
                sa[n - 1] = a[i];
                sb[n - 1] = b[i];
                continue;
            }
            s[n] = shape[i];
            sa[n] = a[i];
            sb[n] = b[i];
            n++;
        }
        if (n == 0) {
            return new int[][] {{1}, {1}, {1}};
        }
        return new int[][] {java.util.Arrays.copyOf(s, n), java.util.Arrays.copyOf(sa, n), java.util.Arrays.copyOf(sb, n)};
    }

    /**
     * {@link #coalesce(int[], int[], int[])} for any number of tensors of one shape: element 0 of
     * the result is the merged shape, element 1 + k the merged strides of tensor k.
     */
    static int[][] coalesce(int[] shape, int[][] strides) {
        int k = strides.length;
        int[] s = new int[shape.length];
        int[][] st = new int[k][shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) {
                continue;
            }
            boolean merge = n > 0;
            for (int t = 0; t < k && merge; t++) {
                merge = st[t][n - 1] == strides[t][i] * shape[i];
            }
            int at = merge ? n - 1 : n++;
            s[at] = merge ? s[at] * shape[i] : shape[i];
            for (int t = 0; t < k; t++) {
                st[t][at] = strides[t][i];
            }
        }
        int[][] out = new int[k + 1][];
        out[0] = n == 0 ? new int[] {1} : java.util.Arrays.copyOf(s, n);
        for (int t = 0; t < k; t++) {
            out[t + 1] = n == 0 ? new int[] {1} : java.util.Arrays.copyOf(st[t], n);
        }
        return out;
    }

    /** Rows of several tensors of one shape: the row length, each tensor's row starts and last-dimension stride (0 or 1). */
    public record Layout(int cols, int[][] starts, int[] lastStrides) {
    }

    /**
     * The rows (all dimensions but the last) of tensors of one shape, after merging what their
     * layouts allow; null when a merged last dimension is neither contiguous nor broadcast
     * (stride 0 or 1) in some tensor.
     */
    public static Layout layout(int[] shape, int[][] strides, int[] offsets) {
        int[][] c = coalesce(shape, strides);
        int[] s = c[0];
        int r = s.length;
        int[][] starts = new int[strides.length][];
        int[] last = new int[strides.length];
        for (int t = 0; t < strides.length; t++) {
            last[t] = s[r - 1] == 1 ? 1 : c[t + 1][r - 1];
            if (last[t] != 0 && last[t] != 1) {
                return null;
            }
            starts[t] = Strided.offsets(java.util.Arrays.copyOf(s, r - 1), java.util.Arrays.copyOf(c[t + 1], r - 1), offsets[t]);
        }
        return new Layout(s[r - 1], starts, last);
    }
}
