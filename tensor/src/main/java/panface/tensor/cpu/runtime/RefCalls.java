package panface.tensor.cpu.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How often each reference kernel (the double-copy specification of an op) ran since the last
 * {@link #reset}. A model's hot path should never reach one: tests run a model and assert the
 * counts stay empty, naming the ops that did. Counting is one map lookup and one increment per
 * reference call, nothing beside the copies those calls make anyway.
 */
public final class RefCalls {
    private static final ConcurrentHashMap<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    private RefCalls() {
    }

    /** Records one call of the reference kernel of op (also by kernels registered from outside the backend). */
    public static void hit(String op) {
        COUNTS.computeIfAbsent(op, k -> new LongAdder()).increment();
    }

    /** The calls per op name since the last reset (only ops that ran), sorted by name. */
    public static Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        COUNTS.forEach((k, v) -> {
            long n = v.sum();
            if (n > 0) {
                m.put(k, n);
            }
        });
        return m;
    }

    /** Forgets every count. */
    public static void reset() {
        COUNTS.clear();
    }
}
