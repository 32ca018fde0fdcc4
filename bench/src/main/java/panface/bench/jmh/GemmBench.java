package panface.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import panface.tensor.Backends;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * float32 products C = A B^T (a linear layer) into a preallocated output: the face ViT's shapes
 * at batch 1 (144 tokens) and 32 (4608 rows), and square ones, with the weight as it is
 * ({@code linear}) and packed once ({@code linearPrepacked}, as in an inference plan,
 * {@code Module.compileInference}). Score: time per product.
 */
public class GemmBench extends State {
    /** rows x inner x outputs. */
    @Param({"144x256x768", "144x256x1024", "144x1024x256", "4608x256x768", "1024x1024x1024"})
    public String shape;

    private Tensor x;
    private Tensor wT;
    private Tensor out;
    private Object packed;

    @Setup(Level.Trial)
    public void setup() {
        open();
        String[] p = shape.split("x");
        int m = Integer.parseInt(p[0]);
        int k = Integer.parseInt(p[1]);
        int n = Integer.parseInt(p[2]);
        Generator g = new Generator(1);
        x = Tensor.randn(g, m, k);
        wT = Tensor.randn(g, n, k).mT();
        out = Tensor.zeros(m, n);
        packed = Backends.of(Device.CPU).prepackWeight(wT.mT().asView());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        close();
    }

    @Benchmark
    public Tensor linear() {
        Backends.of(Device.CPU).matmul(x.asView(), wT.asView(), out.asView(), 1.0, 0.0);
        return out;
    }

    @Benchmark
    public Tensor linearPrepacked() {
        if (!Backends.of(Device.CPU).linearPrepacked(x.asView(), packed, null, null, 0, null, out.asView())) {
            throw new IllegalStateException("the CPU backend did not take the packed weight (" + shape + ")");
        }
        return out;
    }
}
