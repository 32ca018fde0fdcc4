package panface.nn.lafs;

import java.util.ArrayList;
import java.util.List;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.layers.DropPath;
import panface.nn.layers.Dropout;
import panface.nn.layers.LayerNorm;
import panface.nn.layers.Linear;
import panface.nn.layers.PreparedLinear;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.random.Generator;

/**
 * Part fViT (the LAFS backbone, the reference's ViT_face_landmark_patch8): landmark patch tokens
 * (N, n, 3 P^2) -> Linear to the model width, a class token in front, the first n + 1 positional
 * embeddings added (position is the token's slot, not the landmark's identity), embedding dropout,
 * pre-norm blocks each with the same drop-path rate, and the class token through a LayerNorm as
 * the embedding. With a landmark CNN ({@link Config#withLandmarks}) images go in and the patches
 * are cut at the predicted landmarks.
 *
 * <p>State-dict keys are the reference's: pos_embedding, patch_to_embedding.*, cls_token,
 * transformer.layers.k.{0,1}.fn.norm.*, transformer.layers.k.0.fn.fn.to_qkv.weight,
 * transformer.layers.k.0.fn.fn.to_out.0.*, transformer.layers.k.1.fn.fn.net.{0,3}.*,
 * mlp_head.0.*, and with landmarks stn.features.* and output_layer.1.*. The reference's CosFace
 * weight ("loss.weight") belongs to the loss, not to this module.
 */
public final class PartFViT extends Module implements Layer {
    /**
     * The architecture. The reference's LAFS model: 196 patches of 8, width 768, depth 12, 11 heads
     * of 64, MLP 2048, dropout, embedding dropout and drop path 0.1.
     *
     * @param tokenInitStd the standard deviation of the class token's and the positional embeddings'
     *                     normal initialisation. The reference draws both with {@code torch.randn}
     *                     (1, the default); timm's ViT uses 0.02. At 1 they outweigh the patch
     *                     embeddings (a Linear's uniform initialisation, far smaller), so an untrained
     *                     model gives every image nearly the same class token.
     */
    public record Config(int numPatches, int patchSize, int dim, int depth, int heads, int headDim, int mlpDim, double dropout,
                         double embDropout, double dropPath, boolean withLandmarks, double tokenInitStd) {
        public Config {
            if (!(tokenInitStd > 0) || Double.isInfinite(tokenInitStd)) {
                throw new IllegalArgumentException("Part fViT: the token initialisation's standard deviation must be positive and finite, got "
                        + tokenInitStd);
            }
        }

        /** A configuration with the reference's token initialisation (standard deviation 1). */
        public Config(int numPatches, int patchSize, int dim, int depth, int heads, int headDim, int mlpDim, double dropout,
                      double embDropout, double dropPath, boolean withLandmarks) {
            this(numPatches, patchSize, dim, depth, heads, headDim, mlpDim, dropout, embDropout, dropPath, withLandmarks, 1.0);
        }

        /** The reference's pretraining and fine-tuning configuration. */
        public static Config lafs(boolean withLandmarks) {
            return new Config(196, 8, 768, 12, 11, 64, 2048, 0.1, 0.1, 0.1, withLandmarks);
        }

        /** This configuration with another token initialisation. */
        public Config withTokenInitStd(double std) {
            return new Config(numPatches, patchSize, dim, depth, heads, headDim, mlpDim, dropout, embDropout, dropPath, withLandmarks, std);
        }

        /** This configuration with or without the landmark CNN. */
        public Config withLandmarkCnn(boolean landmarks) {
            return new Config(numPatches, patchSize, dim, depth, heads, headDim, mlpDim, dropout, embDropout, dropPath, landmarks, tokenInitStd);
        }
    }

    private final Config config;
    private final LandmarkCnn landmarkCnn;
    private final Parameter posEmbedding;
    private final Linear patchToEmbedding;
    private final Parameter clsToken;
    private final Dropout embDropout;
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm norm;

    /** A model with the reference's landmark CNN when the config asks for landmarks. */
    public PartFViT(Config c, Generator gen) {
        this(c, c.withLandmarks() ? new LandmarkCnn(c.numPatches(), gen) : null, gen);
    }

    /** A model with a given landmark CNN (R = numPatches landmarks), or none when landmarkCnn is null. */
    public PartFViT(Config c, LandmarkCnn landmarkCnn, Generator gen) {
        this.config = c;
        if (c.withLandmarks() != (landmarkCnn != null) || (landmarkCnn != null && landmarkCnn.landmarks() != c.numPatches())) {
            throw new IllegalArgumentException("Part fViT: withLandmarks " + c.withLandmarks() + " needs a landmark CNN with "
                    + c.numPatches() + " landmarks");
        }
        this.landmarkCnn = landmarkCnn;
        if (landmarkCnn != null) {
            child("stn", landmarkCnn.stn());
            child("output_layer", landmarkCnn.outputLayer());
        }
        this.posEmbedding = parameter("pos_embedding", tokenInit(Tensor.randn(gen, 1, c.numPatches() + 1, c.dim()), c));
        this.patchToEmbedding = child("patch_to_embedding", new Linear(3 * c.patchSize() * c.patchSize(), c.dim(), true, gen));
        this.clsToken = parameter("cls_token", tokenInit(Tensor.randn(gen, 1, 1, c.dim()), c));
        this.embDropout = child("dropout", new Dropout(c.embDropout(), gen));
        Keys layers = child("transformer", new Keys()).put("layers", new Keys());
        for (int i = 0; i < c.depth(); i++) {
            blocks.add(layers.put(Integer.toString(i), new Block(c, gen)));
        }
        this.norm = child("mlp_head", new Keys()).put("0", new LayerNorm(c.dim()));
    }

    public Config config() {
        return config;
    }

    /** The landmark CNN (sharing this model's stn and output_layer parameters), or null without landmarks. */
    public LandmarkCnn landmarkCnn() {
        return landmarkCnn;
    }

    /**
     * Embeddings (N, dim): of images (N, 3, H, W) in [-1, 1] when the model has a landmark CNN (the
     * first (H / P)^2 landmarks are used, as the reference), else of tokens (N, n, 3 P^2).
     */
    @Override
    public Tensor forward(Tensor x) {
        if (landmarkCnn == null) {
            return forwardTokens(x);
        }
        int keep = (x.size(2) / config.patchSize()) * (x.size(2) / config.patchSize());
        Tensor r = landmarkCnn.forward(x).narrow(1, 0, keep);
        return forwardTokens(LandmarkPatches.extract(x, r, config.patchSize()));
    }

    /** Embeddings (N, dim) of patch tokens (N, n, 3 P^2) with n at most numPatches. */
    public Tensor forwardTokens(Tensor tokens) {
        checkTokens(tokens);
        Tensor t = embDropout.forward(withClassToken(patchToEmbedding.forward(tokens)));
        for (Block blk : blocks) {
            t = blk.forward(t);
        }
        return norm.forward(t.select(1, 0));
    }

    /**
     * The evaluation-mode forward with the landmark CNN's, the blocks' and the head's plan steps;
     * each block's input is freed once the block has returned.
     */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        InferenceStep landmarks = landmarkCnn == null ? null : c.step(landmarkCnn);
        InferenceStep embed = c.step(patchToEmbedding);
        List<InferenceStep> steps = new ArrayList<>();
        steps.add((w, x) -> {
            Tensor tokens = x;
            if (landmarks != null) {
                int keep = (x.size(2) / config.patchSize()) * (x.size(2) / config.patchSize());
                tokens = LandmarkPatches.extract(x, landmarks.apply(w, x).narrow(1, 0, keep), config.patchSize());
            }
            checkTokens(tokens);
            return withClassToken(embed.apply(w, tokens));
        });
        for (Block blk : blocks) {
            steps.add(c.step(blk));
        }
        InferenceStep last = c.step(norm);
        steps.add((w, t) -> last.apply(w, t.select(1, 0)));
        return InferenceStep.chain(steps);
    }

    private void checkTokens(Tensor tokens) {
        if (tokens.dim() != 3 || tokens.size(1) > config.numPatches() || tokens.size(2) != 3 * config.patchSize() * config.patchSize()) {
            throw new IllegalArgumentException("Part fViT expects tokens (N, n <= " + config.numPatches() + ", "
                    + 3 * config.patchSize() * config.patchSize() + "), got " + tokens.describe());
        }
    }

    /** A standard normal draw scaled to the configured standard deviation (the reference's draw as it is at 1). */
    private static Tensor tokenInit(Tensor standardNormal, Config c) {
        return c.tokenInitStd() == 1.0 ? standardNormal : standardNormal.mul(c.tokenInitStd());
    }

    /** Embedded tokens (N, n, dim) with the class token in front and the first n + 1 positional embeddings added. */
    private Tensor withClassToken(Tensor t) {
        int b = t.size(0);
        int n = t.size(1);
        Tensor cls = clsToken.data().expand(b, 1, config.dim());
        return F.cat(List.of(cls, t), 1).add(posEmbedding.data().narrow(1, 0, n + 1));
    }


    /**
     * x + dropPath(attn(LN x)), then x + dropPath(ff(LN x)), the two drop paths independent.
     * Keys 0.fn.norm, 0.fn.fn (attention), 1.fn.norm, 1.fn.fn.net.{0,3} (feed-forward).
     */
    static final class Block extends Module implements Layer {
        private final LayerNorm norm1;
        private final PartAttention attn;
        private final DropPath drop1;
        private final LayerNorm norm2;
        private final Linear fc1;
        private final Linear fc2;
        private final Dropout ffDrop1;
        private final Dropout ffDrop2;
        private final DropPath drop2;

        Block(Config c, Generator gen) {
            Keys a = put(put(this, "0"), "fn");
            this.norm1 = a.put("norm", new LayerNorm(c.dim()));
            this.attn = a.put("fn", new PartAttention(c.dim(), c.heads(), c.headDim(), c.dropout(), gen));
            this.drop1 = child("drop_path1", new DropPath(c.dropPath(), gen));
            Keys f = put(put(this, "1"), "fn");
            this.norm2 = f.put("norm", new LayerNorm(c.dim()));
            Keys net = put(f.put("fn", new Keys()), "net");
            this.fc1 = net.put("0", new Linear(c.dim(), c.mlpDim(), true, gen));
            this.ffDrop1 = net.put("2", new Dropout(c.dropout(), gen));
            this.fc2 = net.put("3", new Linear(c.mlpDim(), c.dim(), true, gen));
            this.ffDrop2 = net.put("4", new Dropout(c.dropout(), gen));
            this.drop2 = child("drop_path2", new DropPath(c.dropPath(), gen));
        }

        private static Keys put(Module parent, String name) {
            Keys k = new Keys();
            if (parent instanceof Block b) {
                return b.child(name, k);
            }
            return ((Keys) parent).put(name, k);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = x.add(drop1.forward(attn.forward(norm1.forward(x))));
            Tensor h = ffDrop1.forward(F.gelu(fc1.forward(norm2.forward(y))));
            return y.add(drop2.forward(ffDrop2.forward(fc2.forward(h))));
        }

        /**
         * The evaluation-mode block (drop paths and dropouts off) with packed weights, GELU fused
         * into the first feed-forward product and each skip connection into the product before it;
         * each branch's intermediates are freed once it returns.
         */
        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            InferenceStep n1 = c.step(norm1);
            InferenceStep n2 = c.step(norm2);
            PartAttention.ResidualBranch a = attn.residualStep(c);
            PreparedLinear p1 = PreparedLinear.of(c, fc1);
            PreparedLinear p2 = PreparedLinear.of(c, fc2);
            return (w, x) -> Scope.compute(() -> {
                Tensor y = Scope.compute(() -> a.apply(w, n1.apply(w, x), x));
                return Scope.compute(() -> p2.forwardResidual(w, p1.forwardActivation(w, n2.apply(w, y), UnaryOp.GELU), y));
            });
        }
    }
}
