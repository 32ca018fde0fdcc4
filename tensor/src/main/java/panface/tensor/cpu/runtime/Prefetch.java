package panface.tensor.cpu.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicLong;
import panface.tensor.RuntimeConfig;

/**
 * A packed weight to bring towards the cores while the pool's threads would otherwise spin idle
 * (waiting for work, or for each other at the end of a split op): they read it a few cache lines
 * at a time between checks for work. The packed GEMM learns which weight a model uses after
 * which and names the next one here, so at batch 1 (where every weight comes from memory once per
 * forward) the next layer's weight is on its way while this layer finishes. Weakly held: a hint
 * never keeps a weight alive. {@code -Dpanface.cpu.prefetch=false} turns it off.
 */
public final class Prefetch {
    public static final boolean ENABLED = RuntimeConfig.startup().prefetch();
    /** Bytes read per step: small, so a thread that finds work waits at most a few hundred nanoseconds. */
    private static final long STEP = 4096;
    private static volatile WeakReference<? extends Target> target = new WeakReference<>(null);
    private static final AtomicLong CURSOR = new AtomicLong();
    @SuppressWarnings("unused")
    private static long sink;

    private Prefetch() {
    }

    /** Memory worth reading ahead (a packed weight), held weakly through the reference it hands out. */
    public interface Target {
        /** The bytes to read. */
        MemorySegment data();

        /** The one weak reference to this target, so a hint allocates nothing. */
        WeakReference<? extends Target> self();
    }

    /** Starts reading w's packed data (replacing what was being read); null does nothing. */
    public static void hint(Target w) {
        if (!ENABLED || w == null || target.get() == w) {
            return;
        }
        CURSOR.set(0);
        target = w.self();
    }

    /** Reads the next few lines of the hinted weight; false when there is nothing left to read. */
    public static boolean step() {
        Target w = target.get();
        if (w == null) {
            return false;
        }
        MemorySegment seg = w.data();
        long size = seg.byteSize();
        long from = CURSOR.getAndAdd(STEP);
        if (from >= size) {
            return false;
        }
        long to = Math.min(size, from + STEP);
        long s = 0;
        for (long o = from; o + 8 <= to; o += 64) {
            s += seg.get(ValueLayout.JAVA_LONG, o);
        }
        sink += s;
        return true;
    }
}
