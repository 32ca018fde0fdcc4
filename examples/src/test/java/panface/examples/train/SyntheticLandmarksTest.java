package panface.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.nn.data.Batch;

/**
 * The generated faces' ground-truth landmarks, checked against the documented ranges of the pose
 * (rotation within 0.12 rad, scale 0.92 to 1.08, yaw squash 0.88 to 1, shift within 0.06 of the
 * half-image and the features' shift within 0.05) and each identity's head size, not against the
 * inverse map they are computed with.
 */
class SyntheticLandmarksTest {
    private static final double HALF = 56;

    @Test
    void theGridSpansTheHeadFollowsItsPoseAndRunsFromTheImagesLeftAndTop() {
        int side = 7;
        try (SyntheticIdentities d = new SyntheticIdentities(20, 3, 30, 5)) {
            for (int p = 0; p < 2; p++) {
                long at = d.position();
                Batch b = d.next();
                float[] l = d.landmarks(at, side);
                assertArrayEquals(l, d.landmarks(at, side), "a function of the position");
                for (int n = 0; n < b.size(); n++) {
                    double[] face = d.face((int) b.labels()[n]).parameters();
                    double halfWidth = face[0];
                    double halfHeight = face[1];
                    int o = n * 2 * side * side;
                    // the middle row spans the head's width, the middle column its height, in pixels
                    double width = dist(l, o, 3 * side, 3 * side + side - 1);
                    double height = dist(l, o, 3, (side - 1) * side + 3);
                    assertTrue(width >= 2 * halfWidth * HALF * 0.92 * 0.88 - 1e-3 && width <= 2 * halfWidth * HALF * 1.08 + 1e-3,
                            "width " + width + " of a head of half-width " + halfWidth);
                    assertTrue(height >= 2 * halfHeight * HALF * 0.92 - 1e-3 && height <= 2 * halfHeight * HALF * 1.08 + 1e-3,
                            "height " + height + " of a head of half-height " + halfHeight);
                    // the centre: the image's centre moved by the shift (3.4 px) and the features' shift (3.1 px) at most,
                    // turned by the rotation (at most 6.9 px; 7.5 leaves room for the half-pixel convention)
                    int c = o + 2 * (3 * side + 3);
                    assertTrue(Math.abs(l[c] - HALF) < 7.5 && Math.abs(l[c + 1] - HALF) < 7.5, "centre " + l[c] + ", " + l[c + 1]);
                    for (int j = 0; j < side; j++) {
                        for (int i = 0; i + 1 < side; i++) {
                            int a = o + 2 * (j * side + i);
                            double dx = l[a + 2] - l[a];
                            double dy = l[a + 3] - l[a + 1];
                            assertTrue(dx > 0 && Math.abs(dy) <= Math.tan(0.12) * dx + 1e-3, "row " + j + " runs from the left, tilted <= 0.12 rad");
                        }
                    }
                    for (int i = 0; i < side; i++) {
                        for (int j = 0; j + 1 < side; j++) {
                            int a = o + 2 * (j * side + i);
                            int below = o + 2 * ((j + 1) * side + i);
                            assertTrue(l[below + 1] > l[a + 1], "column " + i + " runs from the top");
                        }
                    }
                }
            }
        }
    }

    @Test
    void zoomMagnifiesEachFaceAboutItsPoseShiftAndZoomOneIsTheDefault() {
        double zoom = 2;
        int side = 7;
        try (SyntheticIdentities plain = new SyntheticIdentities(20, 3, 30, 5); SyntheticIdentities one = new SyntheticIdentities(20, 3, 30, 5, 1.0);
                SyntheticIdentities near = new SyntheticIdentities(20, 3, 30, 5, zoom)) {
            Batch b = plain.next();
            assertArrayEquals(b.images(), one.next().images(), "zoom 1 draws the default images bit for bit");
            Batch z = near.next();
            assertArrayEquals(b.labels(), z.labels(), "the same identities in the same order");
            float[] l = plain.landmarks(0, side);
            float[] m = near.landmarks(0, side);
            int per = 2 * side * side;
            for (int n = 0; n < b.size(); n++) {
                for (int axis = 0; axis < 2; axis++) {
                    // in half-image units X = p / 56 - 1, a magnification about the pose's shift t maps X to zoom * X - (zoom - 1) t,
                    // so zoom * X - X' is the same (zoom - 1) t for every landmark of an image, with |t| <= 0.06
                    double lo = Double.POSITIVE_INFINITY;
                    double hi = Double.NEGATIVE_INFINITY;
                    for (int k = n * per + axis; k < (n + 1) * per; k += 2) {
                        double r = zoom * (l[k] / HALF - 1) - (m[k] / HALF - 1);
                        lo = Math.min(lo, r);
                        hi = Math.max(hi, r);
                    }
                    // float landmarks near 100 px carry about 1e-5 px of rounding: 1e-4 half-images is far above it
                    assertTrue(hi - lo < 1e-4, "one magnification centre per image: spread " + (hi - lo));
                    assertTrue(Math.abs(lo) <= (zoom - 1) * 0.06 + 1e-4, "the centre within the pose's shift: " + lo);
                }
            }
        }
    }

    private static double dist(float[] l, int offset, int a, int b) {
        double dx = l[offset + 2 * b] - l[offset + 2 * a];
        double dy = l[offset + 2 * b + 1] - l[offset + 2 * a + 1];
        return Math.hypot(dx, dy);
    }
}
