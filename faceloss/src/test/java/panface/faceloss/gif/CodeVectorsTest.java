package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Code vectors against means worked out by hand. */
class CodeVectorsTest {
    @Test
    void rawMeanThenNormalise() {
        CodeVectors cv = new CodeVectors(2, 2, CodeVectors.Averaging.RAW_MEAN);
        cv.add(0, new float[] {3, 0});
        cv.add(0, new float[] {0, 1});
        cv.add(1, new float[] {0, -2});
        float[][] v = cv.vectors();
        // mean (1.5, 0.5), norm sqrt(2.5); float32 results of float64 quotients
        assertArrayEquals(new float[] {(float) (1.5 / Math.sqrt(2.5)), (float) (0.5 / Math.sqrt(2.5))}, v[0], 1e-7f);
        assertArrayEquals(new float[] {0, -1}, v[1], 0f);
    }

    @Test
    void normalisedMeanWeighsImagesEqually() {
        CodeVectors cv = new CodeVectors(1, 2, CodeVectors.Averaging.NORMALISED_MEAN);
        cv.add(0, new float[] {3, 0});
        cv.add(0, new float[] {0, 1});
        // (1, 0) + (0, 1) normalised: both coordinates 1 / sqrt(2)
        float h = (float) (1 / Math.sqrt(2));
        assertArrayEquals(new float[] {h, h}, cv.vectors()[0], 1e-7f);
    }

    @Test
    void identityWithoutImagesIsRefused() {
        CodeVectors cv = new CodeVectors(2, 2, CodeVectors.Averaging.RAW_MEAN);
        cv.add(0, new float[] {1, 0});
        assertThrows(IllegalStateException.class, cv::vectors);
        assertThrows(IllegalArgumentException.class, () -> cv.add(1, new float[] {1, 0, 0}));
    }
}
