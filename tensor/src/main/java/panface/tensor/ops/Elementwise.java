package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import java.util.Locale;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.View;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;

/** Elementwise ops with their gradients: unary, broadcasting binary, where, casts and transfers. */
public final class Elementwise {
    private Elementwise() {
    }

    private static final java.util.Set<UnaryOp> ACTIVATIONS = java.util.EnumSet.of(UnaryOp.RELU, UnaryOp.RELU6, UnaryOp.LEAKY_RELU,
            UnaryOp.SIGMOID, UnaryOp.TANH, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.HARDSWISH, UnaryOp.HARDSIGMOID);

    /**
     * act(x + bias) with bias (N) along the last dimension of x (..., N), in one pass where the
     * backend fuses it; a is the activation's parameter (LeakyReLU's slope). Differentiable in x
     * and bias; the backward recomputes x + bias rather than keeping it.
     */
    public static Tensor biasActivation(Tensor x, Tensor bias, UnaryOp act, double a) {
        if (!ACTIVATIONS.contains(act)) {
            throw new IllegalArgumentException("biasActivation takes one of " + ACTIVATIONS + ", not " + act);
        }
        if (x.dim() == 0 || bias.dim() != 1 || bias.size(0) != x.size(-1)) {
            throw new IllegalArgumentException("biasActivation expects x (..., N) and bias (N), got " + x.describe() + " and " + bias.describe());
        }
        sameDevice("biasActivation", x, bias);
        DType t = DType.promote(x.dtype(), bias.dtype());
        if (!t.isFloating()) {
            throw new IllegalArgumentException("biasActivation needs floating-point tensors, got " + x.describe());
        }
        x = x.to(t);
        bias = bias.to(t);
        Tensor xc = x.detach().contiguous();
        Tensor bc = bias.detach().contiguous();
        Tensor y = x.newEmpty(t, x.shape());
        x.backend().biasActivation(act, a, 0, operand(xc), operand(bc), operand(y));
        if (!GradMode.needsGrad(x, bias)) {
            return y;
        }
        int n = x.size(-1);
        Node node = new Node("bias_" + act.name().toLowerCase(Locale.ROOT), x, bias) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor xs = saved(0);
                Tensor gz = xs.newEmpty(xs.dtype(), xs.shape());
                View gc = g.contiguous().asView();
                if (needs(1)) {
                    // the bias gradient summed in the same pass where the backend can
                    Tensor gb = saved(1).newEmpty(saved(1).dtype(), n);
                    if (xs.backend().biasActivationBackward(act, a, 0, operand(xs), operand(saved(1)), gc, operand(gz), operand(gb))) {
                        return new Tensor[] {needs(0) ? gz : null, gb};
                    }
                }
                xs.backend().biasActivationBackward(act, a, 0, operand(xs), operand(saved(1)), gc, operand(gz));
                Tensor gb = needs(1) ? gz.reshape(-1, n).sum(0, false) : null;
                return new Tensor[] {needs(0) ? gz : null, gb};
            }
        };
        node.save(xc, bc);
        return y.withGradFn(node);
    }

    /** y = op(x) with parameters a, b (see {@link UnaryOp}). */
    public static Tensor unary(UnaryOp op, Tensor x, double a, double b) {
        boolean toBool = op.isPredicate();
        Tensor y = x.newEmpty(toBool ? DType.BOOL : x.dtype(), x.shape());
        x.backend().unary(op, operand(x), operand(y), a, b);
        if (toBool || op.isPiecewiseConstant() || !GradMode.needsGrad(x)) {
            return y;
        }
        Node node = new Node(op.name().toLowerCase(Locale.ROOT), x) {
            @Override
            public Tensor[] backward(Tensor g) {
                if (op == UnaryOp.AFFINE) {
                    return new Tensor[] {a == 1.0 ? g : g.mul(a)};
                }
                if (op == UnaryOp.NEG) {
                    return new Tensor[] {g.neg()};
                }
                Tensor in = input(0);
                Tensor gx = in.newEmpty(in.dtype(), in.shape());
                in.backend().unaryBackward(op, operand(in), operand(saved(0)), operand(g), operand(gx), a, b);
                return new Tensor[] {gx};
            }
        };
        node.save(y);
        return y.withGradFn(node);
    }

    /** out = a op b with broadcasting and type promotion; predicates give BOOL without gradient. */
    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        sameDevice(op.name(), a, b);
        DType t = DType.promote(a.dtype(), b.dtype());
        Tensor ac = a.to(t);
        Tensor bc = b.to(t);
        int[] shape = Shape.broadcast(a.shape(), b.shape());
        Tensor out = a.newEmpty(op.isPredicate() ? DType.BOOL : t, shape);
        a.backend().binary(op, Views.broadcastTo(ac.detach(), shape).asView(), Views.broadcastTo(bc.detach(), shape).asView(), operand(out));
        if (op.isPredicate() || !GradMode.needsGrad(ac, bc)) {
            return out;
        }
        Node node = new Node(op.name().toLowerCase(Locale.ROOT), ac, bc) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor x = input(0);
                Tensor y = input(1);
                Tensor gx = null;
                Tensor gy = null;
                switch (op) {
                    case ADD -> {
                        gx = needs(0) ? g : null;
                        gy = needs(1) ? g : null;
                    }
                    case SUB -> {
                        gx = needs(0) ? g : null;
                        gy = needs(1) ? g.neg() : null;
                    }
                    case MUL -> {
                        gx = needs(0) ? g.mul(y) : null;
                        gy = needs(1) ? g.mul(x) : null;
                    }
                    case DIV -> {
                        gx = needs(0) ? g.div(y) : null;
                        gy = needs(1) ? g.mul(saved(0)).div(y).neg() : null;
                    }
                    case MAX, MIN -> {
                        // PyTorch: the gradient goes to the winner, split evenly on ties.
                        BinaryOp win = op == BinaryOp.MAX ? BinaryOp.GT : BinaryOp.LT;
                        Tensor tie = x.eq(y).to(g.dtype()).mul(0.5);
                        if (needs(0)) {
                            gx = g.mul(binary(win, x, y).to(g.dtype()).add(tie));
                        }
                        if (needs(1)) {
                            gy = g.mul(binary(win, y, x).to(g.dtype()).add(tie));
                        }
                    }
                    case POW -> {
                        if (needs(0)) {
                            gx = g.mul(y).mul(binary(BinaryOp.POW, x, y.sub(1.0)));
                        }
                        if (needs(1)) {
                            // d/dy x^y = x^y log x, taken as 0 where x == 0 and y >= 0 (PyTorch's convention)
                            Tensor logx = where(x.eq(0.0).logicalAnd(y.ge(Tensor.full(0.0, y.device(), y.dtype()))),
                                    Tensor.zerosLike(x), x.log());
                            gy = g.mul(saved(0)).mul(logx);
                        }
                    }
                    default -> throw new IllegalStateException("no gradient for " + op);
                }
                return new Tensor[] {
                    gx == null ? null : Reductions.sumTo(gx, x.shape()),
                    gy == null ? null : Reductions.sumTo(gy, y.shape())
                };
            }
        };
        // add and sub read only the gradient; div reads the divisor and its output, not the dividend
        switch (op) {
            case ADD, SUB -> node.needsNoValuesOf(0, 1);
            case DIV -> node.needsNoValuesOf(0);
            default -> { }
        }
        if (op == BinaryOp.DIV || op == BinaryOp.POW) {
            node.save(out);
        }
        return out.withGradFn(node);
    }

    /** cond ? a : b with broadcasting; the gradient flows to the chosen side. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        sameDevice("where", a, b);
        sameDevice("where", cond, a);
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: the condition must be BOOL, got " + cond.describe());
        }
        DType t = DType.promote(a.dtype(), b.dtype());
        Tensor ac = a.to(t);
        Tensor bc = b.to(t);
        int[] shape = Shape.broadcast(Shape.broadcast(cond.shape(), a.shape()), b.shape());
        Tensor out = a.newEmpty(t, shape);
        a.backend().where(Views.broadcastTo(cond, shape).asView(), Views.broadcastTo(ac.detach(), shape).asView(), Views.broadcastTo(bc.detach(), shape).asView(), operand(out));
        if (!GradMode.needsGrad(ac, bc)) {
            return out;
        }
        Node node = new Node("where", ac, bc) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor c = saved(0);
                Tensor zero = Tensor.zerosLike(g);
                return new Tensor[] {
                    needs(0) ? Reductions.sumTo(where(c, g, zero), input(0).shape()) : null,
                    needs(1) ? Reductions.sumTo(where(c, zero, g), input(1).shape()) : null
                };
            }
        };
        node.save(cond);
        return out.withGradFn(node);
    }

    /** x converted to another dtype; differentiable between floating types. */
    public static Tensor cast(Tensor x, DType target) {
        Tensor y = x.newEmpty(target, x.shape());
        x.backend().copy(operand(x), operand(y));
        if (target.isFloating() && x.dtype().isFloating() && GradMode.needsGrad(x)) {
            DType back = x.dtype();
            y.withGradFn(new Node("to(" + target + ")", x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    return new Tensor[] {g.to(back)};
                }
            });
        }
        return y;
    }

    /** x on another device (x itself when it is already there); differentiable. */
    public static Tensor toDevice(Tensor x, Device target) {
        if (x.device().equals(target)) {
            return x;
        }
        Tensor src = x.contiguous();
        Tensor y = Tensor.empty(target, x.dtype(), x.shape());
        int n = x.numel();
        Object host = switch (x.dtype()) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case BF16, F16 -> new short[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new byte[n];
        };
        src.backend().read(src.storage(), src.offset(), host, 0, n);
        Backends.of(target).write(y.storage(), 0, host, 0, n);
        if (GradMode.needsGrad(x)) {
            Device from = x.device();
            y.withGradFn(new Node("to(" + target + ")", x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    return new Tensor[] {g.to(from)};
                }
            });
        }
        return y;
    }

    static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException(op + ": operands are on different devices (" + a.device() + " and " + b.device()
                    + "); move one with to(device)");
        }
    }
}
