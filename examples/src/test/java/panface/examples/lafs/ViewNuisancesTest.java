package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import panface.nn.lafs.LafsViews;
import panface.tensor.Tensor;

/** The demo's per-view nuisances: drawn anew for every view, only on the augmented copies, background replaced outside the landmarks' ellipse. */
class ViewNuisancesTest {
    private static final int B = 2;
    private static final int S = 32;
    private static final int GRID = 7;

    /** An image of constant grey 0.2 in every view. */
    private static LafsViews.Views views(int count) {
        List<Tensor> clean = new ArrayList<>();
        List<Tensor> aug = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            float[] px = new float[B * 3 * S * S];
            java.util.Arrays.fill(px, 0.2f);
            clean.add(Tensor.of(px.clone(), B, 3, S, S));
            aug.add(Tensor.of(px, B, 3, S, S));
        }
        return new LafsViews.Views(clean, aug);
    }

    /** A 7 x 7 grid over a circle of radius 8 about (16, 16): rows from the top, each from the left. */
    private static float[] grid() {
        float[] m = new float[B * 2 * GRID * GRID];
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < GRID; j++) {
                for (int i = 0; i < GRID; i++) {
                    int at = b * 2 * GRID * GRID + 2 * (j * GRID + i);
                    m[at] = 16 + 8 * (-1 + 2f * i / (GRID - 1));
                    m[at + 1] = 16 + 8 * (-1 + 2f * j / (GRID - 1));
                }
            }
        }
        return m;
    }

    @Test
    void everyViewGetsItsOwnNuisancesAndTheCleanCopiesStayAsTheyAre() {
        LafsViews.Views in = views(4);
        List<float[]> marks = List.of(grid(), grid(), grid(), grid());
        LafsViews.Views out = ViewNuisances.generatorRanges(5).apply(in, marks, GRID, 3);
        for (int k = 0; k < 4; k++) {
            // the landmark CNN sees the clean copies, so each view's landmarks are those of its own unchanged crop
            assertSame(in.clean().get(k), out.clean().get(k));
        }
        for (int k = 0; k < 4; k++) {
            float[] a = out.augmented().get(k).toFloatArray();
            for (int l = k + 1; l < 4; l++) {
                float[] c = out.augmented().get(l).toFloatArray();
                // a corner pixel (background) and the centre pixel (face) of image 0
                assertTrue(a[0] != c[0], "views " + k + " and " + l + " share their background");
                int centre = 16 * S + 16;
                assertTrue(a[centre] != c[centre], "views " + k + " and " + l + " share their lighting");
            }
        }
        // the same position draws the same nuisances, another position others
        assertArrayEquals(out.augmented().get(1).toFloatArray(),
                ViewNuisances.generatorRanges(5).apply(views(4), marks, GRID, 3).augmented().get(1).toFloatArray());
        assertFalse(java.util.Arrays.equals(out.augmented().get(1).toFloatArray(),
                ViewNuisances.generatorRanges(5).apply(views(4), marks, GRID, 4).augmented().get(1).toFloatArray()));
    }

    @Test
    void theBackgroundOutsideTheLandmarksEllipseIsOneColourAndRampAndTheFaceKeepsItsPixels() {
        // background only: the face inside the circle of radius 8 keeps 0.2; outside, a colour plus a linear ramp
        ViewNuisances bgOnly = new ViewNuisances(1, 0, 0, 0, 0, 0, 9);
        float[] all = bgOnly.apply(views(1), List.of(grid()), GRID, 0).augmented().get(0).toFloatArray();
        for (int b = 0; b < B; b++) {
            float[] px = java.util.Arrays.copyOfRange(all, b * 3 * S * S, (b + 1) * 3 * S * S);
            background(px);
        }
    }

    private static void background(float[] px) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    double dx = x + 0.5 - 16;
                    double dy = y + 0.5 - 16;
                    double r2 = (dx * dx + dy * dy) / 64;
                    float v = px[c * S * S + y * S + x];
                    // the ellipse's edge crosses pixels: only those clearly in or out are checked
                    if (r2 < 0.95) {
                        assertEquals(0.2f, v, 0f, "inside the face at " + x + "," + y);
                    } else if (r2 > 1.05) {
                        assertTrue(v != 0.2f, "outside the face at " + x + "," + y);
                    }
                }
            }
            // outside: colour + ramp is affine in (x, y): second differences vanish along a row and a column of the border
            int plane = c * S * S;
            double along = px[plane + 2] - 2 * px[plane + 1] + px[plane];
            double down = px[plane + 2 * S] - 2 * px[plane + S] + px[plane];
            assertEquals(0, along, 1e-5, "float rounding of an affine ramp");
            assertEquals(0, down, 1e-5, "float rounding of an affine ramp");
            assertTrue(px[plane] != 0.2f, "the corner is background");
        }
    }

    @Test
    void lightingScalesByAnAffineFieldAndClampsToTheViewsRange() {
        // gain and gradient only: out / in = g (1 + lx px + ly py), affine in the normalised pixel position
        ViewNuisances light = new ViewNuisances(0, 0.4, 0, 0, 0.6, 0, 11);
        float[] px = light.apply(views(1), null, GRID, 0).augmented().get(0).toFloatArray();
        double r00 = px[0] / 0.2;
        double r10 = px[1] / 0.2;
        double r01 = px[S] / 0.2;
        double r11 = px[S + 1] / 0.2;
        assertEquals(r11 - r10, r01 - r00, 1e-5, "float rounding of the ratios");
        // and linear along each axis: second differences vanish (the values stay well inside [-1, 1], nothing is clamped)
        assertEquals(0, px[0] - 2 * px[1] + px[2], 1e-6, "float rounding");
        assertEquals(0, px[0] - 2 * px[S] + px[2 * S], 1e-6, "float rounding");
        assertTrue(Math.abs(r10 - r00) + Math.abs(r01 - r00) > 0, "a gradient was drawn");
        // the centre's ratio is the gain itself, within [0.6, 1.4]; the gradient changes it by at most 0.6 g at the edge
        double centre = (px[15 * S + 15] + px[16 * S + 16]) / 2 / 0.2;
        assertTrue(centre > 0.6 - 1e-6 && centre < 1.4 + 1e-6, "gain " + centre);
        for (float v : px) {
            assertTrue(v >= -1 && v <= 1);
        }
        assertSame(views(1).getClass(), ViewNuisances.none().apply(views(1), null, GRID, 0).getClass());
    }

    @Test
    void scalingMultipliesEveryRangeAndProbabilityAndZeroTurnsThemOff() {
        ViewNuisances full = ViewNuisances.generatorRanges(9);
        ViewNuisances half = full.scaled(0.5);
        assertEquals(new ViewNuisances(0.5, 0.2, 0.125, 0.075, 0.3, 0.15, 9), half);
        assertFalse(full.scaled(0).active());
        LafsViews.Views in = views(2);
        assertSame(in, full.scaled(0).apply(in, null, 2, 0), "nothing to apply");
        assertThrows(IllegalArgumentException.class, () -> full.scaled(1.5));
        assertThrows(IllegalArgumentException.class, () -> full.scaled(Double.NaN));
    }
}
