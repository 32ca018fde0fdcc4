package panface.tensor.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * The engine sums gradients that reach a node along several paths, and frees the parts it made
 * once summed. An add passes its output gradient on to both inputs as one tensor, so the same
 * memory can be pending for one node and still be owed to another input of the node being
 * processed: freeing it while summing must wait until every input has taken it.
 */
class SharedGradientTest {
    @Test
    void aGradientSharedByTwoInputsOutlivesTheFirstSum() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new double[] {1, -2, 0.5}, 3).requiresGrad(true);
            Tensor t = x.mul(3);
            // r = (t + t) + t: r's backward sends one gradient to the inner add and to t; the inner
            // add's backward then sends that same gradient to t twice
            Tensor r = t.add(t).add(t);
            r.mul(2).sum().backward();
            // d/dx 2 (3t) = 2 * 3 * 3
            assertArrayEquals(new double[] {18, 18, 18}, x.grad().toDoubleArray(), 0.0);
        }
    }

    @Test
    void fourPathsIntoOneNode() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new double[] {2, 3}, 2).requiresGrad(true);
            Tensor t = x.square();
            Tensor r = t.add(t).add(t.add(t)).add(t);
            r.sum().backward();
            // d/dx 5 x^2 = 10 x
            assertArrayEquals(new double[] {20, 30}, x.grad().toDoubleArray(), 0.0);
        }
    }
}
