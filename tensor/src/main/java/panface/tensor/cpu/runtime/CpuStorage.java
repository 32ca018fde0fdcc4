package panface.tensor.cpu.runtime;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Storage;
import panface.tensor.internal.Floats;

/**
 * Host storage: a Java array of the dtype's element type (float[], double[], short[] for BF16 and
 * F16, int[], long[], byte[] for BOOL). Heap arrays keep the Vector API loops fast and go to
 * OpenBLAS through critical downcalls without copies.
 */
public final class CpuStorage extends Storage {
    /** Elements per chunk of a bulk copy or fill (below twice this, one thread does it). */
    public static final int BULK_GRAIN = 1 << 18;

    private Object data;

    public CpuStorage(DType dtype, int numel, boolean zero) {
        Class<?> type = switch (dtype) {
            case F32 -> float[].class;
            case F64 -> double[].class;
            case BF16, F16 -> short[].class;
            case I32 -> int[].class;
            case I64 -> long[].class;
            case BOOL -> byte[].class;
        };
        long bytes = (long) numel * dtype.byteSize();
        Object array = ArrayPool.take(type, numel, bytes);
        if (array == null) {
            try {
                array = java.lang.reflect.Array.newInstance(type.componentType(), numel);
            } catch (OutOfMemoryError e) {
                // the pool may hold half the heap in arrays of other sizes: drop them and try once more
                if (ArrayPool.pooledBytes() == 0) {
                    throw e;
                }
                ArrayPool.clear();
                array = java.lang.reflect.Array.newInstance(type.componentType(), numel);
            }
        } else if (zero) {
            clear(array);
        }
        super(Device.CPU, dtype, numel);
        this.data = array;
    }

    private static void clear(Object a) {
        Parallel.forRange(java.lang.reflect.Array.getLength(a), BULK_GRAIN, (lo, hi) -> {
            switch (a) {
                case float[] f -> java.util.Arrays.fill(f, lo, hi, 0f);
                case double[] d -> java.util.Arrays.fill(d, lo, hi, 0.0);
                case short[] s -> java.util.Arrays.fill(s, lo, hi, (short) 0);
                case int[] i -> java.util.Arrays.fill(i, lo, hi, 0);
                case long[] l -> java.util.Arrays.fill(l, lo, hi, 0L);
                case byte[] b -> java.util.Arrays.fill(b, lo, hi, (byte) 0);
                default -> throw new IllegalStateException();
            }
        });
    }

    /** The backing array (its type depends on the dtype). */
    public Object array() {
        checkOpen();
        return data;
    }

    public float[] floats() {
        return (float[]) typed(DType.F32);
    }

    public double[] doubles() {
        return (double[]) typed(DType.F64);
    }

    public long[] longs() {
        return (long[]) typed(DType.I64);
    }

    public int[] ints() {
        return (int[]) typed(DType.I32);
    }

    public byte[] bools() {
        return (byte[]) typed(DType.BOOL);
    }

    /** The raw 16-bit words of a BF16 or F16 storage. */
    public short[] shorts() {
        checkOpen();
        if (dtype() != DType.BF16 && dtype() != DType.F16) {
            throw new IllegalStateException("storage is " + dtype() + ", not a 16-bit float type");
        }
        return (short[]) data;
    }

    private Object typed(DType want) {
        checkOpen();
        if (dtype() != want) {
            throw new IllegalStateException("storage is " + dtype() + ", not " + want);
        }
        return data;
    }

    /** Element i as double (integers beyond 2^53 lose precision; use {@link #getLong}). */
    public double getDouble(int i) {
        return switch (dtype()) {
            case F32 -> ((float[]) data)[i];
            case F64 -> ((double[]) data)[i];
            case BF16 -> Floats.bf16ToFloat(((short[]) data)[i]);
            case F16 -> Floats.f16ToFloat(((short[]) data)[i]);
            case I32 -> ((int[]) data)[i];
            case I64 -> ((long[]) data)[i];
            case BOOL -> ((byte[]) data)[i];
        };
    }

    /** Stores v at i, converting to the dtype (rounding for 16-bit floats, truncation toward zero for integers, v != 0 for BOOL). */
    public void setDouble(int i, double v) {
        switch (dtype()) {
            case F32 -> ((float[]) data)[i] = (float) v;
            case F64 -> ((double[]) data)[i] = v;
            case BF16 -> ((short[]) data)[i] = Floats.floatToBf16((float) v);
            case F16 -> ((short[]) data)[i] = Floats.floatToF16((float) v);
            case I32 -> ((int[]) data)[i] = (int) v;
            case I64 -> ((long[]) data)[i] = (long) v;
            case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    /** Element i as long (floats truncated toward zero). */
    public long getLong(int i) {
        return switch (dtype()) {
            case I32 -> ((int[]) data)[i];
            case I64 -> ((long[]) data)[i];
            case BOOL -> ((byte[]) data)[i];
            default -> (long) getDouble(i);
        };
    }

    /** Stores an integer value at i. */
    public void setLong(int i, long v) {
        switch (dtype()) {
            case I32 -> ((int[]) data)[i] = (int) v;
            case I64 -> ((long[]) data)[i] = v;
            case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
            default -> setDouble(i, v);
        }
    }

    @Override
    protected void free() {
        Object a = data;
        data = null;
        if (a != null) {
            ArrayPool.give(a, numel(), byteSize());
        }
    }
}
