package panface.nn.onnx;

import java.util.HashMap;
import java.util.Map;

import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.PartFViT;
import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.tensor.Tensor;

/**
 * The ONNX graph of Part fViT in evaluation mode. With its landmark CNN the input is the image
 * (N, 3, S, S): MobileNetV3 features (h-swish as HardSwish, the squeeze-excitation's h-sigmoid
 * spelled relu6(x + 3) / 6 as the model computes it, its linears as 1x1 convolutions), the spatial
 * mean, the landmark Linear, the per-sample min-max (ReduceMin, ReduceMax) scaled to pixels, then the
 * patches cut by GridSample (bilinear, zero padding, align_corners 0) at each landmark plus the
 * patch offsets, the x offset along the patch row as the model's transposed layout. Without it the
 * input is the tokens (N, n, 3 P^2). Then the Linear embedding, the class token (Expand to the
 * batch), the first n + 1 positional embeddings, the pre-norm blocks (attention scale dim^-0.5 of
 * the model width, GELU as PyTorch exports it before opset 20) and the class token's LayerNorm.
 *
 * <p>GridSample (opset 16) rather than a gather formulation (floor, four GatherND reads, weights and
 * masks for the zero padding): one node with the model's exact semantics, which ONNX Runtime and the
 * other current runtimes implement natively, against some twenty nodes that each runtime must fuse
 * back to be as fast.
 */
final class PartFViTGraph {
    private PartFViTGraph() {
    }

    static GraphProto write(PartFViT model, Map<String, Tensor> modelState) {
        PartFViT.Config c = model.config();
        Map<String, Tensor> state = new HashMap<>(modelState);
        LandmarkCnn lcnn = model.landmarkCnn();
        int p = c.patchSize();
        GraphWriter w = new GraphWriter("part_fvit", state);
        String tokens;
        int n;
        long[] inputDims;
        if (lcnn == null) {
            n = c.numPatches();
            tokens = "input";
            inputDims = new long[] {-1, n, 3L * p * p};
        } else {
            int side = (int) Math.round(lcnn.extent()) + 1;
            n = (side / p) * (side / p);
            if (n > c.numPatches()) {
                throw new IllegalArgumentException("Part fViT: a " + side + "-pixel image has " + n + " patches, more than " + c.numPatches());
            }
            String landmarks = landmarks(w, lcnn, state, side, n);
            tokens = patches(w, landmarks, side, p, n);
            inputDims = new long[] {-1, 3, side, side};
        }
        String t = w.linear(tokens, "patch_to_embedding");
        String batch = w.slice(w.op("Shape", "input"), 0, 0, 1);
        String clsShape = w.node("Concat", new String[] {batch, w.constant("cls_shape", Tensor.of(new long[] {1, c.dim()}, 2))},
                GraphWriter.i("axis", 0));
        String cls = w.op("Expand", w.constant("cls_token", state.get("cls_token")), clsShape);
        t = w.node("Concat", new String[] {cls, t}, GraphWriter.i("axis", 1));
        Tensor pos = state.get("pos_embedding").narrow(1, 0, n + 1).contiguous();
        t = w.op("Add", t, w.constant("pos_embedding_first" + (n + 1), pos));
        int heads = c.heads();
        int hd = c.headDim();
        String scale = w.constant("attn_scale", Tensor.scalar(Math.pow(c.dim(), -0.5)));
        String half = w.constant("gelu_half", Tensor.scalar(0.5));
        String one = w.constant("gelu_one", Tensor.scalar(1.0));
        String sqrt2 = w.constant("gelu_sqrt2", Tensor.scalar(Math.sqrt(2)));
        for (int i = 0; i < c.depth(); i++) {
            String b = "transformer.layers." + i;
            String qkv = w.linear(w.layerNorm(t, b + ".0.fn.norm", 1e-5), b + ".0.fn.fn.to_qkv");
            qkv = w.transpose(w.reshape(qkv, 0, n + 1, 3, heads, hd), 2, 0, 3, 1, 4);
            String q = w.gather(qkv, 0, 0);
            String k = w.gather(qkv, 1, 0);
            String v = w.gather(qkv, 2, 0);
            String attn = w.softmax(w.op("Mul", w.op("MatMul", q, w.transpose(k, 0, 1, 3, 2)), scale), -1);
            String o = w.reshape(w.transpose(w.op("MatMul", attn, v), 0, 2, 1, 3), 0, n + 1, (long) heads * hd);
            t = w.op("Add", t, w.linear(o, b + ".0.fn.fn.to_out.0"));
            String h = w.linear(w.layerNorm(t, b + ".1.fn.norm", 1e-5), b + ".1.fn.fn.net.0");
            h = w.op("Mul", w.op("Mul", h, w.op("Add", w.op("Erf", w.op("Div", h, sqrt2)), one)), half);
            t = w.op("Add", t, w.linear(h, b + ".1.fn.fn.net.3"));
        }
        String out = w.layerNorm(w.gather(t, 0, 1), "mlp_head.0", 1e-5);
        return w.finish("input", inputDims, out, "embedding", new long[] {-1, c.dim()});
    }

    /** Landmarks (N, n, 2) in pixels: the first n of the landmark CNN's output on the input image. */
    private static String landmarks(GraphWriter w, LandmarkCnn lcnn, Map<String, Tensor> state, int side, int n) {
        int[][] table = lcnn.stn().table();
        String x = w.conv("input", "stn.features.0.0", 2, 1, 1);
        x = w.op("HardSwish", w.batchNorm(x, "stn.features.0.1", 1e-5));
        int in = 16;
        String three = w.constant("hsigmoid_three", Tensor.scalar(3.0));
        String six = w.constant("hsigmoid_six", Tensor.scalar(6.0));
        for (int k = 0; k < table.length; k++) {
            int[] r = table[k];
            String pre = "stn.features." + (k + 1) + ".conv.";
            boolean hswish = r[4] == 1;
            String y = act(w, w.batchNorm(w.conv(x, pre + "0", 1, 0, 1), pre + "1", 1e-5), hswish);
            y = w.batchNorm(w.conv(y, pre + "3", r[5], (r[0] - 1) / 2, r[1]), pre + "4", 1e-5);
            if (r[3] == 1) {
                for (String fc : new String[] {pre + "5.fc.0", pre + "5.fc.2"}) {
                    Tensor wt = state.get(fc + ".weight");
                    state.put(fc + ".weight", wt.reshape(wt.size(0), wt.size(1), 1, 1).contiguous());
                }
                String s = w.op("Relu", w.conv(w.op("GlobalAveragePool", y), pre + "5.fc.0", 1, 0, 1));
                s = w.op("Div", w.clip(w.op("Add", w.conv(s, pre + "5.fc.2", 1, 0, 1), three), 0, 6), six);
                y = w.op("Mul", y, s);
            }
            y = w.batchNorm(w.conv(act(w, y, hswish), pre + "7", 1, 0, 1), pre + "8", 1e-5);
            x = r[5] == 1 && in == r[2] ? w.op("Add", x, y) : y;
            in = r[2];
        }
        String theta = w.gemm(w.flatten(w.op("GlobalAveragePool", x)), "output_layer.1");
        // min and max over all 2R values of a sample, x and y together, as the model
        String lo = w.node("ReduceMin", new String[] {theta}, GraphWriter.ints("axes", 1), GraphWriter.i("keepdims", 1));
        String hi = w.node("ReduceMax", new String[] {theta}, GraphWriter.ints("axes", 1), GraphWriter.i("keepdims", 1));
        theta = w.op("Div", w.op("Sub", theta, lo), w.op("Sub", hi, lo));
        theta = w.op("Mul", theta, w.constant("landmark_extent", Tensor.scalar(lcnn.extent())));
        String lm = w.reshape(theta, 0, lcnn.landmarks(), 2);
        return n < lcnn.landmarks() ? w.slice(lm, 1, 0, n) : lm;
    }

    private static String act(GraphWriter w, String x, boolean hswish) {
        return w.op(hswish ? "HardSwish" : "Relu", x);
    }

    /**
     * Tokens (N, n, P*P*3): GridSample of the input at grid (landmark + offset) / (S / 2) - 1, the
     * offsets (i - P/2, j - P/2) for patch element (i, j), then channel-fastest order.
     */
    private static String patches(GraphWriter w, String landmarks, int side, int p, int n) {
        double[] off = new double[p * p * 2];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                off[2 * (i * p + j)] = i - p / 2.0;
                off[2 * (i * p + j) + 1] = j - p / 2.0;
            }
        }
        String grid = w.op("Add", w.reshape(landmarks, 0, n, 1, 2),
                w.constant("patch_offsets", Tensor.of(off, 1, 1, p * p, 2).to(panface.tensor.DType.F32)));
        grid = w.op("Sub", w.op("Div", grid, w.constant("grid_half", Tensor.scalar(side * 0.5))), w.constant("grid_one", Tensor.scalar(1.0)));
        String sampled = w.node("GridSample", new String[] {"input", grid}, GraphWriter.s("mode", "bilinear"),
                GraphWriter.s("padding_mode", "zeros"), GraphWriter.i("align_corners", 0));
        return w.reshape(w.transpose(sampled, 0, 2, 3, 1), 0, n, 3L * p * p);
    }
}
