package panface.faceloss.gif;

import java.util.function.Function;

import panface.faceloss.GifTokenLoss;
import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.optim.Optimizer;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * GIF's two data passes over any {@link BatchSource}: code vectors from an embedding model, and
 * training a backbone with token heads against the identities' codes (labels are mapped to codes;
 * the loss is {@link GifTokenLoss}). Evaluation then uses the backbone's embedding only, as for
 * every other head.
 */
public final class GifTraining {
    private GifTraining() {
    }

    /** Called after each training step with the step number (from 1) and its loss. */
    public interface StepListener {
        void after(long step, double loss);
    }

    /**
     * Code vectors of the source's identities: the model embeds batches (no gradient) until every
     * identity has been seen and at least {@code minBatches} batches were read, or fails after
     * {@code maxBatches}.
     */
    public static float[][] codeVectors(Function<Tensor, Tensor> embed, BatchSource source, long minBatches, long maxBatches,
            CodeVectors.Averaging averaging) {
        int m = source.numClasses();
        CodeVectors cv = null;
        int seen = 0;
        long read = 0;
        while (read < minBatches || seen < m) {
            if (read >= maxBatches) {
                throw new IllegalStateException("only " + seen + " of " + m + " identities seen in " + read + " batches");
            }
            Batch b = source.next();
            read++;
            try (Scope s = Scope.open(); var off = GradMode.noGrad()) {
                Tensor e = embed.apply(b.imagesTensor());
                float[] flat = e.contiguous().toFloatArray();
                int d = e.size(1);
                if (cv == null) {
                    cv = new CodeVectors(m, d, averaging);
                }
                float[] row = new float[d];
                for (int i = 0; i < b.size(); i++) {
                    int y = (int) b.labels()[i];
                    if (cv.count(y) == 0) {
                        seen++;
                    }
                    System.arraycopy(flat, i * d, row, 0, d);
                    cv.add(y, row);
                }
            }
            source.recycle(b);
        }
        return cv.vectors();
    }

    /** The codes of labels as a (B, l) int64 tensor. */
    public static Tensor codesOf(IdentityCodes codes, long[] labels) {
        int l = codes.l();
        long[] out = new long[labels.length * l];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= codes.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " has no code (" + codes.size() + " identities)");
            }
            for (int j = 0; j < l; j++) {
                out[i * l + j] = codes.token((int) labels[i], j);
            }
        }
        return Tensor.of(out, labels.length, l);
    }

    /**
     * Trains for {@code steps} steps: embed, token loss against the labels' codes, backward,
     * optimizer step (the optimizer holds the backbone's and the heads' parameters). Returns the
     * last loss.
     */
    public static double train(Function<Tensor, Tensor> embed, GifTokenLoss heads, IdentityCodes codes, BatchSource source,
            Optimizer optimizer, long steps, StepListener listener) {
        if (codes.l() != heads.tokens()) {
            throw new IllegalArgumentException("codes of " + codes.l() + " tokens for " + heads.tokens() + " heads");
        }
        if (codes.size() < source.numClasses()) {
            throw new IllegalArgumentException(codes.size() + " codes for " + source.numClasses() + " identities");
        }
        double last = Double.NaN;
        for (long step = 1; step <= steps; step++) {
            Batch b = source.next();
            try (Scope s = Scope.open()) {
                Tensor loss = heads.loss(embed.apply(b.imagesTensor()), codesOf(codes, b.labels()));
                loss.backward();
                optimizer.step();
                optimizer.zeroGrad();
                last = loss.item();
            }
            source.recycle(b);
            if (listener != null) {
                listener.after(step, last);
            }
        }
        return last;
    }
}
