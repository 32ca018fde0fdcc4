package panface.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Each augmentation against a float64 computation of its formula written here, and the
 * determinism of the draws. Tolerance 1e-3 on the 0..255 scale: float32 arithmetic in the
 * augmentation against float64 here, a few roundings of values below 256.
 */
class AugmentationTest {
    private static final double TOL = 1e-3;

    /** A w x h image with distinct, uneven values in 0..255. */
    static Image pattern(int w, int h) {
        float[] d = new float[3 * w * h];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((i * 37 + (i / 7) * 11) % 256);
        }
        return new Image(d, w, h);
    }

    private static double at(double[] d, int w, int h, int c, int x, int y) {
        return d[(c * h + y) * w + x];
    }

    private static double[] copy(Image img) {
        double[] out = new double[img.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = img.data()[i];
        }
        return out;
    }

    private static void assertClose(double[] expected, Image actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.data()[i], TOL, "value " + i);
        }
    }

    @Test
    void flipMirrorsEachRow() {
        Image img = pattern(5, 3);
        double[] before = copy(img);
        HorizontalFlip.flip(img);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 5; x++) {
                    assertEquals(at(before, 5, 3, c, 4 - x, y), img.get(c, x, y));
                }
            }
        }
    }

    @Test
    void grayscaleIsItu601Luma() {
        Image img = pattern(4, 3);
        double[] d = copy(img);
        Grayscale.toGray(img);
        int n = 12;
        double[] expected = new double[36];
        for (int i = 0; i < n; i++) {
            double l = 0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i];
            expected[i] = l;
            expected[n + i] = l;
            expected[2 * n + i] = l;
        }
        assertClose(expected, img);
    }

    @Test
    void solarizeInvertsFromTheThreshold() {
        Image img = new Image(new float[] {0, 127, 128, 200, 255, 64}, 1, 2);
        Solarize.solarize(img, 128);
        assertArrayEquals(new float[] {0, 127, 127, 55, 0, 64}, img.data());
    }

    @Test
    void blurGivesThePlainFloatLoopsBitForBit() {
        // the plain loops: each pixel sums its taps in order from 0, reflecting every index
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int[] s : new int[][] {{1, 1, 9}, {3, 5, 9}, {8, 7, 3}, {112, 112, 9}, {20, 3, 5}}) {
            int w = s[0];
            int h = s[1];
            int size = s[2];
            float[] v = new float[3 * w * h];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rnd.nextDouble() * 255);
            }
            float[] k = GaussianBlur.kernel(size, 1.7);
            int r = size / 2;
            float[] tmp = new float[v.length];
            float[] want = new float[v.length];
            for (int c = 0; c < 3; c++) {
                int base = c * w * h;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float acc = 0;
                        for (int t = 0; t < size; t++) {
                            acc += k[t] * v[base + y * w + GaussianBlur.reflect(x + t - r, w)];
                        }
                        tmp[base + y * w + x] = acc;
                    }
                }
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float acc = 0;
                        for (int t = 0; t < size; t++) {
                            acc += k[t] * tmp[base + GaussianBlur.reflect(y + t - r, h) * w + x];
                        }
                        want[base + y * w + x] = acc;
                    }
                }
            }
            Image img = new Image(v.clone(), w, h);
            GaussianBlur.blur(img, size, 1.7);
            assertArrayEquals(want, img.data(), 0f, w + "x" + h + " size " + size);
        }
    }

    @Test
    void blurIsTheSeparableGaussianWithReflectPadding() {
        int w = 6;
        int h = 5;
        int k = 5;
        double sigma = 1.3;
        Image img = pattern(w, h);
        double[] d = copy(img);
        GaussianBlur.blur(img, k, sigma);
        double[] g = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            g[i] = Math.exp(-(i - 2) * (i - 2) / (2 * sigma * sigma));
            sum += g[i];
        }
        double[] expected = new double[d.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double s = 0;
                    for (int a = 0; a < k; a++) {
                        for (int b = 0; b < k; b++) {
                            int yy = mirror(y + a - 2, h);
                            int xx = mirror(x + b - 2, w);
                            s += g[a] * g[b] / (sum * sum) * at(d, w, h, c, xx, yy);
                        }
                    }
                    expected[(c * h + y) * w + x] = s;
                }
            }
        }
        assertClose(expected, img);
    }

    /** numpy/torch 'reflect' padding for offsets within one image width. */
    private static int mirror(int i, int n) {
        if (i < 0) {
            return -i;
        }
        return i >= n ? 2 * (n - 1) - i : i;
    }

    @Test
    void brightnessContrastSaturationBlendAsTorchvision() {
        Image img = pattern(4, 4);
        double[] d = copy(img);
        int n = 16;
        ColorJitter.brightness(img, 1.3f);
        double[] e = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            e[i] = Math.min(255, d[i] * 1.3);
        }
        assertClose(e, img);

        img = pattern(4, 4);
        ColorJitter.contrast(img, 0.6f);
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += (0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i]) / n;
        }
        for (int i = 0; i < d.length; i++) {
            e[i] = Math.max(0, Math.min(255, 0.6 * d[i] + 0.4 * mean));
        }
        assertClose(e, img);

        img = pattern(4, 4);
        ColorJitter.saturation(img, 1.7f);
        for (int i = 0; i < n; i++) {
            double l = 0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i];
            for (int c = 0; c < 3; c++) {
                e[c * n + i] = Math.max(0, Math.min(255, 1.7 * d[c * n + i] - 0.7 * l));
            }
        }
        assertClose(e, img);
    }

    @Test
    void hueShiftRotatesTheColourCircle() {
        // pure red shifted by a third of a turn is pure green; by two thirds, pure blue; (200, 100, 50) by 0 is unchanged
        Image img = new Image(new float[] {255, 255, 200, 0, 0, 100, 0, 0, 50}, 3, 1);
        ColorJitter.hue(img, 1f / 3);
        assertEquals(0, img.get(0, 0, 0), TOL);
        assertEquals(255, img.get(1, 0, 0), TOL);
        assertEquals(0, img.get(2, 0, 0), TOL);
        img = new Image(new float[] {255, 200, 0, 100, 0, 50}, 2, 1);
        ColorJitter.hue(img, 2f / 3);
        assertEquals(0, img.get(0, 0, 0), TOL);
        assertEquals(255, img.get(2, 0, 0), TOL);
        img = new Image(new float[] {200, 100, 50}, 1, 1);
        ColorJitter.hue(img, 0f);
        assertEquals(200, img.get(0, 0, 0), TOL);
        assertEquals(100, img.get(1, 0, 0), TOL);
        assertEquals(50, img.get(2, 0, 0), TOL);
    }

    @Test
    void resizeUsesPixelCentres() {
        // 2 -> 4 pixels: centres at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
        Image img = new Image(new float[] {0, 100, 0, 100, 0, 100}, 2, 1);
        Resize.resize(img, 4, 1);
        assertArrayEquals(new float[] {0, 25, 75, 100}, java.util.Arrays.copyOf(img.data(), 4), 1e-4f);
    }

    @Test
    void randomResizedCropStaysInsideAndKeepsScaleAndRatio() {
        RandomResizedCrop crop = new RandomResizedCrop(112, 112, 0.3, 0.9, 0.75, 4.0 / 3);
        for (int s = 0; s < 200; s++) {
            int[] r = crop.rectangle(120, 100, new SampleRandom(5, 0, s));
            assertTrue(r[0] >= 0 && r[1] >= 0 && r[0] + r[2] <= 120 && r[1] + r[3] <= 100, java.util.Arrays.toString(r));
            double area = (double) r[2] * r[3] / (120 * 100);
            double ratio = (double) r[2] / r[3];
            // rounding w and h to whole pixels moves area and ratio by a few percent at this size
            assertTrue(area > 0.3 * 0.95 && area < 0.9 * 1.05, "area " + area);
            assertTrue(ratio > 0.75 * 0.97 && ratio < 4.0 / 3 * 1.03, "ratio " + ratio);
        }
        Image img = pattern(8, 8);
        double[] before = copy(img);
        new RandomResizedCrop(8, 8, 1, 1, 1, 1).apply(img, new SampleRandom(1, 2, 3));
        assertClose(before, img);
    }

    @Test
    void drawsDependOnlyOnSeedEpochAndIndex() {
        List<Augmentation> augs = List.of(new HorizontalFlip(0.5), RandomResizedCrop.of(10, 10), new ColorJitter(0.4, 0.4, 0.4, 0.1, 0.8),
                new Grayscale(0.2), new GaussianBlur(5, 0.1, 2.0, 0.5), new Solarize(128, 0.2));
        Image a = pattern(12, 12);
        Image b = pattern(12, 12);
        Image c = pattern(12, 12);
        Augmentations.apply(augs, a, new SampleRandom(7, 3, 11));
        Augmentations.apply(augs, b, new SampleRandom(7, 3, 11));
        Augmentations.apply(augs, c, new SampleRandom(7, 4, 11));
        assertArrayEquals(a.data(), b.data());
        assertNotEquals(java.util.Arrays.toString(a.data()), java.util.Arrays.toString(c.data()));
        int flips = 0;
        for (int i = 0; i < 1000; i++) {
            flips += new SampleRandom(1, 0, i).bernoulli(0.5) ? 1 : 0;
        }
        // binomial(1000, 0.5): 5 standard deviations is about 79
        assertTrue(Math.abs(flips - 500) < 79, "flips " + flips);
    }

    @Test
    void normalizeMapsToMinusOneOne() {
        float[] out = new float[3];
        Normalize.into(new Image(new float[] {0, 127.5f, 255}, 1, 1), out, 0);
        assertArrayEquals(new float[] {-1f, 0f, 1f}, out, 1e-6f);
    }
}
