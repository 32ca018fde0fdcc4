package panface.nn.data;

/**
 * torchvision's GaussianBlur, applied with probability p: sigma uniform in [sigmaMin, sigmaMax],
 * a separable kernel of {@code kernelSize} taps at offsets -(k-1)/2 .. (k-1)/2 with weights
 * exp(-x^2 / (2 sigma^2)) normalised to sum 1, and reflect padding (the edge pixel is not repeated).
 */
public record GaussianBlur(int kernelSize, double sigmaMin, double sigmaMax, double p) implements Augmentation {
    public GaussianBlur {
        if (kernelSize <= 0 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("kernel size must be odd and positive, got " + kernelSize);
        }
        if (!(sigmaMin > 0 && sigmaMin <= sigmaMax)) {
            throw new IllegalArgumentException("need 0 < sigmaMin <= sigmaMax");
        }
        Augmentations.checkProbability(p);
    }

    @Override
    public void apply(Image img, SampleRandom random) {
        if (random.bernoulli(p)) {
            blur(img, kernelSize, random.uniform(sigmaMin, sigmaMax));
        }
    }

    static float[] kernel(int size, double sigma) {
        float[] k = new float[size];
        double half = (size - 1) * 0.5;
        double sum = 0;
        double[] w = new double[size];
        for (int i = 0; i < size; i++) {
            double x = i - half;
            w[i] = Math.exp(-0.5 * (x / sigma) * (x / sigma));
            sum += w[i];
        }
        for (int i = 0; i < size; i++) {
            k[i] = (float) (w[i] / sum);
        }
        return k;
    }

    /** Blurs in place with the given sigma. */
    public static void blur(Image img, int size, double sigma) {
        float[] k = kernel(size, sigma);
        int r = size / 2;
        int w = img.width();
        int h = img.height();
        float[] d = img.data();
        float[] tmp = new float[d.length];
        float[] acc = new float[w];
        // every pixel sums its taps in order t = 0 .. size - 1, from 0, as the plain loops would; the
        // interior skips the reflection and the vertical pass runs along rows, so the bits are the same
        for (int c = 0; c < 3; c++) {
            int base = c * w * h;
            for (int y = 0; y < h; y++) {
                int row = base + y * w;
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    if (x >= r && x < w - r) {
                        int from = row + x - r;
                        for (int t = 0; t < size; t++) {
                            s += k[t] * d[from + t];
                        }
                    } else {
                        for (int t = 0; t < size; t++) {
                            s += k[t] * d[row + reflect(x + t - r, w)];
                        }
                    }
                    tmp[row + x] = s;
                }
            }
            for (int y = 0; y < h; y++) {
                java.util.Arrays.fill(acc, 0f);
                for (int t = 0; t < size; t++) {
                    int src = base + reflect(y + t - r, h) * w;
                    float kt = k[t];
                    for (int x = 0; x < w; x++) {
                        acc[x] += kt * tmp[src + x];
                    }
                }
                System.arraycopy(acc, 0, d, base + y * w, w);
            }
        }
    }

    /** Reflect padding index (-1 -> 1, n -> n - 2), repeated for kernels wider than the image. */
    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }
}
