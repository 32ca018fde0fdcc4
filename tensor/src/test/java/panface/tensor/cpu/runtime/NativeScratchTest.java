package panface.tensor.cpu.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Packing buffers: handed out large enough and alive, and freed at once when larger than what is kept. */
class NativeScratchTest {
    @Test
    void freesBuffersAboveTheKeptSize() {
        NativeScratch.Buffer small = NativeScratch.take(1000);
        assertTrue(small.segment().byteSize() >= 4000);
        NativeScratch.give(small);
        NativeScratch.Buffer again = NativeScratch.take(1000);
        assertTrue(again.arena().scope().isAlive() && again.segment().byteSize() >= 4000, "a buffer handed out must be alive and large enough");
        NativeScratch.give(again);

        NativeScratch.Buffer big = NativeScratch.take(NativeScratch.KEEP_BYTES / 4 + 1);
        assertTrue(big.segment().byteSize() > NativeScratch.KEEP_BYTES);
        NativeScratch.give(big);
        assertFalse(big.arena().scope().isAlive(), "a buffer above the kept size is freed when given back");
    }
}
