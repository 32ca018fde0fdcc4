package panface.nn.data;

/**
 * torchvision's RandomResizedCrop: a rectangle of random area (a fraction in [scaleMin,
 * scaleMax] of the image) and aspect ratio (log-uniform in [ratioMin, ratioMax]), drawn up to ten
 * times until it fits, else the largest centred crop with the ratio clamped into range; then
 * resized bilinearly to width x height.
 */
public record RandomResizedCrop(int width, int height, double scaleMin, double scaleMax, double ratioMin, double ratioMax)
        implements Augmentation {
    public RandomResizedCrop {
        if (width <= 0 || height <= 0 || !(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1) || !(ratioMin > 0 && ratioMin <= ratioMax)) {
            throw new IllegalArgumentException("need a positive size, 0 < scaleMin <= scaleMax <= 1 and 0 < ratioMin <= ratioMax");
        }
    }

    /** torchvision's defaults: scale [0.08, 1], ratio [3/4, 4/3]. */
    public static RandomResizedCrop of(int width, int height) {
        return new RandomResizedCrop(width, height, 0.08, 1.0, 3.0 / 4, 4.0 / 3);
    }

    @Override
    public void apply(Image img, SampleRandom random) {
        int[] r = rectangle(img.width(), img.height(), random);
        Resize.crop(img, r[0], r[1], r[2], r[3], width, height);
    }

    /** The crop (x, y, w, h) for an image of w x h, as torchvision's get_params draws it. */
    int[] rectangle(int imgW, int imgH, SampleRandom random) {
        double area = (double) imgW * imgH;
        double logLo = Math.log(ratioMin);
        double logHi = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * random.uniform(scaleMin, scaleMax);
            double aspect = Math.exp(random.uniform(logLo, logHi));
            int w = (int) Math.round(Math.sqrt(target * aspect));
            int h = (int) Math.round(Math.sqrt(target / aspect));
            if (w > 0 && w <= imgW && h > 0 && h <= imgH) {
                int y = random.nextInt(imgH - h + 1);
                int x = random.nextInt(imgW - w + 1);
                return new int[] {x, y, w, h};
            }
        }
        double inRatio = (double) imgW / imgH;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = imgW;
            h = (int) Math.round(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = imgH;
            w = (int) Math.round(h * ratioMax);
        } else {
            w = imgW;
            h = imgH;
        }
        return new int[] {(imgW - w) / 2, (imgH - h) / 2, w, h};
    }
}
