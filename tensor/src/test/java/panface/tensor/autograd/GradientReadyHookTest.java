package panface.tensor.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * The gradient-ready hook reports each leaf once, as soon as its gradient is final: the
 * gradient seen by the hook is already the one backward leaves, and a leaf used only near the
 * output is reported while a leaf used deeper still waits for its last contribution. Expected
 * gradients are written out by hand.
 */
class GradientReadyHookTest {
    @Test
    void eachLeafIsReportedOnceWithItsFinalGradientAndBeforeTheDeeperOnes() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
            Tensor b = Tensor.of(new double[] {3, -1}, 2).requiresGrad(true);
            Tensor unused = Tensor.of(new double[] {5}, 1).requiresGrad(true);
            // loss = sum(b * (a * a)) + sum(3 a): a is used twice, its deeper use (a * a) finishes it
            Tensor loss = b.mul(a.mul(a)).sum().add(a.mul(3).sum());
            List<Tensor> reported = new ArrayList<>();
            List<double[]> seen = new ArrayList<>();
            List<Boolean> aDoneWhenB = new ArrayList<>();
            try (var h = GradientReadyHook.install(leaf -> {
                reported.add(leaf);
                seen.add(leaf.grad().toDoubleArray());
                if (leaf == b) {
                    aDoneWhenB.add(reported.contains(a));
                }
            })) {
                loss.backward();
            }
            assertEquals(2, reported.size(), "a and b, once each; the unused leaf never");
            assertEquals(List.of(false), aDoneWhenB, "b (consumed once, near the output) is reported before a");
            assertSame(a, reported.get(1));
            // d/da = 2 a b + 3, d/db = a^2
            assertArrayEquals(new double[] {9, -1}, seen.get(1), 0.0);
            assertArrayEquals(new double[] {1, 4}, seen.get(0), 0.0);
            assertArrayEquals(a.grad().toDoubleArray(), seen.get(1), 0.0);
            assertNull(unused.grad());
            assertNull(GradientReadyHook.current(), "the guard restores the previous (no) hook");
        }
    }

    @Test
    void aLeafRootIsReported() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new double[] {4}, 1).requiresGrad(true);
            List<Tensor> reported = new ArrayList<>();
            try (var h = GradientReadyHook.install(reported::add)) {
                x.backward(null);
            }
            assertEquals(List.of(x), reported);
            assertArrayEquals(new double[] {1}, x.grad().toDoubleArray(), 0.0);
        }
    }
}
