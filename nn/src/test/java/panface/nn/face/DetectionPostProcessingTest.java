package panface.nn.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Anchor centres, distance decoding, NMS, letterboxing and output matching on hand-computed values. */
class DetectionPostProcessingTest {

    @Test
    void anchorCentresRepeatEachLocationPerAnchor() {
        // A 2 x 3 map at stride 8 with 2 anchors: (0,0),(0,0),(8,0),(8,0),(16,0),(16,0),(0,8),...
        float[] c = ScrfdDecoding.anchorCentres(2, 3, 8, 2);
        assertEquals(24, c.length);
        assertArrayEquals(new float[] {0, 0, 0, 0, 8, 0, 8, 0, 16, 0, 16, 0, 0, 8, 0, 8}, java.util.Arrays.copyOf(c, 16));
        assertArrayEquals(new float[] {16, 8, 16, 8}, java.util.Arrays.copyOfRange(c, 20, 24));
    }

    @Test
    void distancesDecodeToBoxesAndKeypoints() {
        assertArrayEquals(new float[] {16 - 3, 24 - 4, 16 + 5, 24 + 6}, ScrfdDecoding.distance2bbox(16, 24, 3, 4, 5, 6));
        assertArrayEquals(new float[] {15, 26, 19, 20}, ScrfdDecoding.distance2kps(16, 24, new float[] {-1, 2, 3, -4}));
    }

    @Test
    void iouCountsPixelsInclusively() {
        // Boxes 0..9 and 5..14 (10 px wide each, inclusive): overlap 5 x 10 = 50, union 100 + 100 - 50.
        Face a = new Face(0, 0, 9, 9, 0.9f, null);
        Face b = new Face(5, 0, 14, 9, 0.8f, null);
        assertEquals(50f / 150f, Nms.iou(a, b), 1e-6);
    }

    @Test
    void nmsKeepsTheBestOfEachCluster() {
        Face a = new Face(0, 0, 9, 9, 0.7f, null);
        Face b = new Face(1, 0, 10, 9, 0.9f, null);     // IoU with a: 90 / 110 = 0.82
        Face c = new Face(5, 0, 14, 9, 0.8f, null);     // IoU with b: 60 / 140 = 0.43, with a 0.33
        Face d = new Face(100, 100, 120, 120, 0.6f, null);
        List<Face> kept = Nms.suppress(List.of(a, b, c, d), 0.4f);
        assertEquals(List.of(b, d), kept);
        assertEquals(List.of(b, c, d), Nms.suppress(List.of(a, b, c, d), 0.5f));
    }

    @Test
    void letterboxKeepsAspectAndPadsBottomRight() {
        // 1000 x 500 into 640 x 640: width fills, height int(640 * 0.5) = 320, scale 320 / 500.
        Letterbox l = Letterbox.of(1000, 500, 640, 640);
        assertEquals(640, l.width());
        assertEquals(320, l.height());
        assertEquals(0.64f, l.scale(), 1e-7);
        // 300 x 900 into 640 x 640: height fills, width int(640 / 3) = 213.
        Letterbox t = Letterbox.of(300, 900, 640, 640);
        assertEquals(213, t.width());
        assertEquals(640, t.height());
    }

    @Test
    void letterboxFillNormalisesAndPads() {
        // A 2 x 1 photo of (255, 0, 51) and (0, 255, 102) into a 4 x 4 input: width fills, height int(4 * 0.5) = 2.
        byte[] px = {(byte) 255, 0, 51, 0, (byte) 255, 102};
        var photo = new panface.nn.infer.RgbDecoder.Rgb(px, 2, 1);
        DetectorConfig c = new DetectorConfig(4, 4, 127.5f, 128f, false, new int[] {4}, 1, false, 0.5f, 0.4f, null, null);
        float[] out = new float[48];
        Letterbox.of(2, 1, 4, 4).fill(photo, c, out, 0);
        // Column 1 of the red plane samples x = (1 + 0.5) * 0.5 - 0.5 = 0.25: 255 * 0.75 = 191.25 -> 191.
        assertEquals((255 - 127.5f) / 128f, out[0], 1e-6);
        assertEquals((191 - 127.5f) / 128f, out[1], 1e-6);
        assertEquals((64 - 127.5f) / 128f, out[2], 1e-6);
        assertEquals((0 - 127.5f) / 128f, out[3], 1e-6);
        assertEquals(-127.5f / 128f, out[8], 1e-6);
        assertEquals((102 - 127.5f) / 128f, out[2 * 16 + 3], 1e-6);
    }

    @Test
    void outputsAreMatchedByShapeInAnyOrder() {
        DetectorConfig c = DetectorConfig.scrfd(64, 64);
        // Rows at 64 x 64: stride 8 -> 8 * 8 * 2 = 128, 16 -> 32, 32 -> 8. Interleaved order, batch-less.
        List<String> names = List.of("kps32", "s8", "b8", "k8", "s16", "b16", "k16", "s32", "b32");
        List<int[]> shapes = List.of(new int[] {8, 10}, new int[] {128, 1}, new int[] {128, 4}, new int[] {128, 10},
                new int[] {32, 1}, new int[] {32, 4}, new int[] {32, 10}, new int[] {8, 1}, new int[] {8, 4});
        OutputLayout l = OutputLayout.match(c, names, shapes, 1);
        assertArrayEquals(new int[] {1, 4, 7}, l.scores);
        assertArrayEquals(new int[] {2, 5, 8}, l.boxes);
        assertArrayEquals(new int[] {3, 6, 0}, l.kps);
    }

    @Test
    void batchFlattenedIntoRowsIsMatched() {
        // A batch of 3 through an export that reshapes to (-1, k): stride 8 has 3 * 128 rows.
        DetectorConfig c = DetectorConfig.scrfd(64, 64);
        List<String> names = List.of("s8", "s16", "s32", "b8", "b16", "b32", "k8", "k16", "k32");
        List<int[]> shapes = List.of(new int[] {384, 1}, new int[] {96, 1}, new int[] {24, 1}, new int[] {384, 4}, new int[] {96, 4},
                new int[] {24, 4}, new int[] {384, 10}, new int[] {96, 10}, new int[] {24, 10});
        OutputLayout l = OutputLayout.match(c, names, shapes, 3);
        assertArrayEquals(new int[] {0, 1, 2}, l.scores);
        assertArrayEquals(new int[] {6, 7, 8}, l.kps);
        assertThrows(IllegalArgumentException.class, () -> OutputLayout.match(c, names, shapes, 1));
    }

    @Test
    void outputsThatDoNotFitAreNamed() {
        DetectorConfig c = DetectorConfig.scrfd(64, 64);
        List<String> names = List.of("scores", "boxes");
        List<int[]> shapes = List.of(new int[] {1, 4420, 2}, new int[] {1, 4420, 4});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputLayout.match(c, names, shapes, 1));
        assertTrue(e.getMessage().contains("no output of (1, 128, 1) or (128, 1)") && e.getMessage().contains("scores [1, 4420, 2]"), e.getMessage());
    }
}
