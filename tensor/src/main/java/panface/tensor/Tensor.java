package panface.tensor;

import java.util.Arrays;

import panface.tensor.autograd.Engine;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;
import panface.tensor.backend.Backend;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Distribution;
import panface.tensor.backend.UnaryOp;
import panface.tensor.ops.Elementwise;
import panface.tensor.ops.LinearAlgebra;
import panface.tensor.ops.Reductions;
import panface.tensor.ops.Views;
import panface.tensor.random.Generator;

/**
 * An n-dimensional array on one device, with define-by-run automatic differentiation.
 *
 * <p>A tensor is a view (offset, shape, strides) of a {@link Storage}; views share their storage.
 * Its memory belongs to the {@link Scope} that was current when it was made. Ops return new
 * tensors; the few in-place methods end in {@code InPlace} and refuse tensors that take part in a
 * recorded graph.
 *
 * <p>Tensors are not synchronised: one tensor may be read from many threads, but must not be
 * written while others read it. Functions on many tensors live in {@link F}.
 */
public final class Tensor implements HasStorage {
    private final View layout;
    private boolean requiresGrad;
    private Tensor grad;
    private boolean gradReceived;
    private Node gradFn;

    private Tensor(View layout) {
        this.layout = layout;
    }

    private Tensor(Storage storage, int offset, int[] shape, int[] strides) {
        this(new View(storage, offset, shape, strides));
    }

    // ---- construction -------------------------------------------------------------------------

    /**
     * A view of a storage with explicit geometry (PyTorch's as_strided). For op implementations;
     * the geometry is checked against the storage bounds.
     */
    public static Tensor wrap(Storage storage, int offset, int[] shape, int[] strides) {
        return new Tensor(View.checked(storage, offset, shape, strides));
    }

    /** A tensor over a kernel's view (sharing its storage), with no autograd history. */
    public static Tensor wrap(View view) {
        return new Tensor(view);
    }

    /**
     * A new contiguous tensor whose contents are unspecified (as PyTorch's empty): for outputs
     * that are written in full. Use {@link #zeros} when the values matter.
     */
    public static Tensor empty(Device device, DType dtype, int... shape) {
        int[] s = shape.clone();
        int n = Shape.numel(s);
        Storage st = Backends.of(device).allocateUninitialized(dtype, n);
        return new Tensor(st, 0, s, Shape.contiguousStrides(s));
    }

    /** A zero-filled F32 tensor on the CPU. */
    public static Tensor zeros(int... shape) {
        return zeros(Device.CPU, DType.F32, shape);
    }

    /** A zero-filled tensor on the CPU. */
    public static Tensor zeros(DType dtype, int... shape) {
        return zeros(Device.CPU, dtype, shape);
    }

    /** A zero-filled tensor. */
    public static Tensor zeros(Device device, DType dtype, int... shape) {
        int[] s = shape.clone();
        int n = Shape.numel(s);
        Storage st = Backends.of(device).allocate(dtype, n);
        return new Tensor(st, 0, s, Shape.contiguousStrides(s));
    }

    /** An F32 tensor of ones on the CPU. */
    public static Tensor ones(int... shape) {
        return full(1.0, Device.CPU, DType.F32, shape);
    }

    /** A tensor of ones on the CPU. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(1.0, Device.CPU, dtype, shape);
    }

    /** A tensor filled with a value. */
    public static Tensor full(double value, Device device, DType dtype, int... shape) {
        if (value == 0.0) {
            return zeros(device, dtype, shape);
        }
        Tensor t = empty(device, dtype, shape);
        t.backend().fill(t.asView(), value);
        return t;
    }

    /** A zero-filled tensor with another's device, dtype and shape. */
    public static Tensor zerosLike(Tensor t) {
        return zeros(t.device(), t.dtype(), t.layout.shape);
    }

    /** A tensor of ones with another's device, dtype and shape. */
    public static Tensor onesLike(Tensor t) {
        return full(1.0, t.device(), t.dtype(), t.layout.shape);
    }

    /** A tensor filled with a value, with another's device, dtype and shape. */
    public static Tensor fullLike(Tensor t, double value) {
        return full(value, t.device(), t.dtype(), t.layout.shape);
    }

    /** A new zero-filled tensor on this tensor's device. */
    public Tensor newZeros(DType dtype, int... shape) {
        return zeros(device(), dtype, shape);
    }

    /** A new tensor with unspecified contents on this tensor's device (for outputs written in full). */
    public Tensor newEmpty(DType dtype, int... shape) {
        return empty(device(), dtype, shape);
    }

    /** 0, 1, ..., n-1 as I64 on the CPU. */
    public static Tensor arange(int n) {
        return arange(0, n, 1, Device.CPU, DType.I64);
    }

    /** start, start+step, ... below end (PyTorch's arange). */
    public static Tensor arange(double start, double end, double step, Device device, DType dtype) {
        if (step == 0 || (end - start) / step < 0) {
            throw new IllegalArgumentException("arange(" + start + ", " + end + ", " + step + ") is empty or infinite");
        }
        int n = (int) Math.ceil((end - start) / step);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i * step;
        }
        return of(v, n).to(dtype).to(device);
    }

    /** F32 uniform [0, 1) on the CPU, from a generator. */
    public static Tensor rand(Generator gen, int... shape) {
        return random(gen, Distribution.UNIFORM, 0, 1, Device.CPU, DType.F32, shape);
    }

    /** F32 standard normal on the CPU, from a generator. */
    public static Tensor randn(Generator gen, int... shape) {
        return random(gen, Distribution.NORMAL, 0, 1, Device.CPU, DType.F32, shape);
    }

    /**
     * A tensor drawn from a distribution (uniform [a, b), normal (mean a, std b) or Bernoulli(a)).
     * The generator's offset advances by the number of Philox blocks consumed.
     */
    public static Tensor random(Generator gen, Distribution dist, double a, double b, Device device, DType dtype, int... shape) {
        Tensor t = empty(device, dtype, shape);
        long offset = gen.reserve(t.numel());
        t.backend().randomFill(t.asView(), dist, gen.seed(), offset, a, b);
        return t;
    }

    /** An F32 CPU tensor holding a copy of data. */
    public static Tensor of(float[] data, int... shape) {
        return fromArray(DType.F32, data, data.length, shape);
    }

    /** An F64 CPU tensor holding a copy of data. */
    public static Tensor of(double[] data, int... shape) {
        return fromArray(DType.F64, data, data.length, shape);
    }

    /** An I64 CPU tensor holding a copy of data. */
    public static Tensor of(long[] data, int... shape) {
        return fromArray(DType.I64, data, data.length, shape);
    }

    /** An I32 CPU tensor holding a copy of data. */
    public static Tensor of(int[] data, int... shape) {
        return fromArray(DType.I32, data, data.length, shape);
    }

    /** A BOOL CPU tensor holding a copy of data. */
    public static Tensor of(boolean[] data, int... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (data[i] ? 1 : 0);
        }
        return fromArray(DType.BOOL, b, b.length, shape);
    }

    /**
     * A CPU tensor of a 16-bit float dtype (BF16 or F16) from raw bits.
     */
    public static Tensor ofBits(DType dtype, short[] bits, int... shape) {
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("ofBits takes BF16 or F16, got " + dtype);
        }
        return fromArray(dtype, bits, bits.length, shape);
    }

    /** A zero-dimensional F32 tensor. */
    public static Tensor scalar(double value) {
        return scalar(value, DType.F32);
    }

    /** A zero-dimensional tensor of a dtype. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, Device.CPU, dtype);
    }

    private static Tensor fromArray(DType dtype, Object array, int length, int[] shape) {
        int[] s = shape.length == 0 && length != 1 ? new int[] {length} : shape.clone();
        int n = Shape.numel(s);
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " holds " + n + " elements but the array has " + length);
        }
        Tensor t = empty(Device.CPU, dtype, s);
        t.backend().write(t.layout.storage, 0, array, 0, n);
        return t;
    }

    // ---- geometry -----------------------------------------------------------------------------

    /** The shape (a copy). */
    public int[] shape() {
        return layout.shape.clone();
    }

    /** The size of one dimension (negative counts from the end). */
    public int size(int dim) {
        return layout.shape[Shape.dim(dim, layout.shape.length)];
    }

    /** The strides in elements (a copy). */
    public int[] strides() {
        return layout.strides.clone();
    }

    /** The stride of one dimension. */
    public int stride(int dim) {
        return layout.strides[Shape.dim(dim, layout.shape.length)];
    }

    /** Offset of element [0, ..., 0] in the storage, in elements. */
    public int offset() {
        return layout.offset;
    }

    /** Number of dimensions. */
    public int dim() {
        return layout.shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return Shape.numel(layout.shape);
    }

    public DType dtype() {
        return layout.storage.dtype();
    }

    public Device device() {
        return layout.storage.device();
    }

    /** The storage this tensor views. */
    @Override
    public Storage storage() {
        return layout.storage;
    }

    /** The backend of this tensor's device. */
    public Backend backend() {
        return Backends.of(layout.storage.device());
    }

    /** True when the elements are laid out in row-major order without gaps. */
    public boolean isContiguous() {
        return layout.isContiguous();
    }

    /**
     * This tensor's layout (storage, offset, shape, strides) as the kernels take it: the same
     * object on every call, without this tensor's autograd state.
     */
    public View asView() {
        return layout;
    }

    // ---- autograd -----------------------------------------------------------------------------

    /** True when gradients flow to or through this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as needing a gradient; returns this. */
    public Tensor requiresGrad(boolean on) {
        if (gradFn != null && !on) {
            throw new IllegalStateException("cannot clear requiresGrad on a tensor computed by '" + gradFn.name() + "'; use detach()");
        }
        if (on && !dtype().isFloating()) {
            throw new IllegalArgumentException("only floating-point tensors can require gradients, this one is " + dtype());
        }
        this.requiresGrad = on;
        return this;
    }

    /** The accumulated gradient of a leaf, or null. */
    public Tensor grad() {
        return grad;
    }

    /**
     * Sets (or clears, with null) the gradient buffer of a leaf; it must match this tensor's shape
     * and dtype. A gradient set this way counts as {@link #gradReceived received}.
     */
    public void setGrad(Tensor g) {
        if (g != null && (!Arrays.equals(g.layout.shape, layout.shape) || g.dtype() != dtype() || !g.device().equals(device()))) {
            throw new IllegalArgumentException("gradient " + g.describe() + " does not match tensor " + describe());
        }
        this.grad = g;
        this.gradReceived = g != null;
    }

    /**
     * Whether this leaf's gradient has been written since it was last zeroed or cleared: by a
     * backward pass, {@link #accumulateGrad}, {@link #setGrad} or an op that marked it. A
     * gradient buffer that exists but received nothing (parameters packed into a slab always have
     * one) does not count: optimizers skip such parameters, as PyTorch skips those whose gradient
     * is None after {@code zero_grad()}.
     */
    public boolean gradReceived() {
        return grad != null && gradReceived;
    }

    /** Marks the gradient as received, for ops whose backward writes into {@link #grad()} in place. */
    public void markGradReceived() {
        gradReceived = grad != null;
    }

    /** The node that computed this tensor, or null for a leaf. */
    public Node gradFn() {
        return gradFn;
    }

    /** True when this tensor was not computed by a recorded op. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /**
     * Records the node that computed this fresh result (for op implementations). Sets
     * requiresGrad. Returns this.
     */
    public Tensor withGradFn(Node node) {
        if (this.gradFn != null) {
            throw new IllegalStateException("tensor already has a gradient function '" + this.gradFn.name() + "'");
        }
        this.gradFn = node;
        this.requiresGrad = true;
        return this;
    }

    /** Backpropagates from a one-element tensor. */
    public void backward() {
        Engine.backward(this, null, false);
    }

    /** Backpropagates a given output gradient. */
    public void backward(Tensor gradOutput) {
        Engine.backward(this, gradOutput, false);
    }

    /** Backpropagates, keeping the graph for another pass when retainGraph. */
    public void backward(Tensor gradOutput, boolean retainGraph) {
        Engine.backward(this, gradOutput, retainGraph);
    }

    /**
     * Adds g into this leaf's gradient. A new gradient buffer is placed in the same scope as this
     * tensor's storage, so that it outlives per-step scopes. For the engine and optimizers.
     */
    public void accumulateGrad(Tensor g) {
        if (grad == null) {
            Tensor copy = Tensor.empty(device(), dtype(), layout.shape);
            copy.backend().copy(g.asView(), copy.asView());
            adoptScopeOf(copy, this);
            grad = copy;
        } else {
            try (var off = GradMode.noGrad()) {
                grad.addInPlace(g, 1.0);
            }
        }
        gradReceived = true;
    }

    /**
     * Takes g itself as this leaf's gradient (for the autograd engine, which calls it only with a
     * gradient nothing else refers to); its memory moves to this tensor's scope.
     */
    public void adoptGrad(Tensor g) {
        if (grad != null) {
            throw new IllegalStateException("adoptGrad on a tensor that already has a gradient");
        }
        if (!Arrays.equals(g.layout.shape, layout.shape) || g.dtype() != dtype() || !g.device().equals(device())) {
            accumulateGrad(g);
            return;
        }
        adoptScopeOf(g, this);
        grad = g;
        gradReceived = true;
    }

    private static void adoptScopeOf(Tensor t, Tensor like) {
        Scope target = like.layout.storage.owner();
        Scope current = t.layout.storage.owner();
        if (target == current) {
            return;
        }
        if (target != null) {
            target.keep(t);
        } else if (current != null) {
            current.forget(t.layout.storage);
        }
    }

    /**
     * Drops the gradient and frees its buffer now (PyTorch's {@code zero_grad(set_to_none=True)}):
     * the next backward writes a fresh gradient instead of adding to zeros. A tensor obtained
     * earlier from {@link #grad()} must not be used afterwards.
     */
    public void clearGrad() {
        Tensor g = grad;
        grad = null;
        gradReceived = false;
        if (g != null) {
            g.layout.storage.close();
        }
    }

    /** Clears the gradient by filling it with zeros (keeps the buffer; it no longer counts as {@link #gradReceived received}). */
    public void zeroGrad() {
        if (grad != null) {
            grad.fillInPlace(0.0);
        }
        gradReceived = false;
    }

    /** A tensor sharing this one's memory, outside the graph. */
    public Tensor detach() {
        return new Tensor(layout.storage, layout.offset, layout.shape, layout.strides);
    }

    // ---- devices and types ----------------------------------------------------------------------

    /** This tensor on a device (this same tensor when it is already there). Differentiable. */
    public Tensor to(Device target) {
        return Elementwise.toDevice(this, target);
    }

    /** This tensor converted to a dtype (this same tensor when it already has it). Differentiable between float types. */
    public Tensor to(DType target) {
        return target == dtype() ? this : Elementwise.cast(this, target);
    }

    /** A contiguous tensor with the same values (this one when already contiguous). */
    public Tensor contiguous() {
        return isContiguous() ? this : Views.copy(this);
    }

    /** A contiguous copy with its own storage. Differentiable. */
    public Tensor copy() {
        return Views.copy(this);
    }

    // ---- views ------------------------------------------------------------------------------------

    /** A view with a new shape (one entry may be -1); copies when the layout does not allow a view. */
    public Tensor reshape(int... newShape) {
        return Views.reshape(this, newShape);
    }

    /** A view with a new shape; fails when the layout does not allow one. */
    public Tensor view(int... newShape) {
        return Views.view(this, newShape);
    }

    /** Reorders dimensions. */
    public Tensor permute(int... dims) {
        return Views.permute(this, dims);
    }

    /** Swaps two dimensions. */
    public Tensor transpose(int d0, int d1) {
        return Views.transpose(this, d0, d1);
    }

    /** Transpose of the last two dimensions. */
    public Tensor mT() {
        return Views.transpose(this, -2, -1);
    }

    /** Elements start..start+length-1 of a dimension. */
    public Tensor narrow(int dim, int start, int length) {
        return Views.narrow(this, dim, start, length);
    }

    /** Python-style slice [start:end:step] of a dimension (negative start/end count from the end). */
    public Tensor slice(int dim, int start, int end, int step) {
        return Views.slice(this, dim, start, end, step);
    }

    /** The sub-tensor at one index of a dimension (the dimension is removed). */
    public Tensor select(int dim, int index) {
        return Views.select(this, dim, index);
    }

    /** A broadcast view (stride 0) with a larger shape; -1 keeps a size. */
    public Tensor expand(int... newShape) {
        return Views.expand(this, newShape);
    }

    /** Removes all size-1 dimensions. */
    public Tensor squeeze() {
        return Views.squeeze(this);
    }

    /** Removes one size-1 dimension (no-op when its size is not 1, as PyTorch). */
    public Tensor squeeze(int dim) {
        return Views.squeeze(this, dim);
    }

    /** Inserts a size-1 dimension. */
    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, dim);
    }

    /** Flattens dimensions start..end (inclusive) into one. */
    public Tensor flatten(int start, int end) {
        return Views.flatten(this, start, end);
    }

    // ---- elementwise ------------------------------------------------------------------------------

    public Tensor add(Tensor o) {
        return Elementwise.binary(BinaryOp.ADD, this, o);
    }

    /** this + alpha * o. */
    public Tensor add(Tensor o, double alpha) {
        return alpha == 1.0 ? add(o) : add(o.mul(alpha));
    }

    public Tensor sub(Tensor o) {
        return Elementwise.binary(BinaryOp.SUB, this, o);
    }

    public Tensor mul(Tensor o) {
        return Elementwise.binary(BinaryOp.MUL, this, o);
    }

    public Tensor div(Tensor o) {
        return Elementwise.binary(BinaryOp.DIV, this, o);
    }

    /** Elementwise maximum (gradient split evenly on ties, as PyTorch). */
    public Tensor maximum(Tensor o) {
        return Elementwise.binary(BinaryOp.MAX, this, o);
    }

    /** Elementwise minimum (gradient split evenly on ties, as PyTorch). */
    public Tensor minimum(Tensor o) {
        return Elementwise.binary(BinaryOp.MIN, this, o);
    }

    /** this^o elementwise. */
    public Tensor pow(Tensor o) {
        return Elementwise.binary(BinaryOp.POW, this, o);
    }

    public Tensor add(double c) {
        return Elementwise.unary(UnaryOp.AFFINE, this, 1.0, c);
    }

    public Tensor sub(double c) {
        return Elementwise.unary(UnaryOp.AFFINE, this, 1.0, -c);
    }

    public Tensor mul(double c) {
        return Elementwise.unary(UnaryOp.AFFINE, this, c, 0.0);
    }

    public Tensor div(double c) {
        return Elementwise.unary(UnaryOp.AFFINE, this, 1.0 / c, 0.0);
    }

    /** this^p. */
    public Tensor pow(double p) {
        return Elementwise.unary(UnaryOp.POW, this, p, 0);
    }

    public Tensor neg() {
        return Elementwise.unary(UnaryOp.NEG, this, 0, 0);
    }

    public Tensor exp() {
        return Elementwise.unary(UnaryOp.EXP, this, 0, 0);
    }

    public Tensor log() {
        return Elementwise.unary(UnaryOp.LOG, this, 0, 0);
    }

    public Tensor sqrt() {
        return Elementwise.unary(UnaryOp.SQRT, this, 0, 0);
    }

    public Tensor rsqrt() {
        return Elementwise.unary(UnaryOp.RSQRT, this, 0, 0);
    }

    public Tensor abs() {
        return Elementwise.unary(UnaryOp.ABS, this, 0, 0);
    }

    public Tensor square() {
        return Elementwise.unary(UnaryOp.SQUARE, this, 0, 0);
    }

    public Tensor reciprocal() {
        return Elementwise.unary(UnaryOp.RECIPROCAL, this, 0, 0);
    }

    public Tensor sign() {
        return Elementwise.unary(UnaryOp.SIGN, this, 0, 0);
    }

    public Tensor cos() {
        return Elementwise.unary(UnaryOp.COS, this, 0, 0);
    }

    public Tensor sin() {
        return Elementwise.unary(UnaryOp.SIN, this, 0, 0);
    }

    public Tensor acos() {
        return Elementwise.unary(UnaryOp.ACOS, this, 0, 0);
    }

    public Tensor tanh() {
        return Elementwise.unary(UnaryOp.TANH, this, 0, 0);
    }

    public Tensor sigmoid() {
        return Elementwise.unary(UnaryOp.SIGMOID, this, 0, 0);
    }

    public Tensor relu() {
        return Elementwise.unary(UnaryOp.RELU, this, 0, 0);
    }

    /** min(max(this, lo), hi); the gradient passes where lo &lt;= x &lt;= hi. Use +-Infinity for one-sided. */
    public Tensor clamp(double lo, double hi) {
        return Elementwise.unary(UnaryOp.CLAMP, this, lo, hi);
    }

    // ---- comparisons (BOOL results, no gradient) --------------------------------------------------

    public Tensor eq(Tensor o) {
        return Elementwise.binary(BinaryOp.EQ, this, o);
    }

    public Tensor ne(Tensor o) {
        return Elementwise.binary(BinaryOp.NE, this, o);
    }

    public Tensor lt(Tensor o) {
        return Elementwise.binary(BinaryOp.LT, this, o);
    }

    public Tensor le(Tensor o) {
        return Elementwise.binary(BinaryOp.LE, this, o);
    }

    public Tensor gt(Tensor o) {
        return Elementwise.binary(BinaryOp.GT, this, o);
    }

    public Tensor ge(Tensor o) {
        return Elementwise.binary(BinaryOp.GE, this, o);
    }

    public Tensor eq(double c) {
        return eq(Tensor.full(c, device(), dtype()));
    }

    public Tensor lt(double c) {
        return lt(Tensor.full(c, device(), dtype()));
    }

    public Tensor gt(double c) {
        return gt(Tensor.full(c, device(), dtype()));
    }

    /** Logical and of two BOOL tensors. */
    public Tensor logicalAnd(Tensor o) {
        return Elementwise.binary(BinaryOp.AND, this, o);
    }

    /** Logical or of two BOOL tensors. */
    public Tensor logicalOr(Tensor o) {
        return Elementwise.binary(BinaryOp.OR, this, o);
    }

    /** Logical not of a BOOL tensor. */
    public Tensor logicalNot() {
        return Elementwise.unary(UnaryOp.NOT, this, 0, 0);
    }

    // ---- reductions -------------------------------------------------------------------------------

    /** Sum of all elements (0-dimensional). */
    public Tensor sum() {
        return Reductions.sum(this, null, false);
    }

    /** Sum over dims. */
    public Tensor sum(int[] dims, boolean keepDim) {
        return Reductions.sum(this, dims, keepDim);
    }

    /** Sum over one dim. */
    public Tensor sum(int dim, boolean keepDim) {
        return Reductions.sum(this, new int[] {dim}, keepDim);
    }

    /** Mean of all elements. */
    public Tensor mean() {
        return Reductions.mean(this, null, false);
    }

    /** Mean over dims. */
    public Tensor mean(int[] dims, boolean keepDim) {
        return Reductions.mean(this, dims, keepDim);
    }

    /** Mean over one dim. */
    public Tensor mean(int dim, boolean keepDim) {
        return Reductions.mean(this, new int[] {dim}, keepDim);
    }

    /** Largest element. */
    public Tensor max() {
        return Reductions.amax(this, null, false);
    }

    /** Largest values along a dim (the gradient goes to the first maximum, as torch.max(dim)). */
    public Tensor max(int dim, boolean keepDim) {
        return Reductions.maxAlong(this, dim, keepDim, true);
    }

    /** Smallest element. */
    public Tensor min() {
        return Reductions.amin(this, null, false);
    }

    /** Smallest values along a dim. */
    public Tensor min(int dim, boolean keepDim) {
        return Reductions.maxAlong(this, dim, keepDim, false);
    }

    /** Variance over dims with a correction (1 = unbiased, 0 = population). */
    public Tensor var(int[] dims, int correction, boolean keepDim) {
        return Reductions.var(this, dims, correction, keepDim);
    }

    /** p-norm over dims (p = 2 for Euclidean). */
    public Tensor norm(double p, int[] dims, boolean keepDim) {
        return Reductions.norm(this, p, dims, keepDim);
    }

    /** Index (I64) of the first maximum along a dim. */
    public Tensor argmax(int dim, boolean keepDim) {
        return Reductions.argmax(this, dim, keepDim, true);
    }

    /** Index (I64) of the first minimum along a dim. */
    public Tensor argmin(int dim, boolean keepDim) {
        return Reductions.argmax(this, dim, keepDim, false);
    }

    // ---- linear algebra ---------------------------------------------------------------------------

    /** Matrix product with PyTorch's matmul rules (1-D promotion, batch broadcasting). */
    public Tensor matmul(Tensor o) {
        return LinearAlgebra.matmul(this, o);
    }

    // ---- in place (outside the graph) -------------------------------------------------------------

    private void checkInPlace(String op) {
        if (GradMode.isEnabled() && (requiresGrad || gradFn != null)) {
            throw new IllegalStateException(op + " would modify a tensor that takes part in autograd (" + describe()
                    + "); do it under GradMode.noGrad() or on a detached tensor");
        }
    }

    /**
     * Counts a finished in-place write in the storage's {@link #version()}: after the write, so
     * that a reader that sees the new count also sees the new values.
     */
    private Tensor written() {
        layout.storage.bumpVersion();
        return this;
    }

    /**
     * How many writes this tensor's memory has seen (its storage's counter, shared with every view
     * of it): advanced by the in-place methods below, by optimizer steps and by state-dict
     * loading, so a value derived from this tensor can tell when it is out of date.
     */
    public long version() {
        return layout.storage.version();
    }

    /** this += alpha * o (o broadcast to this shape). Returns this. */
    public Tensor addInPlace(Tensor o, double alpha) {
        checkInPlace("addInPlace");
        Tensor src = alpha == 1.0 ? o : o.mul(alpha);
        backend().binary(BinaryOp.ADD, layout, Views.broadcastTo(src, layout.shape).asView(), layout);
        return written();
    }

    /** this *= o elementwise (o broadcast to this shape). Returns this. */
    public Tensor mulInPlace(Tensor o) {
        checkInPlace("mulInPlace");
        backend().binary(BinaryOp.MUL, layout, Views.broadcastTo(o.detach().to(dtype()), layout.shape).asView(), layout);
        return written();
    }

    /** this *= c. Returns this. */
    public Tensor mulInPlace(double c) {
        checkInPlace("mulInPlace");
        backend().unary(UnaryOp.AFFINE, layout, layout, c, 0.0);
        return written();
    }

    /** this = a*this + b elementwise. Returns this. */
    public Tensor affineInPlace(double a, double b) {
        checkInPlace("affineInPlace");
        backend().unary(UnaryOp.AFFINE, layout, layout, a, b);
        return written();
    }

    /** Sets every element to value. Returns this. */
    public Tensor fillInPlace(double value) {
        checkInPlace("fillInPlace");
        backend().fill(layout, value);
        return written();
    }

    /** Copies src (broadcast to this shape, converted to this dtype, any device) into this. Returns this. */
    public Tensor copyFrom(Tensor src) {
        checkInPlace("copyFrom");
        Tensor s = src.device().equals(device()) ? src : src.detach().to(device());
        backend().copy(Views.broadcastTo(s.detach(), layout.shape).asView(), layout);
        return written();
    }

    // ---- reading values -----------------------------------------------------------------------------

    /** All elements in row-major order as float. */
    public float[] toFloatArray() {
        return (float[]) hostContiguous(DType.F32);
    }

    /** All elements in row-major order as double. */
    public double[] toDoubleArray() {
        return (double[]) hostContiguous(DType.F64);
    }

    /** All elements in row-major order as long. */
    public long[] toLongArray() {
        return (long[]) hostContiguous(DType.I64);
    }

    /** All elements in row-major order as int. */
    public int[] toIntArray() {
        return (int[]) hostContiguous(DType.I32);
    }

    /** All elements in row-major order as boolean (non-zero is true). */
    public boolean[] toBooleanArray() {
        byte[] b = (byte[]) hostContiguous(DType.BOOL);
        boolean[] out = new boolean[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] != 0;
        }
        return out;
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, got shape " + Arrays.toString(layout.shape));
        }
        return toDoubleArray()[0];
    }

    /** One element as double. */
    public double getDouble(int... index) {
        if (index.length != layout.shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has rank " + index.length + ", tensor has rank "
                    + layout.shape.length);
        }
        int off = layout.offset;
        for (int i = 0; i < index.length; i++) {
            int ix = index[i] < 0 ? index[i] + layout.shape[i] : index[i];
            if (ix < 0 || ix >= layout.shape[i]) {
                throw new IndexOutOfBoundsException("index " + index[i] + " out of range for dimension " + i + " of size " + layout.shape[i]);
            }
            off += ix * layout.strides[i];
        }
        Tensor one = new Tensor(layout.storage, off, new int[0], new int[0]);
        return one.toDoubleArray()[0];
    }

    private Object hostContiguous(DType want) {
        layout.storage.checkOpen();
        Tensor t = this.detach();
        if (t.dtype() != want) {
            Tensor c = Tensor.empty(device(), want, layout.shape);
            backend().copy(t.asView(), c.asView());
            t = c;
        } else if (!t.isContiguous()) {
            t = Views.copy(t);
        }
        int n = t.numel();
        Object out = switch (want) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case I64 -> new long[n];
            case I32 -> new int[n];
            case BOOL -> new byte[n];
            default -> throw new IllegalArgumentException("cannot read as " + want);
        };
        t.backend().read(t.layout.storage, t.layout.offset, out, 0, n);
        return out;
    }

    // ---- printing -----------------------------------------------------------------------------------

    /** "F32(2, 3) cpu" style summary. */
    public String describe() {
        return dtype() + Shape.toString(layout.shape) + " " + device() + (requiresGrad ? " requiresGrad" : "");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor ").append(describe());
        if (layout.storage.isClosed()) {
            return sb.append(" [freed]").toString();
        }
        int n = numel();
        double[] v = toDoubleArray();
        sb.append(" [");
        int show = Math.min(n, 8);
        for (int i = 0; i < show; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dtype().isFloating() ? String.format("%.6g", v[i]) : String.valueOf((long) v[i]));
        }
        if (n > show) {
            sb.append(", ...");
        }
        return sb.append(']').toString();
    }
}
