package panface.tensor.cpu.index;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.View;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.Strided;

/**
 * Gather/scatter along a dimension. Float32 row selection and row accumulation (the hot paths of
 * embeddings and Partial FC) work directly on the arrays, in parallel; the rest goes through
 * double copies.
 */
public final class IndexKernels {
    private IndexKernels() {
    }

    private static long[] indices(View index, int bound, String op) {
        long[] idx = Ref.loadLong(index);
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= bound) {
                throw new IndexOutOfBoundsException(op + ": index " + idx[i] + " at position " + i + " is out of range [0, " + bound + ")");
            }
        }
        return idx;
    }

    public static void indexSelect(View x, int dim, View index, View out) {
        int[] xs = x.shape();
        long[] idx = indices(index, xs[dim], "indexSelect");
        int outer = Shape.prod(xs, 0, dim);
        int inner = Shape.prod(xs, dim + 1, xs.length);
        int size = xs[dim];
        int k = idx.length;
        if (x.dtype() == DType.F32 && x.isContiguous() && out.isContiguous()) {
            float[] src = Ref.storage(x).floats();
            float[] dst = Ref.storage(out).floats();
            int xo = x.offset();
            int oo = out.offset();
            Parallel.forRange(outer * k, Math.max(1, 16384 / Math.max(inner, 1)), (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int o = r / k;
                    int j = r % k;
                    System.arraycopy(src, xo + (o * size + (int) idx[j]) * inner, dst, oo + r * inner, inner);
                }
            });
            return;
        }
        IndexReference.indexSelect(x, idx, outer, size, inner, out);
    }

    public static void indexAdd(View out, int dim, View index, View src) {
        int[] os = out.shape();
        long[] idx = indices(index, os[dim], "indexAdd");
        int outer = Shape.prod(os, 0, dim);
        int inner = Shape.prod(os, dim + 1, os.length);
        int size = os[dim];
        int k = idx.length;
        if (out.dtype() == DType.F32 && src.dtype() == DType.F32 && out.isContiguous() && src.isContiguous() && outer == 1) {
            float[] dst = Ref.storage(out).floats();
            float[] s = Ref.storage(src).floats();
            int oo = out.offset();
            int so = src.offset();
            // Split the columns between threads so duplicate indices never race.
            Parallel.forRange(inner, 256, (lo, hi) -> {
                for (int j = 0; j < k; j++) {
                    int d = oo + (int) idx[j] * inner;
                    int sr = so + j * inner;
                    for (int c = lo; c < hi; c++) {
                        dst[d + c] += s[sr + c];
                    }
                }
            });
            return;
        }
        IndexReference.indexAdd(out, idx, outer, size, inner, src);
    }

    /** Storage-free position arithmetic shared by gather and scatterAdd (PyTorch semantics). */
    static int[] targets(int[] indexShape, int[] dataShape, int dim, long[] idx, String op) {
        int[] pos = new int[idx.length];
        int[] dStrides = Shape.contiguousStrides(dataShape);
        int[] counter = new int[indexShape.length];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= dataShape[dim]) {
                throw new IndexOutOfBoundsException(op + ": index " + idx[i] + " is out of range [0, " + dataShape[dim] + ") along dimension " + dim);
            }
            int p = 0;
            for (int d = 0; d < counter.length; d++) {
                p += (d == dim ? (int) idx[i] : counter[d]) * dStrides[d];
            }
            pos[i] = p;
            for (int d = counter.length - 1; d >= 0; d--) {
                if (++counter[d] < indexShape[d]) {
                    break;
                }
                counter[d] = 0;
            }
        }
        return pos;
    }

    public static void gather(View x, int dim, View index, View out) {
        checkIndexShape("gather", index.shape(), x.shape(), dim);
        if (VecElementwise.f32Contiguous(x, out)) {
            int[] pos = targets(index.shape(), x.shape(), dim, Ref.loadLong(index), "gather");
            float[] xs = Ref.storage(x).floats();
            float[] os = Ref.storage(out).floats();
            int xo = x.offset();
            int oo = out.offset();
            Parallel.forRange(pos.length, VecElementwise.GRAIN, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    os[oo + i] = xs[xo + pos[i]];
                }
            });
            return;
        }
        IndexReference.gather(x, dim, index, out);
    }

    public static void scatterAdd(View out, int dim, View index, View src) {
        checkIndexShape("scatterAdd", index.shape(), out.shape(), dim);
        checkIndexShape("scatterAdd", index.shape(), src.shape(), -1);
        if (VecElementwise.f32Contiguous(out, src)) {
            // one thread, in index order: duplicate targets add up as in the reference
            int[] pos = targets(index.shape(), out.shape(), dim, Ref.loadLong(index), "scatterAdd");
            int[] srcPos = Strided.offsets(index.shape(), Shape.contiguousStrides(src.shape()), 0);
            float[] os = Ref.storage(out).floats();
            float[] ss = Ref.storage(src).floats();
            int oo = out.offset();
            int so = src.offset();
            for (int i = 0; i < pos.length; i++) {
                os[oo + pos[i]] += ss[so + srcPos[i]];
            }
            return;
        }
        IndexReference.scatterAdd(out, dim, index, src);
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
}
