package panface.tensor.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import panface.tensor.Device;

/** Kernels registered from outside the core are found by their interface and the device kind. */
class ExtensionKernelsTest {
    /** A kernel interface owned by a library (here, the test). */
    interface Twice {
        double apply(double x);
    }

    @Test
    void aRegisteredKernelIsFoundForItsDeviceKindOnly() {
        Twice cpu = x -> 2 * x;
        ExtensionKernels.register(Twice.class, Device.Kind.CPU, cpu);
        assertSame(cpu, ExtensionKernels.get(Twice.class, Device.CPU));
        assertTrue(ExtensionKernels.has(Twice.class, Device.CPU));
        assertFalse(ExtensionKernels.has(Twice.class, Device.cuda(0)));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> ExtensionKernels.get(Twice.class, Device.cuda(0)));
        assertTrue(e.getMessage().contains("no Twice kernel registered for CUDA"), e.getMessage());
    }

    @Test
    void aKernelOfTheWrongTypeIsRefused() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Class<Object> raw = (Class) Twice.class;
        assertThrows(IllegalArgumentException.class, () -> ExtensionKernels.register(raw, Device.Kind.CPU, "not a kernel"));
    }
}
