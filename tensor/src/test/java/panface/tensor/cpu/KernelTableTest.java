package panface.tensor.cpu;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.runtime.RefCalls;

/**
 * The kernel table ({@link CpuKernel}, printed by {@code panface info --kernels}) names every op
 * the CPU backend implements and nothing else, and the selection's choice of the reference agrees
 * with what actually runs (counted by {@link RefCalls}).
 */
class KernelTableTest {
    /** Backend methods that manage memory rather than compute an op. */
    private static final Set<String> NOT_OPS = Set.of("device", "allocate", "allocateUninitialized", "write", "read", "synchronize");

    private static Set<String> backendOps() {
        Set<String> ops = new TreeSet<>();
        for (Method m : CpuBackend.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && !NOT_OPS.contains(m.getName())) {
                ops.add(m.getName());
            }
        }
        return ops;
    }

    private static Set<String> tableOps() {
        Set<String> ops = new TreeSet<>();
        for (CpuKernel k : KernelSelection.table()) {
            ops.add(k.op());
        }
        return ops;
    }

    @Test
    void everyOpOfTheBackendHasRowsAndEveryRowAnOp() {
        Set<String> missing = new TreeSet<>(backendOps());
        missing.removeAll(tableOps());
        assertTrue(missing.isEmpty(), "ops of CpuBackend without a row in CpuKernel: " + missing);
        Set<String> stale = new TreeSet<>(tableOps());
        stale.removeAll(backendOps());
        assertTrue(stale.isEmpty(), "rows of CpuKernel for ops CpuBackend does not implement: " + stale);
    }

    @Test
    void printedTableHasOneLinePerRowAndNamesEveryOp() {
        List<String> lines = KernelSelection.describe();
        assertEquals(CpuKernel.values().length + 1, lines.size(), "a header and one line per row");
        Set<String> printed = new LinkedHashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            printed.add(line.substring(0, line.indexOf(' ')));
        }
        assertEquals(backendOps(), new TreeSet<>(printed));
    }

    @Test
    void rowsOfOneOpAreAdjacentAndEndInAFallback() {
        CpuKernel[] rows = CpuKernel.values();
        Set<String> finished = new TreeSet<>();
        for (int i = 0; i < rows.length; i++) {
            String op = rows[i].op();
            assertTrue(!finished.contains(op), op + ": rows not adjacent");
            boolean last = i + 1 == rows.length || !rows[i + 1].op().equals(op);
            if (last) {
                finished.add(op);
            }
            boolean alone = (i == 0 || !rows[i - 1].op().equals(op)) && last;
            if (last && !alone) {
                String c = rows[i].condition();
                assertTrue(c.startsWith("otherwise") || c.startsWith("always"), op + ": the last of several rows should be the fallback, got: " + c);
            }
        }
    }

    /** Runs body and returns the reference calls it made. */
    private static Map<String, Long> referenceCalls(Runnable body) {
        RefCalls.reset();
        body.run();
        return RefCalls.snapshot();
    }

    private static void assertReference(String op, CpuKernel chosen, CpuKernel reference, Runnable body) {
        Map<String, Long> calls = referenceCalls(body);
        boolean ran = calls.containsKey(op);
        assertEquals(chosen == reference, ran, op + ": selection chose " + chosen + " but the reference " + (ran ? "ran" : "did not run"));
    }

    @Test
    void selectionOfTheReferenceAgreesWithWhatRuns() {
        CpuBackend be = CpuBackend.INSTANCE;
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor x = Tensor.arange(24).to(dt).reshape(4, 6);
            Tensor xt = x.transpose(0, 1);
            for (Tensor in : new Tensor[] {x, xt}) {
                Tensor out = Tensor.empty(in.device(), dt, in.shape());
                assertReference("unary", KernelSelection.unary(UnaryOp.EXP, viewOf(in), viewOf(out)), CpuKernel.UNARY_REFERENCE,
                        () -> be.unary(UnaryOp.EXP, viewOf(in), viewOf(out), 0, 0));
                assertReference("binary", KernelSelection.binary(BinaryOp.MUL, viewOf(in), viewOf(in), viewOf(out)), CpuKernel.BINARY_REFERENCE,
                        () -> be.binary(BinaryOp.MUL, viewOf(in), viewOf(in), viewOf(out)));
                assertReference("softmax", KernelSelection.softmax(viewOf(in), viewOf(out)), CpuKernel.SOFTMAX_REFERENCE, () -> be.softmax(viewOf(in), viewOf(out), false));
                for (int[] dims : new int[][] {{1}, {0}}) {
                    Tensor r = Tensor.empty(in.device(), dt, dims[0] == 1 ? new int[] {in.size(0), 1} : new int[] {1, in.size(1)});
                    CpuKernel k = KernelSelection.reduce(ReduceOp.MAX, viewOf(in), dims, viewOf(r));
                    CpuKernel effective = k == CpuKernel.REDUCE_PACKED ? KernelSelection.contiguousReduce(ReduceOp.MAX, in.contiguous().asView(), dims, viewOf(r)) : k;
                    assertReference("reduce", effective, CpuKernel.REDUCE_REFERENCE, () -> be.reduce(ReduceOp.MAX, viewOf(in), dims, viewOf(r)));
                }
            }
        }
    }
}
