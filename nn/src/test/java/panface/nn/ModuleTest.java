package panface.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.layers.BatchNorm;
import panface.nn.layers.Linear;
import panface.nn.layers.Sequential;
import panface.nn.models.FaceViT;
import panface.nn.models.IResNet;
import panface.nn.models.ViTConfig;
import panface.nn.optim.Ema;
import panface.nn.optim.LayerDecay;
import panface.nn.optim.ParamGroup;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

class ModuleTest {

    private static Sequential net() {
        Generator g = new Generator(1);
        return new Sequential().add(new Linear(4, 3, true, g)).add(new BatchNorm(3)).add(new Linear(3, 2, false, g));
    }

    @Test
    void namesFollowPyTorch() {
        Sequential m = net();
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "2.weight"), List.copyOf(m.namedParameters().keySet()));
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
                "2.weight"), List.copyOf(m.stateDict().keySet()));
        assertEquals(4 * 3 + 3 + 3 + 3 + 6, m.numParameters());
    }

    @Test
    void strictLoadingRefusesMismatchesAndChangesNothing() {
        Sequential a = net();
        Map<String, Tensor> state = new LinkedHashMap<>(net().stateDict());
        state.put("0.weight", Tensor.zeros(3, 5));
        state.remove("2.weight");
        state.put("extra", Tensor.zeros(1));
        double before = a.stateDict().get("0.bias").sum().item();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("1 missing: 2.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("1 unexpected: extra"), e.getMessage());
        assertTrue(e.getMessage().contains("0.weight: (3, 4) in the module, (3, 5) in the state"), e.getMessage());
        assertEquals(before, a.stateDict().get("0.bias").sum().item());
        state.put("0.bias", Tensor.full(2, panface.tensor.Device.CPU, panface.tensor.DType.F64, 3));
        LoadReport r = a.loadStateDict(state, false);
        assertFalse(r.clean());
        assertEquals(6.0, a.stateDict().get("0.bias").sum().item(), 1e-6, "non-strict loading copies what matches, converting dtype");
    }

    @Test
    void aMissingNumBatchesTrackedLoadsAsZeroButMissingStatisticsDoNot() {
        Sequential m = net();
        for (int i = 0; i < 5; i++) {
            m.forward(Tensor.randn(new Generator(i), 8, 4));
        }
        Map<String, Tensor> state = new LinkedHashMap<>(net().stateDict());
        state.remove("1.num_batches_tracked");
        LoadReport r = m.loadStateDict(state, true);
        assertTrue(r.clean(), r.toString());
        // PyTorch 1.13 (BatchNorm2d trained 5 steps, then load_state_dict without the key) reports all keys matched and resets it to 0.
        assertEquals(0L, m.stateDict().get("1.num_batches_tracked").toLongArray()[0]);
        state.remove("1.running_var");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("1 missing: 1.running_var"), e.getMessage());
        state.put("1.running_var", Tensor.ones(3));
        state.remove("1.weight");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true)).getMessage()
                .contains("1 missing: 1.weight"));
    }

    @Test
    void anIResNetStateDictWithoutNumBatchesTrackedLoadsStrictly() {
        IResNet model = new IResNet(new int[] {1, 1, 1, 1}, new int[] {4, 4, 4, 4}, 16, 8, 0, 1);
        Map<String, Tensor> state = new LinkedHashMap<>(new IResNet(new int[] {1, 1, 1, 1}, new int[] {4, 4, 4, 4}, 16, 8, 0, 2).stateDict());
        int dropped = 0;
        for (String k : List.copyOf(state.keySet())) {
            if (k.endsWith("num_batches_tracked")) {
                state.remove(k);
                dropped++;
            }
        }
        assertTrue(dropped > 5, "the model has BatchNorms");
        assertTrue(model.loadStateDict(state, true).clean());
        assertEquals(state.get("fc.weight").sum().item(), model.stateDict().get("fc.weight").sum().item());
    }

    @Test
    void modeAndBatchNormStatistics() {
        Sequential m = net();
        assertTrue(m.isTraining());
        m.forward(Tensor.randn(new Generator(2), 8, 4));
        assertEquals(1L, m.stateDict().get("1.num_batches_tracked").toLongArray()[0]);
        m.eval();
        assertFalse(((Module) m.get(1)).isTraining());
        m.forward(Tensor.randn(new Generator(2), 8, 4));
        assertEquals(1L, m.stateDict().get("1.num_batches_tracked").toLongArray()[0]);
    }

    @Test
    void slabsHoldParametersAndGradientsContiguously() {
        try (Scope s = Scope.open()) {
            Sequential m = net();
            Tensor x = Tensor.randn(new Generator(3), 8, 4);
            Tensor before = m.forward(x).detach().copy();
            List<ParameterSlab> slabs = ParameterSlab.pack(m);
            assertEquals(1, slabs.size());
            ParameterSlab slab = slabs.get(0);
            assertEquals(m.numParameters(), slab.data().numel());
            Tensor after = m.forward(x);
            assertArrayEquals(before.toFloatArray(), after.toFloatArray(), "packing keeps the values");
            after.sum().backward();
            Parameter w = m.namedParameters().get("0.weight");
            assertSame(slab.grads().storage(), w.grad().storage(), "gradients accumulate into the slab");
            assertTrue(slab.grads().abs().sum().item() > 0);
            slab.zeroGrad();
            assertEquals(0.0, slab.grads().abs().sum().item());
        }
    }

    @Test
    void frozenParametersGetNoGradient() {
        Linear l = new Linear(2, 2, true, new Generator(1));
        l.bias().requiresGrad(false);
        F.linear(Tensor.ones(1, 2), l.weight().data(), l.bias().data()).sum().backward();
        assertTrue(l.weight().grad() != null);
        assertEquals(null, l.bias().grad());
    }

    @Test
    void emaAveragesParameters() {
        Linear l = new Linear(2, 1, false, new Generator(1));
        Ema ema = new Ema(l, 0.5);
        double w0 = l.weight().data().sum().item();
        try (var g = panface.tensor.autograd.GradMode.noGrad()) {
            l.weight().data().addInPlace(Tensor.ones(1, 2), 1.0);
        }
        ema.update();
        assertEquals(w0 + 1.0, ema.averages().get("weight").sum().item(), 1e-6);
        Linear copy = new Linear(2, 1, false, new Generator(9));
        ema.copyTo(copy);
        assertEquals(w0 + 1.0, copy.weight().data().sum().item(), 1e-6);
    }

    @Test
    void layerDecayGroupsAViT() {
        FaceViT vit = new FaceViT(new ViTConfig(112, 9, 16, 3, 2, 2.0, 8, 0, 0, false, 1));
        List<ParamGroup> groups = LayerDecay.groups(vit, 0.5, 0.05, LayerDecay::noDecay);
        double head = 0;
        double embed = 0;
        int noDecayParams = 0;
        for (ParamGroup g : groups) {
            if (g.name().startsWith("layer4")) {
                head = g.lrScale();
            }
            if (g.name().startsWith("layer0")) {
                embed = g.lrScale();
            }
            if (g.weightDecay() == 0) {
                noDecayParams += g.params().size();
            }
        }
        assertEquals(1.0, head);
        assertEquals(Math.pow(0.5, 4), embed);
        assertTrue(noDecayParams > 10, "biases, norms and embeddings skip weight decay");
    }
}
