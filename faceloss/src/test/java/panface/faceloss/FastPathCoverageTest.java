package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.models.Models;
import panface.nn.optim.AdamW;
import panface.nn.optim.ParamGroup;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.cpu.runtime.RefCalls;
import panface.tensor.random.Generator;

/**
 * The face backbones never take a reference kernel (the double-copy specification of an op) on
 * their hot paths: inference, and a training step with Partial FC's ArcFace head and AdamW, at
 * batch 2 (the kernels chosen do not depend on the batch size). A failure names the ops that fell
 * back, with their call counts.
 */
class FastPathCoverageTest {
    private static Map<String, Long> referenceCalls() {
        return RefCalls.snapshot();
    }

    private static void inference(String name, int batch) {
        try (Scope s = Scope.open()) {
            Layer m = (Layer) Models.create(name, 512, 1);
            Tensor x = Tensor.randn(new Generator(2), batch, 3, 112, 112);
            try (InferencePlan plan = ((Module) m).compileInference(x)) {
                RefCalls.reset();
                plan.run(x);
            }
            Map<String, Long> hits = referenceCalls();
            assertTrue(hits.isEmpty(), name + " inference ran reference kernels: " + hits);
        }
    }

    private static void trainingStep(String name, int batch) {
        try (Scope s = Scope.open()) {
            Layer m = (Layer) Models.create(name, 512, 1);
            ((Module) m).train(true);
            PartialFC head = new PartialFC(1000, 512, 0.2, Margin.arcFace(64, 0.5), new Generator(3));
            AdamW opt = new AdamW(List.of(ParamGroup.of(((Module) m).parameters(), 0.05), ParamGroup.of(head.parameters(), 0.05)), 1e-3);
            Tensor x = Tensor.randn(new Generator(4), batch, 3, 112, 112);
            Tensor y = Tensor.of(new long[] {7, 311, 7, 999}, 4).narrow(0, 0, batch);
            RefCalls.reset();
            try (Scope step = Scope.open()) {
                opt.zeroGrad();
                head.loss(m.forward(x), y).backward();
                opt.step();
            }
            Map<String, Long> hits = referenceCalls();
            assertTrue(hits.isEmpty(), name + " training step ran reference kernels: " + hits);
        }
    }

    @Test
    void r50Inference() {
        inference("r50", 2);
    }

    @Test
    void mbfInference() {
        inference("mbf", 2);
    }

    @Test
    void vitTInference() {
        inference("vit_t", 2);
    }

    @Test
    void r50TrainingStep() {
        trainingStep("r50", 2);
    }

    @Test
    void mbfTrainingStep() {
        trainingStep("mbf", 2);
    }

    @Test
    void vitTTrainingStep() {
        trainingStep("vit_t", 2);
    }
}
