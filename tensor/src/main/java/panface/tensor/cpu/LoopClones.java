package panface.tensor.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Hidden-class copies of a loop template, one per op, with the op as class data: the JIT inlines
 * an op's vector form only into a loop of its own (one loop shared by every op would call it
 * through a megamorphic virtual call, which neither inlines nor keeps the vectors in registers),
 * and in each copy the op is a {@code static final} constant that C2 binds the call to. The
 * templates ({@link VecUnaryLoop}, {@link VecBinaryLoop}) read their op with
 * {@link MethodHandles#classData}.
 */
final class LoopClones {
    private LoopClones() {
    }

    /** The bytes of a template class, read once by the class that clones it. */
    static byte[] bytes(Class<?> template) {
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

    /** A new instance of a copy of the template (its bytes) with op as class data. */
    static <T> T define(byte[] template, Object op, Class<T> type) {
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
