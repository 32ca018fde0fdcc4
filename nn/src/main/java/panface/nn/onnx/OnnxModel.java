package panface.nn.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.PreparedSlot;
import panface.nn.onnx.proto.OnnxProto.ModelProto;
import panface.nn.onnx.proto.OnnxProto.OperatorSetIdProto;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Storage;
import panface.tensor.Tensor;
import panface.tensor.io.WeightFileException;

/**
 * An ONNX model loaded to run on our tensors: a face model exported by PyTorch or published as
 * ONNX becomes a {@link Layer} mapping images to embeddings (the graph's first input to its first
 * output), usable with {@code FaceEmbedder}.
 *
 * <p>Loading reads the file with protobuf-java (weights inside the file or as external data beside
 * it), accepts opsets 9 to 21 of the default domain, orders the nodes (refusing cycles), folds
 * everything computable from constants, merges Conv + BatchNormalization and products with a
 * constant weight (plus bias, ReLU/ReLU6/GELU or residual Add), PyTorch's spelled-out layer norm and
 * its attention subgraphs (see {@code AttentionPattern}) into the kernels our own layers use, and
 * builds one kernel per remaining node. An operator, attribute or value the importer does not
 * support fails at load with a {@link WeightFileException} naming the file, the node, its
 * operator and the opset; see {@link #SUPPORTED_OPERATORS}.
 *
 * <p>Nodes that depend only on the input's shape (the Shape/Gather/Unsqueeze/Concat arithmetic of
 * PyTorch's exporter for a dynamic batch) run once per distinct input shape; their results are
 * reused afterwards. An inference plan of the model ({@link #compileInference}) packs the products'
 * and convolutions' weights once, as for our own models. Thread-safe for concurrent forwards after
 * loading. The model runs on the CPU; its memory is freed by {@link #close()}.
 */
public final class OnnxModel extends Module implements Layer, AutoCloseable {
    /** The ONNX operators the importer runs. */
    public static final List<String> SUPPORTED_OPERATORS = Ops.SUPPORTED;
    /** The opsets of the default domain accepted. */
    public static final int MIN_OPSET = 9;
    public static final int MAX_OPSET = 21;
    private static final int SHAPE_CACHE_LIMIT = 64;

    private final Scope scope;
    private final Path file;
    private final int opset;
    private final String producer;
    private final Tensor[] constants;
    private final List<Step> steps;
    private final int[] inputSlots;
    private final int[] outputSlots;
    private final List<String> inputNames;
    private final List<int[]> inputShapes;
    private final List<String> outputNames;
    private final Map<List<Integer>, Tensor[]> shapeValues = new ConcurrentHashMap<>();
    /** Per slot, the index of the last step reading it (steps.size() for graph outputs, -1 when never read). */
    private final int[] lastUse;

    private OnnxModel(Scope scope, Path file, String producer, GraphBuilder b) {
        this.scope = scope;
        this.file = file;
        this.opset = b.opset;
        this.producer = producer;
        this.constants = b.constants.toArray(new Tensor[0]);
        this.steps = List.copyOf(b.steps);
        this.inputNames = List.copyOf(b.inputs);
        this.inputShapes = b.inputShapes;
        this.outputNames = List.copyOf(b.outputs);
        this.inputSlots = b.inputs.stream().mapToInt(b.slots::get).toArray();
        this.outputSlots = b.outputs.stream().mapToInt(b.slots::get).toArray();
        this.lastUse = new int[constants.length];
        java.util.Arrays.fill(lastUse, -1);
        for (int i = 0; i < steps.size(); i++) {
            for (int in : steps.get(i).in()) {
                if (in >= 0) {
                    lastUse[in] = i;
                }
            }
        }
        for (int o : outputSlots) {
            lastUse[o] = steps.size();
        }
        eval();
    }

    /** Loads an ONNX file. */
    public static OnnxModel load(Path file) throws WeightFileException {
        ModelProto m = OnnxFile.read(file);
        int opset = -1;
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) Math.min(Integer.MAX_VALUE, o.getVersion());
            }
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new WeightFileException(file, null, (opset < 0 ? "no opset of the default domain is imported"
                    : "opset " + opset + " is not supported") + " (supported: " + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        Scope scope = Scope.detached();
        GraphBuilder b = new GraphBuilder(file, opset);
        try {
            scope.within(() -> {
                try {
                    b.build(m.getGraph());
                } catch (WeightFileException e) {
                    throw new Wrapped(e);
                }
                return null;
            });
            return new OnnxModel(scope, file, m.getProducerName(), b);
        } catch (Wrapped w) {
            scope.close();
            throw w.exception;
        } catch (RuntimeException e) {
            scope.close();
            throw new WeightFileException(file, null, "cannot be loaded (" + e + ")", e);
        }
    }

    private static final class Wrapped extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient WeightFileException exception;

        Wrapped(WeightFileException e) {
            super(e);
            this.exception = e;
        }
    }

    /** The file the model came from. */
    public Path file() {
        return file;
    }

    /** The opset of the default domain the graph was written for. */
    public int opset() {
        return opset;
    }

    /** The tool that wrote the file, as it says. */
    public String producer() {
        return producer;
    }

    /** Names of the graph's inputs (initializers excluded). */
    public List<String> inputNames() {
        return inputNames;
    }

    /** The first input's declared shape, -1 for a dynamic or unnamed dimension; null when the file does not say. */
    public int[] inputShape() {
        int[] s = inputShapes.get(0);
        return s == null ? null : s.clone();
    }

    /** Names of the graph's outputs. */
    public List<String> outputNames() {
        return outputNames;
    }

    /** The operator of each step as it runs, fused steps as e.g. "MatMul+Add+Clip" (for diagnostics). */
    public List<String> stepOperators() {
        List<String> out = new ArrayList<>(steps.size());
        for (Step s : steps) {
            out.add(s.op());
        }
        return Collections.unmodifiableList(out);
    }

    /** The steps' kernels in order (for tests of what loading and preparing made). */
    List<Kernel> kernels() {
        List<Kernel> out = new ArrayList<>(steps.size());
        for (Step s : steps) {
            out.add(s.kernel());
        }
        return out;
    }

    /** The first output for the first input. */
    @Override
    public Tensor forward(Tensor x) {
        return run(List.of(x), i -> null)[0];
    }

    /** All outputs by name, for inputs by name. */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        List<Tensor> in = new ArrayList<>();
        for (String n : inputNames) {
            Tensor t = inputs.get(n);
            if (t == null) {
                throw new IllegalArgumentException("input '" + n + "' is missing; the model takes " + inputNames);
            }
            in.add(t);
        }
        Tensor[] out = run(in, i -> null);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < out.length; i++) {
            m.put(outputNames.get(i), out[i]);
        }
        return m;
    }

    /** Runs the graph, step i's kernel with the weight prepared(i) (null: the weight as it is). */
    private Tensor[] run(List<Tensor> inputs, IntFunction<Object> prepared) {
        if (scope.isClosed()) {
            throw new IllegalStateException("this ONNX model was closed");
        }
        if (inputs.size() != inputSlots.length) {
            throw new IllegalArgumentException("the model takes " + inputSlots.length + " inputs " + inputNames + ", got " + inputs.size());
        }
        Tensor[] env = constants.clone();
        List<Integer> key = new ArrayList<>();
        for (int i = 0; i < inputSlots.length; i++) {
            Tensor x = inputs.get(i);
            checkShape(i, x);
            env[inputSlots[i]] = x;
            key.add(x.dtype().ordinal());
            for (int d : x.shape()) {
                key.add(d);
            }
            key.add(-1);
        }
        Tensor[] known = shapeValues.get(key);
        Tensor[] learned = known == null ? new Tensor[env.length] : null;
        Set<Storage> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : env) {
            if (t != null) {
                kept.add(t.storage());
            }
        }
        if (known != null) {
            for (Tensor t : known) {
                if (t != null) {
                    kept.add(t.storage());
                }
            }
        }
        boolean[] made = new boolean[env.length];
        for (int index = 0; index < steps.size(); index++) {
            Step s = steps.get(index);
            if (s.shapeOnly() && known != null) {
                for (int o : s.out()) {
                    if (o >= 0) {
                        env[o] = known[o];
                    }
                }
                continue;
            }
            Tensor[] in = new Tensor[s.in().length];
            for (int i = 0; i < in.length; i++) {
                in[i] = s.in()[i] < 0 ? null : env[s.in()[i]];
            }
            Tensor[] out;
            try {
                out = runStep(s, in, prepared.apply(index));
            } catch (NodeError | IllegalArgumentException | IllegalStateException e) {
                throw new IllegalArgumentException(file.getFileName() + ": " + s.describe() + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < s.out().length; i++) {
                int o = s.out()[i];
                if (o >= 0) {
                    env[o] = out[i];
                    made[o] = !s.shapeOnly();
                    if (learned != null && s.shapeOnly()) {
                        learned[o] = Scope.disown(out[i]);
                        kept.add(out[i].storage());
                    }
                }
            }
            freeDead(index, s, env, made, kept);
        }
        if (learned != null) {
            if (shapeValues.size() >= SHAPE_CACHE_LIMIT) {
                shapeValues.clear();
            }
            shapeValues.putIfAbsent(key, learned);
        }
        Tensor[] result = new Tensor[outputSlots.length];
        for (int i = 0; i < result.length; i++) {
            result[i] = env[outputSlots[i]];
        }
        return result;
    }

    /**
     * Runs a step in a scope of its own, so that its kernel's temporaries are freed when it returns;
     * its outputs move to the caller's scope (or to none, as Scope.compute does).
     */
    private static Tensor[] runStep(Step s, Tensor[] in, Object prepared) {
        Scope outer = Scope.current();
        try (Scope local = Scope.open()) {
            Tensor[] out = prepared == null ? s.kernel().run(in) : s.kernel().run(in, prepared);
            for (Tensor t : out) {
                if (t != null && t.storage().owner() == local) {
                    if (outer != null) {
                        outer.keep(t);
                    } else {
                        Scope.disown(t);
                    }
                }
            }
            return out;
        }
    }

    /**
     * Frees the memory of values this forward computed whose last reader was step index, unless a
     * value still needed (or a constant, an input or a cached shape value) shares it: a deep
     * network's activations would otherwise all live until the forward returns.
     */
    private void freeDead(int index, Step s, Tensor[] env, boolean[] made, Set<Storage> kept) {
        for (int in : s.in()) {
            if (in < 0 || lastUse[in] != index || !made[in] || env[in] == null) {
                continue;
            }
            Storage st = env[in].storage();
            made[in] = false;
            if (kept.contains(st)) {
                continue;
            }
            boolean shared = false;
            for (int j = 0; j < env.length && !shared; j++) {
                shared = j != in && env[j] != null && env[j].storage() == st && lastUse[j] > index;
            }
            for (int o : s.out()) {
                shared |= o >= 0 && env[o] != null && env[o].storage() == st;
            }
            if (!shared) {
                st.close();
            }
        }
    }

    private void checkShape(int i, Tensor x) {
        int[] want = inputShapes.get(i);
        if (want == null) {
            return;
        }
        boolean ok = want.length == x.dim();
        for (int d = 0; ok && d < want.length; d++) {
            ok = want[d] < 0 || want[d] == x.size(d);
        }
        if (!ok) {
            throw new IllegalArgumentException("input '" + inputNames.get(i) + "' must have shape " + Arrays.toString(want).replace("-1", "?")
                    + ", got " + Arrays.toString(x.shape()));
        }
    }

    /**
     * The graph with the products' and convolutions' constant weights prepared once (packed for
     * the CPU GEMM, or for the convolution kernels), each in a slot of the plan keyed by the
     * constant's version, as our own layers' weights are.
     */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        List<PreparedSlot<Object>> slots = new ArrayList<>();
        for (Step s : steps) {
            Kernel k = s.kernel();
            Tensor w = k.preparable();
            slots.add(w == null ? null : c.prepareFrom(k::prepare, w));
        }
        return (w, x) -> run(List.of(x), i -> slots.get(i) == null ? null : slots.get(i).in(w))[0];
    }

    /** Imported models run on the CPU; moving one elsewhere is not supported yet. */
    @Override
    public Module to(Device device) {
        if (!device.equals(Device.CPU)) {
            throw new UnsupportedOperationException("imported ONNX models run on the CPU");
        }
        return this;
    }

    /** Frees the model's memory. Idempotent. */
    @Override
    public void close() {
        scope.close();
    }
}
