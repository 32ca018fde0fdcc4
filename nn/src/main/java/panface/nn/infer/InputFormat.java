package panface.nn.infer;

/**
 * How a model wants its input image: side length in pixels, channel order, and the mean and
 * standard deviation that map pixel values 0..255 to the model's input, (v - mean) / std. Our
 * backbones and insightface's ONNX models take RGB with mean 127.5 and std 127.5 (insightface's
 * ArcFaceONNX default); models that normalise inside the graph take mean 0 and std 1.
 *
 * @param size side of the square input in pixels
 * @param bgr  true when the model takes channels in BGR order (OpenCV's), false for RGB
 * @param mean subtracted from every pixel value 0..255
 * @param std  the divisor after subtracting the mean
 */
public record InputFormat(int size, boolean bgr, float mean, float std) {
    public InputFormat {
        if (size < 1 || size > 4096) {
            throw new IllegalArgumentException("the input side must be between 1 and 4096 pixels, got " + size);
        }
        if (!(std > 0) || !Float.isFinite(mean)) {
            throw new IllegalArgumentException("the standard deviation must be positive and the mean finite, got " + mean + ", " + std);
        }
    }

    /** RGB, mean 127.5, std 127.5: our models' and insightface's default. */
    public static InputFormat insightface(int size) {
        return new InputFormat(size, false, 127.5f, 127.5f);
    }

    /** True when values are (v - 127.5) / 127.5 in RGB order, what {@link FaceImages} produces. */
    boolean isStandard() {
        return !bgr && mean == 127.5f && std == 127.5f;
    }

    /** Converts values made by {@link FaceImages} (RGB, (v - 127.5) / 127.5) to this format, in place; returns them. */
    float[] fromStandard(float[] chw) {
        if (isStandard()) {
            return chw;
        }
        int plane = chw.length / 3;
        for (int i = 0; i < chw.length; i++) {
            chw[i] = (chw[i] * 127.5f + 127.5f - mean) / std;
        }
        if (bgr) {
            for (int i = 0; i < plane; i++) {
                float r = chw[i];
                chw[i] = chw[2 * plane + i];
                chw[2 * plane + i] = r;
            }
        }
        return chw;
    }
}
