package panface.tensor.cpu.image;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.Assertions2;
import panface.tensor.Tensor;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.KernelViews;
import panface.tensor.random.Generator;

/** Fast float32 im2col/col2im against the reference kernels over strides, padding and dilation. */
class ImageParityTest {

    @Test
    void unfoldAndFoldMatchTheReference() {
        Generator g = new Generator(4);
        Conv2dParams[] ps = {new Conv2dParams(3, 3, 1, 1, 1, 1, 1, 1), new Conv2dParams(3, 2, 2, 1, 1, 0, 1, 2),
            new Conv2dParams(9, 9, 9, 9, 0, 0, 1, 1), new Conv2dParams(1, 1, 2, 2, 0, 0, 1, 1), new Conv2dParams(7, 7, 1, 1, 0, 0, 1, 1)};
        for (Conv2dParams p : ps) {
            Tensor x = Tensor.randn(g, 2, 3, 19, 17);
            int rows = 3 * p.kh() * p.kw();
            int l = p.outH(19) * p.outW(17);
            Tensor ref = Tensor.zeros(2, rows, l);
            Tensor fast = Tensor.full(7f, panface.tensor.Device.CPU, panface.tensor.DType.F32, 2, rows, l);
            ImageReference.im2col(viewOf(x), p, viewOf(ref));
            assertTrue(Chosen.im2col(x, p, fast));
            Assertions2.assertClose(ref, fast, 0, 0);
            Tensor cols = Tensor.randn(g, 2, rows, l);
            Tensor base = Tensor.randn(g, 2, 3, 19, 17);
            Tensor xr = base.copy();
            Tensor xf = base.copy();
            ImageReference.col2im(viewOf(cols), p, viewOf(xr));
            assertTrue(Chosen.col2im(cols, p, xf));
            Assertions2.assertClose(xr, xf, 1e-5, 1e-5);
        }
    }
}
