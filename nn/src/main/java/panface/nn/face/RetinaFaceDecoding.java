package panface.nn.face;

/**
 * RetinaFace's box and landmark decoding (insightface's MXNet RetinaFace): square anchor boxes of
 * side S centred at (c + x * stride, c + y * stride) with c = 7.5 (the centre of the 16-pixel base
 * anchor), box deltas (dx, dy, dw, dh) giving the centre (dx * S + cx, dy * S + cy) and side
 * exp(dw) * S with the inclusive-pixel convention (x1 = centre - (w - 1) / 2), landmark deltas
 * giving (d * S + cx, d * S + cy).
 */
public final class RetinaFaceDecoding {
    /** The centre of the base anchor [0, 0, 15, 15]. */
    static final float BASE_CENTRE = 7.5f;

    private RetinaFaceDecoding() {
    }

    /** The box (x1, y1, x2, y2) for an anchor of side s centred at (cx, cy) and deltas (dx, dy, dw, dh). */
    public static float[] box(float cx, float cy, float s, float dx, float dy, float dw, float dh) {
        float px = dx * s + cx;
        float py = dy * s + cy;
        float pw = (float) Math.exp(dw) * s;
        float ph = (float) Math.exp(dh) * s;
        return new float[] {px - 0.5f * (pw - 1), py - 0.5f * (ph - 1), px + 0.5f * (pw - 1), py + 0.5f * (ph - 1)};
    }

    /** The landmarks for an anchor of side s centred at (cx, cy) and deltas d (x, y pairs). */
    public static float[] landmarks(float cx, float cy, float s, float[] d) {
        float[] k = new float[d.length];
        for (int i = 0; i + 1 < d.length; i += 2) {
            k[i] = d[i] * s + cx;
            k[i + 1] = d[i + 1] * s + cy;
        }
        return k;
    }
}
