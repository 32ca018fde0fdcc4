package panface.tensor.cpu.elementwise;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Hidden-class copies of a loop template, one per op, with the op as class data: the JIT inlines
 * an op's vector form only into a loop of its own (one loop shared by every op would call it
 * through a megamorphic virtual call, which neither inlines nor keeps the vectors in registers),
 * and in each copy the op is a {@code static final} constant that C2 binds the call to. The
 * templates ({@link VecUnaryLoop}, {@link VecBinaryLoop}) read their op with {@link #op}; a copy
 * is made on an op's first use and kept.
 *
 * @param <E> the ops
 * @param <T> the interface the template implements
 */
final class LoopClones<E extends Enum<E>, T> {
    private final byte[] template;
    private final Class<T> type;
    private final AtomicReferenceArray<T> clones;

    /** Clones of template (which implements type), one per constant of ops. */
    LoopClones(Class<? extends T> template, Class<T> type, Class<E> ops) {
        this.template = bytes(template);
        this.type = type;
        this.clones = new AtomicReferenceArray<>(ops.getEnumConstants().length);
    }

    /** The copy of the template for op. */
    T of(E op) {
        T l = clones.get(op.ordinal());
        if (l == null) {
            synchronized (clones) {
                l = clones.get(op.ordinal());
                if (l == null) {
                    l = define(op);
                    clones.set(op.ordinal(), l);
                }
            }
        }
        return l;
    }

    /**
     * The op of the copy whose own lookup this is: a template's {@code static final} field reads it
     * with {@code LoopClones.op(MethodHandles.lookup(), Op.class)}.
     */
    static <E> E op(MethodHandles.Lookup copy, Class<E> opType) {
        try {
            return MethodHandles.classData(copy, ConstantDescs.DEFAULT_NAME, opType);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(Class<?> template) {
        String name = template.getSimpleName() + ".class";
        try (InputStream in = template.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private T define(E op) {
        try {
            MethodHandles.Lookup clone = MethodHandles.lookup().defineHiddenClassWithClassData(template, op, true);
            return type.cast(clone.findConstructor(clone.lookupClass(), MethodType.methodType(void.class)).invoke());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("could not clone the vector loops for " + op, e);
        }
    }
}
