package panface.bench.compare;

import java.nio.file.Path;
import java.util.Locale;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import panface.bench.Report;
import panface.bench.Timing;

/**
 * libtorch 2.7.1 (MKL, oneDNN) through DJL running the TorchScript trace of vit_t at batch 1 and
 * 32 with a thread count; JSON lines. Run with DJL_OFFLINE=true: the native library comes from
 * the pytorch-native-cpu jar on the class path.
 */
public final class DjlVit {
    private DjlVit() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String threads = args[1];
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(dir.resolve("vit_t.pt"))
                .optEngine("PyTorch").optTranslator(new NoopTranslator()).build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel(); Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager manager = NDManager.newBaseManager()) {
            for (int b : new int[] {1, 32}) {
                NDArray x = manager.randomNormal(new Shape(b, 3, 112, 112));
                NDList in = new NDList(x);
                double sec = Timing.bestSeconds(() -> {
                    try (NDList out = predictor.predict(in)) {
                        if (out.head().getShape().get(0) != b) {
                            throw new IllegalStateException("unexpected output shape");
                        }
                    } catch (ai.djl.translate.TranslateException e) {
                        throw new IllegalStateException(e);
                    }
                }, b == 1 ? 100 : 3, b == 1 ? 50 : 5);
                Report.line("vit_t_infer_b" + b, sec, String.format(Locale.ROOT, "\"ms_per_image\":%.2f", 1e3 * sec / b));
            }
        }
    }
}
