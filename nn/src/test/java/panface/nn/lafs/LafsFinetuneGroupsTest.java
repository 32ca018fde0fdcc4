package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.Parameter;
import panface.nn.optim.ParamGroup;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** Layer-wise decay groups: each parameter's lr scale and weight decay against the BEiT rule written out here. */
class LafsFinetuneGroupsTest {

    @Test
    void scalesAndDecaysFollowTheLayerIds() {
        Generator gen = new Generator(0);
        int[][] table = {{3, 16, 16, 0, 0, 1}};
        LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(table, gen), 4, 15, gen);
        PartFViT model = new PartFViT(new PartFViT.Config(4, 8, 16, 3, 2, 8, 32, 0.1, 0.1, 0.1, true), lcnn, gen);
        Parameter cosface = new Parameter(Tensor.zeros(10, 16));
        List<ParamGroup> groups = LafsFinetuneGroups.groups(model, List.of(cosface), 0.58, 0.1, 0.05);
        Map<Parameter, ParamGroup> of = new IdentityHashMap<>();
        int count = 0;
        for (ParamGroup g : groups) {
            for (Parameter p : g.params()) {
                of.put(p, g);
                count++;
            }
        }
        assertEquals(model.parameters().size() + 1, count, "every parameter once");
        Map<String, Parameter> named = model.namedParameters();
        // depth 3: embeddings 0.58^4, block 0 0.58^3, block 2 0.58^1, final norm and head 1
        check(of.get(named.get("pos_embedding")), Math.pow(0.58, 4), 0.1);
        check(of.get(named.get("patch_to_embedding.bias")), Math.pow(0.58, 4), 0);
        check(of.get(named.get("stn.features.0.0.weight")), Math.pow(0.58, 4), 0.05);
        check(of.get(named.get("stn.features.0.1.weight")), Math.pow(0.58, 4), 0);
        check(of.get(named.get("transformer.layers.0.0.fn.fn.to_qkv.weight")), Math.pow(0.58, 3), 0.1);
        check(of.get(named.get("transformer.layers.2.1.fn.norm.weight")), 0.58, 0);
        check(of.get(named.get("mlp_head.0.weight")), 1, 0);
        check(of.get(cosface), 1, 0.1);
    }

    private static void check(ParamGroup g, double scale, double wd) {
        assertEquals(scale, g.lrScale(), 1e-15);
        assertEquals(wd, g.weightDecay(), 0);
    }
}
