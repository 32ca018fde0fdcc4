package panface.nn.face;

/**
 * A detected face: its box (x1, y1, x2, y2), the detector's score, and five landmarks (left eye,
 * right eye, nose tip, left and right mouth corner as x, y pairs; null for a detector without
 * keypoints), in the pixel coordinates of the photo given to the detector.
 */
public record Face(float x1, float y1, float x2, float y2, float score, float[] landmarks) {

    /** The box as x1, y1, x2, y2. */
    public float[] box() {
        return new float[] {x1, y1, x2, y2};
    }

    /** The same face with every coordinate multiplied by {@code s} (from a downscaled photo back to the original). */
    public Face scaled(float s) {
        float[] k = null;
        if (landmarks != null) {
            k = landmarks.clone();
            for (int i = 0; i < k.length; i++) {
                k[i] *= s;
            }
        }
        return new Face(x1 * s, y1 * s, x2 * s, y2 * s, score, k);
    }
}
