package panface.nn.data;

/** Mirrors the image left to right with probability p (torchvision's RandomHorizontalFlip; insightface uses p = 0.5). */
public record HorizontalFlip(double p) implements Augmentation {
    public HorizontalFlip {
        Augmentations.checkProbability(p);
    }

    @Override
    public void apply(Image img, SampleRandom random) {
        if (random.bernoulli(p)) {
            flip(img);
        }
    }

    /** Mirrors every row in place. */
    public static void flip(Image img) {
        float[] d = img.data();
        int w = img.width();
        int rows = 3 * img.height();
        for (int r = 0; r < rows; r++) {
            for (int a = r * w, b = a + w - 1; a < b; a++, b--) {
                float t = d[a];
                d[a] = d[b];
                d[b] = t;
            }
        }
    }
}
