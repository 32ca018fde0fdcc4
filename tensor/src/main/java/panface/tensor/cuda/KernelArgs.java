package panface.tensor.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import panface.tensor.View;

/**
 * Packs kernel arguments for cuLaunchKernel: each value is written into a per-thread buffer and
 * the array of pointers to them is handed to the driver, which copies the values at launch, so
 * the buffer is reused by the next launch on the same thread.
 */
final class KernelArgs {
    static final int MAX_RANK = 8;
    /** sizeof(struct Layout) in common.cuh: offset, rank, contiguous, size[8], stride[8]. */
    static final int LAYOUT_BYTES = 8 + 4 + 4 + 8 * MAX_RANK * 2;
    /** Byte offsets of the Layout fields, as a C compiler lays them out (checked against nvcc in the tests). */
    static final int LAYOUT_RANK_AT = 8;
    static final int LAYOUT_CONTIGUOUS_AT = 12;
    static final int LAYOUT_SIZE_AT = 16;
    static final int LAYOUT_STRIDE_AT = 16 + 8 * MAX_RANK;

    private static final ThreadLocal<KernelArgs> CURRENT = ThreadLocal.withInitial(KernelArgs::new);

    private final MemorySegment data;
    private final MemorySegment pointers;
    private int used;
    private int count;

    private KernelArgs() {
        Arena arena = Arena.ofAuto();
        data = arena.allocate(8192, 16);
        pointers = arena.allocate(ValueLayout.ADDRESS, 64);
    }

    /** The calling thread's (emptied) argument buffer. */
    static KernelArgs begin() {
        KernelArgs a = CURRENT.get();
        a.used = 0;
        a.count = 0;
        return a;
    }

    private MemorySegment slot(long size, long align) {
        int start = (int) ((used + align - 1) / align * align);
        if (start + size > data.byteSize() || count >= 64) {
            throw new IllegalStateException("too many kernel arguments");
        }
        used = (int) (start + size);
        MemorySegment s = data.asSlice(start, size);
        pointers.setAtIndex(ValueLayout.ADDRESS, count++, s);
        return s;
    }

    KernelArgs ptr(long address) {
        slot(8, 8).set(ValueLayout.JAVA_LONG, 0, address);
        return this;
    }

    KernelArgs i32(int v) {
        slot(4, 4).set(ValueLayout.JAVA_INT, 0, v);
        return this;
    }

    /** A 16-bit value (the bits of a BF16 or F16 scalar). */
    KernelArgs ints16(short v) {
        slot(2, 2).set(ValueLayout.JAVA_SHORT, 0, v);
        return this;
    }

    /** An 8-bit value (a BOOL scalar). */
    KernelArgs byte8(byte v) {
        slot(1, 1).set(ValueLayout.JAVA_BYTE, 0, v);
        return this;
    }

    KernelArgs i64(long v) {
        slot(8, 8).set(ValueLayout.JAVA_LONG, 0, v);
        return this;
    }

    KernelArgs f64(double v) {
        slot(8, 8).set(ValueLayout.JAVA_DOUBLE, 0, v);
        return this;
    }

    /** A struct of 32-bit ints passed by value (Conv, Pool). */
    KernelArgs ints(int... v) {
        MemorySegment s = slot(4L * v.length, 4);
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_INT, i, v[i]);
        }
        return this;
    }

    /** A struct of 64-bit ints passed by value (Strides4). */
    KernelArgs longs(long... v) {
        MemorySegment s = slot(8L * v.length, 8);
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG, i, v[i]);
        }
        return this;
    }

    /** The view's Layout (offset in elements from the storage base). */
    KernelArgs layout(View t) {
        return layout(t.shape(), t.strides(), t.offset(), t.isContiguous());
    }

    KernelArgs layout(int[] size, int[] stride, long offset, boolean contiguous) {
        if (size.length > MAX_RANK) {
            throw new IllegalArgumentException("the CUDA kernels take tensors of rank at most " + MAX_RANK + ", got rank " + size.length);
        }
        MemorySegment s = slot(LAYOUT_BYTES, 8);
        s.fill((byte) 0);
        s.set(ValueLayout.JAVA_LONG, 0, offset);
        s.set(ValueLayout.JAVA_INT, LAYOUT_RANK_AT, size.length);
        s.set(ValueLayout.JAVA_INT, LAYOUT_CONTIGUOUS_AT, contiguous ? 1 : 0);
        for (int d = 0; d < size.length; d++) {
            s.set(ValueLayout.JAVA_LONG, LAYOUT_SIZE_AT + 8L * d, size[d]);
            s.set(ValueLayout.JAVA_LONG, LAYOUT_STRIDE_AT + 8L * d, stride[d]);
        }
        return this;
    }

    /** The pointer array for cuLaunchKernel. */
    MemorySegment params() {
        return pointers;
    }
}
