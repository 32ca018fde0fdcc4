package panface.tensor.cpu;

/**
 * Walks two tensors of the same shape row by row (a row = the last dimension), handing each
 * row's base offsets, length and last-dimension strides to a body.
 */
final class Rows {
    private Rows() {
    }

    @FunctionalInterface
    interface Body {
        void row(int aBase, int bBase, int len, int aStride, int bStride);
    }

    static void forEach(int[] shape, int[] aStrides, int aOff, int[] bStrides, int bOff, Body body) {
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
}
