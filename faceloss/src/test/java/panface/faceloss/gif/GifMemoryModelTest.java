package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import panface.faceloss.GifTokenLoss;
import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.tensor.random.Generator;

/**
 * GIF.md's memory and speed model against what the code allocates: the class-per-identity head's
 * and Partial FC's sizes from {@link PartialFC} (its parameters and its sample per step), GIF's
 * depth from {@link CodeTree.Options#depthFor} and head size from {@link GifTokenLoss}'s
 * parameters, then every row of the table for C = 1M, 10M, 100M as GIF.md prints it; and the
 * all-pairs homogenisation's allocation against its stated 2 C D 4 bytes beyond the caller's vectors.
 */
class GifMemoryModelTest {
    private static final int D = 512;
    private static final int K = 256;

    @Test
    void theTableMatchesTheHeadsTheCodeBuilds() throws Exception {
        String doc = Files.readString(Path.of("GIF.md"));
        // per-class sizes measured on a small head, then scaled: C x D floats stored, rate x C sampled per step
        PartialFC small = new PartialFC(1000, 32, 0.1, Margin.arcFace(64, 0.5), new Generator(1));
        assertEquals(1000L * 32, small.numParameters());
        assertEquals(100, small.numSample());
        for (long c : new long[] {1_000_000L, 10_000_000L, 100_000_000L}) {
            double fcBytes = 4.0 * c * D;
            double fcFlops = 2.0 * c * D;
            double pfcBytes = 4.0 * (long) (0.1 * c) * D;
            int l = CodeTree.Options.depthFor(c, K);
            long gifParams = GifTokenLoss.linear(l, K, D, new Generator(1)).numParameters();
            double gifFlops = 2.0 * l * K * D;
            String row = String.format(Locale.ROOT, "| %s | %s | %s | %s (all %s still stored) | %s | %d | %s | %s |", label(c), bytes(fcBytes),
                    sci(fcFlops), bytes(pfcBytes), bytes(fcBytes), sci(0.1 * fcFlops), l, bytes(4.0 * gifParams), sci(gifFlops));
            String stored = row.replace("(all ", "(").replace(" still stored)", " stored)");
            assertTrue(doc.contains(row) || doc.contains(stored), "GIF.md should hold the row\n" + row);
        }
    }

    @Test
    void homogenisationFiguresMatchTheAllocation() throws Exception {
        String doc = Files.readString(Path.of("GIF.md"));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        int m = 3000;
        int d = 16;
        float[][] v = HomogenisationTest.randomUnit(m, d, 2);
        // loads the class first, so that loading allocates nothing inside the measurement
        new Homogenisation(HomogenisationTest.randomUnit(2, d, 1), Homogenisation.Options.defaults());
        long before = mx.getThreadAllocatedBytes(id);
        float[][] oneCopy = HomogenisationTest.copy(v);
        long copyBytes = mx.getThreadAllocatedBytes(id) - before;
        before = mx.getThreadAllocatedBytes(id);
        Homogenisation h = new Homogenisation(v, Homogenisation.Options.defaults());
        long used = mx.getThreadAllocatedBytes(id) - before;
        // the next vectors and the anchor: two copies of the rows (their headers included), and the object
        assertTrue(used >= 2 * copyBytes && used <= 2 * copyBytes + 256, used + " bytes for two copies of " + copyBytes + " ("
                + oneCopy.length + " rows, " + h.vectors().length + ")");
        // the stated figures: 3 C D 4 bytes all-pairs (2 C D 4 without the anchor), and the sampled class's bytesFor
        long c = 10_000_000L;
        assertTrue(doc.contains(String.format(Locale.ROOT, "10M x 512: %.1f GB (%.1f GB without the anchor)**", 3.0 * 4 * c * D / 1e9,
                2.0 * 4 * c * D / 1e9)));
        SampledHomogenisation.Options o = SampledHomogenisation.Options.defaults();
        long withAnchor = SampledHomogenisation.bytesFor(c, D, o);
        long scratch = withAnchor - 4L * c * D;
        assertTrue(doc.contains(String.format(Locale.ROOT, "10M x 512: %.1f GB\n(%.1f GB without the anchor) + %d MB**", (4.0 * c * D + 4.0 * c * D) / 1e9,
                4.0 * c * D / 1e9, Math.round(scratch / 1e6))), "sampled figures for 10M x 512, scratch " + scratch);
        assertTrue(doc.contains(String.format(Locale.ROOT, "`4*block*sample*D` = %.1e FLOPs", 4.0 * o.block() * o.sample() * D).replace("e+", "e")));
    }

    private static String label(long c) {
        return c >= 1_000_000 ? (c / 1_000_000) + "M" : Long.toString(c);
    }

    /** Bytes as GIF.md writes them: GB with two decimals below 10 GB, three digits above; MB with two decimals. */
    private static String bytes(double b) {
        if (b >= 1e9) {
            double gb = b / 1e9;
            return gb >= 100 ? String.format(Locale.ROOT, "%.0f GB", gb) : gb >= 10 ? String.format(Locale.ROOT, "%.1f GB", gb)
                    : String.format(Locale.ROOT, "%.2f GB", gb);
        }
        if (b >= 1e8) {
            return String.format(Locale.ROOT, "%.2f GB", b / 1e9);
        }
        return String.format(Locale.ROOT, "%.2f MB", b / 1e6);
    }

    private static String sci(double x) {
        return String.format(Locale.ROOT, "%.1e", x).replace("e+0", "e").replace("e+", "e");
    }
}
