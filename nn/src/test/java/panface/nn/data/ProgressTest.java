package panface.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void plainLinesAreThrottledAndTheLastIsAlwaysPrinted() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        Progress p = new Progress("epoch 1", 100, new PrintStream(buf, true, StandardCharsets.UTF_8), false, 10, now::get);
        now.set(2_000_000_000L);
        p.update(20, "loss 3.5");
        now.set(4_000_000_000L);
        p.update(40, null);
        now.set(20_000_000_000L);
        p.update(100, "skipped 2");
        assertEquals("epoch 1 20/100 (20.0%) 10.0/s eta 0:00:08  loss 3.5\nepoch 1 100/100 (100.0%) 5.0/s  skipped 2\n",
                buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void terminalBarRedrawsInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        Progress p = new Progress("x", 4, new PrintStream(buf, true, StandardCharsets.UTF_8), true, 10, now::get);
        now.set(1_000_000_000L);
        p.update(2, null);
        String s = buf.toString(StandardCharsets.UTF_8);
        assertEquals("\rx [###############               ] 2/4 (50.0%) 2.0/s eta 0:00:01", s);
    }
}
