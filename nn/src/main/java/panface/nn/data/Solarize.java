package panface.nn.data;

/** With probability p, replaces every value v >= threshold by 255 - v (torchvision's RandomSolarize; BYOL/DINO use threshold 128). */
public record Solarize(float threshold, double p) implements Augmentation {
    public Solarize {
        Augmentations.checkProbability(p);
    }

    @Override
    public void apply(Image img, SampleRandom random) {
        if (random.bernoulli(p)) {
            solarize(img, threshold);
        }
    }

    public static void solarize(Image img, float threshold) {
        float[] d = img.data();
        for (int i = 0; i < d.length; i++) {
            if (d[i] >= threshold) {
                d[i] = 255f - d[i];
            }
        }
    }
}
