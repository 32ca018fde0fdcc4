package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** cat, stack, split, chunk, flip and pad, with gradients. */
public final class Joining {
    private Joining() {
    }

    public static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("cat needs at least one tensor");
        }
        Tensor first = tensors.get(0);
        int d = Shape.dim(dim, first.dim());
        int[] shape = first.shape();
        int total = 0;
        DType t = first.dtype();
        for (Tensor x : tensors) {
            int[] s = x.shape();
            if (s.length != shape.length) {
                throw new IllegalArgumentException("cat: tensors differ in rank: " + first.describe() + " and " + x.describe());
            }
            for (int i = 0; i < s.length; i++) {
                if (i != d && s[i] != shape[i]) {
                    throw new IllegalArgumentException("cat: sizes differ outside dimension " + d + ": " + first.describe() + " and "
                            + x.describe());
                }
            }
            Elementwise.sameDevice("cat", first, x);
            t = DType.promote(t, x.dtype());
            total += s[d];
        }
        shape[d] = total;
        Tensor out = first.newEmpty(t, shape);
        int[] sizes = new int[tensors.size()];
        int off = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor x = tensors.get(i);
            sizes[i] = x.size(d);
            out.backend().copy(x.detach().asView(), out.narrow(d, off, sizes[i]).asView());
            off += sizes[i];
        }
        Tensor[] ins = tensors.toArray(new Tensor[0]);
        if (!GradMode.needsGrad(ins)) {
            return out;
        }
        return out.withGradFn(new Node("cat", ins) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor[] gs = new Tensor[sizes.length];
                int o = 0;
                for (int i = 0; i < sizes.length; i++) {
                    if (needs(i)) {
                        gs[i] = g.narrow(d, o, sizes[i]).to(input(i).dtype());
                    }
                    o += sizes[i];
                }
                return gs;
            }
        });
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack needs at least one tensor");
        }
        int r = tensors.get(0).dim();
        int d = dim < 0 ? dim + r + 1 : dim;
        List<Tensor> parts = new ArrayList<>();
        for (Tensor x : tensors) {
            if (!Arrays.equals(x.shape(), tensors.get(0).shape())) {
                throw new IllegalArgumentException("stack: shapes differ: " + tensors.get(0).describe() + " and " + x.describe());
            }
            parts.add(x.unsqueeze(d));
        }
        return cat(parts, d);
    }

    public static List<Tensor> split(Tensor x, int size, int dim) {
        if (size <= 0) {
            throw new IllegalArgumentException("split size must be positive, got " + size);
        }
        int d = Shape.dim(dim, x.dim());
        List<Tensor> out = new ArrayList<>();
        for (int s = 0; s < x.size(d); s += size) {
            out.add(x.narrow(d, s, Math.min(size, x.size(d) - s)));
        }
        return out;
    }

    public static List<Tensor> chunk(Tensor x, int n, int dim) {
        if (n <= 0) {
            throw new IllegalArgumentException("chunk count must be positive, got " + n);
        }
        int d = Shape.dim(dim, x.dim());
        return split(x, Math.max(1, Math.ceilDiv(x.size(d), n)), d);
    }

    public static Tensor flip(Tensor x, int... dims) {
        int[] shape = x.shape();
        int[] strides = x.strides();
        int off = x.offset();
        boolean[] seen = new boolean[x.dim()];
        for (int dim : dims) {
            int d = Shape.dim(dim, x.dim());
            if (seen[d]) {
                throw new IllegalArgumentException("flip: dimension " + d + " given twice");
            }
            seen[d] = true;
            if (shape[d] > 0) {
                off += (shape[d] - 1) * strides[d];
            }
            strides[d] = -strides[d];
        }
        Tensor view = Tensor.wrap(x.storage(), off, shape, strides);
        Tensor out = x.newEmpty(x.dtype(), shape);
        x.backend().copy(operand(view), operand(out));
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        return out.withGradFn(new Node("flip", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                return new Tensor[] {flip(g, dims)};
            }
        });
    }

    public static Tensor pad(Tensor x, int[] pads, double value) {
        if (pads.length % 2 != 0 || pads.length / 2 > x.dim()) {
            throw new IllegalArgumentException("pad: expected (before, after) pairs for at most " + x.dim() + " dimensions, got "
                    + Arrays.toString(pads));
        }
        int[] shape = x.shape();
        int[] start = new int[x.dim()];
        for (int i = 0; i < pads.length / 2; i++) {
            int d = x.dim() - 1 - i;
            if (pads[2 * i] < 0 || pads[2 * i + 1] < 0) {
                throw new IllegalArgumentException("pad: negative padding (cropping) is not supported: " + Arrays.toString(pads)
                        + "; use narrow()");
            }
            start[d] = pads[2 * i];
            shape[d] += pads[2 * i] + pads[2 * i + 1];
        }
        Tensor out = Tensor.full(value, x.device(), x.dtype(), shape);
        Tensor region = out;
        for (int d = 0; d < x.dim(); d++) {
            region = region.narrow(d, start[d], x.size(d));
        }
        x.backend().copy(x.detach().asView(), operand(region));
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        return out.withGradFn(new Node("pad", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor r = g;
                for (int d = 0; d < start.length; d++) {
                    r = r.narrow(d, start[d], input(0).size(d));
                }
                return new Tensor[] {r};
            }
        });
    }
}
