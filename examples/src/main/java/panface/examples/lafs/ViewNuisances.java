package panface.examples.lafs;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import panface.nn.data.SampleRandom;
import panface.nn.lafs.LafsViews;
import panface.tensor.Tensor;

/**
 * A demo-specific augmentation on top of LAFS's multi-crop: every view of an image gets its own
 * lighting (gain, offset, colour cast, a linear light gradient across the view) and, with some
 * probability, an occluding rectangle of random colour, the kinds of nuisance the generated faces
 * draw once per image. Applied to the colour-augmented copies only: the landmark CNN still sees
 * the clean crop, so every view's landmarks stay those of its own crop (LAFS's disentangled
 * augmentation), and only the patches' pixels change.
 *
 * <p>Why: DINO learns what the views of one image share. LAFS's colour jitter changes brightness,
 * contrast, saturation and hue by at most 40%, 40%, 20% and 10% and never the direction of the
 * light or what covers the face, so the views of one generated image still share its lighting and
 * occluder, which vary more between images than the identities' colours do. Drawing them afresh
 * per view leaves the face's geometry and colours as what the views share. Values are in [-1, 1]
 * (the views' range) and clamped to it.
 *
 * @param gain      the largest relative change of the gain (a factor in [1 - gain, 1 + gain])
 * @param offset    the largest offset added to every channel
 * @param cast      the largest offset added to each channel on its own
 * @param gradient  the largest light gradient (relative change of the gain from the centre to the edge)
 * @param occlusion the probability of an occluding rectangle
 * @param seed      keys the draws (with the batch position, the image and the view)
 */
public record ViewNuisances(double background, double gain, double offset, double cast, double gradient, double occlusion, long seed) {
    /** Off: views pass through unchanged. */
    public static ViewNuisances none() {
        return new ViewNuisances(0, 0, 0, 0, 0, 0, 0);
    }

    /** Nuisances at the generated faces' own per-image ranges. */
    public static ViewNuisances generatorRanges(long seed) {
        return new ViewNuisances(1, 0.4, 0.25, 0.15, 0.6, 0.3, seed);
    }

    /**
     * These nuisances at a fraction of their strength: every range and both probabilities times
     * scale (0 turns them off, 1 is this).
     */
    public ViewNuisances scaled(double scale) {
        if (!(scale >= 0 && scale <= 1)) {
            throw new IllegalArgumentException("the nuisances' scale must be in [0, 1], got " + scale);
        }
        return new ViewNuisances(background * scale, gain * scale, offset * scale, cast * scale, gradient * scale, occlusion * scale, seed);
    }

    /** Whether this changes anything. */
    public boolean active() {
        return background > 0 || gain > 0 || offset > 0 || cast > 0 || gradient > 0 || occlusion > 0;
    }

    /**
     * The views with these nuisances drawn afresh for every (image, view) of the augmented copies;
     * position keys the draws. landmarks holds each view's landmarks, (B, grid^2, 2) pixel
     * coordinates (x, y) of a grid over the face row by row, as the landmark CNN predicts them on
     * the clean copy (null when the background is left alone).
     */
    public LafsViews.Views apply(LafsViews.Views views, List<float[]> landmarks, int grid, long position) {
        if (!active()) {
            return views;
        }
        if (background > 0 && (landmarks == null || landmarks.size() != views.augmented().size())) {
            throw new IllegalArgumentException("replacing the background needs every view's landmarks");
        }
        int v = views.augmented().size();
        List<Tensor> out = new ArrayList<>(v);
        for (int k = 0; k < v; k++) {
            Tensor t = views.augmented().get(k);
            int b = t.size(0);
            int h = t.size(2);
            int w = t.size(3);
            float[] px = t.toFloatArray();
            int view = k;
            float[] marks = background > 0 ? landmarks.get(k) : null;
            IntStream.range(0, b).parallel().forEach(i -> perturb(px, i * 3 * h * w, w, h, marks, i * 2 * grid * grid, grid,
                    new SampleRandom(seed, position, (long) i * v + view)));
            out.add(Tensor.of(px, b, 3, h, w));
        }
        return new LafsViews.Views(views.clean(), out);
    }

    /**
     * One view's nuisances, drawn from r, applied in place to the (3, h, w) image at px[start]; its
     * landmark grid (grid x grid points (x, y)) starts at marks[at] (marks null: no background).
     */
    void perturb(float[] px, int start, int w, int h, float[] marks, int at, int grid, SampleRandom r) {
        boolean replace = marks != null && r.bernoulli(background);
        double[] bg = {r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(-1, 1)};
        double bgDir = r.uniform(0, 2 * Math.PI);
        double bgAmp = r.uniform(0, 0.8);
        double bx = StrictMath.cos(bgDir) * bgAmp;
        double by = StrictMath.sin(bgDir) * bgAmp;
        double[] face = replace ? faceEllipse(marks, at, grid) : null;
        double g = 1 + r.uniform(-gain, gain);
        double o = r.uniform(-offset, offset);
        double[] c = {r.uniform(-cast, cast), r.uniform(-cast, cast), r.uniform(-cast, cast)};
        double dir = r.uniform(0, 2 * Math.PI);
        double amp = r.uniform(0, gradient);
        double lx = StrictMath.cos(dir) * amp;
        double ly = StrictMath.sin(dir) * amp;
        boolean occluded = r.bernoulli(occlusion);
        double ox = r.uniform(-1, 1);
        double oy = r.uniform(-1, 1);
        double ow = r.uniform(0.1, 0.35);
        double oh = r.uniform(0.1, 0.35);
        double[] oc = {r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(-1, 1)};
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            double py = (y + 0.5) / (h / 2.0) - 1;
            for (int x = 0; x < w; x++) {
                double pxn = (x + 0.5) / (w / 2.0) - 1;
                boolean covered = occluded && Math.abs(pxn - ox) < ow && Math.abs(py - oy) < oh;
                boolean outside = replace && !inside(face, x + 0.5, y + 0.5);
                double light = g * (1 + lx * pxn + ly * py);
                double ramp = bx * pxn + by * py;
                for (int ch = 0; ch < 3; ch++) {
                    int i = start + ch * plane + y * w + x;
                    double base = outside ? bg[ch] + ramp : px[i];
                    double val = covered ? oc[ch] : light * base + o + c[ch];
                    px[i] = (float) Math.max(-1, Math.min(1, val));
                }
            }
        }
    }

    /**
     * The face's outline from its landmark grid: the ellipse through the middle row's and the middle
     * column's end points (the grid spans the face's outline, see the generated faces' landmarks),
     * as (centre x, centre y, half axis across x, y, half axis down x, y).
     */
    static double[] faceEllipse(float[] marks, int at, int grid) {
        int mid = grid / 2;
        int centre = at + 2 * (mid * grid + mid);
        int left = at + 2 * (mid * grid);
        int right = at + 2 * (mid * grid + grid - 1);
        int top = at + 2 * mid;
        int bottom = at + 2 * ((grid - 1) * grid + mid);
        return new double[] {marks[centre], marks[centre + 1], (marks[right] - marks[left]) / 2.0, (marks[right + 1] - marks[left + 1]) / 2.0,
            (marks[bottom] - marks[top]) / 2.0, (marks[bottom + 1] - marks[top + 1]) / 2.0};
    }

    /** Whether the point (x, y) lies inside the ellipse: (x, y) - centre = s across + t down with s^2 + t^2 < 1. */
    static boolean inside(double[] e, double x, double y) {
        double dx = x - e[0];
        double dy = y - e[1];
        double det = e[2] * e[5] - e[3] * e[4];
        if (det == 0) {
            return true;
        }
        double s = (dx * e[5] - dy * e[4]) / det;
        double t = (e[2] * dy - e[3] * dx) / det;
        return s * s + t * t < 1;
    }
}
