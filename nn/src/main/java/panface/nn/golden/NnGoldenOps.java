package panface.nn.golden;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.models.FaceViT;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.nn.models.ViTConfig;
import panface.nn.models.ViTDraws;
import panface.tensor.Tensor;
import panface.tensor.golden.GoldenCase;
import panface.tensor.golden.GoldenOp;
import panface.tensor.golden.GoldenOps;
import panface.tensor.golden.GoldenRunner;

/** Golden ops of the nn module: {@code vit_face}. */
public final class NnGoldenOps implements GoldenOps {

    @Override
    public Map<String, GoldenOp> ops() {
        Map<String, GoldenOp> m = new HashMap<>();
        m.put("vit_face", NnGoldenOps::vitFace);
        m.put("iresnet", (c, t) -> run(new IResNet(c.ints("blocks", null), c.ints("widths", null), c.integer("input_size", 112),
                c.integer("num_features", 512), 0.0, 0), c, t));
        m.put("mobilefacenet", (c, t) -> run(new MobileFaceNet(new MobileFaceNet.Config(c.integer("num_features", 512), c.ints("blocks", null),
                c.integer("stem", 128), c.integer("body", 256), c.ints("expansions", null), c.integer("first_groups", 64),
                c.integer("head", 512), c.integer("input_size", 112)), 0), c, t));
        return m;
    }

    private static Map<String, Tensor> vitFace(GoldenCase c, Map<String, Tensor> leaves) {
        if (!c.string("norm_layer", "ln").equals("ln") || c.flag("qkv_bias", false) || !c.string("act", "relu6").equals("relu6")) {
            throw new GoldenRunner.UnsupportedGoldenCase("vit_face supports norm_layer=ln, qkv_bias=false, act=relu6");
        }
        double maskRatio = c.number("mask_ratio", 0);
        double dropPath = c.number("drop_path_rate", 0);
        boolean training = c.flag("training", false);
        ViTConfig cfg = new ViTConfig(c.integer("img_size", 112), c.integer("patch_size", 9), c.integer("embed_dim", 768),
                c.integer("depth", 12), c.integer("num_heads", 12), c.number("mlp_ratio", 4), c.integer("num_classes", 512), dropPath,
                maskRatio, false, 0);
        FaceViT model = new FaceViT(cfg);
        if (!training || (maskRatio == 0 && dropPath == 0)) {
            return run(model, c, leaves);
        }
        // the reference's random decisions are the case's inputs
        Tensor keepIndex = leaves.get("input.keep_index");
        Tensor dropPathKeep = leaves.get("input.drop_path_keep");
        if ((maskRatio > 0 && keepIndex == null) || (dropPath > 0 && dropPathKeep == null)) {
            throw new GoldenRunner.UnsupportedGoldenCase("vit_face in training with masking or drop path needs input.keep_index "
                    + "and input.drop_path_keep (the reference's decisions)");
        }
        ViTDraws draws = ViTDraws.given(keepIndex, dropPathKeep);
        return run(model, c, leaves, x -> model.forward(x, draws));
    }

    /** Binds the case's params and buffers into the model, sets the mode and runs it on input.x. */
    private static Map<String, Tensor> run(Module model, GoldenCase c, Map<String, Tensor> leaves) {
        return run(model, c, leaves, ((Layer) model)::forward);
    }

    /** As {@link #run(Module, GoldenCase, Map)} with the forward given. */
    private static Map<String, Tensor> run(Module model, GoldenCase c, Map<String, Tensor> leaves, UnaryOperator<Tensor> forward) {
        boolean training = c.flag("training", false);
        Map<String, Tensor> bind = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("param.") || k.startsWith("buffer.")) {
                bind.put(k.substring(k.indexOf('.') + 1), e.getValue());
            }
        }
        model.bind(bind);
        model.train(training);
        Map<String, Tensor> out = new HashMap<>();
        out.put("output.embedding", forward.apply(leaves.get("input.x")));
        return out;
    }
}
