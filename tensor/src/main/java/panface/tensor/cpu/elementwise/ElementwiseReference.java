package panface.tensor.cpu.elementwise;

import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;

/**
 * The reference of the elementwise family: each op loads its operands as row-major double arrays
 * ({@code Ref}), computes plainly and stores, defining what {@code VecElementwise},
 * {@code SelectKernels} and {@code IntegerKernels} compute fast and are tested against.
 */
public final class ElementwiseReference {
    private ElementwiseReference() {
    }

    public static void unary(UnaryOp op, View x, View out, double a, double b) {
        RefCalls.hit("unary");
        double[] v = Ref.load(x);
        for (int i = 0; i < v.length; i++) {
            v[i] = op.apply(v[i], a, b);
        }
        Ref.store(v, out);
    }

    public static void unaryBackward(UnaryOp op, View x, View y, View gy, View gx, double a, double b) {
        RefCalls.hit("unaryBackward");
        double[] xv = x == null ? null : Ref.load(x);
        double[] yv = y == null ? null : Ref.load(y);
        double[] g = Ref.load(gy);
        for (int i = 0; i < g.length; i++) {
            double d = op.derivative(xv == null ? Double.NaN : xv[i], yv == null ? Double.NaN : yv[i], a, b);
            g[i] = g[i] * d;
        }
        Ref.store(g, gx);
    }

    public static void binary(BinaryOp op, View a, View b, View out) {
        RefCalls.hit("binary");
        if (!a.dtype().isFloating() && !b.dtype().isFloating()) {
            long[] x = Ref.loadLong(a);
            long[] y = Ref.loadLong(b);
            for (int i = 0; i < x.length; i++) {
                x[i] = op.apply(x[i], y[i]);
            }
            Ref.storeLong(x, out);
            return;
        }
        double[] x = Ref.load(a);
        double[] y = Ref.load(b);
        for (int i = 0; i < x.length; i++) {
            x[i] = op.apply(x[i], y[i]);
        }
        Ref.store(x, out);
    }

    public static void where(View cond, View a, View b, View out) {
        RefCalls.hit("where");
        long[] c = Ref.loadLong(cond);
        if (!out.dtype().isFloating()) {
            long[] x = Ref.loadLong(a);
            long[] y = Ref.loadLong(b);
            for (int i = 0; i < c.length; i++) {
                x[i] = c[i] != 0 ? x[i] : y[i];
            }
            Ref.storeLong(x, out);
            return;
        }
        double[] x = Ref.load(a);
        double[] y = Ref.load(b);
        for (int i = 0; i < c.length; i++) {
            x[i] = c[i] != 0 ? x[i] : y[i];
        }
        Ref.store(x, out);
    }
}
