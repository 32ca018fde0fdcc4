package panface.tensor.cpu.index;

import panface.tensor.Shape;
import panface.tensor.View;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;
import panface.tensor.cpu.runtime.Strided;

/**
 * The reference of the index family: row selection and accumulation along a dimension, gather and
 * scatter-add, on row-major double copies ({@code Ref}); {@code IndexKernels} checks the indices,
 * runs its float32 loops where they apply and this otherwise.
 */
final class IndexReference {
    private IndexReference() {
    }

    /** out = the idx rows of x along a dimension viewed as (outer, size, inner). */
    static void indexSelect(View x, long[] idx, int outer, int size, int inner, View out) {
        int k = idx.length;
        RefCalls.hit("indexSelect");
        double[] v = Ref.load(x);
        double[] o = new double[outer * k * inner];
        for (int a = 0; a < outer; a++) {
            for (int j = 0; j < k; j++) {
                System.arraycopy(v, (a * size + (int) idx[j]) * inner, o, (a * k + j) * inner, inner);
            }
        }
        Ref.store(o, out);
    }

    /** Adds src's rows into the idx rows of out along a dimension viewed as (outer, size, inner). */
    static void indexAdd(View out, long[] idx, int outer, int size, int inner, View src) {
        int k = idx.length;
        RefCalls.hit("indexAdd");
        double[] v = Ref.load(out);
        double[] s = Ref.load(src);
        for (int a = 0; a < outer; a++) {
            for (int j = 0; j < k; j++) {
                int d = (a * size + (int) idx[j]) * inner;
                int sr = (a * k + j) * inner;
                for (int c = 0; c < inner; c++) {
                    v[d + c] += s[sr + c];
                }
            }
        }
        Ref.store(v, out);
    }

    static void gather(View x, int dim, View index, View out) {
        RefCalls.hit("gather");
        double[] v = Ref.load(x);
        int[] pos = IndexKernels.targets(index.shape(), x.shape(), dim, Ref.loadLong(index), "gather");
        double[] o = new double[pos.length];
        for (int i = 0; i < pos.length; i++) {
            o[i] = v[pos[i]];
        }
        Ref.store(o, out);
    }

    static void scatterAdd(View out, int dim, View index, View src) {
        RefCalls.hit("scatterAdd");
        double[] v = Ref.load(out);
        int[] pos = IndexKernels.targets(index.shape(), out.shape(), dim, Ref.loadLong(index), "scatterAdd");
        int[] srcPos = Strided.offsets(index.shape(), Shape.contiguousStrides(src.shape()), 0);
        double[] s = Ref.load(src);
        for (int i = 0; i < pos.length; i++) {
            v[pos[i]] += s[srcPos[i]];
        }
        Ref.store(v, out);
    }
}
