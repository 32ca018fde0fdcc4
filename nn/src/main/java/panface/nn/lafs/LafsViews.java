package panface.nn.lafs;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import panface.nn.data.Batch;
import panface.nn.data.ColorJitter;
import panface.nn.data.GaussianBlur;
import panface.nn.data.Grayscale;
import panface.nn.data.HorizontalFlip;
import panface.nn.data.Image;
import panface.nn.data.RandomResizedCrop;
import panface.nn.data.SampleRandom;
import panface.nn.data.Solarize;
import panface.tensor.Tensor;

/**
 * LAFS's multi-crop ("DataAugmentation_LAFS"): per image, 2 global and n local views, all
 * RandomResizedCrop(size, scale [0.4, 1]) + horizontal flip 0.5; each view comes as a clean copy
 * (for the landmark CNN) and a colour-augmented copy (for the patches): ColorJitter(0.4, 0.4,
 * 0.2, 0.1) with p 0.8, grayscale p 0.2, Gaussian blur with p 1.0 / 0.1 / 0.5 for the first
 * global, second global and local views, and solarize p 0.2 on the second global view.
 * Differences from the reference: the crop is resized bilinearly (the reference: bicubic), and
 * the blur is a 9-tap kernel with sigma in [0.1, 2] (the reference: PIL's radius).
 */
public final class LafsViews {
    /** Clean and augmented views, each a list of (B, 3, size, size) tensors in [-1, 1]: global views first. */
    public record Views(List<Tensor> clean, List<Tensor> augmented) {
    }

    private final int size;
    private final int localViews;
    private final long seed;

    public LafsViews(int size, int localViews, long seed) {
        this.size = size;
        this.localViews = localViews;
        this.seed = seed;
    }

    /** The reference's views: 112 pixels, 8 local views. */
    public static LafsViews lafs(long seed) {
        return new LafsViews(112, 8, seed);
    }

    /** The number of views per image (2 global + local). */
    public int views() {
        return 2 + localViews;
    }

    /** The views of a batch (images normalised to [-1, 1]); position (the batch's index in the stream) keys the randomness. */
    public Views make(Batch batch, long position) {
        int b = batch.size();
        int plane = 3 * batch.height() * batch.width();
        int out = 3 * size * size;
        int v = views();
        float[][] clean = new float[v][b * out];
        float[][] aug = new float[v][b * out];
        RandomResizedCrop crop = new RandomResizedCrop(size, size, 0.4, 1.0, 3.0 / 4, 4.0 / 3);
        HorizontalFlip flip = new HorizontalFlip(0.5);
        ColorJitter jitter = new ColorJitter(0.4, 0.4, 0.2, 0.1, 0.8);
        Grayscale gray = new Grayscale(0.2);
        Solarize solarize = new Solarize(128, 0.2);
        // each (image, view) has its own random stream and writes its own slice: the images can be augmented in parallel
        IntStream.range(0, b).parallel().forEach(i -> {
            for (int k = 0; k < v; k++) {
                SampleRandom r = new SampleRandom(seed, position, (long) i * v + k);
                float[] px = new float[plane];
                for (int j = 0; j < plane; j++) {
                    px[j] = (batch.images()[i * plane + j] * 0.5f + 0.5f) * 255f;
                }
                Image img = new Image(px, batch.width(), batch.height());
                crop.apply(img, r);
                flip.apply(img, r);
                store(img, clean[k], i * out);
                jitter.apply(img, r);
                gray.apply(img, r);
                new GaussianBlur(9, 0.1, 2.0, k == 0 ? 1.0 : k == 1 ? 0.1 : 0.5).apply(img, r);
                if (k == 1) {
                    solarize.apply(img, r);
                }
                store(img, aug[k], i * out);
            }
        });
        List<Tensor> c = new ArrayList<>();
        List<Tensor> a = new ArrayList<>();
        for (int k = 0; k < v; k++) {
            c.add(Tensor.of(clean[k], b, 3, size, size));
            a.add(Tensor.of(aug[k], b, 3, size, size));
        }
        return new Views(c, a);
    }

    private static void store(Image img, float[] dst, int offset) {
        float[] d = img.data();
        for (int j = 0; j < d.length; j++) {
            dst[offset + j] = (d[j] / 255f - 0.5f) / 0.5f;
        }
    }
}
