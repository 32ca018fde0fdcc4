package panface.tensor;

import java.util.Arrays;

/**
 * The layout a kernel reads or writes: a {@link Storage} with an offset, shape and strides (in
 * elements), and nothing else. A {@link Tensor} holds its layout as one of these; kernels take
 * views, so that the code that moves numbers cannot reach gradients or the autograd graph, and the
 * backends do not depend on the tensor type built on top of them.
 *
 * <p>Immutable: the accessors return copies of the arrays, as {@link Tensor}'s do. A view does not
 * check its geometry against the storage bounds; {@link #checked} does.
 */
public final class View implements HasStorage {
    final Storage storage;
    final int offset;
    final int[] shape;
    final int[] strides;

    View(Storage storage, int offset, int[] shape, int[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /**
     * A view of a storage with explicit geometry (PyTorch's as_strided), checked against the
     * storage bounds; the arrays are copied.
     */
    public static View checked(Storage storage, int offset, int[] shape, int[] strides) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides " + Arrays.toString(strides)
                    + " differ in rank");
        }
        long lo = offset;
        long hi = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            if (shape[i] == 0) {
                lo = offset;
                hi = offset - 1;
                break;
            }
            long span = (long) strides[i] * (shape[i] - 1);
            if (span < 0) {
                lo += span;
            } else {
                hi += span;
            }
        }
        if (hi >= lo && (lo < 0 || hi >= storage.numel())) {
            throw new IndexOutOfBoundsException("view offset " + offset + ", shape " + Arrays.toString(shape) + ", strides "
                    + Arrays.toString(strides) + " reaches outside a storage of " + storage.numel() + " elements");
        }
        return new View(storage, offset, shape.clone(), strides.clone());
    }

    /** A row-major view of a whole storage (or of its first elements) with the given shape. */
    public static View contiguous(Storage storage, int... shape) {
        int[] s = shape.clone();
        return checked(storage, 0, s, Shape.contiguousStrides(s));
    }

    /** The storage this view reads. */
    @Override
    public Storage storage() {
        return storage;
    }

    /** Offset of element [0, ..., 0] in the storage, in elements. */
    public int offset() {
        return offset;
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** The strides in elements (a copy). */
    public int[] strides() {
        return strides.clone();
    }

    /** The size of one dimension (negative counts from the end). */
    public int size(int dim) {
        return shape[Shape.dim(dim, shape.length)];
    }

    /** The stride of one dimension (negative counts from the end). */
    public int stride(int dim) {
        return strides[Shape.dim(dim, shape.length)];
    }

    /** Number of dimensions. */
    public int dim() {
        return shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return Shape.numel(shape);
    }

    /** The storage's element type. */
    public DType dtype() {
        return storage.dtype();
    }

    /** The storage's device. */
    public Device device() {
        return storage.device();
    }

    /** True when the elements are laid out in row-major order without gaps. */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * This view broadcast to a shape (PyTorch's expand): dimensions of size 1, and leading ones
     * that are missing, get stride 0.
     */
    public View expand(int... target) {
        int n = target.length;
        if (n < shape.length) {
            throw new IllegalArgumentException("cannot expand " + Shape.toString(shape) + " to " + Shape.toString(target));
        }
        int[] st = new int[n];
        for (int i = 0; i < n; i++) {
            int j = i - (n - shape.length);
            if (j < 0) {
                st[i] = 0;
            } else if (shape[j] == target[i]) {
                st[i] = strides[j];
            } else if (shape[j] == 1) {
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("cannot expand " + Shape.toString(shape) + " to " + Shape.toString(target));
            }
        }
        return new View(storage, offset, target.clone(), st);
    }

    /** This view with two dimensions swapped (no copy). */
    public View transpose(int d0, int d1) {
        int a = Shape.dim(d0, shape.length);
        int b = Shape.dim(d1, shape.length);
        int[] s = shape.clone();
        int[] st = strides.clone();
        s[a] = shape[b];
        s[b] = shape[a];
        st[a] = strides[b];
        st[b] = strides[a];
        return new View(storage, offset, s, st);
    }

    /** "F32(2, 3) cpu" style summary. */
    public String describe() {
        return dtype() + Shape.toString(shape) + " " + device();
    }

    @Override
    public String toString() {
        return "View " + describe() + " offset " + offset + " strides " + Arrays.toString(strides);
    }
}
