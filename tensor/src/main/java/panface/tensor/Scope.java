package panface.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * An owner of tensor memory. Scopes nest per thread: {@link #open()} starts a child of the
 * thread's current scope and makes it current; every storage allocated on that thread while it is
 * current belongs to it; {@link #close()} frees them all (host and device memory alike) and closes
 * any child scopes still open.
 *
 * <p>The usual shape is a long-lived scope for parameters and optimizer state and a per-step
 * scope for activations:
 * <pre>{@code
 * try (Scope model = Scope.open()) {
 *     Tensor w = Tensor.randn(gen, 512, 256).requiresGrad(true);
 *     for (int step = 0; step < n; step++) {
 *         try (Scope stepScope = Scope.open()) {
 *             Tensor loss = x.matmul(w).square().mean();
 *             loss.backward();      // w.grad() is allocated in w's scope and survives the step
 *         }                         // every activation of the step is freed here
 *     }
 * }
 * }</pre>
 *
 * <p>Ownership rule: a result belongs to the innermost scope open on the thread that computes it
 * (not to the scope of its inputs: a value derived only from parameters inside a step would
 * otherwise outlive the step). A gradient of a leaf tensor belongs to the leaf's scope. Move a
 * tensor to another scope with {@link #keep(Tensor)}.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final Thread thread;
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Scope> children = new ArrayList<>();
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
        this.thread = Thread.currentThread();
    }

    /** Opens a child of the current thread's scope (or a top-level scope) and makes it current. */
    public static Scope open() {
        Scope p = CURRENT.get();
        Scope s = new Scope(p);
        if (p != null) {
            synchronized (p) {
                p.children.add(s);
            }
        }
        CURRENT.set(s);
        return s;
    }

    /**
     * A new top-level scope that is not made current: for memory owned by a long-lived object
     * (a loaded model) rather than by a block of code. Allocate into it with {@link #within}.
     */
    public static Scope detached() {
        return new Scope(null);
    }

    /**
     * Runs body with this scope as the calling thread's current scope (so what it allocates
     * belongs here), then restores the previous current scope.
     */
    public <T> T within(java.util.function.Supplier<T> body) {
        if (isClosed()) {
            throw new IllegalStateException("cannot allocate in a closed scope");
        }
        Scope prev = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.get();
        } finally {
            CURRENT.set(prev);
        }
    }

    /** The current thread's innermost open scope, or null. */
    public static Scope current() {
        return CURRENT.get();
    }

    /** The scope this one was opened in, or null. */
    public Scope parent() {
        return parent;
    }

    static void adoptNew(Storage s) {
        Scope cur = CURRENT.get();
        if (cur != null) {
            cur.track(s);
        }
    }

    private synchronized void track(Storage s) {
        if (closed) {
            throw new IllegalStateException("cannot allocate in a closed scope");
        }
        owned.add(s);
        s.owner = this;
        MemoryStats.allocated(s.device(), s.byteSize());
    }

    synchronized void forget(Storage s) {
        if (owned.remove(s)) {
            MemoryStats.released(s.device(), s.byteSize());
        }
        if (s.owner == this) {
            s.owner = null;
        }
    }

    /**
     * Moves a tensor's memory into this scope, so that it outlives the scope it was made in.
     * Views of the same storage move with it. Returns the tensor.
     */
    public <T extends HasStorage> T keep(T t) {
        Storage s = t.storage();
        s.checkOpen();
        Scope from = s.owner;
        if (from == this) {
            return t;
        }
        if (from != null) {
            from.forget(s);
        }
        track(s);
        return t;
    }

    /**
     * Computes a value in a scope of its own and keeps only the result (moved to the calling
     * thread's current scope, or disowned when there is none): intermediate tensors are freed as
     * soon as body returns.
     */
    public static <T extends HasStorage> T compute(java.util.function.Supplier<T> body) {
        Scope outer = CURRENT.get();
        T result;
        try (Scope local = open()) {
            result = body.get();
            if (result.storage().owner() == local) {
                if (outer != null) {
                    outer.keep(result);
                } else {
                    disown(result);
                }
            }
        }
        return result;
    }

    /**
     * Takes a tensor's memory out of its scope: nothing frees it then but {@link Storage#close()}
     * or, for host memory, the garbage collector. Returns the tensor.
     */
    public static <T extends HasStorage> T disown(T t) {
        Scope s = t.storage().owner();
        if (s != null) {
            s.forget(t.storage());
        }
        return t;
    }

    /** A snapshot of the storages this scope currently owns (not counting child scopes). */
    public synchronized List<Storage> storages() {
        return new ArrayList<>(owned);
    }

    /** Number of storages this scope currently owns (not counting child scopes). */
    public synchronized int size() {
        return owned.size();
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Frees every storage owned by this scope and its open children. Idempotent. */
    @Override
    public void close() {
        List<Scope> kids;
        List<Storage> toFree;
        synchronized (this) {
            if (closed) {
                return;
            }
            kids = new ArrayList<>(children);
            children.clear();
        }
        for (int i = kids.size() - 1; i >= 0; i--) {
            kids.get(i).close();
        }
        synchronized (this) {
            closed = true;
            toFree = new ArrayList<>(owned);
        }
        for (Storage s : toFree) {
            s.close();
        }
        if (parent != null) {
            synchronized (parent) {
                parent.children.remove(this);
            }
        }
        if (Thread.currentThread() == thread && CURRENT.get() == this) {
            CURRENT.set(parent != null && !parent.isClosed() ? parent : null);
        } else if (Thread.currentThread() == thread) {
            // Closed out of order: the thread's current scope is an inner one that was closed with us.
            Scope cur = CURRENT.get();
            while (cur != null && cur.isClosed()) {
                cur = cur.parent;
            }
            CURRENT.set(cur);
        }
    }
}
