package panface.examples.train;

import java.util.Locale;

import panface.nn.eval.RocCurve;
import panface.nn.eval.TenFoldVerification;
import panface.nn.eval.VerificationResult;
import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Evaluates a backbone (a face ViT, a Part fViT with its landmark CNN) on a {@link PairSet} with insightface's protocol: each image's embedding
 * is the sum of the embeddings of the image and its mirror image, the 10-fold accuracy comes from
 * {@link TenFoldVerification}, and the ROC from the cosine similarities of the pairs.
 */
public final class Verification {
    /** How many images go through the backbone at once. */
    private static final int CHUNK = 64;

    /** One evaluation: the 10-fold result and the ROC. */
    public record Result(VerificationResult tenFold, RocCurve roc) {
        /** The true accept rate at a false accept rate of 1e-3. */
        public double tarAtFar1e3() {
            return roc.tarAtFar(1e-3);
        }

        /** One log line. */
        public String describe() {
            return String.format(Locale.ROOT, "%s: 10-fold accuracy %.2f%% +- %.2f, TAR@FAR=1e-3 %.2f%%%s, AUC %.4f (%d pairs)",
                    tenFold.name(), 100 * tenFold.accuracyMean(), 100 * tenFold.accuracyStd(), 100 * tarAtFar1e3(),
                    roc.resolves(1e-3) ? "" : " (under 1000 different pairs: at no false accept)", roc.auc(), tenFold.pairs());
        }
    }

    private Verification() {
    }

    /** Evaluates the backbone in evaluation mode (restoring its training mode after). */
    public static <M extends Module & Layer> Result evaluate(M model, PairSet set, Device device, boolean autocast) {
        boolean[] same = set.same();
        int n = same.length;
        boolean wasTraining = model.isTraining();
        model.eval();
        try {
            float[][] first = embed(model, set, 0, n, device, autocast);
            float[][] second = embed(model, set, 1, n, device, autocast);
            double[] cos = new double[n];
            for (int i = 0; i < n; i++) {
                cos[i] = cosine(first[i], second[i]);
            }
            return new Result(TenFoldVerification.evaluate(set.name(), first, second, same), RocCurve.of(cos, same));
        } finally {
            model.train(wasTraining);
        }
    }

    private static float[][] embed(Layer model, PairSet set, int side, int n, Device device, boolean autocast) {
        float[][] out = new float[n][];
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            try (Scope s = Scope.open(); var off = GradMode.noGrad();
                    Autocast ac = autocast ? Autocast.enable(DType.BF16, device.kind()) : Autocast.disable()) {
                Tensor x = Tensor.of(set.images(side, from, to), to - from, 3, SyntheticFace.SIZE, SyntheticFace.SIZE).to(device);
                Tensor e = model.forward(x).add(model.forward(F.flip(x, 3))).to(DType.F32).to(Device.CPU);
                int d = e.size(1);
                float[] v = e.toFloatArray();
                for (int i = from; i < to; i++) {
                    out[i] = java.util.Arrays.copyOfRange(v, (i - from) * d, (i - from + 1) * d);
                }
            }
        }
        return out;
    }

    private static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.max(Math.sqrt(aa * bb), 1e-24);
    }
}
