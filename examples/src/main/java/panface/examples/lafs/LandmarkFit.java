package panface.examples.lafs;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

import panface.examples.train.SyntheticIdentities;
import panface.nn.data.Batch;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.optim.AdamW;
import panface.nn.optim.LrSchedule;
import panface.nn.optim.ParamGroup;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * Supervised landmark regression for the demo's landmark CNN, standing in for the reference's
 * landmark CNN taken from a supervised Part fViT: LAFS needs landmarks that mean the same part of
 * every face, and a random landmark CNN puts them at arbitrary, nearly image-independent points.
 * The generated faces carry ground-truth landmarks (a grid over each face that follows its pose,
 * {@link SyntheticIdentities#landmarks}); the CNN learns them with the mean squared error in units of
 * the image, AdamW without weight decay, a linear warm-up over the first tenth of the steps and a
 * cosine to zero. No identity label is used.
 *
 * <p>The landmark CNN ends in a per-sample min-max over all coordinates (x and y together) that
 * maps them onto [0, extent], so it cannot place a grid anywhere else; the target is the ground
 * truth passed through the same min-max, the closest the architecture can represent: the grid's
 * layout (the face's proportions, rotation and mirror side) is kept, its translation and size
 * are normalised away.
 */
public final class LandmarkFit {
    private LandmarkFit() {
    }

    /**
     * Each sample's 2R values mapped by (v - min) / (max - min) * extent, as the landmark CNN's output
     * is (rows of 2R values).
     */
    static float[] minMax(float[] landmarks, int rows, double extent) {
        int per = landmarks.length / rows;
        float[] out = new float[landmarks.length];
        for (int n = 0; n < rows; n++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < per; j++) {
                lo = Math.min(lo, landmarks[n * per + j]);
                hi = Math.max(hi, landmarks[n * per + j]);
            }
            for (int j = 0; j < per; j++) {
                out[n * per + j] = (float) ((landmarks[n * per + j] - lo) / (hi - lo) * extent);
            }
        }
        return out;
    }

    /**
     * Fits cnn (R = perSide^2 landmarks) to data's ground-truth landmarks for the given steps at peak
     * learning rate lr; logs every logEvery steps; returns the last step's root mean squared error in pixels.
     */
    public static double fit(LandmarkCnn cnn, SyntheticIdentities data, int perSide, int steps, double lr, int logEvery, PrintStream out) {
        if (cnn.landmarks() != perSide * perSide) {
            throw new IllegalArgumentException("the landmark CNN predicts " + cnn.landmarks() + " landmarks, the grid has " + perSide * perSide);
        }
        cnn.train(true);
        double rmse = Double.NaN;
        Scope home = Scope.detached();
        try {
            // the optimizer's moments live as long as the fit, not in the scope of the step that creates them
            AdamW opt = home.within(() -> new AdamW(List.of(ParamGroup.of(cnn.parameters(), 0)), lr));
            LrSchedule schedule = LrSchedule.warmupCosine(lr, Math.max(1, steps / 10), steps, 0);
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                try (Scope s = Scope.open()) {
                    long at = data.position();
                    Batch b = data.next();
                    float[] target = minMax(data.landmarks(at, perSide), b.size(), cnn.extent());
                    Tensor t = Tensor.of(target, b.size(), perSide * perSide, 2);
                    Tensor d = cnn.forward(b.imagesTensor()).sub(t).div(cnn.extent());
                    Tensor loss = d.mul(d).mean();
                    opt.setLearningRate(schedule.lr(i));
                    opt.zeroGrad();
                    loss.backward();
                    opt.step();
                    opt.zeroGrad();
                    rmse = Math.sqrt(loss.item()) * cnn.extent();
                    data.recycle(b);
                }
                if ((i + 1) % logEvery == 0 || i == 0 || i + 1 == steps) {
                    out.printf(Locale.ROOT, "landmark fit step %d/%d error %.2f px (%.0f s)%n", i + 1, steps, rmse, (System.nanoTime() - t0) * 1e-9);
                }
            }
        } finally {
            home.close();
        }
        cnn.eval();
        return rmse;
    }
}
