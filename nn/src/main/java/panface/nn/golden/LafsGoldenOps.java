package panface.nn.golden;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import panface.nn.Module;
import panface.nn.lafs.DinoHead;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.LandmarkPatches;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.tensor.Tensor;
import panface.tensor.golden.GoldenCase;
import panface.tensor.golden.GoldenOp;
import panface.tensor.golden.GoldenOps;
import panface.tensor.random.Generator;

/** Golden ops of LAFS: {@code lafs_patches}, {@code lafs_landmark_cnn}, {@code part_fvit}, {@code dino_head} (evaluation mode). */
public final class LafsGoldenOps implements GoldenOps {

    @Override
    public Map<String, GoldenOp> ops() {
        Map<String, GoldenOp> m = new HashMap<>();
        m.put("lafs_patches", (c, t) -> Map.of("output.tokens",
                LandmarkPatches.extract(t.get("input.images"), t.get("input.landmarks"), c.integer("patch", 8))));
        m.put("lafs_landmark_cnn", (c, t) -> run(landmarkCnn(c, c.integer("landmarks", 196)), t, "output.landmarks", null));
        m.put("part_fvit", (c, t) -> {
            boolean land = c.flag("with_landmarks", false);
            PartFViT.Config cfg = new PartFViT.Config(c.integer("num_patches", 196), c.integer("patch_size", 8), c.integer("dim", 768),
                    c.integer("depth", 12), c.integer("heads", 11), c.integer("dim_head", 64), c.integer("mlp_dim", 2048), 0.1, 0.1, 0.1,
                    land);
            PartFViT model = new PartFViT(cfg, land ? landmarkCnn(c, cfg.numPatches()) : null, new Generator(0));
            return run(model, t, "output.embedding", model::forward);
        });
        m.put("dino_head", (c, t) -> run(new DinoHead(c.integer("in_dim", 768), c.integer("out_dim", 65536), c.integer("nlayers", 3),
                c.integer("hidden_dim", 2048), c.integer("bottleneck_dim", 256), c.flag("norm_last_layer", true), new Generator(0)),
                t, "output.y", null));
        return m;
    }

    /** A landmark CNN with the case's bottleneck table (the large one when absent) and extent. */
    private static LandmarkCnn landmarkCnn(GoldenCase c, int landmarks) {
        Generator gen = new Generator(0);
        Object table = c.args().get("table");
        MobileNetV3Features trunk = table == null ? new MobileNetV3Features(gen) : new MobileNetV3Features(rows(table), gen);
        return new LandmarkCnn(trunk, landmarks, c.number("extent", 111), gen);
    }

    private static int[][] rows(Object table) {
        List<?> rows = (List<?>) table;
        int[][] out = new int[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((List<?>) rows.get(i)).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        }
        return out;
    }

    /** Binds the case's params and buffers (exactly the model's keys), sets evaluation mode and runs forward on input.x. */
    private static Map<String, Tensor> run(Module model, Map<String, Tensor> leaves, String out, UnaryOperator<Tensor> forward) {
        Map<String, Tensor> bind = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("param.") || k.startsWith("buffer.")) {
                bind.put(k.substring(k.indexOf('.') + 1), e.getValue());
            }
        }
        // every key of the model must come from the case, so the keys are checked as well as the math
        if (!model.stateDict().keySet().equals(bind.keySet())) {
            throw new IllegalArgumentException("state-dict keys differ from the case's: model " + model.stateDict().keySet()
                    + ", case " + bind.keySet());
        }
        model.bind(bind);
        model.eval();
        UnaryOperator<Tensor> f = forward != null ? forward : ((panface.nn.Layer) model)::forward;
        Map<String, Tensor> r = new HashMap<>();
        r.put(out, f.apply(leaves.get("input.x")));
        return r;
    }
}
