package panface.nn.face;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Greedy non-maximum suppression as insightface's SCRFD.nms: faces in order of descending score,
 * each dropping the later ones whose overlap with it is above the threshold. Areas count pixels
 * inclusively (width = x2 - x1 + 1), as that code does.
 */
public final class Nms {
    private Nms() {
    }

    /** Intersection over union of two boxes with the inclusive-pixel convention. */
    public static float iou(Face p, Face q) {
        float w = Math.max(0f, Math.min(p.x2(), q.x2()) - Math.max(p.x1(), q.x1()) + 1);
        float h = Math.max(0f, Math.min(p.y2(), q.y2()) - Math.max(p.y1(), q.y1()) + 1);
        float inter = w * h;
        float ap = (p.x2() - p.x1() + 1) * (p.y2() - p.y1() + 1);
        float aq = (q.x2() - q.x1() + 1) * (q.y2() - q.y1() + 1);
        return inter / (ap + aq - inter);
    }

    /** The faces kept, highest score first (ties keep their input order). */
    public static List<Face> suppress(List<Face> faces, float threshold) {
        Face[] order = faces.toArray(new Face[0]);
        Arrays.sort(order, Comparator.comparingDouble((Face f) -> f.score()).reversed());
        boolean[] dropped = new boolean[order.length];
        List<Face> kept = new ArrayList<>();
        for (int i = 0; i < order.length; i++) {
            if (dropped[i]) {
                continue;
            }
            kept.add(order[i]);
            for (int j = i + 1; j < order.length; j++) {
                if (!dropped[j] && iou(order[i], order[j]) > threshold) {
                    dropped[j] = true;
                }
            }
        }
        return kept;
    }
}
