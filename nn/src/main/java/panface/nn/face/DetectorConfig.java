package panface.nn.face;

import java.util.List;
import java.util.Locale;

/**
 * How to run an anchor-free, multi-stride face detector of insightface's SCRFD kind: the input size
 * the photo is letterboxed into, the pixel normalisation, the feature strides, the anchors per
 * location, whether there are five-point keypoints, and the post-processing thresholds.
 *
 * <p>The outputs are matched to (kind, stride) by their shapes: per stride one score output of
 * (rows, 1), one box-distance output of (rows, 4) and one keypoint output of (rows, 10), rows being
 * ceil(H / stride) * ceil(W / stride) * anchors, with or without a leading batch dimension. When
 * {@code outputNames} is given (scores for each stride, then boxes, then keypoints, insightface's
 * order), the outputs are taken by name instead.
 *
 * @param inputWidth  the width the photo is letterboxed into
 * @param inputHeight the height
 * @param mean        subtracted from each 0..255 value
 * @param std         the divisor after that
 * @param bgr         whether the model takes BGR channel order (insightface's blobs are RGB)
 * @param strides     feature strides, finest first
 * @param anchors     anchors per location
 * @param keypoints   whether the model predicts five landmarks
 * @param scoreThreshold faces scoring below are dropped
 * @param nmsThreshold   overlap (IoU) above which the lower-scored box is suppressed
 * @param outputNames optional output names in insightface's order, or null to match by shape
 * @param anchorBoxes null for SCRFD's anchor points; for a RetinaFace-style detector its square
 *                    anchor boxes, whose outputs are channels-first (N, k * anchors, H / stride,
 *                    W / stride) maps of two-class probabilities (background then face), box deltas
 *                    and landmark deltas ({@link RetinaFaceDecoding})
 */
public record DetectorConfig(int inputWidth, int inputHeight, float mean, float std, boolean bgr, int[] strides, int anchors,
        boolean keypoints, float scoreThreshold, float nmsThreshold, List<String> outputNames, AnchorBoxes anchorBoxes) {

    public DetectorConfig {
        if (inputWidth <= 0 || inputHeight <= 0) {
            throw new IllegalArgumentException("the input size must be positive, got " + inputWidth + " x " + inputHeight);
        }
        if (strides.length == 0 || anchors <= 0 || std == 0) {
            throw new IllegalArgumentException("a detector needs strides, anchors per location and a non-zero std");
        }
        strides = strides.clone();
        if (anchorBoxes != null && (anchorBoxes.sizes().length != strides.length
                || java.util.Arrays.stream(anchorBoxes.sizes()).anyMatch(a -> a.length != anchors))) {
            throw new IllegalArgumentException("anchor sizes must give " + anchors + " sizes for each of the " + strides.length + " strides");
        }
        outputNames = outputNames == null ? null : List.copyOf(outputNames);
    }

    /** The preset names {@link #preset} knows. */
    public static final List<String> PRESETS = List.of("scrfd_10g_bnkps", "scrfd_2.5g_bnkps", "scrfd_500m_bnkps", "det_10g", "det_2.5g", "det_500m",
            "retinaface_mnet025");

    /**
     * A preset: insightface's SCRFD models with keypoints (the scrfd_*_bnkps files and their
     * det_10g / det_2.5g / det_500m copies in the buffalo model packs) share one layout: strides
     * 8, 16, 32, two anchors per location, (x - 127.5) / 128 on RGB, a 640 x 640 input, score
     * threshold 0.5 and NMS at 0.4 as insightface's FaceAnalysis uses them.
     */
    public static DetectorConfig preset(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace(".onnx", "");
        if (!PRESETS.contains(n)) {
            throw new IllegalArgumentException("unknown detector preset '" + name + "'; known: " + PRESETS);
        }
        return n.startsWith("retinaface") ? retinaFace(640, 640) : scrfd(640, 640);
    }

    /**
     * insightface's RetinaFace-MobileNet0.25 v2 (mnet.25, converted from MXNet): raw RGB 0..255 in
     * (the graph normalises), strides 8, 16, 32 with two square anchors each of sides 32 and 16,
     * 128 and 64, 512 and 256 (base 16 times scales 2, 1 / 8, 4 / 32, 16), landmark deltas
     * times 0.2 (the "net3l" setting insightface gives this model).
     */
    public static DetectorConfig retinaFace(int width, int height) {
        return new DetectorConfig(width, height, 0f, 1f, false, new int[] {8, 16, 32}, 2, true, 0.5f, 0.4f, null,
                new AnchorBoxes(new float[][] {{32, 16}, {128, 64}, {512, 256}}, 0.2f));
    }

    /** Whether outputs are RetinaFace-style anchor-box maps (else SCRFD anchor points). */
    public boolean retinaFaceLayout() {
        return anchorBoxes != null;
    }

    /** The SCRFD layout with keypoints at a given input size (a multiple of 32). */
    public static DetectorConfig scrfd(int width, int height) {
        return new DetectorConfig(width, height, 127.5f, 128f, false, new int[] {8, 16, 32}, 2, true, 0.5f, 0.4f, null, null);
    }

    /** The same with another input size. */
    public DetectorConfig withInputSize(int width, int height) {
        return new DetectorConfig(width, height, mean, std, bgr, strides, anchors, keypoints, scoreThreshold, nmsThreshold, outputNames, anchorBoxes);
    }

    /** The same with other thresholds. */
    public DetectorConfig withThresholds(float score, float nms) {
        return new DetectorConfig(inputWidth, inputHeight, mean, std, bgr, strides, anchors, keypoints, score, nms, outputNames, anchorBoxes);
    }

    /** The number of anchor rows a stride's outputs have at this input size. */
    public int rows(int stride) {
        return ceilDiv(inputHeight, stride) * ceilDiv(inputWidth, stride) * anchors;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
