package panface.nn;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * The prepared values of an {@link InferencePlan} made from one state of the weights, with the
 * tensor and version each slot's value was made from. Immutable; a run holds one set from start
 * to end, so it never mixes values prepared from different states of the weights. The plan
 * replaces the set when weights change; the memory of values that the new set does not share is
 * freed when the last run holding the old set ends.
 */
public final class PreparedSet {
    private final Object[] values;
    final Tensor[][] tensors;
    final long[][] versions;
    final Scope[] scopes;
    /** The plan's own reference plus one per run holding this set; at 0 the set is dead. */
    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile List<Scope> freeWhenDead = List.of();

    PreparedSet(Object[] values, Tensor[][] tensors, long[][] versions, Scope[] scopes) {
        this.values = values;
        this.tensors = tensors;
        this.versions = versions;
        this.scopes = scopes;
    }

    Object value(int index) {
        return values[index];
    }

    int size() {
        return values.length;
    }

    /** Takes a reference for a run; false when the set is already dead (the caller then takes the plan's newer one). */
    boolean acquire() {
        for (;;) {
            int n = refs.get();
            if (n == 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives a run's reference back. */
    void release() {
        if (refs.decrementAndGet() == 0) {
            for (Scope s : freeWhenDead) {
                s.close();
            }
        }
    }

    /** Drops the plan's reference, with the scopes of the values that die with this set. */
    void retire(List<Scope> dying) {
        freeWhenDead = List.copyOf(dying);
        release();
    }
}
