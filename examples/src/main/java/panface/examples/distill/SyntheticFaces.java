package panface.examples.distill;

import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Generated "identities" for the distillation demo (the training job has the harder
 * {@code panface.examples.train.SyntheticIdentities}): each identity is a smooth 112x112 RGB pattern
 * (a sum of random low-frequency cosines per channel); a sample of it adds a random shift of a
 * few pixels, a brightness change, a horizontal flip half of the time and pixel noise. Images are
 * returned normalised to [-1, 1] like real face crops, (B, 3, 112, 112). Deterministic per seed.
 */
public final class SyntheticFaces {
    private static final int SIZE = 112;
    private static final int WAVES = 6;
    private static final int PAD = 3;
    private static final int SIDE = SIZE + 2 * PAD;
    private final int identities;
    private final float[][] params;
    private final float[][] base;

    /** identities patterns from a seed. */
    public SyntheticFaces(int identities, long seed) {
        this.identities = identities;
        Generator g = new Generator(seed);
        this.params = new float[identities][];
        for (int i = 0; i < identities; i++) {
            float[] p = new float[3 * WAVES * 4];
            for (int k = 0; k < p.length; k += 4) {
                p[k] = (float) (g.nextDouble() * 0.25);          // frequency x (radians per pixel)
                p[k + 1] = (float) (g.nextDouble() * 0.25);      // frequency y
                p[k + 2] = (float) (g.nextDouble() * 6.283);     // phase
                p[k + 3] = (float) (g.nextDouble() * 0.6 + 0.2); // amplitude
            }
            params[i] = p;
        }
        this.base = new float[identities][];
    }

    /** The identity's clean pattern on a (3, 118, 118) canvas (3 pixels of margin for shifts), made once. */
    private synchronized float[] pattern(int id) {
        if (base[id] == null) {
            float[] p = params[id];
            float[] img = new float[3 * SIDE * SIDE];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        float v = 0;
                        for (int w = 0; w < WAVES; w++) {
                            int k = (c * WAVES + w) * 4;
                            v += p[k + 3] * (float) Math.cos(p[k] * (x - PAD) + p[k + 1] * (y - PAD) + p[k + 2]);
                        }
                        img[(c * SIDE + y) * SIDE + x] = v / 2f;
                    }
                }
            }
            base[id] = img;
        }
        return base[id];
    }

    public int identities() {
        return identities;
    }

    /** A batch of samples of the given identities, with augmentation drawn from gen. */
    public Tensor batch(long[] labels, Generator gen) {
        int b = labels.length;
        float[] out = new float[b * 3 * SIZE * SIZE];
        for (int n = 0; n < b; n++) {
            float[] img = pattern((int) labels[n]);
            int dx = gen.nextInt(7) - 3;
            int dy = gen.nextInt(7) - 3;
            boolean flip = gen.nextDouble() < 0.5;
            float gain = (float) (0.8 + 0.4 * gen.nextDouble());
            for (int c = 0; c < 3; c++) {
                int dst = ((n * 3) + c) * SIZE * SIZE;
                for (int y = 0; y < SIZE; y++) {
                    int row = (c * SIDE + y + dy + PAD) * SIDE + PAD + dx;
                    for (int x = 0; x < SIZE; x++) {
                        float v = img[row + (flip ? SIZE - 1 - x : x)];
                        out[dst + y * SIZE + x] = Math.max(-1f, Math.min(1f, gain * v));
                    }
                }
            }
        }
        Tensor t = Tensor.of(out, b, 3, SIZE, SIZE);
        return t.add(Tensor.randn(gen, b, 3, SIZE, SIZE).mul(0.1));
    }
}
