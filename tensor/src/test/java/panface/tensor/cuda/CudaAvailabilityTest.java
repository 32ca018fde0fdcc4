package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/** What a user sees about CUDA: a clear reason where it cannot be used, the provider where it can. */
class CudaAvailabilityTest {

    @Test
    void theProviderIsRegistered() {
        String why = Backends.unavailableReason(Device.cuda(0));
        assertTrue(why == null || !why.contains("no backend for CUDA"), why);
    }

    @Test
    void withoutADriverTheReasonSaysWhatWasLookedFor() {
        Device cuda = Device.cuda(0);
        assumeFalse(Backends.isAvailable(cuda), "a CUDA device is available here");
        String why = Backends.unavailableReason(cuda);
        assertTrue(why.contains("libcuda") || why.contains("device"), why);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Tensor.zeros(3).to(cuda));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    @Test
    void aDeviceOrdinalPastTheLastIsRefused() {
        Device cuda = Device.cuda(0);
        assumeTrue(Backends.isAvailable(cuda), () -> "no CUDA device: " + Backends.unavailableReason(cuda));
        String why = Backends.unavailableReason(Device.cuda(4096));
        assertTrue(why != null && why.contains("there is no"), why);
    }

    @Test
    void tensorsRoundTripThroughTheDevice() {
        Device cuda = Device.cuda(0);
        assumeTrue(Backends.isAvailable(cuda), () -> "no CUDA device: " + Backends.unavailableReason(cuda));
        try (Scope scope = Scope.open()) {
            for (DType t : DType.values()) {
                Tensor x = Tensor.arange(0, 10, 1, Device.CPU, DType.F64).to(t);
                Tensor back = x.to(cuda).transpose(0, 0).to(Device.CPU);
                assertEquals(t, back.dtype());
                org.junit.jupiter.api.Assertions.assertArrayEquals(x.toDoubleArray(), back.toDoubleArray(), t.toString());
            }
        }
    }
}
