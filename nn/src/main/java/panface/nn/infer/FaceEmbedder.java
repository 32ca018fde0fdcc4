package panface.nn.infer;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.io.WeightFiles;
import panface.nn.models.Models;
import panface.nn.onnx.OnnxModel;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Face embeddings in-process: load a backbone with its weights once, then embed aligned 112x112
 * faces from any number of threads concurrently. Embeddings are L2-normalised; with flip
 * test-time augmentation an image's embedding is normalize(f(x) + f(flip(x))), as insightface's
 * evaluation. The model's memory belongs to the embedder: {@link #close()} frees it.
 *
 * <pre>{@code
 * try (FaceEmbedder e = FaceEmbedder.load("r50", Path.of("backbone.pth"), 512)) {
 *     float[] a = e.embed(imageA);
 *     boolean same = FaceEmbedder.verify(a, e.embed(imageB), 0.3);
 * }
 * }</pre>
 */
public final class FaceEmbedder implements AutoCloseable {
    /** Input side of the face models. */
    public static final int SIZE = 112;
    /** The largest embedding size {@link #load} accepts (face models use 128 to 512; the last layer grows with it). */
    public static final int MAX_FEATURES = 4096;

    private final Scope scope;
    private final InferencePlan plan;
    private final boolean flip;
    private final int maxBatch;
    private final int dim;
    private final InputFormat input;
    private final OnnxModel onnx;
    /** The batch size a graph with a fixed batch dimension takes (smaller batches are padded), or 0. */
    private final int fixedBatch;

    private FaceEmbedder(Scope scope, InferencePlan plan, boolean flip, int maxBatch, int dim, InputFormat input, OnnxModel onnx,
            int fixedBatch) {
        this.fixedBatch = fixedBatch;
        this.scope = scope;
        this.plan = plan;
        this.flip = flip;
        this.maxBatch = maxBatch;
        this.dim = dim;
        this.input = input;
        this.onnx = onnx;
    }

    /** Loads a backbone (a name of {@link Models#NAMES}) with weights from a safetensors or PyTorch file, or an ONNX file (see {@link #load(String, Path, int, boolean, int)}). */
    public static FaceEmbedder load(String arch, Path weights, int numFeatures) throws IOException {
        return load(arch, weights, numFeatures, false, 32);
    }

    /**
     * Loads with flip test-time augmentation on or off and a maximum batch per forward pass. A file
     * whose name ends in ".onnx" is an ONNX model: its graph decides the architecture, the input size
     * and the embedding size (arch and numFeatures are not used), and its input format is chosen as
     * {@link #loadOnnx(Path, InputFormat, boolean, int)} does with no format given.
     */
    public static FaceEmbedder load(String arch, Path weights, int numFeatures, boolean flip, int maxBatch) throws IOException {
        if (weights.getFileName() != null && weights.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            return loadOnnx(weights, null, flip, maxBatch);
        }
        if (numFeatures < 1 || numFeatures > MAX_FEATURES) {
            throw new IllegalArgumentException("the embedding size must be between 1 and " + MAX_FEATURES + ", got " + numFeatures);
        }
        Map<String, Tensor>[] state = new Map[1];
        Scope scope = Scope.detached();
        try {
            Module m = scope.within(() -> {
                try {
                    state[0] = WeightFiles.stateDict(weights);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                Module model = Models.create(arch, numFeatures, 0);
                model.loadStateDict(state[0], true);
                return model;
            });
            return fromModel(scope, m, flip, maxBatch, numFeatures);
        } catch (java.io.UncheckedIOException e) {
            scope.close();
            throw e.getCause();
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /**
     * Wraps a model already in memory (owned by the caller's scope; closing the embedder does not
     * free it). The model is put in evaluation mode and compiled into an {@link InferencePlan},
     * which keeps its prepared weights in step with the model's: embeddings always reflect the
     * weights as they are at the call (after training steps or a loaded state dict too).
     */
    public static FaceEmbedder of(Module model, int numFeatures, boolean flip, int maxBatch) {
        return fromModel(null, model, flip, maxBatch, numFeatures);
    }

    /**
     * Loads an ONNX face model ({@link OnnxModel}) taking (N, 3, S, S) images. The side S comes from
     * the graph's input shape (or from format). format null chooses as insightface's ArcFaceONNX
     * does: RGB with mean 127.5 and std 127.5, unless one of the graph's first eight steps is a Sub
     * or Mul (the model normalises its input itself), then mean 0 and std 1. The embedding size is the
     * output's last dimension, found by one forward pass at load.
     */
    public static FaceEmbedder loadOnnx(Path file, InputFormat format, boolean flip, int maxBatch) throws IOException {
        return loadOnnx(file, format, null, flip, maxBatch);
    }

    /**
     * As {@link #loadOnnx(Path, InputFormat, boolean, int)}, with the input format made from the
     * side read from the graph (channel order and normalisation given, size from the model), so
     * the file is read once.
     */
    public static FaceEmbedder loadOnnxWithFormat(Path file, java.util.function.IntFunction<InputFormat> formatForSide, boolean flip,
            int maxBatch) throws IOException {
        return loadOnnx(file, null, java.util.Objects.requireNonNull(formatForSide, "formatForSide"), flip, maxBatch);
    }

    private static FaceEmbedder loadOnnx(Path file, InputFormat format, java.util.function.IntFunction<InputFormat> formatForSide,
            boolean flip, int maxBatch) throws IOException {
        OnnxModel m = OnnxModel.load(file);
        try {
            int[] s = m.inputShape();
            int side = format != null ? format.size() : s != null && s.length == 4 && s[2] > 0 && s[2] == s[3] ? s[2] : -1;
            if (side < 0) {
                throw new IllegalArgumentException(file + ": the graph's input shape " + (s == null ? "is not given" : java.util.Arrays.toString(s))
                        + "; give the input format (its side) explicitly");
            }
            if (s != null && (s.length != 4 || (s[1] > 0 && s[1] != 3) || (s[2] > 0 && s[2] != side) || (s[3] > 0 && s[3] != side))) {
                throw new IllegalArgumentException(file + ": the model takes " + java.util.Arrays.toString(s).replace("-1", "?")
                        + ", not (N, 3, " + side + ", " + side + ") images");
            }
            InputFormat f = format != null ? format
                    : formatForSide != null ? formatForSide.apply(side)
                    : normalisesInside(m) ? new InputFormat(side, false, 0f, 1f) : InputFormat.insightface(side);
            int fixed = s != null && s.length == 4 && s[0] > 0 ? s[0] : 0;
            int dim;
            try (Scope probe = Scope.open(); var g = GradMode.noGrad()) {
                Tensor y = m.forward(Tensor.zeros(Math.max(fixed, 1), 3, side, side));
                if (y.dim() != 2 || y.size(0) != Math.max(fixed, 1)) {
                    throw new IllegalArgumentException(file + ": the model's first output is " + java.util.Arrays.toString(y.shape())
                            + ", not (N, E) embeddings");
                }
                dim = y.size(1);
            }
            if (maxBatch <= 0) {
                throw new IllegalArgumentException("max batch must be positive, got " + maxBatch);
            }
            InferencePlan plan = m.compileInference(Tensor.zeros(Math.max(fixed, 1), 3, side, side));
            return new FaceEmbedder(null, plan, flip, fixed > 0 ? fixed : maxBatch, dim, f, m, fixed);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static boolean normalisesInside(OnnxModel m) {
        List<String> ops = m.stepOperators();
        for (String op : ops.subList(0, Math.min(8, ops.size()))) {
            if (op.equals("Sub") || op.equals("Mul")) {
                return true;
            }
        }
        return false;
    }

    /** The input format the model takes. */
    public InputFormat inputFormat() {
        return input;
    }

    private static FaceEmbedder fromModel(Scope scope, Module m, boolean flip, int maxBatch, int dim) {
        if (!(m instanceof Layer)) {
            throw new IllegalArgumentException("the model must map images to embeddings");
        }
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("max batch must be positive, got " + maxBatch);
        }
        InferencePlan plan = m.compileInference(Tensor.zeros(1, 3, SIZE, SIZE));
        return new FaceEmbedder(scope, plan, flip, maxBatch, dim, InputFormat.insightface(SIZE), null, 0);
    }

    /** Embedding size. */
    public int dimension() {
        return dim;
    }

    /** The embedding of one aligned face image. */
    public float[] embed(BufferedImage image) {
        return embedInputs(List.of(input.fromStandard(FaceImages.toInput(image, input.size()))))[0];
    }

    /** The embeddings of aligned face images, in batches. */
    public float[][] embed(List<BufferedImage> images) {
        List<float[]> in = new ArrayList<>(images.size());
        for (BufferedImage img : images) {
            in.add(input.fromStandard(FaceImages.toInput(img, input.size())));
        }
        return embedInputs(in);
    }

    /** The embedding of an encoded image (JPEG, PNG, ...). */
    public float[] embed(byte[] encoded) throws IOException {
        return embed(FaceImages.decode(encoded));
    }

    /** The embedding of an image file; errors name the file and the reason ({@link FaceImages#read}). */
    public float[] embed(Path file) throws IOException {
        return embed(FaceImages.read(file));
    }

    /** The embedding of raw RGB pixel values (0..255, CHW, 3 x S x S for the model's input side S, 112 for our models). */
    public float[] embedRgb(float[] chw) {
        return embedInputs(List.of(input.fromStandard(FaceImages.normalizeRgb(chw.clone(), input.size()))))[0];
    }

    /** Embeddings of raw RGB pixel values (each 0..255, CHW, 3 x S x S for the model's input side S), in batches. */
    public float[][] embedRgb(List<float[]> chw) {
        List<float[]> in = new ArrayList<>(chw.size());
        for (float[] x : chw) {
            in.add(input.fromStandard(FaceImages.normalizeRgb(x.clone(), input.size())));
        }
        return embedInputs(in);
    }

    /** Embeddings of inputs already in the model's {@link #inputFormat()} (for our models CHW RGB, (x/255 - 0.5)/0.5). */
    public float[][] embedInputs(List<float[]> inputs) {
        if (scope != null && scope.isClosed()) {
            throw new IllegalStateException("this FaceEmbedder was closed");
        }
        int size = input.size();
        float[][] out = new float[inputs.size()][];
        int per = 3 * size * size;
        for (int start = 0; start < inputs.size(); start += maxBatch) {
            int n = Math.min(maxBatch, inputs.size() - start);
            int rows = fixedBatch > 0 ? fixedBatch : n;
            float[] batch = new float[rows * per];
            for (int i = 0; i < n; i++) {
                float[] x = inputs.get(start + i);
                if (x.length != per) {
                    throw new IllegalArgumentException("input " + (start + i) + " has " + x.length + " values, expected " + per);
                }
                System.arraycopy(x, 0, batch, i * per, per);
            }
            try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
                Tensor x = Tensor.of(batch, rows, 3, size, size);
                Tensor e = forward(x);
                if (flip) {
                    e = e.add(forward(F.flip(x, 3)));
                }
                float[] flat = F.l2Normalize(e, 1, 1e-12).toFloatArray();
                int d = flat.length / rows;
                for (int i = 0; i < n; i++) {
                    out[start + i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
                }
            }
        }
        return out;
    }

    private Tensor forward(Tensor x) {
        return plan.run(x);
    }

    /** Cosine similarity of two embeddings. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embeddings differ in length: " + a.length + " and " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.max(Math.sqrt(na * nb), 1e-12);
    }

    /** True when the cosine similarity reaches the threshold (pick it on a verification set, e.g. at a target FAR). */
    public static boolean verify(float[] a, float[] b, double threshold) {
        return cosine(a, b) >= threshold;
    }

    /** Frees the model's memory (when it was loaded by this embedder). Idempotent. */
    @Override
    public void close() {
        if (plan != null) {
            plan.close();
        }
        if (scope != null) {
            scope.close();
        }
        if (onnx != null) {
            onnx.close();
        }
    }
}
