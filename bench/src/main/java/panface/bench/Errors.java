package panface.bench;

/** How far a runner's output is from the expected one, as the comparison scripts report it. */
public final class Errors {
    private Errors() {
    }

    /** max |want - got| / max |want| over the whole output (the embeddings' scale); infinite when the lengths differ. */
    public static double maxRel(float[] want, float[] got) {
        if (want.length != got.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = 0;
        double err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs((double) want[i] - got[i]));
        }
        return err / Math.max(scale, 1e-30);
    }
}
