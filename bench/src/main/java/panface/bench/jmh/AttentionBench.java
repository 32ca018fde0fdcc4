package panface.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.backend.Backend;
import panface.tensor.random.Generator;

/**
 * Fused float32 attention forward and backward at the face ViT's shape (T = 144 tokens, head
 * dimension 32, 8 heads) for batch 1 and 32. Score: time per call.
 */
public class AttentionBench extends State {
    @Param({"1", "32"})
    public int batch;

    private final Backend cpu = Backends.of(Device.CPU);
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor out;
    private Tensor lse;
    private Tensor gy;
    private Tensor gq;
    private Tensor gk;
    private Tensor gv;

    @Setup(Level.Trial)
    public void setup() {
        open();
        Generator g = new Generator(3);
        int h = 8;
        int t = 144;
        int d = 32;
        q = Tensor.randn(g, batch, h, t, d);
        k = Tensor.randn(g, batch, h, t, d);
        v = Tensor.randn(g, batch, h, t, d);
        gy = Tensor.randn(g, batch, h, t, d);
        out = Tensor.zeros(batch, h, t, d);
        lse = Tensor.zeros(DType.F32, batch, h, t);
        gq = Tensor.zeros(batch, h, t, d);
        gk = Tensor.zeros(batch, h, t, d);
        gv = Tensor.zeros(batch, h, t, d);
        cpu.attention(q.asView(), k.asView(), v.asView(), 0.17, out.asView(), lse.asView());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        close();
    }

    @Benchmark
    public Tensor forward() {
        cpu.attention(q.asView(), k.asView(), v.asView(), 0.17, out.asView(), lse.asView());
        return out;
    }

    @Benchmark
    public Tensor backward() {
        cpu.attentionBackward(q.asView(), k.asView(), v.asView(), out.asView(), lse.asView(), gy.asView(), 0.17, gq.asView(), gk.asView(), gv.asView());
        return gq;
    }
}
