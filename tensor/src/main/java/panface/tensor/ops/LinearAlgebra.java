package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import java.util.Arrays;

import panface.tensor.Autocast;
import panface.tensor.PrepackedWeight;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** Matrix products with their gradients. */
public final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /**
     * PyTorch's matmul: 1-D operands are promoted (and the added dimension removed), batch
     * dimensions broadcast. A (..., M, K) @ (K, N) product is folded into one (rows, K) GEMM.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        a = Autocast.forProduct(a);
        b = Autocast.forProduct(b);
        Elementwise.sameDevice("matmul", a, b);
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul needs at least 1-D operands, got " + a.describe() + " and " + b.describe());
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("matmul operands differ in dtype: " + a.describe() + " and " + b.describe());
        }
        if (a.dim() == 1 && b.dim() == 1) {
            return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        }
        if (a.dim() == 1) {
            return matmul(a.unsqueeze(0), b).squeeze(-2);
        }
        if (b.dim() == 1) {
            return matmul(a, b.unsqueeze(1)).squeeze(-1);
        }
        int k = a.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException("matmul: inner dimensions differ, " + a.describe() + " @ " + b.describe());
        }
        if (b.dim() == 2 && a.dim() > 2) {
            int[] as = a.shape();
            int rows = Shape.prod(as, 0, as.length - 1);
            Tensor y = mm(a.reshape(rows, k), b);
            int[] os = as.clone();
            os[os.length - 1] = b.size(-1);
            return y.reshape(os);
        }
        return mm(a, b);
    }

    /** Batched product of operands with rank &gt;= 2, broadcasting batch dimensions. */
    static Tensor mm(Tensor a, Tensor b) {
        int[] as = a.shape();
        int[] bs = b.shape();
        int[] batch = Shape.broadcast(Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        int[] outShape = concat(batch, m, n);
        Tensor ae = Views.broadcastTo(a.detach(), concat(batch, m, k));
        Tensor be = Views.broadcastTo(b.detach(), concat(batch, k, n));
        Tensor out = a.newEmpty(a.dtype(), outShape);
        a.backend().matmul(operand(ae), operand(be), operand(out), 1.0, 0.0);
        if (!GradMode.needsGrad(a, b)) {
            return out;
        }
        return out.withGradFn(new Node("matmul", a, b) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor x = input(0);
                Tensor y = input(1);
                // an operand that is a transposed view (w.mT() in linear layers) gets its gradient
                // computed transposed, so that the view's own backward hands on a contiguous tensor
                Tensor gx = !needs(0) ? null : columnMajor(x) ? Reductions.sumTo(mm(y, g.mT()).mT(), x.shape())
                        : Reductions.sumTo(mm(g, y.mT()), x.shape());
                Tensor gy = !needs(1) ? null : columnMajor(y) ? Reductions.sumTo(mm(g.mT(), x).mT(), y.shape())
                        : Reductions.sumTo(mm(x.mT(), g), y.shape());
                return new Tensor[] {gx, gy};
            }
        });
    }

    /** A matrix (or batch of them) stored column by column: a transposed view of a row-major one. */
    private static boolean columnMajor(Tensor t) {
        return t.dim() >= 2 && t.stride(-2) == 1 && t.stride(-1) != 1 && t.size(-1) > 1 && t.size(-2) > 1;
    }

    /**
     * act(linear(x, weight, bias)): the product runs without bias (leading dimensions flattened
     * into one GEMM), then one fused pass adds the bias and applies the activation.
     */
    public static Tensor linearActivation(Tensor x, Tensor weight, Tensor bias, UnaryOp act, double a) {
        x = Autocast.forProduct(x);
        weight = Autocast.forProduct(weight);
        bias = Autocast.forProduct(bias);
        if (bias == null || x.dim() < 1 || weight.dim() != 2 || x.size(-1) != weight.size(1) || x.dtype() != weight.dtype()) {
            return Elementwise.unary(act, linear(x, weight, bias), a, 0);
        }
        int[] shape = x.shape();
        Tensor x2 = x.dim() == 2 ? x : x.reshape(-1, x.size(-1));
        Tensor y = Elementwise.biasActivation(matmul(x2, weight.mT()), bias, act, a);
        shape[shape.length - 1] = weight.size(0);
        return x.dim() == 2 ? y : y.reshape(shape);
    }

    /** As {@link #linear(Tensor, Tensor, Tensor)} with a prepared weight (used when the product needs no gradient). */
    public static Tensor linear(Tensor x, PrepackedWeight w, Tensor bias) {
        Tensor fused = fusedPrepacked(x, w, bias, null, 0, null);
        return fused != null ? fused : linear(x, w.weight(), bias);
    }

    /**
     * As {@link #linearActivation(Tensor, Tensor, Tensor, UnaryOp, double)} with a prepared weight;
     * an activation the backend cannot apply inside the product follows it as its own pass.
     */
    public static Tensor linearActivation(Tensor x, PrepackedWeight w, Tensor bias, UnaryOp act, double a) {
        Tensor fused = fusedPrepacked(x, w, bias, act, a, null);
        if (fused != null) {
            return fused;
        }
        Tensor y = fusedPrepacked(x, w, bias, null, 0, null);
        return y != null ? Elementwise.unary(act, y, a, 0) : linearActivation(x, w.weight(), bias, act, a);
    }

    /**
     * residual + act(x @ W^T + bias) (act, bias and residual each possibly null) in one call of the
     * backend's prepared product, which applies them to rows while they are in cache; null when the
     * product needs a gradient, autocast applies, or the backend has no such path for the input.
     */
    private static Tensor fusedPrepacked(Tensor x, PrepackedWeight w, Tensor bias, UnaryOp act, double a, Tensor residual) {
        Tensor weight = w.weight();
        int out = weight.size(0);
        if (!w.isPacked() || x.dim() < 2 || x.size(-1) != weight.size(1) || x.dtype() != weight.dtype() || x.device() != weight.device()
                || GradMode.needsGrad(x, weight, bias, residual) || Autocast.forProduct(x) != x
                || (bias != null && (bias.dim() != 1 || bias.size(0) != out || bias.dtype() != x.dtype() || bias.device() != x.device()))
                || (residual != null && (!Arrays.equals(residual.shape(), outputShape(x, out)) || residual.dtype() != x.dtype()
                    || residual.device() != x.device()))) {
            return null;
        }
        int[] xs = x.shape();
        int rows = Shape.prod(xs, 0, xs.length - 1);
        Tensor y = x.newEmpty(x.dtype(), rows, out);
        Tensor r = residual == null ? null : residual.detach().contiguous().reshape(rows, out);
        Tensor b = bias == null ? null : bias.detach().contiguous();
        if (!y.backend().linearPrepacked(x.detach().contiguous().reshape(rows, weight.size(1)).asView(), w.packed(), operand(b), act, a, operand(r), operand(y))) {
            return null;
        }
        return y.reshape(outputShape(x, out));
    }

    /**
     * residual + linear(x, w, bias) with a prepared weight: the product adds straight onto an
     * output that starts as residual + bias, sparing a pass over memory (a transformer block's
     * skip connections).
     */
    public static Tensor linearResidual(Tensor x, PrepackedWeight w, Tensor bias, Tensor residual) {
        Tensor fused = fusedPrepacked(x, w, bias, null, 0, residual);
        return fused != null ? fused : residual.add(linear(x, w, bias));
    }

    /** x's shape with its last dimension replaced by out. */
    private static int[] outputShape(Tensor x, int out) {
        int[] ys = x.shape();
        ys[ys.length - 1] = out;
        return ys;
    }

    /** y = x @ weight^T + bias, with weight (OUT, IN) and bias (OUT) or null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        x = Autocast.forProduct(x);
        weight = Autocast.forProduct(weight);
        bias = Autocast.forProduct(bias);
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("linear: weight must be (out, in), got " + weight.describe());
        }
        if (x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input " + x.describe() + " does not match weight " + weight.describe());
        }
        if (bias == null || x.dim() < 2 || bias.dim() != 1 || bias.size(0) != weight.size(0) || bias.dtype() != x.dtype()
                || weight.dtype() != x.dtype()) {
            Tensor y = matmul(x, weight.mT());
            return bias == null ? y : y.add(bias);
        }
        return fusedLinear(x, weight, bias);
    }

    /**
     * x @ W^T + b as one GEMM whose output starts as the broadcast bias (beta = 1), so the bias
     * costs no extra pass; the backward gives the three gradients with two GEMMs and a column sum.
     */
    private static Tensor fusedLinear(Tensor x, Tensor weight, Tensor bias) {
        int in = weight.size(1);
        int out = weight.size(0);
        int[] xs = x.shape();
        int rows = Shape.prod(xs, 0, xs.length - 1);
        Tensor y = x.newEmpty(x.dtype(), rows, out);
        y.backend().copy(Views.broadcastTo(bias.detach(), new int[] {rows, out}).asView(), operand(y));
        Tensor x2 = x.detach().reshape(rows, in);
        y.backend().matmul(operand(x2), weight.detach().mT().asView(), operand(y), 1.0, 1.0);
        Tensor result = y.reshape(outputShape(x, out));
        if (!GradMode.needsGrad(x, weight, bias)) {
            return result;
        }
        Node node = new Node("linear", x, weight, bias) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor g2 = g.contiguous().reshape(rows, out);
                Tensor gx = needs(0) ? mm(g2, input(1).detach()).reshape(xs) : null;
                Tensor gw = needs(1) ? mm(g2.mT(), saved(0)) : null;
                Tensor gb = needs(2) ? Reductions.sum(g2, new int[] {0}, false) : null;
                return new Tensor[] {gx, gw, gb};
            }
        };
        node.save(x2);
        return result.withGradFn(node);
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
