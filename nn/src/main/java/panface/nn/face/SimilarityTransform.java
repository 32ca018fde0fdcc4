package panface.nn.face;

/**
 * A 2-D similarity transform (rotation, uniform scale, translation, no reflection):
 * {@code x' = a x - b y + tx}, {@code y' = b x + a y + ty}. {@link #estimate} fits it to point pairs
 * by least squares, as Umeyama's method (scikit-image's SimilarityTransform.estimate, which
 * insightface's norm_crop uses) does.
 */
public record SimilarityTransform(double a, double b, double tx, double ty) {

    /**
     * The least-squares similarity transform taking {@code src} to {@code dst} (both x0, y0, x1, y1,
     * ...; at least two distinct points). In two dimensions Umeyama's SVD solution reduces to a
     * closed form: the rotation is the angle of the rotation-like part of the cross-covariance, for
     * either sign of its determinant, so no SVD is needed.
     */
    public static SimilarityTransform estimate(double[] src, double[] dst) {
        if (src.length != dst.length || src.length < 4 || src.length % 2 != 0) {
            throw new IllegalArgumentException("need the same number (at least two) of source and target points, got "
                    + src.length / 2 + " and " + dst.length / 2);
        }
        int n = src.length / 2;
        double sx = 0;
        double sy = 0;
        double dx = 0;
        double dy = 0;
        for (int i = 0; i < n; i++) {
            sx += src[2 * i];
            sy += src[2 * i + 1];
            dx += dst[2 * i];
            dy += dst[2 * i + 1];
        }
        sx /= n;
        sy /= n;
        dx /= n;
        dy /= n;
        double var = 0;
        double a00 = 0;
        double a01 = 0;
        double a10 = 0;
        double a11 = 0;
        for (int i = 0; i < n; i++) {
            double px = src[2 * i] - sx;
            double py = src[2 * i + 1] - sy;
            double qx = dst[2 * i] - dx;
            double qy = dst[2 * i + 1] - dy;
            var += px * px + py * py;
            a00 += qx * px;
            a01 += qx * py;
            a10 += qy * px;
            a11 += qy * py;
        }
        if (!(var > 1e-12 * n)) {
            throw new IllegalArgumentException("the source points coincide; no similarity transform is determined");
        }
        double a = (a00 + a11) / var;
        double b = (a10 - a01) / var;
        return new SimilarityTransform(a, b, dx - (a * sx - b * sy), dy - (b * sx + a * sy));
    }

    /** The 2 x 3 matrix [[a, -b, tx], [b, a, ty]], row-major (the layout of cv2.warpAffine's M). */
    public double[] matrix() {
        return new double[] {a, -b, tx, b, a, ty};
    }

    /** The scale factor. */
    public double scale() {
        return Math.hypot(a, b);
    }

    /** The image of the points (x0, y0, x1, y1, ...). */
    public double[] apply(double[] points) {
        double[] out = new double[points.length];
        for (int i = 0; i + 1 < points.length; i += 2) {
            out[i] = a * points[i] - b * points[i + 1] + tx;
            out[i + 1] = b * points[i] + a * points[i + 1] + ty;
        }
        return out;
    }

    /** The inverse transform, mapping results (a crop's pixels, landmarks found in it) back to the photo. */
    public SimilarityTransform inverse() {
        double d = a * a + b * b;
        if (d == 0) {
            throw new IllegalStateException("a zero-scale transform has no inverse");
        }
        double ia = a / d;
        double ib = -b / d;
        return new SimilarityTransform(ia, ib, -(ia * tx - ib * ty), -(ib * tx + ia * ty));
    }
}
