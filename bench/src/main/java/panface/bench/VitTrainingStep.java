package panface.bench;

import java.util.List;

import panface.faceloss.CombinedMarginHead;
import panface.faceloss.Margin;
import panface.nn.ParameterSlab;
import panface.nn.models.FaceViT;
import panface.nn.optim.AdamW;
import panface.nn.optim.ParamGroup;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * compare-vit.sh's training step, as vit_torch.py builds it: the backbone in training mode, an
 * ArcFace head (s 64, m 0.5) over 10,000 classes, AdamW (learning rate 1e-3, weight decay 0.1)
 * over both with the parameters packed into slabs, and one fixed batch of 32 random images and
 * labels. Shared by {@link VitComparison} and {@link VitTrainTiming}.
 *
 * @param vit    the backbone
 * @param head   the margin head
 * @param opt    the optimizer
 * @param images the batch
 * @param labels its labels
 */
record VitTrainingStep(FaceViT vit, CombinedMarginHead head, AdamW opt, Tensor images, Tensor labels) {
    static final int BATCH = 32;
    static final int CLASSES = 10_000;

    /** The step over vit (its weights as they are), which is put in training mode. */
    static VitTrainingStep of(FaceViT vit) {
        vit.train(true);
        CombinedMarginHead head = new CombinedMarginHead(CLASSES, 512, Margin.arcFace(64, 0.5), new Generator(3));
        ParameterSlab.pack(vit);
        ParameterSlab.pack(head);
        AdamW opt = new AdamW(List.of(ParamGroup.of(vit.parameters(), 0.1), ParamGroup.of(head.parameters(), 0.1)), 1e-3);
        Tensor x = Tensor.randn(new Generator(4), BATCH, 3, 112, 112);
        long[] labels = new long[BATCH];
        Generator lg = new Generator(5);
        for (int i = 0; i < BATCH; i++) {
            labels[i] = lg.nextInt(CLASSES);
        }
        return new VitTrainingStep(vit, head, opt, x, Tensor.of(labels, BATCH));
    }

    /** One step: gradients cleared, forward, loss, backward, AdamW; its intermediates freed. */
    void run() {
        try (Scope step = Scope.open()) {
            opt.zeroGrad();
            head.loss(vit.forward(images), labels).backward();
            opt.step();
        }
    }
}
