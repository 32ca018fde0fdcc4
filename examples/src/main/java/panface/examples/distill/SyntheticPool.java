package panface.examples.distill;

import java.util.Arrays;

import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Generated face-like images for the distillation demo: {@code perIdentity} fixed samples of
 * each of {@code identities} {@link SyntheticFaces} identities, image i of identity i /
 * perIdentity drawn from its own generator (so any image can be made on demand, the same every
 * time), shrunk from 112 to {@code side} pixels (2x2 average, then a centre crop) so the demo's
 * networks stay cheap on a CPU. Images are kept once made.
 */
public final class SyntheticPool implements DistillImages {
    private static final int FULL = 112;
    private final SyntheticFaces faces;
    private final int perIdentity;
    private final int side;
    private final long seed;
    private final float[][] made;

    /** side must be at most 56 (half of 112). */
    public SyntheticPool(SyntheticFaces faces, int perIdentity, int side, long seed) {
        if (side > FULL / 2 || side <= 0 || perIdentity <= 0) {
            throw new IllegalArgumentException("side must be in (0, 56] and perIdentity positive");
        }
        this.faces = faces;
        this.perIdentity = perIdentity;
        this.side = side;
        this.seed = seed;
        this.made = new float[faces.identities() * perIdentity][];
    }

    @Override
    public int size() {
        return faces.identities() * perIdentity;
    }

    @Override
    public int side() {
        return side;
    }

    /** The identity of image i. */
    public int identity(int i) {
        return i / perIdentity;
    }

    @Override
    public void fill(int[] idx, float[] out) {
        int per = 3 * side * side;
        for (int n = 0; n < idx.length; n++) {
            System.arraycopy(image(idx[n]), 0, out, n * per, per);
        }
    }

    /** Image i, made on first use and kept (the pools of the demo take a few tens of MB). */
    private synchronized float[] image(int i) {
        if (made[i] == null) {
            try (Scope s = Scope.open()) {
                Tensor full = faces.batch(new long[] {identity(i)}, new Generator(seed, 1_000_000L * i));
                Tensor half = F.avgPool2d(full, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, false, true);
                int off = (FULL / 2 - side) / 2;
                made[i] = half.narrow(2, off, side).narrow(3, off, side).contiguous().toFloatArray();
            }
        }
        return made[i];
    }

    /** The identities of images idx. */
    public long[] labels(int[] idx) {
        return Arrays.stream(idx).mapToLong(this::identity).toArray();
    }
}
