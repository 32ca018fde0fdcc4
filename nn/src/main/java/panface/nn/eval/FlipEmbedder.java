package panface.nn.eval;

import java.io.IOException;

import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.FaceImages;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Embeddings with flip test-time augmentation as insightface's verification test computes them:
 * every image x gives f(x) + f(flip(x)), the sum of the model's outputs for the image and its
 * horizontal mirror, not yet normalised, and the mean L2 norm of the single-view outputs f(x) and
 * f(flip(x)) over all images (insightface's XNorm) is measured on the way.
 *
 * <p>Images are turned into inputs one batch at a time, so memory is bounded by the batch and the
 * embeddings. The model must be in evaluation mode (BatchNorm's running statistics, as
 * insightface's {@code backbone.eval()}); the embedder never changes it, keeps no state between
 * calls and may be used from several threads at once. Each {@link #embed} runs the model through an
 * {@link InferencePlan} compiled for it, so it uses the model's fused and prepared paths with the
 * weights as they are at that call.
 */
public final class FlipEmbedder {
    /** The source of the normalised inputs (CHW, 3 x 112 x 112, (x/255 - 0.5)/0.5), by index. */
    @FunctionalInterface
    public interface Inputs {
        float[] input(int i) throws IOException;
    }

    /**
     * @param summed   summed[i] = f(x_i) + f(flip(x_i))
     * @param normMean the mean of ||f(x_i)|| and ||f(flip(x_i))|| over all i
     */
    public record Embeddings(float[][] summed, double normMean) {
    }

    private final Module model;
    private final int batch;

    /**
     * @param model a face backbone (a {@link Layer} mapping N x 3 x 112 x 112 images to N x D)
     * @param batch images per forward pass (each pass runs two: the images and their mirrors)
     */
    public FlipEmbedder(Module model, int batch) {
        if (!(model instanceof Layer)) {
            throw new IllegalArgumentException("the model must map images to embeddings");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("the batch must be positive, got " + batch);
        }
        this.model = model;
        this.batch = batch;
    }

    /** The flip-summed embeddings of count inputs. */
    public Embeddings embed(int count, Inputs inputs) throws IOException {
        if (model.isTraining()) {
            throw new IllegalStateException("the model is in training mode; evaluate in evaluation mode (model.eval())");
        }
        int side = FaceEmbedder.SIZE;
        int per = 3 * side * side;
        Device device = device();
        float[][] out = new float[count][];
        double normSum = 0;
        try (InferencePlan plan = model.compileInference(Tensor.zeros(device == null ? Device.CPU : device, DType.F32, 1, 3, side, side))) {
        for (int start = 0; start < count; start += batch) {
            int n = Math.min(batch, count - start);
            float[] x = new float[n * per];
            for (int i = 0; i < n; i++) {
                float[] v = inputs.input(start + i);
                if (v.length != per) {
                    throw new IllegalArgumentException("input " + (start + i) + " has " + v.length + " values, expected " + per);
                }
                System.arraycopy(v, 0, x, i * per, per);
            }
            try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
                Tensor t = Tensor.of(x, n, 3, side, side);
                if (device != null && !device.equals(t.device())) {
                    t = t.to(device);
                }
                float[] a = plan.run(t).toFloatArray();
                float[] b = plan.run(F.flip(t, 3)).toFloatArray();
                int d = a.length / n;
                for (int i = 0; i < n; i++) {
                    float[] e = new float[d];
                    double na = 0;
                    double nb = 0;
                    for (int k = 0; k < d; k++) {
                        float va = a[i * d + k];
                        float vb = b[i * d + k];
                        na += (double) va * va;
                        nb += (double) vb * vb;
                        e[k] = va + vb;
                    }
                    normSum += Math.sqrt(na) + Math.sqrt(nb);
                    out[start + i] = e;
                }
            }
        }
        }
        return new Embeddings(out, count == 0 ? Double.NaN : normSum / (2.0 * count));
    }

    /** The flip-summed embeddings of a pack's images, decoded batch by batch. */
    public Embeddings embed(VerificationPack pack) throws IOException {
        return embed(pack.images().size(), i -> {
            try {
                return FaceImages.toInput(FaceImages.decode(pack.image(i)), FaceEmbedder.SIZE);
            } catch (IOException e) {
                throw new IOException(pack.name() + ": image " + i + " (pair " + i / 2 + "): " + e.getMessage(), e);
            }
        });
    }

    /** A pack's 10-fold result with flip test-time augmentation and insightface's XNorm. */
    public VerificationResult evaluate(VerificationPack pack) throws IOException {
        Embeddings e = embed(pack);
        int n = pack.pairs();
        float[][] first = new float[n][];
        float[][] second = new float[n][];
        for (int i = 0; i < n; i++) {
            first[i] = e.summed()[2 * i];
            second[i] = e.summed()[2 * i + 1];
        }
        return TenFoldVerification.evaluate(pack.name(), first, second, pack.same(), e.normMean(), TenFoldVerification.FOLDS);
    }

    private Device device() {
        for (Parameter p : model.parameters()) {
            return p.data().device();
        }
        return null;
    }
}
