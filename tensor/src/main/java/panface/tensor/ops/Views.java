package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import java.util.Arrays;
import java.util.function.UnaryOperator;

import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/**
 * View ops (results share the input's storage) with their gradients, and the contiguous copy.
 */
public final class Views {
    private Views() {
    }

    /** A contiguous copy; the gradient passes through unchanged. */
    public static Tensor copy(Tensor x) {
        Tensor y = Tensor.empty(x.device(), x.dtype(), x.shape());
        x.backend().copy(operand(x), operand(y));
        if (GradMode.needsGrad(x)) {
            y.withGradFn(new Node("copy", x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    return new Tensor[] {g};
                }
            });
        }
        return y;
    }

    /** A view with a new shape; fails with a clear message when the strides do not allow it. */
    public static Tensor view(Tensor x, int... shape) {
        int[] s = Shape.infer(shape, x.numel());
        int[] st = viewStrides(x.shape(), x.strides(), s);
        if (st == null) {
            throw new IllegalArgumentException("view " + Arrays.toString(s) + " is not compatible with the layout of " + x.describe()
                    + " (strides " + Arrays.toString(x.strides()) + "); use reshape(), which copies when needed");
        }
        return reshapeNode(x, Tensor.wrap(x.storage(), x.offset(), s, st));
    }

    /** A view with a new shape when possible, otherwise a reshaped contiguous copy. */
    public static Tensor reshape(Tensor x, int... shape) {
        int[] s = Shape.infer(shape, x.numel());
        int[] st = viewStrides(x.shape(), x.strides(), s);
        if (st != null) {
            return reshapeNode(x, Tensor.wrap(x.storage(), x.offset(), s, st));
        }
        return view(copy(x), s);
    }

    private static Tensor reshapeNode(Tensor x, Tensor y) {
        if (!GradMode.needsGrad(x)) {
            return y;
        }
        int[] inShape = x.shape();
        return y.withGradFn(new Node("reshape", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                return new Tensor[] {reshape(g, inShape)};
            }
        });
    }

    /**
     * Strides that give a shape over the same elements without copying, or null when the layout
     * does not allow it (splitting and merging only within runs of dimensions that are laid out
     * contiguously relative to each other).
     */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int[] ns = new int[newShape.length];
        if (oldShape.length == 0) {
            Arrays.fill(ns, 1);
            return ns;
        }
        int numel = Shape.prod(oldShape, 0, oldShape.length);
        if (numel == 0) {
            return Shape.contiguousStrides(newShape);
        }
        int v = newShape.length - 1;
        int chunkStride = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int t = oldShape.length - 1; t >= 0; t--) {
            tensorNumel *= oldShape[t];
            boolean chunkEnds = t == 0 || (oldShape[t - 1] != 1 && oldStrides[t - 1] != tensorNumel * chunkStride);
            if (chunkEnds) {
                while (v >= 0 && (viewNumel < tensorNumel || newShape[v] == 1)) {
                    ns[v] = (int) (viewNumel * chunkStride);
                    viewNumel *= newShape[v];
                    v--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (t > 0) {
                    chunkStride = oldStrides[t - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return v == -1 ? ns : null;
    }

    /** Reorders dimensions. */
    public static Tensor permute(Tensor x, int... dims) {
        int r = x.dim();
        if (dims.length != r) {
            throw new IllegalArgumentException("permute " + Arrays.toString(dims) + " needs " + r + " dimensions for " + x.describe());
        }
        int[] shape = x.shape();
        int[] strides = x.strides();
        int[] ns = new int[r];
        int[] nst = new int[r];
        int[] inverse = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int d = Shape.dim(dims[i], r);
            if (seen[d]) {
                throw new IllegalArgumentException("permute " + Arrays.toString(dims) + " repeats dimension " + d);
            }
            seen[d] = true;
            ns[i] = shape[d];
            nst[i] = strides[d];
            inverse[d] = i;
        }
        Tensor y = Tensor.wrap(x.storage(), x.offset(), ns, nst);
        if (!GradMode.needsGrad(x)) {
            return y;
        }
        return y.withGradFn(new Node("permute", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                return new Tensor[] {permute(g, inverse)};
            }
        });
    }

    /** Swaps two dimensions. */
    public static Tensor transpose(Tensor x, int d0, int d1) {
        int r = x.dim();
        int a = Shape.dim(d0, r);
        int b = Shape.dim(d1, r);
        int[] p = new int[r];
        for (int i = 0; i < r; i++) {
            p[i] = i;
        }
        p[a] = b;
        p[b] = a;
        return permute(x, p);
    }

    /** Elements [start, start+length) of a dimension. */
    public static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.dim(dim, x.dim());
        int size = x.size(d);
        if (start < 0 || length < 0 || start + length > size) {
            throw new IndexOutOfBoundsException("narrow(" + dim + ", " + start + ", " + length + ") is outside dimension " + d
                    + " of size " + size + " in " + x.describe());
        }
        return slice(x, d, start, start + length, 1);
    }

    /** Python-style slice [start:end:step] (negative bounds count from the end; bounds are clamped). */
    public static Tensor slice(Tensor x, int dim, int start, int end, int step) {
        int d = Shape.dim(dim, x.dim());
        if (step <= 0) {
            throw new IllegalArgumentException("slice step must be positive, got " + step);
        }
        int size = x.size(d);
        int s = clampIndex(start, size);
        int e = Math.max(clampIndex(end, size), s);
        int len = (e - s + step - 1) / step;
        int[] shape = x.shape();
        int[] strides = x.strides();
        shape[d] = len;
        int off = x.offset() + (len == 0 ? 0 : s * strides[d]);
        strides[d] *= step;
        Tensor y = Tensor.wrap(x.storage(), off, shape, strides);
        return viewNode(x, y, "slice", t -> slice(t, d, s, e, step));
    }

    private static int clampIndex(int i, int size) {
        int v = i < 0 ? i + size : i;
        return Math.max(0, Math.min(v, size));
    }

    /** The sub-tensor at an index of a dimension (the dimension is removed). */
    public static Tensor select(Tensor x, int dim, int index) {
        int d = Shape.dim(dim, x.dim());
        int size = x.size(d);
        int i = index < 0 ? index + size : index;
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("select index " + index + " is out of range for dimension " + d + " of size " + size);
        }
        int[] shape = x.shape();
        int[] strides = x.strides();
        int off = x.offset() + i * strides[d];
        int[] ns = remove(shape, d);
        int[] nst = remove(strides, d);
        Tensor y = Tensor.wrap(x.storage(), off, ns, nst);
        return viewNode(x, y, "select", t -> select(t, d, i));
    }

    /**
     * Records a view whose gradient is the upstream gradient placed into zeros of the input's
     * shape at the same position (the view applied to a fresh zero tensor).
     */
    private static Tensor viewNode(Tensor x, Tensor y, String name, UnaryOperator<Tensor> sameView) {
        if (!GradMode.needsGrad(x)) {
            return y;
        }
        int[] inShape = x.shape();
        return y.withGradFn(new Node(name, x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), inShape);
                sameView.apply(gx).copyFrom(g);
                return new Tensor[] {gx};
            }
        });
    }

    /** A broadcast view of x with a larger shape (-1 keeps a size); the gradient sums over the broadcast. */
    public static Tensor expand(Tensor x, int... shape) {
        int[] s = shape.clone();
        int lead = s.length - x.dim();
        if (lead < 0) {
            throw new IllegalArgumentException("expand to " + Arrays.toString(shape) + " has fewer dimensions than " + x.describe());
        }
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (i < lead) {
                    throw new IllegalArgumentException("expand: -1 is not allowed for a new leading dimension in " + Arrays.toString(shape));
                }
                s[i] = x.size(i - lead);
            }
        }
        Tensor y = broadcastTo(x.detach(), s);
        if (!GradMode.needsGrad(x)) {
            return y;
        }
        int[] inShape = x.shape();
        return y.withGradFn(new Node("expand", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                return new Tensor[] {Reductions.sumTo(g, inShape)};
            }
        });
    }

    /** A broadcast view (stride 0 on broadcast dimensions), outside the graph. */
    public static Tensor broadcastTo(Tensor x, int[] shape) {
        int[] xs = x.shape();
        if (Arrays.equals(xs, shape)) {
            return x;
        }
        int lead = shape.length - xs.length;
        if (lead < 0) {
            throw new IllegalArgumentException("cannot broadcast " + x.describe() + " to " + Arrays.toString(shape));
        }
        int[] xst = x.strides();
        int[] st = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) {
                st[i] = 0;
                continue;
            }
            int d = xs[i - lead];
            if (d == shape[i]) {
                st[i] = xst[i - lead];
            } else if (d == 1) {
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("cannot broadcast " + x.describe() + " to " + Arrays.toString(shape)
                        + " (dimension " + i + ": " + d + " vs " + shape[i] + ")");
            }
        }
        return Tensor.wrap(x.storage(), x.offset(), shape, st);
    }

    /** Removes every size-1 dimension. */
    public static Tensor squeeze(Tensor x) {
        int[] s = x.shape();
        int n = 0;
        for (int d : s) {
            if (d != 1) {
                n++;
            }
        }
        int[] ns = new int[n];
        int j = 0;
        for (int d : s) {
            if (d != 1) {
                ns[j++] = d;
            }
        }
        return reshape(x, ns);
    }

    /** Removes one size-1 dimension (returns x unchanged when that size is not 1, as PyTorch). */
    public static Tensor squeeze(Tensor x, int dim) {
        int d = Shape.dim(dim, x.dim());
        if (x.dim() == 0 || x.size(d) != 1) {
            return x;
        }
        return reshape(x, remove(x.shape(), d));
    }

    /** Inserts a size-1 dimension at dim (in [-rank-1, rank]). */
    public static Tensor unsqueeze(Tensor x, int dim) {
        int r = x.dim();
        int d = dim < 0 ? dim + r + 1 : dim;
        if (d < 0 || d > r) {
            throw new IllegalArgumentException("unsqueeze dimension " + dim + " out of range for a tensor of rank " + r);
        }
        int[] s = x.shape();
        int[] ns = new int[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            ns[i] = i == d ? 1 : s[j++];
        }
        return reshape(x, ns);
    }

    /** Merges dimensions start..end (inclusive). */
    public static Tensor flatten(Tensor x, int start, int end) {
        int r = x.dim();
        if (r == 0) {
            return reshape(x, 1);
        }
        int a = Shape.dim(start, r);
        int b = Shape.dim(end, r);
        if (a > b) {
            throw new IllegalArgumentException("flatten: start dimension " + start + " comes after end dimension " + end);
        }
        int[] s = x.shape();
        int[] ns = new int[r - (b - a)];
        int j = 0;
        for (int i = 0; i < a; i++) {
            ns[j++] = s[i];
        }
        ns[j++] = Shape.prod(s, a, b + 1);
        for (int i = b + 1; i < r; i++) {
            ns[j++] = s[i];
        }
        return reshape(x, ns);
    }

    static int[] remove(int[] a, int i) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }
}
