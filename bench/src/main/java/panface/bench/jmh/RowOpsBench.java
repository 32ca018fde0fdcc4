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
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.random.Generator;

/**
 * Row and elementwise kernels on (rows, cols) float32 into preallocated outputs, at the face
 * ViT's sizes (rows = batch x 144 tokens): layer norm, softmax, GELU, ReLU6 with bias, add, and
 * the layer-norm and softmax backwards. Score: time per call.
 */
public class RowOpsBench extends State {
    @Param({"144x256", "4608x512"})
    public String shape;

    private final Backend cpu = Backends.of(Device.CPU);
    private Tensor x;
    private Tensor y;
    private Tensor g;
    private Tensor w;
    private Tensor b;
    private Tensor mean;
    private Tensor rstd;

    @Setup(Level.Trial)
    public void setup() {
        open();
        String[] p = shape.split("x");
        int rows = Integer.parseInt(p[0]);
        int cols = Integer.parseInt(p[1]);
        Generator gen = new Generator(2);
        x = Tensor.randn(gen, rows, cols);
        g = Tensor.randn(gen, rows, cols);
        y = Tensor.zeros(rows, cols);
        w = Tensor.randn(gen, cols);
        b = Tensor.randn(gen, cols);
        mean = Tensor.zeros(DType.F32, rows);
        rstd = Tensor.zeros(DType.F32, rows);
        cpu.layerNorm(x.asView(), w.asView(), b.asView(), 1e-6, y.asView(), mean.asView(), rstd.asView());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        close();
    }

    @Benchmark
    public Tensor layerNorm() {
        cpu.layerNorm(x.asView(), w.asView(), b.asView(), 1e-6, y.asView(), mean.asView(), rstd.asView());
        return y;
    }

    @Benchmark
    public Tensor layerNormBackward() {
        cpu.layerNormBackward(x.asView(), w.asView(), mean.asView(), rstd.asView(), g.asView(), y.asView(), null, null);
        return y;
    }

    @Benchmark
    public Tensor softmax() {
        cpu.softmax(x.asView(), y.asView(), false);
        return y;
    }

    @Benchmark
    public Tensor softmaxBackward() {
        cpu.softmaxBackward(x.asView(), g.asView(), y.asView(), false);
        return y;
    }

    @Benchmark
    public Tensor gelu() {
        cpu.unary(UnaryOp.GELU, x.asView(), y.asView(), 0, 0);
        return y;
    }

    @Benchmark
    public Tensor biasRelu6() {
        cpu.biasActivation(UnaryOp.RELU6, 0, 0, x.asView(), b.asView(), y.asView());
        return y;
    }

    @Benchmark
    public Tensor add() {
        cpu.binary(BinaryOp.ADD, x.asView(), g.asView(), y.asView());
        return y;
    }
}
