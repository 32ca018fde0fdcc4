package panface.nn.eval;

import java.io.IOException;
import java.util.Locale;

import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.FaceImages;

/**
 * 1:1 verification on a {@link PairList}: each distinct image is embedded once with flip
 * test-time augmentation ({@link FlipEmbedder}), a pair's score is the cosine similarity of its
 * two embeddings, and the scores give a {@link RocCurve}.
 */
public final class PairVerification {
    /** The false-accept rates reported: 1e-6 to 1e-1. */
    public static final double[] FARS = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1};

    private PairVerification() {
    }

    /** The scores and curve of a list. */
    public record Result(PairList pairs, double[] similarity, RocCurve roc) {

        /**
         * {"pairs":N,"positives":P,"negatives":Q,"tar_at_far":{"1e-3":..},"unresolved_far":["1e-6",..],"auc":..,"roc_png":..}:
         * tar_at_far holds the FARs of {@link #FARS} the negatives resolve (at least one false
         * accept allowed), unresolved_far the others; rocPng may be null.
         */
        public String toJson(String rocPng) {
            StringBuilder tar = new StringBuilder("{");
            StringBuilder unresolved = new StringBuilder("[");
            for (double far : FARS) {
                String key = Json.string(farName(far));
                if (roc.resolves(far)) {
                    tar.append(tar.length() > 1 ? "," : "").append(key).append(':').append(Json.number(roc.tarAtFar(far)));
                } else {
                    unresolved.append(unresolved.length() > 1 ? "," : "").append(key);
                }
            }
            return "{\"pairs\":" + pairs.pairs() + ",\"positives\":" + roc.positives() + ",\"negatives\":" + roc.negatives() + ",\"tar_at_far\":"
                    + tar.append('}') + ",\"unresolved_far\":" + unresolved.append(']') + ",\"auc\":" + Json.number(roc.auc()) + ",\"roc_png\":"
                    + Json.string(rocPng) + "}";
        }
    }

    /** "1e-4" for 1e-4. */
    public static String farName(double far) {
        return String.format(Locale.ROOT, "1e%d", Math.round(Math.log10(far)));
    }

    /** Embeds every image of the list once and scores the pairs. */
    public static Result evaluate(FlipEmbedder embedder, PairList list) throws IOException {
        FlipEmbedder.Embeddings e = embedder.embed(list.images().size(),
                i -> FaceImages.toInput(FaceImages.read(list.images().get(i)), FaceEmbedder.SIZE));
        double[] sim = new double[list.pairs()];
        for (int p = 0; p < sim.length; p++) {
            sim[p] = FaceEmbedder.cosine(e.summed()[list.first()[p]], e.summed()[list.second()[p]]);
        }
        return new Result(list, sim, RocCurve.of(sim, list.same()));
    }
}
