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

    /** Equal coordinates, score and landmarks (the landmark arrays compared by content). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Face f && Float.compare(x1, f.x1) == 0 && Float.compare(y1, f.y1) == 0 && Float.compare(x2, f.x2) == 0
                && Float.compare(y2, f.y2) == 0 && Float.compare(score, f.score) == 0 && java.util.Arrays.equals(landmarks, f.landmarks);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(x1, y1, x2, y2, score) * 31 + java.util.Arrays.hashCode(landmarks);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "Face[box=(%.2f, %.2f, %.2f, %.2f), score=%.4f, landmarks=%s]", x1, y1, x2, y2, score,
                java.util.Arrays.toString(landmarks));
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
