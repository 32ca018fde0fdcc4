package panface.tensor.golden;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import panface.tensor.F;
import panface.tensor.Reduction;
import panface.tensor.Tensor;
import panface.tensor.ValuesIndices;

/**
 * Golden ops of the tensor module: the tensor-level rows of the schema, plus the project's own
 * extra ops (documented beside the case generator).
 */
public final class TensorGoldenOps implements GoldenOps {

    /** Called by {@link java.util.ServiceLoader}. */
    public TensorGoldenOps() {
    }

    @Override
    public Map<String, GoldenOp> ops() {
        Map<String, GoldenOp> m = new HashMap<>();
        m.put("linear", (c, t) -> y(F.linear(t.get("input.x"), t.get("param.weight"), t.get("param.bias"))));
        m.put("matmul", (c, t) -> y(t.get("input.a").matmul(t.get("input.b"))));
        m.put("layer_norm", (c, t) -> {
            Tensor w = t.get("param.weight");
            Tensor b = t.get("param.bias");
            int[] shape = w != null ? w.shape() : c.ints("normalized_shape", new int[] {t.get("input.x").size(-1)});
            return y(F.layerNorm(t.get("input.x"), shape, w, b, c.number("eps", 1e-5)));
        });
        m.put("batch_norm", (c, t) -> {
            Tensor rm = t.get("buffer.running_mean");
            Tensor rv = t.get("buffer.running_var");
            Tensor out = F.batchNorm(t.get("input.x"), rm, rv, t.get("param.weight"), t.get("param.bias"), c.flag("training", false),
                    c.number("momentum", 0.1), c.number("eps", 1e-5));
            Map<String, Tensor> r = new HashMap<>();
            r.put("output.y", out);
            if (rm != null) {
                r.put("output.running_mean", rm);
            }
            if (rv != null) {
                r.put("output.running_var", rv);
            }
            return r;
        });
        m.put("softmax", (c, t) -> y(F.softmax(t.get("input.x"), c.integer("dim", -1))));
        m.put("log_softmax", (c, t) -> y(F.logSoftmax(t.get("input.x"), c.integer("dim", -1))));
        m.put("gelu", (c, t) -> {
            String a = c.string("approximate", "none");
            return switch (a) {
                case "none" -> y(F.gelu(t.get("input.x")));
                case "tanh" -> y(F.geluTanh(t.get("input.x")));
                default -> throw new GoldenRunner.UnsupportedGoldenCase("gelu approximate='" + a + "'");
            };
        });
        unary(m, "relu", F::relu);
        unary(m, "relu6", F::relu6);
        unary(m, "sigmoid", F::sigmoid);
        unary(m, "tanh", F::tanh);
        unary(m, "silu", F::silu);
        unary(m, "hardswish", F::hardswish);
        unary(m, "hardsigmoid", F::hardsigmoid);
        unary(m, "softplus", F::softplus);
        unary(m, "exp", Tensor::exp);
        unary(m, "log", Tensor::log);
        unary(m, "sqrt", Tensor::sqrt);
        unary(m, "rsqrt", Tensor::rsqrt);
        unary(m, "abs", Tensor::abs);
        unary(m, "neg", Tensor::neg);
        m.put("leaky_relu", (c, t) -> y(F.leakyRelu(t.get("input.x"), c.number("negative_slope", 0.01))));
        m.put("clamp", (c, t) -> y(t.get("input.x").clamp(c.number("min", Double.NEGATIVE_INFINITY),
                c.number("max", Double.POSITIVE_INFINITY))));
        m.put("pow_scalar", (c, t) -> y(t.get("input.x").pow(c.number("exponent", 2))));
        m.put("prelu", (c, t) -> y(F.prelu(t.get("input.x"), t.get("param.weight"))));
        m.put("l2_normalize", (c, t) -> y(F.l2Normalize(t.get("input.x"), c.integer("dim", 1), c.number("eps", 1e-12))));
        m.put("cross_entropy", (c, t) -> {
            Map<String, Tensor> r = new HashMap<>();
            r.put("output.loss", F.crossEntropy(t.get("input.logits"), t.get("input.target"), c.number("label_smoothing", 0.0),
                    Reduction.valueOf(c.string("reduction", "mean").toUpperCase(java.util.Locale.ROOT))));
            return r;
        });
        m.put("attention", (c, t) -> {
            Tensor q = t.get("input.q");
            return y(F.scaledDotProductAttention(q, t.get("input.k"), t.get("input.v"), c.number("scale", 1.0 / Math.sqrt(q.size(-1)))));
        });
        m.put("conv2d", (c, t) -> y(F.conv2d(t.get("input.x"), t.get("param.weight"), t.get("param.bias"), c.pair("stride", one()),
                c.pair("padding", new int[] {0, 0}), c.pair("dilation", one()), c.integer("groups", 1))));
        m.put("avg_pool2d", (c, t) -> {
            int[] k = c.pair("kernel_size", null);
            return y(F.avgPool2d(t.get("input.x"), k, c.pair("stride", k), c.pair("padding", new int[] {0, 0}),
                    c.flag("ceil_mode", false), c.flag("count_include_pad", true)));
        });
        m.put("max_pool2d", (c, t) -> {
            int[] k = c.pair("kernel_size", null);
            return y(F.maxPool2d(t.get("input.x"), k, c.pair("stride", k), c.pair("padding", new int[] {0, 0}),
                    c.flag("ceil_mode", false)));
        });
        m.put("adaptive_avg_pool2d", (c, t) -> {
            int[] o = c.pair("output_size", null);
            return y(F.adaptiveAvgPool2d(t.get("input.x"), o[0], o[1]));
        });
        m.put("grid_sample", (c, t) -> {
            if (!c.string("mode", "bilinear").equals("bilinear") || !c.string("padding_mode", "zeros").equals("zeros")) {
                throw new GoldenRunner.UnsupportedGoldenCase("grid_sample supports mode=bilinear, padding_mode=zeros");
            }
            return y(F.gridSample(t.get("input.x"), t.get("input.grid"), c.flag("align_corners", false)));
        });
        m.put("embedding", (c, t) -> y(F.embedding(t.get("input.indices"), t.get("param.weight"))));
        m.put("gather", (c, t) -> y(F.gather(t.get("input.x"), c.integer("dim", 0), t.get("input.index"))));
        m.put("index_select", (c, t) -> y(F.indexSelect(t.get("input.x"), c.integer("dim", 0), t.get("input.index"))));
        m.put("scatter_add", (c, t) -> y(F.scatterAdd(t.get("input.x"), c.integer("dim", 0), t.get("input.index"), t.get("input.src"))));
        m.put("cat", (c, t) -> y(F.cat(numbered(t), c.integer("dim", 0))));
        m.put("stack", (c, t) -> y(F.stack(numbered(t), c.integer("dim", 0))));
        m.put("pad", (c, t) -> y(F.pad(t.get("input.x"), c.ints("pad", new int[0]), c.number("value", 0))));
        m.put("flip", (c, t) -> y(F.flip(t.get("input.x"), c.ints("dims", new int[0]))));
        m.put("where", (c, t) -> y(F.where(t.get("input.cond"), t.get("input.a"), t.get("input.b"))));
        m.put("binary", (c, t) -> {
            Tensor a = t.get("input.a");
            Tensor b = t.get("input.b");
            String kind = c.string("kind", "?");
            return y(switch (kind) {
                case "add" -> a.add(b);
                case "sub" -> a.sub(b);
                case "mul" -> a.mul(b);
                case "div" -> a.div(b);
                case "maximum" -> a.maximum(b);
                case "minimum" -> a.minimum(b);
                case "pow" -> a.pow(b);
                default -> throw new GoldenRunner.UnsupportedGoldenCase("binary kind '" + kind + "'");
            });
        });
        m.put("reduce", (c, t) -> {
            Tensor x = t.get("input.x");
            int[] dims = c.args().get("dims") == null ? null : c.ints("dims", null);
            boolean keep = c.flag("keepdim", false);
            String kind = c.string("kind", "?");
            return y(switch (kind) {
                case "sum" -> dims == null ? x.sum() : x.sum(dims, keep);
                case "mean" -> dims == null ? x.mean() : x.mean(dims, keep);
                case "amax" -> panface.tensor.ops.Reductions.amax(x, dims, keep);
                case "amin" -> panface.tensor.ops.Reductions.amin(x, dims, keep);
                case "var" -> x.var(dims, c.integer("correction", 1), keep);
                case "norm" -> x.norm(c.number("p", 2), dims, keep);
                default -> throw new GoldenRunner.UnsupportedGoldenCase("reduce kind '" + kind + "'");
            });
        });
        m.put("max_dim", (c, t) -> {
            Tensor x = t.get("input.x");
            int d = c.integer("dim", 0);
            boolean keep = c.flag("keepdim", false);
            Map<String, Tensor> r = new HashMap<>();
            r.put("output.values", x.max(d, keep));
            r.put("output.indices", x.argmax(d, keep));
            return r;
        });
        m.put("topk", (c, t) -> vi(F.topk(t.get("input.x"), c.integer("k", 1), c.integer("dim", -1), c.flag("largest", true))));
        m.put("sort", (c, t) -> vi(F.sort(t.get("input.x"), c.integer("dim", -1), c.flag("descending", false))));
        m.put("searchsorted", (c, t) -> y(F.searchsorted(t.get("input.sorted"), t.get("input.values"), c.flag("right", false))));
        return m;
    }

    private static int[] one() {
        return new int[] {1, 1};
    }

    private static void unary(Map<String, GoldenOp> m, String name, UnaryOperator<Tensor> f) {
        m.put(name, (c, t) -> y(f.apply(t.get("input.x"))));
    }

    private static Map<String, Tensor> y(Tensor y) {
        Map<String, Tensor> r = new HashMap<>();
        r.put("output.y", y);
        return r;
    }

    private static Map<String, Tensor> vi(ValuesIndices v) {
        Map<String, Tensor> r = new HashMap<>();
        r.put("output.values", v.values());
        r.put("output.indices", v.indices());
        return r;
    }

    /** input.t0, input.t1, ... in order. */
    private static List<Tensor> numbered(Map<String, Tensor> t) {
        List<Tensor> l = new ArrayList<>();
        for (int i = 0; t.containsKey("input.t" + i); i++) {
            l.add(t.get("input.t" + i));
        }
        return l;
    }
}
