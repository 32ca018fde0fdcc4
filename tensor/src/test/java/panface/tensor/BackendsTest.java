package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import panface.tensor.cpu.CpuBackend;

class BackendsTest {
    @Test
    void theCpuBackendComesFromTheRegistry() {
        assertSame(CpuBackend.INSTANCE, Backends.of(Device.CPU));
        assertTrue(Backends.isAvailable(Device.CPU));
        assertNull(Backends.unavailableReason(Device.CPU));
        try (Scope s = Scope.open()) {
            assertSame(CpuBackend.INSTANCE, Tensor.zeros(2, 3).backend());
        }
    }
}
