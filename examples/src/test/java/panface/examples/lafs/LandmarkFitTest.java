package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;

import org.junit.jupiter.api.Test;

import panface.examples.train.SyntheticIdentities;
import panface.nn.data.Batch;
import panface.nn.lafs.LandmarkCnn;
import panface.tensor.Scope;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/** The demo's supervised landmark fit: its min-max target, and that fitting brings the landmark CNN to the ground truth. */
class LandmarkFitTest {

    @Test
    void theTargetIsEachSamplesMinMaxOverXAndYTogether() {
        // sample 0: values 10..40 -> (v - 10) / 30 * 111; sample 1: -1..1 -> (v + 1) / 2 * 111 (by hand)
        float[] in = {10, 20, 40, 25, -1, 1, 0, 0.5f};
        float[] want = {0, 37, 111, 55.5f, 0, 111, 55.5f, 83.25f};
        assertArrayEquals(want, LandmarkFit.minMax(in, 2, 111), 1e-4f, "float rounding of values below 111");
    }

    @Test
    void fittingMovesTheLandmarksFromArbitraryPointsToTheGroundTruth() {
        try (SyntheticIdentities train = new SyntheticIdentities(16, 2, 4, 3);
                SyntheticIdentities check = new SyntheticIdentities(16, 2, 8, 4)) {
            LandmarkCnn cnn = LafsDemo.landmarkCnn(new Generator(3));
            long at = check.position();
            Batch b = check.next();
            float[] target = LandmarkFit.minMax(check.landmarks(at, LafsDemo.GRID), b.size(), cnn.extent());
            double before = error(cnn, b, target);
            LandmarkFit.fit(cnn, train, LafsDemo.GRID, 60, 1e-2, 1000, new PrintStream(PrintStream.nullOutputStream()));
            double after = error(cnn, b, target);
            // a random landmark CNN is off by tens of pixels; the mean grid alone is within about 4 px
            assertTrue(before > 20, "a random landmark CNN: " + before + " px");
            assertTrue(after < before / 3, "after fitting: " + after + " px, before " + before + " px");
        }
    }

    private static double error(LandmarkCnn cnn, Batch b, float[] target) {
        cnn.eval();
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            float[] p = cnn.forward(b.imagesTensor()).toFloatArray();
            double e = 0;
            for (int i = 0; i < p.length; i++) {
                e += (p[i] - target[i]) * (p[i] - target[i]);
            }
            return Math.sqrt(e / p.length);
        }
    }
}
