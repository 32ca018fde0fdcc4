package panface.examples.train;

import java.io.IOException;
import java.io.UncheckedIOException;

import panface.nn.eval.VerificationPack;
import panface.nn.infer.FaceImages;

/**
 * An insightface verification pack ({@code lfw.bin}, {@code cfp_fp.bin}, ...) as a {@link PairSet}:
 * images decoded on request as {@link FaceImages} reads them (the stored RGB values, resized to
 * 112 x 112 when needed) and normalised as the training batches are.
 */
public final class PackPairs implements PairSet {
    private final VerificationPack pack;

    public PackPairs(VerificationPack pack) {
        this.pack = pack;
    }

    @Override
    public String name() {
        return pack.name();
    }

    @Override
    public boolean[] same() {
        return pack.same().clone();
    }

    @Override
    public float[] images(int side, int from, int to) {
        int plane = 3 * SyntheticFace.SIZE * SyntheticFace.SIZE;
        float[] out = new float[(to - from) * plane];
        for (int p = from; p < to; p++) {
            int i = 2 * p + side;
            try {
                float[] v = FaceImages.toInput(FaceImages.decode(pack.image(i)), SyntheticFace.SIZE);
                System.arraycopy(v, 0, out, (p - from) * plane, plane);
            } catch (IOException e) {
                throw new UncheckedIOException(pack.name() + ": image " + i + " (pair " + p + "): " + e.getMessage(), e);
            }
        }
        return out;
    }
}
