package panface.nn.data;

/**
 * torchvision's ColorJitter on RGB values in 0..255, applied with probability p: brightness,
 * contrast and saturation factors uniform in [max(0, 1 - x), 1 + x], a hue shift uniform in
 * [-hue, hue] (a fraction of the colour circle, at most 0.5), the four adjustments in a random
 * order, each clamped to 0..255. Values stay floats between steps (torchvision on uint8 images
 * rounds after each step). Assumes RGB channel order.
 */
public record ColorJitter(double brightness, double contrast, double saturation, double hue, double p) implements Augmentation {
    public ColorJitter {
        if (brightness < 0 || contrast < 0 || saturation < 0 || hue < 0 || hue > 0.5) {
            throw new IllegalArgumentException("jitter strengths must be >= 0 and hue <= 0.5");
        }
        Augmentations.checkProbability(p);
    }

    @Override
    public void apply(Image img, SampleRandom random) {
        if (!random.bernoulli(p)) {
            return;
        }
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double b = factor(brightness, random);
        double c = factor(contrast, random);
        double s = factor(saturation, random);
        double h = random.uniform(-hue, hue);
        for (int op : order) {
            switch (op) {
                case 0 -> brightness(img, (float) b);
                case 1 -> contrast(img, (float) c);
                case 2 -> saturation(img, (float) s);
                default -> hue(img, (float) h);
            }
        }
    }

    private static double factor(double strength, SampleRandom random) {
        return random.uniform(Math.max(0, 1 - strength), 1 + strength);
    }

    /** v * f, clamped (a blend with black). */
    public static void brightness(Image img, float f) {
        float[] d = img.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = Augmentations.clamp(d[i] * f);
        }
    }

    /** f * v + (1 - f) * mean luma of the image, clamped. */
    public static void contrast(Image img, float f) {
        float[] d = img.data();
        int n = img.plane();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Grayscale.luma(d[i], d[n + i], d[2 * n + i]);
        }
        float mean = (float) (sum / n);
        for (int i = 0; i < d.length; i++) {
            d[i] = Augmentations.clamp(f * d[i] + (1 - f) * mean);
        }
    }

    /** f * v + (1 - f) * the pixel's luma, clamped. */
    public static void saturation(Image img, float f) {
        float[] d = img.data();
        int n = img.plane();
        for (int i = 0; i < n; i++) {
            float l = (1 - f) * Grayscale.luma(d[i], d[n + i], d[2 * n + i]);
            d[i] = Augmentations.clamp(f * d[i] + l);
            d[n + i] = Augmentations.clamp(f * d[n + i] + l);
            d[2 * n + i] = Augmentations.clamp(f * d[2 * n + i] + l);
        }
    }

    /** Rotates each pixel's hue by {@code shift} turns (HSV, as torchvision's adjust_hue). */
    public static void hue(Image img, float shift) {
        float[] d = img.data();
        int n = img.plane();
        for (int i = 0; i < n; i++) {
            float r = d[i] / 255f;
            float g = d[n + i] / 255f;
            float b = d[2 * n + i] / 255f;
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float delta = max - min;
            if (delta == 0) {
                continue;
            }
            float s = delta / max;
            float hh;
            if (max == r) {
                hh = (g - b) / delta;
            } else if (max == g) {
                hh = 2 + (b - r) / delta;
            } else {
                hh = 4 + (r - g) / delta;
            }
            hh = hh / 6f + shift;
            hh -= (float) Math.floor(hh);
            float v = max;
            float h6 = hh * 6f;
            int sector = Math.min(5, (int) h6);
            float frac = h6 - sector;
            float pp = v * (1 - s);
            float q = v * (1 - s * frac);
            float t = v * (1 - s * (1 - frac));
            float nr;
            float ng;
            float nb;
            switch (sector) {
                case 0 -> { nr = v; ng = t; nb = pp; }
                case 1 -> { nr = q; ng = v; nb = pp; }
                case 2 -> { nr = pp; ng = v; nb = t; }
                case 3 -> { nr = pp; ng = q; nb = v; }
                case 4 -> { nr = t; ng = pp; nb = v; }
                default -> { nr = v; ng = pp; nb = q; }
            }
            d[i] = Augmentations.clamp(nr * 255f);
            d[n + i] = Augmentations.clamp(ng * 255f);
            d[2 * n + i] = Augmentations.clamp(nb * 255f);
        }
    }
}
