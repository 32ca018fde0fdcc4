package panface.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Captures System.out and System.err while a test runs the app in-process; close() puts them back. */
public final class ConsoleCapture implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream oldOut = System.out;
    private final PrintStream oldErr = System.err;
    private boolean closed;

    private ConsoleCapture() {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Starts capturing. */
    public static ConsoleCapture start() {
        return new ConsoleCapture();
    }

    /** What was printed to standard output since the start or the last reset. */
    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What was printed to standard error since the start or the last reset. */
    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Forgets what was captured so far. */
    public void reset() {
        out.reset();
        err.reset();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
