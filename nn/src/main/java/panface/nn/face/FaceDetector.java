package panface.nn.face;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import panface.nn.infer.RgbDecoder.Rgb;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Runs an imported ONNX face detector of insightface's SCRFD or RetinaFace kind ({@link DetectorConfig}) on
 * photos: letterbox each into the input, one forward pass per batch, decode every stride's anchors
 * above the score threshold, map back to the photo's pixels, and suppress overlaps. Thread-safe for
 * concurrent calls; {@link #close()} frees the model.
 */
public final class FaceDetector implements AutoCloseable {
    private final OnnxModel model;
    private final DetectorConfig config;
    private final int fixedBatch;

    private FaceDetector(OnnxModel model, DetectorConfig config) {
        this.model = model;
        this.config = config;
        int[] s = model.inputShape();
        if (s != null && s.length == 4) {
            if (s[1] > 0 && s[1] != 3) {
                throw new IllegalArgumentException(model.file() + ": the detector takes " + s[1] + " channels, not 3");
            }
            if (s[2] > 0 && s[3] > 0 && (s[2] != config.inputHeight() || s[3] != config.inputWidth())) {
                throw new IllegalArgumentException(model.file() + ": the detector's input is fixed at " + s[3] + " x " + s[2]
                        + ", the config says " + config.inputWidth() + " x " + config.inputHeight());
            }
        }
        this.fixedBatch = s != null && s.length == 4 && s[0] > 0 ? s[0] : 0;
    }

    /** Loads a detector; a graph with a fixed input size takes that size instead of the config's. */
    public static FaceDetector load(Path onnx, DetectorConfig config) throws IOException {
        OnnxModel m = OnnxModel.load(onnx);
        try {
            int[] s = m.inputShape();
            DetectorConfig c = config;
            if (s != null && s.length == 4 && s[2] > 0 && s[3] > 0) {
                c = config.withInputSize(s[3], s[2]);
            }
            return new FaceDetector(m, c);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The config it runs with. */
    public DetectorConfig config() {
        return config;
    }

    /** The faces in one photo, highest score first. */
    public List<Face> detect(Rgb photo) {
        return detect(List.of(photo)).get(0);
    }

    /** The faces in each photo, in batches as the model allows. */
    public List<List<Face>> detect(List<Rgb> photos) {
        List<List<Face>> out = new ArrayList<>(photos.size());
        int step = fixedBatch > 0 ? fixedBatch : Math.max(1, photos.size());
        for (int i = 0; i < photos.size(); i += step) {
            out.addAll(detectBatch(photos.subList(i, Math.min(photos.size(), i + step)), fixedBatch > 0 ? fixedBatch : 0));
        }
        return out;
    }

    private List<List<Face>> detectBatch(List<Rgb> photos, int padTo) {
        int n = Math.max(photos.size(), padTo);
        int iw = config.inputWidth();
        int ih = config.inputHeight();
        float[] input = new float[n * 3 * iw * ih];
        Letterbox[] boxes = new Letterbox[photos.size()];
        for (int i = 0; i < photos.size(); i++) {
            Rgb p = photos.get(i);
            boxes[i] = Letterbox.of(p.width(), p.height(), iw, ih);
            boxes[i].fill(p, config, input, i * 3 * iw * ih);
        }
        List<float[]> outs = new ArrayList<>();
        OutputLayout layout;
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            Map<String, Tensor> r = model.run(Map.of(model.inputNames().get(0), Tensor.of(input, n, 3, ih, iw)));
            layout = OutputLayout.match(config, model.outputNames(), OutputLayout.shapes(r), n);
            for (Tensor t : r.values()) {
                outs.add(t.toFloatArray());
            }
        }
        List<List<Face>> result = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            result.add(decode(outs, layout, i, boxes[i].scale()));
        }
        return result;
    }

    /** The faces of image {@code b} of a batch, in photo pixels (detections divided by the letterbox scale). */
    private List<Face> decode(List<float[]> outs, OutputLayout layout, int b, float scale) {
        List<Face> faces = new ArrayList<>();
        int[] strides = config.strides();
        for (int si = 0; si < strides.length; si++) {
            int stride = strides[si];
            int fh = DetectorConfig.ceilDiv(config.inputHeight(), stride);
            int fw = DetectorConfig.ceilDiv(config.inputWidth(), stride);
            int rows = config.rows(stride);
            if (config.retinaFaceLayout()) {
                decodeRetinaFace(outs, layout, b, scale, si, fh, fw, faces);
                continue;
            }
            float[] centres = ScrfdDecoding.anchorCentres(fh, fw, stride, config.anchors());
            float[] sc = outs.get(layout.scores[si]);
            float[] bb = outs.get(layout.boxes[si]);
            float[] kp = layout.kps[si] >= 0 ? outs.get(layout.kps[si]) : null;
            for (int r = 0; r < rows; r++) {
                float score = sc[b * rows + r];
                if (!(score >= config.scoreThreshold())) {
                    continue;
                }
                float cx = centres[2 * r];
                float cy = centres[2 * r + 1];
                int o = (b * rows + r) * 4;
                float[] box = ScrfdDecoding.distance2bbox(cx, cy, bb[o] * stride, bb[o + 1] * stride, bb[o + 2] * stride, bb[o + 3] * stride);
                float[] k = null;
                if (kp != null) {
                    float[] d = new float[10];
                    for (int j = 0; j < 10; j++) {
                        d[j] = kp[(b * rows + r) * 10 + j] * stride;
                    }
                    k = ScrfdDecoding.distance2kps(cx, cy, d);
                    for (int j = 0; j < 10; j++) {
                        k[j] /= scale;
                    }
                }
                faces.add(new Face(box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale, score, k));
            }
        }
        return Nms.suppress(faces, config.nmsThreshold());
    }

    /** One stride of a RetinaFace-style detector: channels-first maps, channel a * k + j for anchor a's value j. */
    private void decodeRetinaFace(List<float[]> outs, OutputLayout layout, int b, float scale, int si, int fh, int fw, List<Face> faces) {
        int stride = config.strides()[si];
        int na = config.anchors();
        int plane = fh * fw;
        float[] sc = outs.get(layout.scores[si]);
        float[] bb = outs.get(layout.boxes[si]);
        float[] kp = layout.kps[si] >= 0 ? outs.get(layout.kps[si]) : null;
        for (int y = 0; y < fh; y++) {
            for (int x = 0; x < fw; x++) {
                int at = y * fw + x;
                for (int a = 0; a < na; a++) {
                    float score = sc[(b * 2 * na + na + a) * plane + at];
                    if (!(score >= config.scoreThreshold())) {
                        continue;
                    }
                    float side = config.anchorBoxes().sizes()[si][a];
                    float cx = RetinaFaceDecoding.BASE_CENTRE + x * stride;
                    float cy = RetinaFaceDecoding.BASE_CENTRE + y * stride;
                    int o = b * 4 * na + a * 4;
                    float[] box = RetinaFaceDecoding.box(cx, cy, side, bb[o * plane + at], bb[(o + 1) * plane + at], bb[(o + 2) * plane + at],
                            bb[(o + 3) * plane + at]);
                    float[] k = null;
                    if (kp != null) {
                        float[] d = new float[10];
                        for (int j = 0; j < 10; j++) {
                            d[j] = kp[(b * 10 * na + a * 10 + j) * plane + at] * config.anchorBoxes().landmarkStd();
                        }
                        k = RetinaFaceDecoding.landmarks(cx, cy, side, d);
                        for (int j = 0; j < 10; j++) {
                            k[j] /= scale;
                        }
                    }
                    faces.add(new Face(box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale, score, k));
                }
            }
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
