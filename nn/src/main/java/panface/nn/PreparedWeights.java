package panface.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * The prepared values of an {@link InferencePlan}, kept in step with the weights they come from.
 * Before each run the current {@link PreparedSet} is checked against its sources (which tensor
 * each holder holds, and that tensor's version); when one has changed, the stale values are made
 * again under a lock and a new set replaces the old one in a single step, so concurrent runs see
 * either the old or the new weights, never a mixture and never stale ones. Each value lives in a
 * scope of its own, so that replacing it frees its memory (host and device) once no run uses it.
 */
final class PreparedWeights implements AutoCloseable {
    private final List<PreparedSlot<?>> slots = new ArrayList<>();
    private volatile PreparedSet current;
    private boolean closed;

    /** Registers a slot (only while the plan is being compiled). */
    <T> PreparedSlot<T> add(Supplier<T> make, List<Supplier<Tensor>> sources) {
        if (current != null) {
            throw new IllegalStateException("slots are registered only while a plan is compiled");
        }
        PreparedSlot<T> s = new PreparedSlot<>(slots.size(), make, sources);
        slots.add(s);
        return s;
    }

    /** The set a run should use, with a reference taken for it; give it back with {@link PreparedSet#release()}. */
    PreparedSet acquire() {
        for (;;) {
            PreparedSet s = current;
            if (s == null || stale(s)) {
                s = refresh();
            }
            if (s.acquire()) {
                return s;
            }
        }
    }

    private boolean stale(PreparedSet s) {
        for (int i = 0; i < slots.size(); i++) {
            if (stale(s, i)) {
                return true;
            }
        }
        return false;
    }

    private boolean stale(PreparedSet s, int i) {
        List<Supplier<Tensor>> src = slots.get(i).sources;
        Tensor[] ts = s.tensors[i];
        long[] vs = s.versions[i];
        for (int k = 0; k < ts.length; k++) {
            Tensor t = src.get(k).get();
            if (t != ts[k] || t.version() != vs[k]) {
                return true;
            }
        }
        return false;
    }

    private synchronized PreparedSet refresh() {
        if (closed) {
            throw new IllegalStateException("this inference plan is closed");
        }
        PreparedSet old = current;
        if (old != null && !stale(old)) {
            return old;
        }
        int n = slots.size();
        Object[] values = new Object[n];
        Tensor[][] tensors = new Tensor[n][];
        long[][] versions = new long[n][];
        Scope[] scopes = new Scope[n];
        List<Scope> dying = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (old != null && !stale(old, i)) {
                values[i] = old.value(i);
                tensors[i] = old.tensors[i];
                versions[i] = old.versions[i];
                scopes[i] = old.scopes[i];
                continue;
            }
            PreparedSlot<?> slot = slots.get(i);
            // versions are read before the values, so a write racing with this leaves a count that is already behind
            List<Supplier<Tensor>> src = slot.sources;
            tensors[i] = new Tensor[src.size()];
            versions[i] = new long[src.size()];
            for (int k = 0; k < src.size(); k++) {
                Tensor t = src.get(k).get();
                tensors[i][k] = t;
                versions[i][k] = t.version();
            }
            Scope home = Scope.detached();
            scopes[i] = home;
            try {
                values[i] = home.within(() -> {
                    try (var g = GradMode.noGrad()) {
                        return slot.make.get();
                    }
                });
            } catch (RuntimeException | Error e) {
                // the old set stays current; what this attempt made is freed
                for (int k = 0; k <= i; k++) {
                    if (scopes[k] != null && (old == null || scopes[k] != old.scopes[k])) {
                        scopes[k].close();
                    }
                }
                throw e;
            }
            if (old != null) {
                dying.add(old.scopes[i]);
            }
        }
        PreparedSet fresh = new PreparedSet(values, tensors, versions, scopes);
        current = fresh;
        if (old != null) {
            old.retire(dying);
        }
        return fresh;
    }

    /** Frees every prepared value once the runs in progress have finished; later runs are refused. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        PreparedSet s = current;
        current = null;
        if (s != null) {
            s.retire(List.of(s.scopes));
        }
    }
}
