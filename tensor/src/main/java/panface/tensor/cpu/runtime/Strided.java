package panface.tensor.cpu.runtime;

import panface.tensor.View;

/** Element offsets of strided views, in row-major logical order. */
public final class Strided {
    private Strided() {
    }

    /** Storage offset of every element of t, in row-major order. */
    public static int[] offsets(View t) {
        return offsets(t.shape(), t.strides(), t.offset());
    }

    public static int[] offsets(int[] shape, int[] strides, int base) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        int[] out = new int[n];
        if (n == 0) {
            return out;
        }
        int rank = shape.length;
        if (rank == 0) {
            out[0] = base;
            return out;
        }
        int[] idx = new int[rank];
        int last = rank - 1;
        int inner = shape[last];
        int innerStride = strides[last];
        int pos = 0;
        int rowBase = base;
        while (true) {
            int o = rowBase;
            for (int j = 0; j < inner; j++, o += innerStride) {
                out[pos++] = o;
            }
            int d = last - 1;
            while (d >= 0) {
                idx[d]++;
                rowBase += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                rowBase -= strides[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return out;
            }
        }
    }
}
