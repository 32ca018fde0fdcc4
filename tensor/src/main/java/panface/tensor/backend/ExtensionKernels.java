package panface.tensor.backend;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

import panface.tensor.Device;

/**
 * Kernels that libraries outside the core add to the backends: an op the core does not name (the
 * face losses' margin cross-entropy, say) is a kernel interface owned by the library, with one
 * implementation per device kind registered here, and the library's op looks its kernel up by
 * the interface and the device of its operands. Registration is either explicit ({@link
 * #register}) or by a {@link Provider}, loaded on the first lookup: a service that the providing
 * module declares twice, with {@code provides} in its module-info (read on the module path) and in
 * {@code META-INF/services} (read on the class path).
 */
public final class ExtensionKernels {
    private static final Map<Key, Object> KERNELS = new ConcurrentHashMap<>();
    private static volatile boolean providersLoaded;

    private ExtensionKernels() {
    }

    /** Registers kernels when first needed; a service ({@code provides} and {@code META-INF/services/panface.tensor.backend.ExtensionKernels$Provider}). */
    public interface Provider {
        /** Registers this library's kernels (called once) through registrar. */
        void registerKernels(Registrar registrar);
    }

    /** What a {@link Provider} registers its kernels with. */
    public interface Registrar {
        /** As {@link ExtensionKernels#register}. */
        <K> void register(Class<K> type, Device.Kind kind, K kernel);
    }

    private record Key(Class<?> type, Device.Kind kind) {
    }

    /**
     * Makes kernel the implementation of type on devices of kind, replacing an earlier one (the
     * providers run first, so an explicit registration overrides theirs).
     */
    public static <K> void register(Class<K> type, Device.Kind kind, K kernel) {
        loadProviders();
        put(type, kind, kernel);
    }

    private static void put(Class<?> type, Device.Kind kind, Object kernel) {
        if (!type.isInstance(kernel)) {
            throw new IllegalArgumentException(kernel + " does not implement " + type.getName());
        }
        KERNELS.put(new Key(type, kind), kernel);
    }

    /** The implementation of type for device; throws when no library registered one for its kind. */
    public static <K> K get(Class<K> type, Device device) {
        loadProviders();
        Object k = KERNELS.get(new Key(type, device.kind()));
        if (k == null) {
            throw new UnsupportedOperationException("no " + type.getSimpleName() + " kernel registered for " + device.kind()
                    + " devices (registered: " + KERNELS.keySet().stream().filter(key -> key.type() == type).map(Key::kind).toList() + ")");
        }
        return type.cast(k);
    }

    /** Whether an implementation of type exists for device. */
    public static boolean has(Class<?> type, Device device) {
        loadProviders();
        return KERNELS.containsKey(new Key(type, device.kind()));
    }

    private static void loadProviders() {
        if (providersLoaded) {
            return;
        }
        synchronized (ExtensionKernels.class) {
            if (!providersLoaded) {
                Registrar registrar = new Registrar() {
                    @Override
                    public <K> void register(Class<K> type, Device.Kind kind, K kernel) {
                        put(type, kind, kernel);
                    }
                };
                for (Provider p : ServiceLoader.load(Provider.class, ExtensionKernels.class.getClassLoader())) {
                    p.registerKernels(registrar);
                }
                providersLoaded = true;
            }
        }
    }
}
