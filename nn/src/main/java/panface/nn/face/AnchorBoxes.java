package panface.nn.face;

/**
 * The anchor boxes of a RetinaFace-style detector: per stride, the side of each square anchor (its
 * centre at 7.5 + location * stride, the base-16 anchor's), and the factor its landmark deltas are
 * multiplied by before decoding (insightface's landmark_std: 0.2 for the mnet.25 v2 model, 1 for
 * most others).
 *
 * @param sizes       {@code sizes[stride index][anchor]}: the anchor sides
 * @param landmarkStd multiplies the landmark deltas
 */
public record AnchorBoxes(float[][] sizes, float landmarkStd) {

    public AnchorBoxes {
        sizes = sizes.clone();
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = sizes[i].clone();
        }
    }
}
