package panface.nn.models;

import java.util.ArrayList;
import java.util.List;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Init;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.layers.BatchNorm;
import panface.nn.layers.Conv2d;
import panface.nn.layers.LayerNorm;
import panface.nn.layers.Linear;
import panface.nn.layers.Mlp;
import panface.nn.layers.Sequential;
import panface.nn.layers.TransformerBlock;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * insightface's face ViT (the LVFace backbone): a 9x9 stride-9 patch embedding on 112x112 images
 * (144 tokens), a learned position embedding, no class token, pre-norm blocks with a ReLU6 MLP,
 * random token dropping in training (the mask token re-inserted after the final norm), and the
 * flatten + Linear + BatchNorm1d + Linear + BatchNorm1d head. State-dict keys are insightface's.
 */
public final class FaceViT extends Module implements Layer {
    private final ViTConfig config;
    private final Conv2d patchProj;
    private final Parameter posEmbed;
    private final Parameter maskToken;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;
    private final Sequential feature;
    private final ViTDraws draws;

    public FaceViT(ViTConfig c) {
        this.config = c;
        Generator init = new Generator(c.seed());
        Generator gen = init.fork(1);
        this.draws = ViTDraws.philox(gen);
        int d = c.embedDim();
        int n = c.numPatches();
        PatchEmbed pe = child("patch_embed", new PatchEmbed(d, c.patchSize(), init));
        this.patchProj = pe.proj;
        this.posEmbed = parameter("pos_embed", Init.truncNormal(init, 0.02, 1, n, d));
        Module blockList = child("blocks", new ModuleList());
        for (int i = 0; i < c.depth(); i++) {
            double dp = c.depth() == 1 ? 0 : c.dropPathRate() * i / (c.depth() - 1);
            TransformerBlock b = new TransformerBlock(d, c.heads(), c.mlpRatio(), false, 0, dp, Mlp.Activation.RELU6, gen);
            ((ModuleList) blockList).add(b);
            blocks.add(b);
        }
        this.norm = child("norm", new LayerNorm(d));
        this.feature = child("feature", new Sequential()
                .add(new Linear(d * n, d, false, init))
                .add(new BatchNorm(d, 2e-5, 0.1, true))
                .add(new Linear(d, c.numFeatures(), false, init))
                .add(new BatchNorm(c.numFeatures(), 2e-5, 0.1, true)));
        this.maskToken = parameter("mask_token", Init.normal(init, 0, 0.02, 1, 1, d));
        initLinears(this, init);
    }

    /** Every Linear: trunc_normal(std 0.02) weight, zero bias (the reference's _init_weights). */
    private static void initLinears(Module m, Generator init) {
        if (m instanceof Linear l) {
            l.weight().set(Init.truncNormal(init, 0.02, l.weight().shape()));
            if (l.bias() != null) {
                l.bias().set(Tensor.zeros(l.bias().shape()));
            }
        }
        for (Module c : m.children().values()) {
            initLinears(c, init);
        }
    }

    public ViTConfig config() {
        return config;
    }

    /** The source of the training-time decisions the plain {@link #forward(Tensor)} uses: the model's own Philox stream. */
    public ViTDraws draws() {
        return draws;
    }

    /** The blocks, in order. */
    public List<TransformerBlock> blocks() {
        return blocks;
    }

    /**
     * Embeddings (B, numFeatures) of images (B, 3, 112, 112) normalised to [-1, 1]; raw, not
     * L2-normalised. In training the masking and drop-path decisions come from the model's own
     * Philox stream.
     */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, draws);
    }

    /**
     * The forward with the training-time decisions taken from draws. As in the reference, tokens
     * are dropped after the position embedding is added (each kept token carries its own
     * position's embedding), and draws is asked only for what is active: the token order when
     * masking (training with a mask ratio above 0), then per block with a drop-path rate above 0
     * the attention branch's and the MLP branch's decisions.
     */
    public Tensor forward(Tensor x, ViTDraws draws) {
        checkInput(x);
        int b = x.size(0);
        int d = config.embedDim();
        int n = config.numPatches();
        Tensor t = patchProj.forward(x).flatten(2, 3).transpose(1, 2);   // (B, N, D)
        t = t.add(posEmbed.data());
        double ratio = isTraining() ? config.effectiveMaskRatio() : 0;
        Tensor restore = null;
        if (ratio > 0) {
            int keep = (int) (n * (1 - ratio));
            Tensor shuffle = draws.tokenOrder(b, n, keep);                               // (B, N)
            restore = F.argsort(shuffle, 1, false);
            Tensor keepIdx = shuffle.narrow(1, 0, keep).unsqueeze(-1).expand(b, keep, d).contiguous();
            t = F.gather(t, 1, keepIdx);
        }
        for (int i = 0; i < blocks.size(); i++) {
            TransformerBlock blk = blocks.get(i);
            if (blk.dropPath().isIdentity()) {
                t = blk.forward(t);
            } else {
                double keepProb = 1 - blk.dropPath().probability();
                Tensor attnKeep = draws.dropPathKeep(i, 0, b, keepProb, t.device());
                t = blk.forward(t, attnKeep, draws.dropPathKeep(i, 1, b, keepProb, t.device()));
            }
        }
        if (t.dtype() == DType.BF16 || t.dtype() == DType.F16) {
            t = t.to(DType.F32);   // the final norm and the head run in float32, as the reference's x.float()
        }
        t = norm.forward(t);
        if (restore != null) {
            int kept = t.size(1);
            Tensor tokens = maskToken.data().expand(b, n - kept, d);
            Tensor full = F.cat(List.of(t, tokens), 1);
            t = F.gather(full, 1, restore.unsqueeze(-1).expand(b, n, d).contiguous());
        }
        return feature.forward(t.reshape(b, n * d));
    }

    /**
     * The evaluation-mode forward (no masking, no drop path) with each block's and the head's
     * fast paths; each block's input is freed once the block has returned.
     */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        int n = config.numPatches();
        int d = config.embedDim();
        InferenceStep patch = c.step(patchProj);
        List<InferenceStep> steps = new ArrayList<>();
        steps.add((w, x) -> {
            checkInput(x);
            return patch.apply(w, x).flatten(2, 3).transpose(1, 2).add(posEmbed.data());   // (B, N, D)
        });
        for (TransformerBlock blk : blocks) {
            steps.add(c.step(blk));
        }
        InferenceStep last = c.step(norm);
        InferenceStep head = c.step(feature);
        steps.add((w, t) -> {
            Tensor u = t.dtype() == DType.BF16 || t.dtype() == DType.F16 ? t.to(DType.F32) : t;
            return head.apply(w, last.apply(w, u).reshape(t.size(0), n * d));
        });
        return InferenceStep.chain(steps);
    }

    private void checkInput(Tensor x) {
        if (x.dim() != 4 || x.size(1) != 3 || x.size(2) != config.imgSize() || x.size(3) != config.imgSize()) {
            throw new IllegalArgumentException("FaceViT expects images (B, 3, " + config.imgSize() + ", " + config.imgSize() + "), got "
                    + x.describe());
        }
    }

    /** The patch embedding: Conv2d(3, D, k=p, s=p) under the key "proj". */
    static final class PatchEmbed extends Module {
        final Conv2d proj;

        PatchEmbed(int dim, int patch, Generator gen) {
            this.proj = child("proj", new Conv2d(3, dim, patch, patch, 0, 1, true, gen));
        }
    }

    /** Children "0", "1", ... (PyTorch's ModuleList keys). */
    static final class ModuleList extends Module {
        private int size;

        void add(Module m) {
            child(Integer.toString(size++), m);
        }
    }
}
