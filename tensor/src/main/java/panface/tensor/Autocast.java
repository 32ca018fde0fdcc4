package panface.tensor;

import java.util.EnumSet;
import java.util.Set;

/**
 * Automatic mixed precision for the calling thread, as PyTorch's {@code torch.autocast}: inside
 * the region, matrix products (matmul, linear, conv2d) and attention run in a 16-bit dtype
 * (BF16 by default), while softmax, logSoftmax, crossEntropy, layerNorm and l2Normalize run in
 * float32 whatever their input. Parameters stay float32 ("master weights"): the casts are
 * differentiable, so their gradients arrive in float32. Float64 tensors and tensors on devices
 * the region does not name are left alone; all other ops run in the dtype of their inputs (with
 * the usual promotion when dtypes mix).
 *
 * <pre>{@code
 * try (Autocast ac = Autocast.bf16()) {          // CUDA tensors only, as PyTorch's default
 *     Tensor loss = model.forward(x) ...;
 * }
 * loss.backward();
 * }</pre>
 *
 * Regions nest and are per thread; close them in the reverse order of opening, on the thread
 * that opened them. Casts are not cached between uses of the same weight within a region
 * (PyTorch caches them), so a weight used twice is cast twice.
 */
public final class Autocast implements AutoCloseable {
    private static final ThreadLocal<Autocast> CURRENT = new ThreadLocal<>();

    private final DType low;
    private final Set<Device.Kind> kinds;
    private final Autocast previous;
    private final Thread owner;
    private boolean closed;

    private Autocast(DType low, Set<Device.Kind> kinds) {
        this.low = low;
        this.kinds = kinds;
        this.previous = CURRENT.get();
        this.owner = Thread.currentThread();
        CURRENT.set(this);
    }

    /** BF16 autocast for CUDA tensors. */
    public static Autocast bf16() {
        return enable(DType.BF16, Device.Kind.CUDA);
    }

    /**
     * Autocast to a 16-bit dtype (BF16 or F16) for tensors on the given device kinds (CUDA when
     * none are given). CPU autocast is allowed (it rounds products to 16 bits; useful to test
     * a model's mixed-precision behaviour without a GPU, not for speed).
     */
    public static Autocast enable(DType lowPrecision, Device.Kind... kinds) {
        if (lowPrecision != DType.BF16 && lowPrecision != DType.F16) {
            throw new IllegalArgumentException("autocast runs products in BF16 or F16, not " + lowPrecision);
        }
        Set<Device.Kind> k = kinds.length == 0 ? EnumSet.of(Device.Kind.CUDA) : EnumSet.of(kinds[0], kinds);
        return new Autocast(lowPrecision, k);
    }

    /** A region where autocast is off (for a part that must run in full precision). */
    public static Autocast disable() {
        return new Autocast(null, EnumSet.noneOf(Device.Kind.class));
    }

    /** The 16-bit dtype products of tensors on this device run in here, or null when autocast is off for it. */
    public static DType lowPrecisionFor(Device device) {
        Autocast a = CURRENT.get();
        return a == null || a.low == null || !a.kinds.contains(device.kind()) ? null : a.low;
    }

    /** True when a tensor on this device is cast by autocast here. */
    public static boolean isActive(Device device) {
        return lowPrecisionFor(device) != null;
    }

    /** A product's operand: cast to the region's 16-bit dtype when autocast applies to it (null stays null). */
    public static Tensor forProduct(Tensor t) {
        if (t == null) {
            return null;
        }
        DType low = lowPrecisionFor(t.device());
        if (low == null || t.dtype() == low || t.dtype() == DType.F64 || !t.dtype().isFloating()) {
            return t;
        }
        return t.to(low);
    }

    /** An input of a float32 op (softmax, norms, losses): a 16-bit tensor is widened when autocast applies to it. */
    public static Tensor forFloat32(Tensor t) {
        if (t == null || !isActive(t.device())) {
            return t;
        }
        return t.dtype() == DType.BF16 || t.dtype() == DType.F16 ? t.to(DType.F32) : t;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("an autocast region must be closed on the thread that opened it (" + owner.getName() + ")");
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("autocast regions must be closed in the reverse order of opening");
        }
        closed = true;
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }
}
