package panface.nn.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import panface.nn.Module;
import panface.nn.lafs.PartFViT;
import panface.nn.models.FaceViT;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.nn.models.ViTConfig;
import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.nn.onnx.proto.OnnxProto.ModelProto;
import panface.nn.onnx.proto.OnnxProto.OperatorSetIdProto;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Writes our face models as ONNX (opset 17, IR version 8) for any runtime: input "input"
 * (N, 3, S, S) with a dynamic batch axis, output "embedding" (N, E), weights inside the file (so
 * models up to 2 GiB), state-dict keys as initializer names. The graph follows each model's forward
 * in evaluation mode. Supported: {@link IResNet}, {@link MobileFaceNet}, {@link FaceViT} and
 * {@link PartFViT} (with its landmark CNN the input is the image, (S - 1) the landmark CNN's largest
 * coordinate, and the output the class token's embedding; without it the input is the patch tokens
 * (N, n, 3 P^2)).
 */
public final class OnnxExport {
    /** The opset written. */
    public static final int OPSET = 17;

    private OnnxExport() {
    }

    /** Writes a model to a file (atomically: a temporary file beside it, then a rename). */
    public static void write(Module model, Path out) throws IOException {
        ModelProto m = toProto(model);
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (var o = Files.newOutputStream(tmp)) {
            m.writeTo(o);
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The ONNX model message of a model. */
    static ModelProto toProto(Module model) {
        GraphProto g;
        try (var gm = GradMode.noGrad()) {
            Map<String, Tensor> state = model.stateDict();
            g = switch (model) {
                case IResNet r -> iresnet(state);
                case FaceViT v -> vit(v.config(), state);
                case MobileFaceNet m -> mobileFaceNet(state);
                case PartFViT p -> PartFViTGraph.write(p, state);
                default -> throw new IllegalArgumentException("exporting " + model.getClass().getSimpleName()
                        + " to ONNX is not supported (supported: IResNet, MobileFaceNet, FaceViT, PartFViT)");
            };
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("panface").setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(g).build();
    }

    /** insightface's IResNet: stem conv-BN-PReLU, four stages of IBasicBlocks, BN, flatten, fc, BatchNorm1d. */
    private static GraphProto iresnet(Map<String, Tensor> state) {
        GraphWriter w = new GraphWriter("iresnet", state);
        String x = w.conv("input", "conv1", 1, 1, 1);
        x = w.prelu(w.batchNorm(x, "bn1", 1e-5), "prelu");
        for (int s = 1; s <= 4; s++) {
            for (int b = 0; state.containsKey("layer" + s + "." + b + ".conv1.weight"); b++) {
                String p = "layer" + s + "." + b;
                int stride = b == 0 ? 2 : 1;
                String y = w.conv(w.batchNorm(x, p + ".bn1", 1e-5), p + ".conv1", 1, 1, 1);
                y = w.prelu(w.batchNorm(y, p + ".bn2", 1e-5), p + ".prelu");
                y = w.batchNorm(w.conv(y, p + ".conv2", stride, 1, 1), p + ".bn3", 1e-5);
                String shortcut = state.containsKey(p + ".downsample.0.weight")
                        ? w.batchNorm(w.conv(x, p + ".downsample.0", stride, 0, 1), p + ".downsample.1", 1e-5) : x;
                x = w.op("Add", y, shortcut);
            }
        }
        x = w.flatten(w.batchNorm(x, "bn2", 1e-5));
        x = w.batchNorm(w.gemm(x, "fc"), "features", 1e-5);
        int in = state.get("fc.weight").size(1);
        int c = state.get("bn2.weight").size(0);
        long side = Math.round(Math.sqrt((double) in / c)) * 16;
        return w.finish("input", new long[] {-1, 3, side, side}, x, "embedding", new long[] {-1, state.get("fc.weight").size(0)});
    }

    /**
     * insightface's MobileFaceNet: stride-2 stem ConvBlock, a ConvBlock or residual stage, then three
     * (stride-2 DepthWise, residual stage) pairs, the 1x1 conv_sep, the global depthwise conv, flatten,
     * the bias-free linear and its BatchNorm1d. A ConvBlock is conv-BN-PReLU, a LinearBlock conv-BN;
     * 3x3 convolutions pad 1, groups follow from the weight's input channels.
     */
    private static GraphProto mobileFaceNet(Map<String, Tensor> state) {
        GraphWriter w = new GraphWriter("mobilefacenet", state);
        int[] channels = {3};
        String x = convBlock(w, "input", "layers.0", 2, channels, true);
        for (int i = 1; state.containsKey("layers." + i + ".layers.0.weight") || state.containsKey("layers." + i + ".layers.0.layers.0.weight")
                || state.containsKey("layers." + i + ".layers.0.layers.0.layers.0.weight"); i++) {
            String p = "layers." + i;
            if (state.containsKey(p + ".layers.0.weight")) {
                x = convBlock(w, x, p, 1, channels, true);
            } else if (state.containsKey(p + ".layers.0.layers.0.weight")) {
                x = depthWise(w, x, p, 2, channels);
            } else {
                for (int b = 0; state.containsKey(p + ".layers." + b + ".layers.0.layers.0.weight"); b++) {
                    x = w.op("Add", x, depthWise(w, x, p + ".layers." + b, 1, channels));
                }
            }
        }
        x = convBlock(w, x, "conv_sep", 1, channels, true);
        x = w.flatten(convBlock(w, x, "features.layers.0", 1, channels, false));
        x = w.batchNorm(w.gemm(x, "features.layers.2"), "features.layers.3", 1e-5);
        int side = state.get("features.layers.0.layers.0.weight").size(2) * 16;
        return w.finish("input", new long[] {-1, 3, side, side}, x, "embedding", new long[] {-1, state.get("features.layers.2.weight").size(0)});
    }

    /** conv (3x3 pads 1) + BN (+ PReLU when withPrelu) under prefix.layers.0/1/2; channels[0] tracks the channel count. */
    private static String convBlock(GraphWriter w, String x, String prefix, int stride, int[] channels, boolean withPrelu) {
        Tensor k = w.tensor(prefix + ".layers.0.weight");
        int groups = channels[0] / k.size(1);
        String y = w.batchNorm(w.conv(x, prefix + ".layers.0", stride, k.size(2) == 3 ? 1 : 0, groups), prefix + ".layers.1", 1e-5);
        channels[0] = k.size(0);
        return withPrelu ? w.prelu(y, prefix + ".layers.2") : y;
    }

    /** 1x1 expand ConvBlock, 3x3 depthwise ConvBlock (the stride), 1x1 project LinearBlock. */
    private static String depthWise(GraphWriter w, String x, String prefix, int stride, int[] channels) {
        String y = convBlock(w, x, prefix + ".layers.0", 1, channels, true);
        y = convBlock(w, y, prefix + ".layers.1", stride, channels, true);
        return convBlock(w, y, prefix + ".layers.2", 1, channels, false);
    }

    /** insightface's face ViT in evaluation mode: patch conv, position embedding, pre-norm blocks, LayerNorm, feature head. */
    private static GraphProto vit(ViTConfig c, Map<String, Tensor> state) {
        GraphWriter w = new GraphWriter("vit", state);
        int d = c.embedDim();
        int n = c.numPatches();
        int h = c.heads();
        String x = w.conv("input", "patch_embed.proj", c.patchSize(), 0, 1);
        x = w.transpose(w.reshape(x, 0, d, n), 0, 2, 1);
        x = w.op("Add", x, w.constant("pos_embed", state.get("pos_embed")));
        String scale = w.constant("attn_scale", Tensor.scalar(Math.pow((double) d / h, -0.5)));
        for (int i = 0; i < c.depth(); i++) {
            String p = "blocks." + i;
            String qkv = w.linear(w.layerNorm(x, p + ".norm1", 1e-5), p + ".attn.qkv");
            qkv = w.transpose(w.reshape(qkv, 0, n, 3, h, d / h), 2, 0, 3, 1, 4);
            String q = w.gather(qkv, 0, 0);
            String k = w.gather(qkv, 1, 0);
            String v = w.gather(qkv, 2, 0);
            String attn = w.softmax(w.op("Mul", w.op("MatMul", q, w.transpose(k, 0, 1, 3, 2)), scale), -1);
            String o = w.reshape(w.transpose(w.op("MatMul", attn, v), 0, 2, 1, 3), 0, n, d);
            x = w.op("Add", x, w.linear(o, p + ".attn.proj"));
            String m = w.clip(w.linear(w.layerNorm(x, p + ".norm2", 1e-5), p + ".mlp.fc1"), 0, 6);
            x = w.op("Add", x, w.linear(m, p + ".mlp.fc2"));
        }
        x = w.reshape(w.layerNorm(x, "norm", 1e-5), 0, (long) n * d);
        x = w.batchNorm(w.gemm(x, "feature.0"), "feature.1", 2e-5);
        x = w.batchNorm(w.gemm(x, "feature.2"), "feature.3", 2e-5);
        return w.finish("input", new long[] {-1, 3, c.imgSize(), c.imgSize()}, x, "embedding", new long[] {-1, c.numFeatures()});
    }
}
