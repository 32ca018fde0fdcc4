package panface.tensor.autograd;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import panface.tensor.Scope;
import panface.tensor.Storage;
import panface.tensor.Tensor;

/**
 * Frees a recorded forward's intermediates as it goes. {@link #compute} runs a step of a forward
 * (a module's) in a scope of its own and, when it returns, keeps only its result and the memory
 * the recorded graph needs for the backward: tensors nodes saved and inputs whose values their
 * backward reads. The rest is freed at once, among it outputs that a cheap pointwise node can
 * recompute on demand (see {@link Node#recompute}). {@link #chain} does so for each layer of a
 * chain, and frees each layer's output once the next has consumed it unless the backward reads
 * it. What is kept for the graph moves to the caller's scope, marked
 * {@link Storage#holdForBackward held}, so that the backward frees it as soon as the last node
 * that needs it has run.
 */
public final class SavedTensors {
    private SavedTensors() {
    }

    /**
     * Computes body and frees, when it returns, every tensor it made that neither its result nor
     * the graph recorded to it needs. Without a recorded graph this is {@link Scope#compute}.
     * Body must not hand tensors out by any other way than its result.
     */
    public static Tensor compute(Supplier<Tensor> body) {
        Scope outer = Scope.current();
        Tensor result;
        try (Scope local = Scope.open()) {
            result = body.get();
            Storage rs = result.storage();
            for (Map.Entry<Storage, Tensor> e : needed(result, local).entrySet()) {
                if (e.getKey() != rs) {
                    e.getKey().holdForBackward();
                    move(e.getValue(), outer);
                }
            }
            if (rs.owner() == local) {
                move(result, outer);
            }
        }
        return result;
    }

    /**
     * Applies steps (a chain of layers) to x in order, each as by {@link #compute}, and frees each
     * step's output once the next step has consumed it, unless the backward reads it. Returns the
     * last output; x stays the caller's.
     */
    public static Tensor chain(Tensor x, List<? extends UnaryOperator<Tensor>> steps) {
        return compute(() -> {
            Tensor h = x;
            for (UnaryOperator<Tensor> step : steps) {
                Tensor in = h;
                h = compute(() -> step.apply(in));
                trim(h, Scope.current());
            }
            return h;
        });
    }

    /**
     * Frees every tensor of local that neither head nor the graph recorded to it needs: every
     * tensor local holds lies behind head, made by the steps of a chain so far.
     */
    private static void trim(Tensor head, Scope local) {
        if (head.gradFn() == null) {
            return;
        }
        Map<Storage, Tensor> keep = needed(head, local);
        keep.put(head.storage(), head);
        for (Storage s : local.storages()) {
            if (!keep.containsKey(s)) {
                s.close();
            }
        }
    }

    private static void move(Tensor t, Scope to) {
        if (to != null) {
            to.keep(t);
        } else {
            Scope.disown(t);
        }
    }

    /**
     * The storages owned by local that the graph behind result must keep (each with a tensor
     * viewing it): those some node saved, or whose values some node reads and cannot have
     * recomputed. The walk covers the nodes whose outputs local owns or that were freed inside
     * it, and stops at tensors made outside.
     */
    private static Map<Storage, Tensor> needed(Tensor result, Scope local) {
        Map<Storage, Tensor> keep = new IdentityHashMap<>();
        if (result.gradFn() == null) {
            return keep;
        }
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> stack = new ArrayDeque<>();
        seen.add(result.gradFn());
        stack.push(result.gradFn());
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (n.released()) {
                continue;
            }
            n.forEachKept((t, saved, i) -> {
                if (t.storage().owner() == local && (saved || !n.canRecomputeInput(t))) {
                    keep.putIfAbsent(t.storage(), t);
                }
            });
            for (Tensor in : n.inputs()) {
                if (in != null && in.gradFn() != null && (in.storage().owner() == local || in.storage().isClosed())
                        && seen.add(in.gradFn())) {
                    stack.push(in.gradFn());
                }
            }
        }
        return keep;
    }
}
