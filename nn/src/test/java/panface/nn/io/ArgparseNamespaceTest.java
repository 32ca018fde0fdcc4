package panface.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import panface.tensor.io.WeightFileException;

/** argparse.Namespace is read as an inert map; any other use of it in a pickle is refused. */
class ArgparseNamespaceTest {
    private static Object unpickle(byte[] pickle) throws WeightFileException {
        return new SafeUnpickler(Path.of("test.pt"), "data.pkl", pickle, TorchGlobals.allowed(), null).load();
    }

    /** PROTO 2, GLOBAL 'argparse Namespace', then the given opcodes, then STOP. */
    private static byte[] pickle(byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80);
        b.write(2);
        b.writeBytes("cargparse\nNamespace\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(body);
        b.write('.');
        return b.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void newObjAndBuildGiveAMapOfOptions() throws Exception {
        // ) NEWOBJ } X'lr' K 3 s BUILD: Namespace(lr=3)
        Object o = unpickle(pickle(ascii(")\u0081}X\u0002\u0000\u0000\u0000lrK\u0003sb")));
        ArgparseNamespace ns = assertInstanceOf(ArgparseNamespace.class, o);
        assertEquals(3L, ns.get("lr"));
    }

    @Test
    void anythingElseIsRefused() {
        // Called with arguments (REDUCE with a tuple holding one value)
        WeightFileException e = assertThrows(WeightFileException.class, () -> unpickle(pickle(ascii("K\u0001\u0085R"))));
        assertTrue(e.getMessage().contains("no arguments"), e.getMessage());
        // BUILD with a state that is not a dict
        e = assertThrows(WeightFileException.class, () -> unpickle(pickle(ascii(")\u0081K\u0005b"))));
        assertTrue(e.getMessage().contains("must be a dict"), e.getMessage());
        // BUILD with an integer key
        e = assertThrows(WeightFileException.class, () -> unpickle(pickle(ascii(")\u0081}K\u0001K\u0002sb"))));
        assertTrue(e.getMessage().contains("not a string"), e.getMessage());
    }
}
