package panface.distributed;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Tensor;

/**
 * A tensor's values copied to plain Java arrays (floating types as double, integer types as
 * long), for the collectives that exchange through the host: immutable, owned by no scope, so a
 * rank may read another rank's contribution after that rank has moved on. Reductions run in rank
 * order, so every rank computes the same bits.
 */
record HostBuffer(DType dtype, int[] shape, double[] floats, long[] ints) {

    static HostBuffer of(Tensor t) {
        Tensor d = t.detach();
        if (d.dtype().isFloating()) {
            return new HostBuffer(d.dtype(), d.shape(), d.toDoubleArray(), null);
        }
        if (d.dtype().isIntegral()) {
            return new HostBuffer(d.dtype(), d.shape(), null, d.toLongArray());
        }
        throw new IllegalArgumentException("collectives take floating or integer tensors, got " + d.describe());
    }

    int numel() {
        return floats != null ? floats.length : ints.length;
    }

    /** A tensor of this buffer's dtype on the device, in the current scope. */
    Tensor toTensor(Device device, int... newShape) {
        Tensor t = floats != null ? Tensor.of(floats, newShape) : Tensor.of(ints, newShape);
        return t.to(dtype).to(device);
    }

    Tensor toTensor(Device device) {
        return toTensor(device, shape);
    }

    /** Fails unless every contribution has the dtype and shape of the first (names the first rank that differs). */
    static void checkSame(String op, List<HostBuffer> all) {
        HostBuffer first = all.get(0);
        for (int r = 1; r < all.size(); r++) {
            HostBuffer b = all.get(r);
            if (b.dtype != first.dtype || !Arrays.equals(b.shape, first.shape)) {
                throw new IllegalArgumentException(op + ": rank " + r + " gave " + b.dtype + Arrays.toString(b.shape) + " but rank 0 gave "
                        + first.dtype + Arrays.toString(first.shape));
            }
        }
    }

    /** The element-wise reduction over ranks, in rank order. */
    static HostBuffer reduce(List<HostBuffer> all, Communicator.Op op) {
        HostBuffer first = all.get(0);
        if (first.floats != null) {
            double[] acc = first.floats.clone();
            for (int r = 1; r < all.size(); r++) {
                double[] x = all.get(r).floats;
                for (int i = 0; i < acc.length; i++) {
                    acc[i] = op == Communicator.Op.SUM ? acc[i] + x[i] : Math.max(acc[i], x[i]);
                }
            }
            return new HostBuffer(first.dtype, first.shape, acc, null);
        }
        long[] acc = first.ints.clone();
        for (int r = 1; r < all.size(); r++) {
            long[] x = all.get(r).ints;
            for (int i = 0; i < acc.length; i++) {
                acc[i] = op == Communicator.Op.SUM ? acc[i] + x[i] : Math.max(acc[i], x[i]);
            }
        }
        return new HostBuffer(first.dtype, first.shape, null, acc);
    }

    /** The concatenation of every rank's values along dimension 0. */
    static HostBuffer concat(List<HostBuffer> all) {
        HostBuffer first = all.get(0);
        int[] shape = first.shape.length == 0 ? new int[] {all.size()} : first.shape.clone();
        if (first.shape.length > 0) {
            shape[0] *= all.size();
        }
        int n = first.numel();
        if (first.floats != null) {
            double[] out = new double[n * all.size()];
            for (int r = 0; r < all.size(); r++) {
                System.arraycopy(all.get(r).floats, 0, out, r * n, n);
            }
            return new HostBuffer(first.dtype, shape, out, null);
        }
        long[] out = new long[n * all.size()];
        for (int r = 0; r < all.size(); r++) {
            System.arraycopy(all.get(r).ints, 0, out, r * n, n);
        }
        return new HostBuffer(first.dtype, shape, null, out);
    }

    /** Block {@code index} of {@code parts} equal blocks along dimension 0. */
    HostBuffer block(int index, int parts) {
        if (shape.length == 0 || shape[0] % parts != 0) {
            throw new IllegalArgumentException("reduceScatter needs a first dimension divisible by the world size " + parts + ", got "
                    + Arrays.toString(shape));
        }
        int[] s = shape.clone();
        s[0] /= parts;
        int n = numel() / parts;
        return floats != null ? new HostBuffer(dtype, s, Arrays.copyOfRange(floats, index * n, (index + 1) * n), null)
                : new HostBuffer(dtype, s, null, Arrays.copyOfRange(ints, index * n, (index + 1) * n));
    }

    /** The buffer as bytes (for the store). */
    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 8 * numel());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(dtype.name());
            out.writeInt(shape.length);
            for (int s : shape) {
                out.writeInt(s);
            }
            out.writeInt(numel());
            for (int i = 0; i < numel(); i++) {
                if (floats != null) {
                    out.writeDouble(floats[i]);
                } else {
                    out.writeLong(ints[i]);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    static HostBuffer fromBytes(byte[] b) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b))) {
            DType dtype = DType.valueOf(in.readUTF());
            int[] shape = new int[in.readInt()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = in.readInt();
            }
            int n = in.readInt();
            if (dtype.isFloating()) {
                double[] f = new double[n];
                for (int i = 0; i < n; i++) {
                    f[i] = in.readDouble();
                }
                return new HostBuffer(dtype, shape, f, null);
            }
            long[] l = new long[n];
            for (int i = 0; i < n; i++) {
                l[i] = in.readLong();
            }
            return new HostBuffer(dtype, shape, null, l);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed collective buffer", e);
        }
    }
}
