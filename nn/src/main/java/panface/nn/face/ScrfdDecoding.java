package panface.nn.face;

/**
 * SCRFD's box and keypoint decoding: each location of a stride's feature map is an anchor centre
 * (x * stride, y * stride), repeated once per anchor; a box is the centre minus the left and top
 * distances and plus the right and bottom ones (distance2bbox), a keypoint the centre plus its
 * offset (distance2kps). Distances are the network's outputs times the stride.
 */
public final class ScrfdDecoding {
    private ScrfdDecoding() {
    }

    /** Anchor centres (x, y pairs) in row-major location order, each location repeated {@code anchors} times. */
    public static float[] anchorCentres(int height, int width, int stride, int anchors) {
        float[] c = new float[height * width * anchors * 2];
        int o = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int a = 0; a < anchors; a++) {
                    c[o++] = x * stride;
                    c[o++] = y * stride;
                }
            }
        }
        return c;
    }

    /** The box (x1, y1, x2, y2) at centre (cx, cy) for distances (left, top, right, bottom) already scaled by the stride. */
    public static float[] distance2bbox(float cx, float cy, float left, float top, float right, float bottom) {
        return new float[] {cx - left, cy - top, cx + right, cy + bottom};
    }

    /** The keypoints at centre (cx, cy) for offsets d (x, y pairs, already scaled by the stride). */
    public static float[] distance2kps(float cx, float cy, float[] d) {
        float[] k = new float[d.length];
        for (int i = 0; i + 1 < d.length; i += 2) {
            k[i] = cx + d[i];
            k[i + 1] = cy + d[i + 1];
        }
        return k;
    }
}
