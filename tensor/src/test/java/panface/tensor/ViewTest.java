package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ViewTest {

    @Test
    void aTensorHandsOutTheLayoutItHolds() {
        Tensor t = Tensor.zeros(2, 3, 4).transpose(0, 2);
        View v = t.asView();
        assertSame(v, t.asView());
        assertSame(t.storage(), v.storage());
        assertArrayEquals(t.shape(), v.shape());
        assertArrayEquals(t.strides(), v.strides());
        assertEquals(t.offset(), v.offset());
        assertFalse(v.isContiguous());
    }

    @Test
    void theAccessorsCopyTheArrays() {
        View v = Tensor.zeros(2, 3).asView();
        v.shape()[0] = 7;
        v.strides()[0] = 7;
        assertArrayEquals(new int[] {2, 3}, v.shape());
        assertArrayEquals(new int[] {3, 1}, v.strides());
    }

    @Test
    void expandAndTransposeFollowPyTorchsStrides() {
        // strides as torch.zeros(3, 1).expand(2, 3, 4).stride() and torch.zeros(2, 3, 4).transpose(0, 2).stride() give them
        View col = Tensor.zeros(3, 1).asView();
        View e = col.expand(2, 3, 4);
        assertArrayEquals(new int[] {2, 3, 4}, e.shape());
        assertArrayEquals(new int[] {0, 1, 0}, e.strides());
        View t = Tensor.zeros(2, 3, 4).asView().transpose(0, -1);
        assertArrayEquals(new int[] {4, 3, 2}, t.shape());
        assertArrayEquals(new int[] {1, 4, 12}, t.strides());
        assertThrows(IllegalArgumentException.class, () -> col.expand(2, 2));
    }

    @Test
    void checkedRefusesGeometryOutsideTheStorage() {
        Storage s = Tensor.zeros(6).storage();
        assertTrue(View.checked(s, 0, new int[] {2, 3}, new int[] {3, 1}).isContiguous());
        assertThrows(IndexOutOfBoundsException.class, () -> View.checked(s, 1, new int[] {2, 3}, new int[] {3, 1}));
        assertThrows(IllegalArgumentException.class, () -> View.checked(s, 0, new int[] {2, 3}, new int[] {1}));
        assertEquals(0, View.checked(s, 6, new int[] {0, 3}, new int[] {3, 1}).numel());
    }
}
