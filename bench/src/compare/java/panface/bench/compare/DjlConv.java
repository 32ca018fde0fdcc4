package panface.bench.compare;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import panface.bench.Report;
import panface.bench.Timing;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/**
 * libtorch 2.7.1 (MKL, oneDNN) through DJL running the TorchScript traces of r50, r100 and mbf at
 * batch 1 and 32 with a thread count, after checking each one's embeddings against PyTorch's on
 * the exported check inputs; one round, JSON lines with the best and the median. Run with
 * DJL_OFFLINE=true: the native library comes from the pytorch-native-cpu jar on the class path.
 */
public final class DjlConv {
    private DjlConv() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String threads = args[1];
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        for (String name : new String[] {"r50", "r100", "mbf"}) {
            Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(dir.resolve(name + ".pt"))
                    .optEngine("PyTorch").optTranslator(new NoopTranslator()).build();
            try (ZooModel<NDList, NDList> model = criteria.loadModel(); Predictor<NDList, NDList> predictor = model.newPredictor();
                 NDManager manager = NDManager.newBaseManager()) {
                Map<String, Tensor> c = Safetensors.load(dir.resolve(name + "_check.safetensors"));
                float[] want = c.get("embedding").toFloatArray();
                try (NDList out = predictor.predict(new NDList(manager.create(c.get("x").toFloatArray(), new Shape(2, 3, 112, 112))))) {
                    float[] got = out.head().toFloatArray();
                    double err = 0;
                    double scale = 0;
                    for (int i = 0; i < want.length; i++) {
                        err = Math.max(err, Math.abs(got[i] - want[i]));
                        scale = Math.max(scale, Math.abs(want[i]));
                    }
                    if (!(err <= 1e-3 * scale)) {
                        throw new IllegalStateException(name + ": libtorch differs from PyTorch's embeddings by " + err + " (scale " + scale + ")");
                    }
                }
                for (int b : new int[] {1, 32}) {
                    NDArray x = manager.randomNormal(new Shape(b, 3, 112, 112));
                    NDList in = new NDList(x);
                    double[] t = Timing.sortedSeconds(() -> {
                        try (NDList out = predictor.predict(in)) {
                            if (out.head().getShape().get(0) != b) {
                                throw new IllegalStateException("unexpected output shape");
                            }
                        } catch (TranslateException e) {
                            throw new IllegalStateException(e);
                        }
                    }, b == 1 ? 20 : 1, b == 1 ? 20 : 3);
                    Report.line(name + "_infer_b" + b, t[0], String.format(Locale.ROOT, "\"median\":%.9f,\"ms_per_image\":%.2f",
                            t[t.length / 2], 1e3 * t[0] / b));
                }
            }
        }
    }
}
