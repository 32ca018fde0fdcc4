package panface.nn.face;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import panface.tensor.Tensor;

/**
 * Which of a detector's outputs holds the scores, box distances and keypoints of which stride:
 * matched by name when the config lists names, else by shape (SCRFD: last dimension 1, 4 or 10,
 * rows those of a stride at the input size; RetinaFace: (N, k * anchors, H / stride, W / stride)
 * with k = 2, 4 or 10). A model whose outputs do not fit fails with a message that
 * lists what it has and what the config expects.
 */
final class OutputLayout {
    /** Per stride, the output index of scores, boxes and keypoints (-1 when the config has none). */
    final int[] scores;
    final int[] boxes;
    final int[] kps;

    private OutputLayout(int[] scores, int[] boxes, int[] kps) {
        this.scores = scores;
        this.boxes = boxes;
        this.kps = kps;
    }

    static OutputLayout match(DetectorConfig c, List<String> names, List<int[]> shapes, int batch) {
        int n = c.strides().length;
        int[] s = new int[n];
        int[] b = new int[n];
        int[] k = new int[n];
        Arrays.fill(k, -1);
        if (c.outputNames() != null) {
            int want = n * (c.keypoints() ? 3 : 2);
            if (c.outputNames().size() != want) {
                throw new IllegalArgumentException("the config names " + c.outputNames().size() + " outputs; " + n + " strides need " + want);
            }
            for (int i = 0; i < n; i++) {
                s[i] = byName(c.outputNames().get(i), names, shapes);
                b[i] = byName(c.outputNames().get(n + i), names, shapes);
                if (c.keypoints()) {
                    k[i] = byName(c.outputNames().get(2 * n + i), names, shapes);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                int st = c.strides()[i];
                s[i] = byShape(st, scoreWidth(c), batch, names, shapes, c);
                b[i] = byShape(st, 4, batch, names, shapes, c);
                if (c.keypoints()) {
                    k[i] = byShape(st, 10, batch, names, shapes, c);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            int st = c.strides()[i];
            check(s[i], st, scoreWidth(c), batch, names, shapes, c);
            check(b[i], st, 4, batch, names, shapes, c);
            if (k[i] >= 0) {
                check(k[i], st, 10, batch, names, shapes, c);
            }
        }
        return new OutputLayout(s, b, k);
    }

    /** The outputs' shapes, in output order. */
    static List<int[]> shapes(Map<String, Tensor> out) {
        List<int[]> l = new ArrayList<>();
        for (Tensor t : out.values()) {
            l.add(t.shape());
        }
        return l;
    }

    private static int byName(String name, List<String> names, List<int[]> shapes) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("the detector has no output '" + name + "'; it has " + describe(names, shapes));
        }
        return i;
    }

    /** Values per anchor of the score output: one face probability (SCRFD), or background and face (RetinaFace). */
    private static int scoreWidth(DetectorConfig c) {
        return c.retinaFaceLayout() ? 2 : 1;
    }

    private static int byShape(int stride, int k, int batch, List<String> names, List<int[]> shapes, DetectorConfig c) {
        for (int i = 0; i < shapes.size(); i++) {
            if (fits(shapes.get(i), c, stride, k, batch)) {
                return i;
            }
        }
        throw new IllegalArgumentException(mismatch(stride, k, batch, names, shapes, c));
    }

    private static void check(int i, int stride, int k, int batch, List<String> names, List<int[]> shapes, DetectorConfig c) {
        if (!fits(shapes.get(i), c, stride, k, batch)) {
            throw new IllegalArgumentException("output '" + names.get(i) + "' is " + Arrays.toString(shapes.get(i)) + "; "
                    + mismatch(stride, k, batch, names, shapes, c));
        }
    }

    private static boolean fits(int[] s, DetectorConfig c, int stride, int k, int batch) {
        if (c.retinaFaceLayout()) {
            return s.length == 4 && s[0] == batch && s[1] == k * c.anchors() && s[2] == DetectorConfig.ceilDiv(c.inputHeight(), stride)
                    && s[3] == DetectorConfig.ceilDiv(c.inputWidth(), stride);
        }
        int rows = c.rows(stride);
        // insightface's SCRFD exports flatten the batch into the rows: (N * rows, k).
        return s.length == 2 && s[0] == batch * rows && s[1] == k
                || s.length == 3 && s[0] == batch && s[1] == rows && s[2] == k;
    }

    private static String mismatch(int stride, int k, int batch, List<String> names, List<int[]> shapes, DetectorConfig c) {
        String want = c.retinaFaceLayout()
                ? "(" + batch + ", " + k * c.anchors() + ", " + DetectorConfig.ceilDiv(c.inputHeight(), stride) + ", "
                        + DetectorConfig.ceilDiv(c.inputWidth(), stride) + ")"
                : "(" + batch + ", " + c.rows(stride) + ", " + k + ") or (" + batch * c.rows(stride) + ", " + k + ")";
        return "the detector's outputs do not fit the config (" + (c.retinaFaceLayout() ? "RetinaFace" : "SCRFD") + " layout, input "
                + c.inputWidth() + " x " + c.inputHeight() + ", strides " + Arrays.toString(c.strides()) + ", " + c.anchors()
                + " anchors per location" + (c.keypoints() ? ", keypoints" : "") + "): no output of " + want + "; it has "
                + describe(names, shapes);
    }

    private static String describe(List<String> names, List<int[]> shapes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(names.get(i)).append(' ').append(Arrays.toString(shapes.get(i)));
        }
        return sb.toString();
    }
}
