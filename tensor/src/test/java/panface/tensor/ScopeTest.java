package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScopeTest {

    @Test
    void closingAScopeFreesWhatWasAllocatedInIt() {
        long before = MemoryStats.liveBytes(Device.CPU);
        Tensor kept;
        Tensor freed;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                freed = Tensor.zeros(1000);
                kept = outer.keep(Tensor.ones(10));
                assertEquals(before + 4040, MemoryStats.liveBytes(Device.CPU));
            }
            assertTrue(freed.storage().isClosed());
            assertEquals(10.0, kept.sum().item());
            IllegalStateException e = assertThrows(IllegalStateException.class, freed::toFloatArray);
            assertTrue(e.getMessage().contains("freed when its scope closed"), e.getMessage());
        }
        assertTrue(kept.storage().isClosed());
        assertEquals(before, MemoryStats.liveBytes(Device.CPU));
    }

    @Test
    void scopesNestAndCloseChildren() {
        Scope outer = Scope.open();
        Scope inner = Scope.open();
        assertSame(inner, Scope.current());
        Tensor t = Tensor.zeros(3);
        outer.close();
        assertTrue(inner.isClosed());
        assertTrue(t.storage().isClosed());
        assertNull(Scope.current());
        outer.close();
    }

    @Test
    void leafGradientsLiveInTheLeafsScope() {
        try (Scope params = Scope.open()) {
            Tensor w = Tensor.ones(DType.F64, 3).requiresGrad(true);
            try (Scope step = Scope.open()) {
                w.mul(w).sum().backward();
            }
            assertNotNull(w.grad());
            assertEquals(6.0, w.grad().sum().item());
            assertSame(params, w.grad().storage().owner());
        }
    }

    @Test
    void tensorsOutsideAnyScopeAreLeftToTheGarbageCollector() {
        Tensor t = Tensor.zeros(4);
        assertNull(t.storage().owner());
        t.storage().close();
        t.storage().close();
        assertTrue(t.storage().isClosed());
    }
}
