package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;
import panface.tensor.backend.Pool2dParams;

/** Max, average and adaptive average pooling, and bilinear grid sampling. */
public final class Pooling {
    private Pooling() {
    }

    private static void check4d(String op, Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + " expects (N, C, H, W), got " + x.describe());
        }
    }

    private static Tensor output(String op, Tensor x, Pool2dParams p) {
        int ho = p.outH(x.size(2));
        int wo = p.outW(x.size(3));
        if (ho <= 0 || wo <= 0) {
            throw new IllegalArgumentException(op + ": window " + p + " gives an empty output for " + x.describe());
        }
        return x.newEmpty(x.dtype(), x.size(0), x.size(1), ho, wo);
    }

    public static Tensor maxPool2d(Tensor x, Pool2dParams p) {
        check4d("maxPool2d", x);
        Tensor out = output("maxPool2d", x, p);
        Tensor arg = x.newEmpty(DType.I64, out.shape());
        x.backend().maxPool2d(x.detach().asView(), p, operand(out), operand(arg));
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        int[] xs = x.shape();
        Node node = new Node("maxPool2d", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), xs);
                gx.backend().maxPool2dBackward(operand(g), operand(saved(0)), operand(gx));
                return new Tensor[] {gx};
            }
        };
        node.save(arg);
        return out.withGradFn(node);
    }

    public static Tensor avgPool2d(Tensor x, Pool2dParams p) {
        check4d("avgPool2d", x);
        Tensor out = output("avgPool2d", x, p);
        x.backend().avgPool2d(x.detach().asView(), p, operand(out));
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        int[] xs = x.shape();
        return out.withGradFn(new Node("avgPool2d", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), xs);
                gx.backend().avgPool2dBackward(operand(g), p, operand(gx));
                return new Tensor[] {gx};
            }
        });
    }

    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        check4d("adaptiveAvgPool2d", x);
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        }
        Tensor out = x.newEmpty(x.dtype(), x.size(0), x.size(1), outH, outW);
        x.backend().adaptiveAvgPool2d(x.detach().asView(), operand(out));
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        int[] xs = x.shape();
        return out.withGradFn(new Node("adaptiveAvgPool2d", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), xs);
                gx.backend().adaptiveAvgPool2dBackward(operand(g), operand(gx));
                return new Tensor[] {gx};
            }
        });
    }

    public static Tensor gridSample(Tensor x, Tensor grid, boolean alignCorners) {
        check4d("gridSample", x);
        if (grid.dim() != 4 || grid.size(0) != x.size(0) || grid.size(3) != 2) {
            throw new IllegalArgumentException("gridSample expects grid (N, Ho, Wo, 2) for input " + x.describe() + ", got " + grid.describe());
        }
        if (grid.dtype() != x.dtype()) {
            throw new IllegalArgumentException("gridSample: input and grid dtypes differ: " + x.describe() + ", " + grid.describe());
        }
        Tensor out = x.newEmpty(x.dtype(), x.size(0), x.size(1), grid.size(1), grid.size(2));
        x.backend().gridSample(x.detach().asView(), grid.detach().asView(), alignCorners, operand(out));
        if (!GradMode.needsGrad(x, grid)) {
            return out;
        }
        return out.withGradFn(new Node("gridSample", x, grid) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor xi = input(0);
                Tensor gi = input(1);
                Tensor gx = needs(0) ? Tensor.zerosLike(xi) : null;
                Tensor gg = needs(1) ? Tensor.zerosLike(gi) : null;
                xi.backend().gridSampleBackward(xi.detach().asView(), gi.detach().asView(), alignCorners, operand(g), operand(gx), operand(gg));
                return new Tensor[] {gx, gg};
            }
        });
    }
}
