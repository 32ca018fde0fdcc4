package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import panface.tensor.Tensor;

/** The landmark regulariser against a hand computation in float64, and both beta schedules. */
class LandmarkRegularizerTest {

    @Test
    void lossAndGradientMatchAHandComputation() {
        double[] f = {10, 20, 30, 40, 55, 66, 70, 111};
        double[] p = {12, 19, 33, 40, 50, 60, 80, 100};
        Tensor fixed = Tensor.of(f, 1, 4, 2).requiresGrad(true);
        Tensor pred = Tensor.of(p, 1, 4, 2).requiresGrad(true);
        Tensor loss = LandmarkRegularizer.paper().loss(fixed, pred, 0);
        double want = 0;
        for (int i = 0; i < 8; i++) {
            want += Math.pow((f[i] - p[i]) / 111, 2);
        }
        want = 0.1 * want / 8;
        assertEquals(want, loss.item(), 1e-15);   // float64 end to end: rounding only
        loss.backward();
        double[] g = pred.grad().toDoubleArray();
        for (int i = 0; i < 8; i++) {
            assertEquals(-0.1 * 2 * (f[i] - p[i]) / (111.0 * 111.0) / 8, g[i], 1e-17);
        }
        assertNull(fixed.grad(), "the frozen copy's landmarks get no gradient");
    }

    @Test
    void codeScheduleStepsDownAndPaperIsConstant() {
        LandmarkRegularizer code = new LandmarkRegularizer(LandmarkRegularizer.Schedule.CODE, 0.1, 111);
        int[] epochs = {0, 7, 8, 13, 14, 20, 21, 27, 28, 40};
        double[] want = {1000, 1000, 100, 100, 1, 1, 0.11, 0.11, 0, 0};
        for (int i = 0; i < epochs.length; i++) {
            assertEquals(want[i], code.beta(epochs[i]), 0);
            assertEquals(0.1, LandmarkRegularizer.paper().beta(epochs[i]), 0);
        }
    }
}
