package panface.tensor;

import java.util.Arrays;

/** Static helpers for shapes and strides (int arrays, outermost dimension first). */
public final class Shape {
    private Shape() {
    }

    /** Number of elements of a shape; checks that it fits the 2^31-1 element limit of one tensor. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " has more than 2^31-1 elements, the limit of one tensor");
            }
        }
        return (int) n;
    }

    /** Row-major (C order) strides of a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** Resolves a possibly negative dimension index against a rank. */
    public static int dim(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1)) {
            throw new IllegalArgumentException("dimension " + dim + " out of range for a tensor of rank " + rank);
        }
        return d;
    }

    /** The broadcast shape of two shapes (NumPy rules), or an error naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Resolves one -1 entry of a requested view shape against a number of elements. */
    public static int[] infer(int[] requested, int numel) {
        int[] s = requested.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("only one dimension can be -1 in " + Arrays.toString(requested));
                }
                unknown = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("invalid dimension " + s[i] + " in " + Arrays.toString(requested));
            } else {
                known *= s[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(requested) + " is invalid for " + numel + " elements");
            }
            s[unknown] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("shape " + Arrays.toString(requested) + " is invalid for " + numel + " elements");
        }
        return s;
    }

    /** Shape as "(2, 3, 4)". */
    public static String toString(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Product of shape[from..to). */
    public static int prod(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape[i];
        }
        return p;
    }
}
