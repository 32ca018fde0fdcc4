package panface.nn.data;

import panface.tensor.Tensor;

/**
 * One training batch on the host: {@code images} holds {@code labels.length} images of
 * 3 x height x width float32 values in channel-major (NCHW) order, RGB, already normalised the
 * insightface way ((x/255 - 0.5)/0.5); {@code labels} holds each image's identity in
 * [0, numClasses) of its {@link BatchSource}.
 */
public record Batch(float[] images, long[] labels, int height, int width) {
    public Batch {
        if ((long) labels.length * 3 * height * width != images.length) {
            throw new IllegalArgumentException("images hold " + images.length + " values, not " + labels.length + " x 3 x " + height
                    + " x " + width);
        }
    }

    public int size() {
        return labels.length;
    }

    /** The images as a (B, 3, H, W) float32 tensor in the current scope (a copy). */
    public Tensor imagesTensor() {
        return Tensor.of(images, size(), 3, height, width);
    }

    /** The labels as a (B) int64 tensor in the current scope. */
    public Tensor labelsTensor() {
        return Tensor.of(labels, size());
    }
}
