package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;
import panface.tensor.backend.ReduceOp;

/** Reductions with their gradients: sum, mean, max/min, var, norm, argmax, and sumTo. */
public final class Reductions {
    private Reductions() {
    }

    /** Sorted distinct dimensions (all of them for null). */
    static int[] normalizeDims(int[] dims, int rank) {
        if (dims == null) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = Shape.dim(dims[i], rank);
        }
        Arrays.sort(d);
        for (int i = 1; i < d.length; i++) {
            if (d[i] == d[i - 1]) {
                throw new IllegalArgumentException("dimension " + d[i] + " appears twice in " + Arrays.toString(dims));
            }
        }
        return d;
    }

    static int[] keepDimShape(int[] shape, int[] dims) {
        int[] s = shape.clone();
        for (int d : dims) {
            s[d] = 1;
        }
        return s;
    }

    static int[] dropDims(int[] shape, int[] dims) {
        int[] out = new int[shape.length - dims.length];
        int j = 0;
        outer:
        for (int i = 0; i < shape.length; i++) {
            for (int d : dims) {
                if (d == i) {
                    continue outer;
                }
            }
            out[j++] = shape[i];
        }
        return out;
    }

    private static Tensor rawReduce(ReduceOp op, Tensor x, int[] dims, DType outType) {
        Tensor out = x.newEmpty(outType, keepDimShape(x.shape(), dims));
        if (x.dim() == 0) {
            x.backend().copy(operand(x), operand(out));
            return out;
        }
        x.backend().reduce(op, operand(x), dims, operand(out));
        return out;
    }

    /** Sum over dims (all when null). Integer and BOOL inputs sum to I64. */
    public static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        int[] d = normalizeDims(dims, x.dim());
        DType t = x.dtype().isFloating() ? x.dtype() : DType.I64;
        Tensor src = x.dtype() == DType.BOOL ? x.to(DType.I64) : x;
        Tensor out = rawReduce(ReduceOp.SUM, src.detach(), d, t);
        if (GradMode.needsGrad(x)) {
            int[] inShape = x.shape();
            int[] kept = out.shape();
            out.withGradFn(new Node("sum", x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    return new Tensor[] {Views.broadcastTo(g.reshape(kept), inShape).contiguous()};
                }
            });
        }
        return keepDim ? out : out.reshape(dropDims(x.shape(), d));
    }

    /** Mean over dims (all when null). */
    public static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException("mean needs a floating-point tensor, got " + x.describe() + "; convert with to(DType.F32)");
        }
        int[] d = normalizeDims(dims, x.dim());
        long n = 1;
        for (int i : d) {
            n *= x.size(i);
        }
        return sum(x, d, keepDim).mul(1.0 / n);
    }

    /** The gradient of x summed down to a shape it was broadcast from. */
    public static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) {
            return g;
        }
        int lead = gs.length - shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("cannot sum " + g.describe() + " down to " + Arrays.toString(shape));
        }
        int count = lead;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && gs[lead + i] != 1) {
                count++;
            }
        }
        int[] dims = new int[count];
        int j = 0;
        for (int i = 0; i < lead; i++) {
            dims[j++] = i;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && gs[lead + i] != 1) {
                dims[j++] = lead + i;
            }
        }
        return sum(g, dims, true).reshape(shape);
    }

    /** Largest values over dims; the gradient is split evenly among ties (PyTorch's amax). */
    public static Tensor amax(Tensor x, int[] dims, boolean keepDim) {
        return extreme(x, dims, keepDim, ReduceOp.MAX);
    }

    /** Smallest values over dims; the gradient is split evenly among ties (PyTorch's amin). */
    public static Tensor amin(Tensor x, int[] dims, boolean keepDim) {
        return extreme(x, dims, keepDim, ReduceOp.MIN);
    }

    private static Tensor extreme(Tensor x, int[] dims, boolean keepDim, ReduceOp op) {
        int[] d = normalizeDims(dims, x.dim());
        if (x.numel() == 0) {
            throw new IllegalArgumentException(op + " of an empty tensor " + x.describe());
        }
        Tensor out = rawReduce(op, x.detach(), d, x.dtype());
        if (GradMode.needsGrad(x)) {
            Node node = new Node(op == ReduceOp.MAX ? "amax" : "amin", x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    Tensor in = input(0);
                    Tensor mask = in.eq(saved(0)).to(g.dtype());
                    Tensor count = sum(mask, d, true);
                    return new Tensor[] {mask.mul(g.reshape(saved(0).shape())).div(count)};
                }
            };
            node.save(out.detach());
            out.withGradFn(node);
        }
        return keepDim ? out : out.reshape(dropDims(x.shape(), d));
    }

    /** Max (or min) along one dim; the gradient goes to the first extreme element (torch.max(dim)). */
    public static Tensor maxAlong(Tensor x, int dim, boolean keepDim, boolean max) {
        int d = Shape.dim(dim, x.dim());
        Tensor idx = rawReduce(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, x.detach(), new int[] {d}, DType.I64);
        Tensor values = rawReduce(max ? ReduceOp.MAX : ReduceOp.MIN, x.detach(), new int[] {d}, x.dtype());
        if (GradMode.needsGrad(x)) {
            Node node = new Node(max ? "max" : "min", x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    return new Tensor[] {oneHotAlong(saved(0), input(0).shape(), d, g.dtype()).mul(g)};
                }
            };
            node.save(idx);
            values.withGradFn(node);
        }
        return keepDim ? values : values.reshape(dropDims(x.shape(), new int[] {d}));
    }

    /** 1 where the position along dim equals index (keepdim-shaped), 0 elsewhere. */
    static Tensor oneHotAlong(Tensor index, int[] shape, int dim, DType dtype) {
        int[] s = new int[shape.length];
        Arrays.fill(s, 1);
        s[dim] = shape[dim];
        Tensor pos = Tensor.arange(0, shape[dim], 1, index.device(), DType.I64).reshape(s);
        return pos.eq(index).to(dtype);
    }

    /** Index of the first extreme value along dim (I64). */
    public static Tensor argmax(Tensor x, int dim, boolean keepDim, boolean max) {
        int d = Shape.dim(dim, x.dim());
        Tensor idx = rawReduce(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, x.detach(), new int[] {d}, DType.I64);
        return keepDim ? idx : idx.reshape(dropDims(x.shape(), new int[] {d}));
    }

    /** Variance over dims with a correction (divisor N - correction). */
    public static Tensor var(Tensor x, int[] dims, int correction, boolean keepDim) {
        int[] d = normalizeDims(dims, x.dim());
        long n = 1;
        for (int i : d) {
            n *= x.size(i);
        }
        Tensor centered = x.sub(mean(x, d, true));
        return sum(centered.square(), d, keepDim).mul(1.0 / Math.max(0, n - correction));
    }

    /**
     * p-norm over dims (p &gt; 0, or infinity). The gradient at a zero norm is zero, as in PyTorch.
     */
    public static Tensor norm(Tensor x, double p, int[] dims, boolean keepDim) {
        if (!(p > 0)) {
            throw new IllegalArgumentException("norm: p must be positive or infinity, got " + p);
        }
        int[] d = normalizeDims(dims, x.dim());
        Tensor xd = x.detach();
        Tensor out;
        try (var off = GradMode.noGrad()) {
            out = panface.tensor.Scope.compute(() -> {
                if (Double.isInfinite(p)) {
                    return amax(xd.abs(), d, true);
                } else if (p == 2.0) {
                    return sum(xd.square(), d, true).sqrt();
                } else if (p == 1.0) {
                    return sum(xd.abs(), d, true);
                }
                return sum(xd.abs().pow(p), d, true).pow(1.0 / p);
            });
        }
        if (GradMode.needsGrad(x)) {
            Node node = new Node("norm", x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    Tensor in = input(0);
                    Tensor nrm = saved(0);
                    Tensor gk = g.reshape(nrm.shape());
                    Tensor gx;
                    if (Double.isInfinite(p)) {
                        Tensor mask = in.abs().eq(nrm).to(in.dtype());
                        gx = in.sign().mul(mask).div(sum(mask, d, true)).mul(gk);
                    } else if (p == 1.0) {
                        gx = in.sign().mul(gk);
                    } else {
                        // g * x |x|^(p-2) / norm^(p-1), zero where the norm is zero
                        Tensor scale = Elementwise.where(nrm.eq(0.0), Tensor.zerosLike(nrm), gk.div(nrm.pow(p - 1)));
                        Tensor mag = p == 2.0 ? in : in.mul(in.abs().pow(p - 2));
                        gx = mag.mul(scale);
                    }
                    return new Tensor[] {gx};
                }
            };
            node.save(out);
            out = out.detach().withGradFn(node);
        }
        return keepDim ? out : out.reshape(dropDims(x.shape(), d));
    }
}
