package panface.tensor.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import panface.tensor.Scope;
import panface.tensor.Storage;
import panface.tensor.Tensor;

/**
 * Runs the backward pass: walks the graph from a root in reverse topological order, calls each
 * node's backward once with the sum of the gradients that reached it, and accumulates (+=) into
 * the {@code grad} of every leaf that requires one. Knows no op. Tells the thread's
 * {@link GradientReadyHook}, if any, of each leaf as soon as its gradient is final.
 */
public final class Engine {
    private Engine() {
    }

    /**
     * Backpropagates {@code grad} (of root's shape; null means 1 for a one-element root).
     * Unless {@code retainGraph}, each node releases its saved tensors after it runs, and memory
     * held only for the backward is freed after the last node that needs it.
     */
    public static void backward(Tensor root, Tensor grad, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward() on a tensor that does not require a gradient: no input of it had requiresGrad(true)"
                    + " (or it was computed under GradMode.noGrad())");
        }
        try (var g = GradMode.noGrad()) {
            Tensor seed = grad;
            if (seed == null) {
                if (root.numel() != 1) {
                    throw new IllegalArgumentException("backward() without a gradient needs a one-element output, got shape "
                            + Arrays.toString(root.shape()) + "; pass the gradient of the output");
                }
                seed = Tensor.onesLike(root);
            } else if (!Arrays.equals(seed.shape(), root.shape())) {
                throw new IllegalArgumentException("gradient shape " + Arrays.toString(seed.shape()) + " does not match output shape "
                        + Arrays.toString(root.shape()));
            }
            Node rootNode = root.gradFn();
            if (rootNode == null) {
                root.accumulateGrad(seed);
                GradientReadyHook rootHook = GradientReadyHook.current();
                if (rootHook != null) {
                    rootHook.ready(root);
                }
                return;
            }
            List<Node> order = topologicalOrder(rootNode);
            GradientReadyHook hook = GradientReadyHook.current();
            Map<Node, List<Tensor>> finalAfter = hook == null ? null : lastConsumers(order);
            Map<Node, List<Storage>> heldUntil = retainGraph ? Map.of() : lastUses(order);
            Map<Node, Tensor> pending = new IdentityHashMap<>();
            pending.put(rootNode, seed);
            Set<Storage> made = Collections.newSetFromMap(new IdentityHashMap<>());
            Scope home = Scope.current();
            List<Tensor> summed = new ArrayList<>();
            for (Node node : order) {
                Tensor gOut = pending.remove(node);
                if (gOut == null) {
                    if (!retainGraph) {
                        node.release();
                    }
                    freeHeld(heldUntil, node, pending);
                    report(hook, finalAfter, node);
                    continue;
                }
                Tensor[] ins = node.inputs();
                Tensor[] gIns;
                // Each backward runs in a scope of its own: what it allocates besides the gradients
                // it returns is freed at once, instead of piling up until the step's scope closes.
                try (Scope local = Scope.open()) {
                    try {
                        gIns = node.backward(gOut);
                    } finally {
                        node.dropRecomputed();
                    }
                    for (Tensor gi : gIns) {
                        if (gi != null && gi.storage().owner() == local) {
                            if (home != null) {
                                home.keep(gi);
                            } else {
                                Scope.disown(gi);
                            }
                            made.add(gi.storage());
                        }
                    }
                }
                if (gIns.length != ins.length) {
                    throw new IllegalStateException("backward of '" + node.name() + "' returned " + gIns.length
                            + " gradients for " + ins.length + " inputs");
                }
                for (int i = 0; i < ins.length; i++) {
                    Tensor in = ins[i];
                    Tensor gi = gIns[i];
                    if (in == null || gi == null || !in.requiresGrad()) {
                        continue;
                    }
                    if (!Arrays.equals(gi.shape(), in.shape())) {
                        throw new IllegalStateException("backward of '" + node.name() + "' produced a gradient of shape "
                                + Arrays.toString(gi.shape()) + " for input " + i + " of shape " + Arrays.toString(in.shape()));
                    }
                    Node next = in.gradFn();
                    if (next == null) {
                        if (in.grad() == null && adoptable(gi, i, gIns, made, pending)) {
                            // a fresh, whole, unshared gradient becomes the leaf's own (no copy)
                            made.remove(gi.storage());
                            in.adoptGrad(gi);
                        } else {
                            in.accumulateGrad(gi);
                        }
                    } else {
                        Tensor prev = pending.remove(next);
                        if (prev == null) {
                            pending.put(next, gi);
                        } else {
                            Tensor sum = prev.add(gi);
                            made.add(sum.storage());
                            pending.put(next, sum);
                            // freed only after every input has taken its gradient: prev may be the
                            // very memory a later input of this node is still owed (an add hands
                            // one tensor to both of its inputs)
                            summed.add(prev);
                        }
                    }
                }
                for (Tensor p : summed) {
                    free(p, made, pending);
                }
                summed.clear();
                free(gOut, made, pending);
                for (Tensor gi : gIns) {
                    if (gi != null && (gi.gradFn() == null) && !pending.containsValue(gi)) {
                        free(gi, made, pending);
                    }
                }
                if (!retainGraph) {
                    node.release();
                }
                freeHeld(heldUntil, node, pending);
                report(hook, finalAfter, node);
            }
        }
    }

    /**
     * For each node, the memory held for the backward (see {@link Storage#holdForBackward}) that
     * it is the last in this order to need: once it has run, nothing reads that memory again.
     * A node that recomputes a freed input reads what the input's producer keeps, and that
     * producer runs later still.
     */
    private static Map<Node, List<Storage>> lastUses(List<Node> order) {
        Map<Storage, Node> last = new IdentityHashMap<>();
        for (Node node : order) {
            node.forEachKept((t, saved, i) -> {
                if (t.storage().isHeldForBackward()) {
                    last.put(t.storage(), node);
                }
            });
        }
        Map<Node, List<Storage>> out = new IdentityHashMap<>();
        for (Map.Entry<Storage, Node> e : last.entrySet()) {
            out.computeIfAbsent(e.getValue(), n -> new ArrayList<>()).add(e.getKey());
        }
        return out;
    }

    /** Frees the held memory node was the last to need, unless a gradient still waiting views it. */
    private static void freeHeld(Map<Node, List<Storage>> heldUntil, Node node, Map<Node, Tensor> pending) {
        outer:
        for (Storage s : heldUntil.getOrDefault(node, List.of())) {
            for (Tensor p : pending.values()) {
                if (p.storage() == s) {
                    continue outer;
                }
            }
            s.close();
        }
    }

    /**
     * For each node, the leaves it is the last consumer of in this order: once it has run (or been
     * skipped), nothing adds to their gradients any more.
     */
    private static Map<Node, List<Tensor>> lastConsumers(List<Node> order) {
        Map<Tensor, Node> last = new IdentityHashMap<>();
        List<Tensor> leaves = new ArrayList<>();
        for (Node node : order) {
            for (Tensor in : node.inputs()) {
                if (in != null && in.gradFn() == null && in.requiresGrad() && last.put(in, node) == null) {
                    leaves.add(in);
                }
            }
        }
        Map<Node, List<Tensor>> out = new IdentityHashMap<>();
        for (Tensor leaf : leaves) {
            out.computeIfAbsent(last.get(leaf), n -> new ArrayList<>()).add(leaf);
        }
        return out;
    }

    private static void report(GradientReadyHook hook, Map<Node, List<Tensor>> finalAfter, Node node) {
        if (hook != null) {
            for (Tensor leaf : finalAfter.getOrDefault(node, List.of())) {
                hook.ready(leaf);
            }
        }
    }

    /**
     * True when gradient i can be handed to its leaf as it is: the engine made its memory during
     * this pass, it covers all of that memory contiguously, and no other gradient of the node and
     * nothing pending shares it.
     */
    private static boolean adoptable(Tensor g, int i, Tensor[] gIns, Set<Storage> made, Map<Node, Tensor> pending) {
        Storage s = g.storage();
        if (!made.contains(s) || s.isClosed() || !g.isContiguous() || g.offset() != 0 || g.numel() != s.numel()) {
            return false;
        }
        for (int j = 0; j < gIns.length; j++) {
            if (j != i && gIns[j] != null && gIns[j].storage() == s) {
                return false;
            }
        }
        for (Tensor p : pending.values()) {
            if (p.storage() == s) {
                return false;
            }
        }
        return true;
    }

    /**
     * Frees a gradient the engine made once nothing still waiting refers to its memory (pending
     * gradients may be views of it). Gradients handed to leaves are copies, or adopted whole
     * after they leave the set of engine-made memory, so leaves never share it.
     */
    private static void free(Tensor g, Set<Storage> made, Map<Node, Tensor> pending) {
        Storage s = g.storage();
        if (!made.contains(s) || s.isClosed()) {
            return;
        }
        for (Tensor p : pending.values()) {
            if (p.storage() == s) {
                return;
            }
        }
        made.remove(s);
        s.close();
    }

    /** Nodes reachable from root, each after every node that consumes its output. */
    static List<Node> topologicalOrder(Node root) {
        List<Node> post = new ArrayList<>();
        Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        visited.add(root);
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Node n = (Node) top[0];
            int i = (Integer) top[1];
            Tensor[] ins = n.inputs();
            if (i < ins.length) {
                top[1] = i + 1;
                Tensor in = ins[i];
                Node child = in == null ? null : in.gradFn();
                if (child != null && in.requiresGrad() && visited.add(child)) {
                    stack.push(new Object[] {child, 0});
                }
            } else {
                stack.pop();
                post.add(n);
            }
        }
        Collections.reverse(post);
        return post;
    }
}
