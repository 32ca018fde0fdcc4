package panface.nn.face;

import panface.nn.infer.RgbDecoder.Rgb;
import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * Five-point face alignment to insightface's ArcFace template: the similarity transform that maps
 * the detected eyes, nose tip and mouth corners onto the template by least squares, and the 112 x 112
 * crop warped with it (insightface's face_align.norm_crop): on the CPU from decoded pixels
 * ({@link #align(Rgb, float[], int)}), or on any device from a photo tensor by bilinear grid
 * sampling ({@link #align(Tensor, float[], int)}), the same sampling as the CPU warp.
 */
public final class FaceAligner {
    /** The crop side the template is given for. */
    public static final int SIZE = 112;
    /** Left eye, right eye, nose tip, left and right mouth corner in a 112 x 112 crop (x, y pairs). */
    private static final double[] ARCFACE = {
        38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.7299, 92.2041};

    private FaceAligner() {
    }

    /** The template's five points scaled to a crop of side {@code size} (insightface scales the template by size / 112). */
    public static double[] template(int size) {
        double[] t = ARCFACE.clone();
        double r = size / (double) SIZE;
        for (int i = 0; i < t.length; i++) {
            t[i] *= r;
        }
        return t;
    }

    /** The transform from the photo to the crop for five landmarks (x, y pairs in the photo). */
    public static SimilarityTransform transform(float[] landmarks, int size) {
        if (landmarks.length != 10) {
            throw new IllegalArgumentException("alignment needs 5 landmarks (10 values), got " + landmarks.length + " values");
        }
        double[] src = new double[10];
        for (int i = 0; i < 10; i++) {
            src[i] = landmarks[i];
        }
        return SimilarityTransform.estimate(src, template(size));
    }

    /** The aligned size x size crop of the face with these landmarks. */
    public static Rgb align(Rgb photo, float[] landmarks, int size) {
        return AffineWarp.warp(photo, transform(landmarks, size).inverse(), size, size);
    }

    /**
     * The aligned crop on the photo's device: photo is (3, H, W) or (1, 3, H, W) floating point
     * (any value range, any device), the result (1, 3, size, size) on the same device, unrounded.
     * Each crop pixel samples the photo bilinearly at the inverse transform of its position,
     * neighbours outside the photo counting as zero, as {@link AffineWarp} does on the CPU (the
     * grid is built on the host, size x size x 2 values, and moved to the photo's device).
     */
    public static Tensor align(Tensor photo, float[] landmarks, int size) {
        Tensor x = photo.dim() == 3 ? photo.reshape(1, photo.size(0), photo.size(1), photo.size(2)) : photo;
        if (x.dim() != 4 || x.size(0) != 1 || x.size(1) != 3) {
            throw new IllegalArgumentException("align expects a photo (3, H, W) or (1, 3, H, W), got " + photo.describe());
        }
        int h = x.size(2);
        int w = x.size(3);
        double[] m = transform(landmarks, size).inverse().matrix();
        // grid_sample with align_corners: pixel coordinate p maps to 2 p / (extent - 1) - 1.
        double gx = w > 1 ? 2.0 / (w - 1) : 0;
        double gy = h > 1 ? 2.0 / (h - 1) : 0;
        double[] grid = new double[size * size * 2];
        for (int y = 0; y < size; y++) {
            for (int xo = 0; xo < size; xo++) {
                int o = (y * size + xo) * 2;
                grid[o] = (m[0] * xo + m[1] * y + m[2]) * gx - 1;
                grid[o + 1] = (m[3] * xo + m[4] * y + m[5]) * gy - 1;
            }
        }
        Tensor g = Tensor.of(grid, 1, size, size, 2).to(x.dtype()).to(x.device());
        return F.gridSample(x, g, true);
    }
}
