package panface.nn.face;

import panface.nn.infer.RgbDecoder.Rgb;

/**
 * Five-point face alignment to insightface's ArcFace template: the similarity transform that maps
 * the detected eyes, nose tip and mouth corners onto the template by least squares, and the 112 x 112
 * crop warped with it (insightface's face_align.norm_crop). CPU only.
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
}
