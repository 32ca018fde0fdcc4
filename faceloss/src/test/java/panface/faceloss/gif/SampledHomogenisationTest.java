package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The sampled homogenisation step: against PyTorch (make_gif_cases.py; a normal and a t = 50
 * clustered case), equal to the full step when the block and the sample are every row, lowering
 * the full objective over a few sweeps, and its allocation against {@link SampledHomogenisation#bytesFor}.
 */
class SampledHomogenisationTest {
    private static final Homogenisation.Options BASE = new Homogenisation.Options(2.0, 0.1, 0.05, 512);

    @Test
    void oneStepMatchesPyTorch() throws IOException {
        for (String file : new String[] {"sampled_step.txt", "sampled_step_hard.txt"}) {
            Map<String, double[][]> g = GoldenText.read("/golden/gif/" + file);
            double t = file.contains("hard") ? 50.0 : 2.0;
            Homogenisation.Options base = new Homogenisation.Options(t, 0.1, 0.05, 512);
            SampledHomogenisation hh = withAnchor(GoldenText.floats(g.get("anchor")), GoldenText.floats(g.get("start")),
                    new SampledHomogenisation.Options(base, 8, 8, 0));
            int a0 = (int) g.get("rows")[0][0];
            int a1 = (int) g.get("rows")[0][1];
            double[] c = g.get("columns")[0];
            int[] cols = new int[c.length];
            for (int j = 0; j < c.length; j++) {
                cols[j] = (int) c[j];
            }
            double loss = hh.step(a0, a1, cols);
            // float32 inputs, float64 sums in another order; the t = 50 case's log holds 52 + small parts
            assertEquals(g.get("loss")[0][0], loss, 1e-12 * Math.abs(g.get("loss")[0][0]), file);
            double[][] want = g.get("next");
            for (int a = 0; a < want.length; a++) {
                for (int i = 0; i < want[a].length; i++) {
                    // stored as float32: half an ulp of values below 1 (rows outside the block are untouched copies)
                    assertEquals(want[a][i], hh.vectors()[a][i], 1e-7, file + " row " + a + " coordinate " + i);
                }
            }
        }
    }

    /** A sampled homogenisation whose anchor is the given one, starting at start: built at the anchor (its copy), then moved. */
    private static SampledHomogenisation withAnchor(float[][] anchor, float[][] start, SampledHomogenisation.Options o) {
        float[][] v = HomogenisationTest.copy(anchor);
        SampledHomogenisation h = new SampledHomogenisation(v, o);
        for (int a = 0; a < v.length; a++) {
            System.arraycopy(start[a], 0, v[a], 0, v[a].length);
        }
        return h;
    }

    @Test
    void everyRowAndEveryColumnIsTheFullStep() {
        int m = 23;
        float[][] v = HomogenisationTest.randomUnit(m, 6, 5);
        float[][] v0 = HomogenisationTest.randomUnit(m, 6, 6);
        Homogenisation full = new Homogenisation(HomogenisationTest.copy(v), v0, BASE);
        SampledHomogenisation sampled = withAnchor(v0, v, new SampledHomogenisation.Options(BASE, m, m, 0));
        for (int step = 0; step < 4; step++) {
            // the same float64 sums in another order
            assertEquals(full.step(), sampled.step(), 1e-12, "step " + step);
        }
        for (int a = 0; a < m; a++) {
            for (int i = 0; i < 6; i++) {
                // float32 outputs of float64 sums in another order: about one ulp
                assertEquals(full.vectors()[a][i], sampled.vectors()[a][i], 2e-7);
            }
        }
    }

    @Test
    void sweepsOfSampledStepsLowerTheFullObjective() {
        int m = 300;
        float[][] v = HomogenisationTest.randomUnit(m, 8, 9);
        // start crowded: every vector near one of three directions
        for (int a = 0; a < m; a++) {
            float[] c = v[a % 3];
            double n = 0;
            for (int i = 0; i < 8; i++) {
                v[a][i] = c[i] + 0.2f * v[a][i];
                n += (double) v[a][i] * v[a][i];
            }
            for (int i = 0; i < 8; i++) {
                v[a][i] /= (float) Math.sqrt(n);
            }
        }
        float[][] v0 = HomogenisationTest.copy(v);
        double before = HomogenisationTest.naiveLoss(v, v0, 2.0, 0.1);
        SampledHomogenisation h = new SampledHomogenisation(v, new SampledHomogenisation.Options(BASE, 50, 40, 7));
        for (int s = 0; s < 3 * m / 50; s++) {
            h.step();
        }
        double after = HomogenisationTest.naiveLoss(h.vectors(), v0, 2.0, 0.1);
        assertTrue(after < before - 0.1, "three sweeps of 40-column samples: the full objective " + before + " -> " + after);
    }

    @Test
    void allocatesWhatTheFormulaSays() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int m = 4000;
        int d = 32;
        float[][] v = HomogenisationTest.randomUnit(m, d, 3);
        SampledHomogenisation.Options o = new SampledHomogenisation.Options(BASE, 128, 1000, 1);
        // loads the class first, so that loading allocates nothing inside the measurement
        new SampledHomogenisation(HomogenisationTest.randomUnit(2, d, 1), o);
        long formula = SampledHomogenisation.bytesFor(m, d, o);
        long id = Thread.currentThread().threadId();
        // the JVM's own overhead of m rows (array headers and the row references), measured on a copy like the anchor
        long before = mx.getThreadAllocatedBytes(id);
        float[][] rowsLikeTheAnchor = HomogenisationTest.copy(v);
        long rowOverhead = mx.getThreadAllocatedBytes(id) - before - 4L * m * d;
        before = mx.getThreadAllocatedBytes(id);
        SampledHomogenisation h = new SampledHomogenisation(v, o);
        long used = mx.getThreadAllocatedBytes(id) - before;
        // beyond that: six scratch arrays' headers (at most 24 bytes each), the generator and the object (under 200 bytes)
        long extra = used - formula - rowOverhead;
        assertTrue(extra >= 0 && extra <= 6 * 24 + 200, "allocated " + used + " bytes: formula " + formula + ", rows' overhead " + rowOverhead
                + ", unexplained " + extra + " (" + rowsLikeTheAnchor.length + " rows)");
        assertEquals(4L * m * d + 8L * 128 * 1000 + 8L * 128 * d + 4L * 1000 + 24L * 128, formula, "4md + 8 bs + 8 bd + 4s + 24b");
        assertEquals(0, SampledHomogenisation.bytesFor(m, d, new SampledHomogenisation.Options(new Homogenisation.Options(2, 0, 0.05, 1), 128,
                1000, 1)) - formula + 4L * m * d, "no anchor without lambda");
        assertTrue(Double.isFinite(h.step()));
        // GIF.md's figure for 10M x 512 with the defaults: the 20.48 GB anchor and 71 MB of scratch, beside the caller's 20.48 GB
        assertEquals(20.48e9 + 71.4e6, SampledHomogenisation.bytesFor(10_000_000L, 512, SampledHomogenisation.Options.defaults()), 0.1e6);
    }
}
