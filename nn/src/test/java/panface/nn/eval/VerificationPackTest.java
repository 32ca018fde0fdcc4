package panface.nn.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nn.infer.FaceImages;

/** Packs written by Python 2 and 3 (make_eval_files.py) are read to the bytes Python wrote; damaged ones are refused with the file and the reason. */
class VerificationPackTest {
    @TempDir
    Path dir;

    static Path resource(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = VerificationPackTest.class.getResourceAsStream("/eval/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void readsWhatPythonWrote() throws Exception {
        List<String> lines = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/eval/expected.txt")) {
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!l.startsWith("#") && !l.isBlank()) {
                    lines.add(l);
                }
            }
        }
        int packs = 0;
        for (int at = 0; at < lines.size(); packs++) {
            String[] head = lines.get(at++).split(" ");
            VerificationPack p = VerificationPack.read(resource(dir, head[0]));
            int n = Integer.parseInt(head[1]);
            assertEquals(head[0].replace(".bin", ""), p.name());
            assertEquals(n, p.pairs());
            for (int i = 0; i < n; i++) {
                assertEquals(head[2].charAt(i) == '1', p.same()[i], head[0] + " label " + i);
            }
            for (int i = 0; i < 2 * n; i++) {
                String[] img = lines.get(at++).split(" ");
                assertEquals(Integer.parseInt(img[0]), p.image(i).length, head[0] + " image " + i);
                assertEquals(img[1], HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(p.image(i))), head[0] + " image " + i);
                assertTrue(FaceImages.decode(p.image(i)).getWidth() > 0);
            }
        }
        assertEquals(9, packs);
    }

    @Test
    void truncatedPackNamesTheFileAndSaysTruncated() throws Exception {
        Path p = resource(dir, "truncated.bin");
        IOException e = assertThrows(IOException.class, () -> VerificationPack.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    private IOException refused(String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        IOException e = assertThrows(IOException.class, () -> VerificationPack.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e;
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void wrongShapesAreRefusedWithWhatIsWrong() throws Exception {
        assertTrue(refused("empty.bin", new byte[0]).getMessage().contains("empty file"));
        assertTrue(refused("text.bin", "hello".getBytes(StandardCharsets.US_ASCII)).getMessage().contains("not a verification pack"));
        // (['ab'], [True]): one image for one pair.
        String m = refused("one.bin", bytes(0x80, 2, ']', '(', 'C', 2, 'a', 'b', 'e', ']', '(', 0x88, 'e', 0x86, '.')).getMessage();
        assertTrue(m.contains("1 images for 1 pairs"), m);
        // (['a', 'b'], [1]): an int label.
        m = refused("int.bin", bytes(0x80, 2, ']', '(', 'C', 1, 'a', 'C', 1, 'b', 'e', ']', '(', 'K', 1, 'e', 0x86, '.')).getMessage();
        assertTrue(m.contains("issame_list[0] is an int"), m);
        // (['a', 5], [True]): an int instead of an image.
        m = refused("img.bin", bytes(0x80, 2, ']', '(', 'C', 1, 'a', 'K', 5, 'e', ']', '(', 0x88, 'e', 0x86, '.')).getMessage();
        assertTrue(m.contains("image 1 is an int"), m);
        // A dict instead of the pair.
        assertTrue(refused("dict.bin", bytes(0x80, 2, '}', '.')).getMessage().contains("a dict instead of the pair"));
        // A global: never imported or called.
        m = refused("evil.bin", ("\u0080\u0002cos\nsystem\n").getBytes(StandardCharsets.ISO_8859_1)).getMessage();
        assertTrue(m.contains("'os.system' is not allowed"), m);
        m = refused("stack.bin", bytes(0x80, 4, 0x8c, 2, 'o', 's', 0x8c, 6, 's', 'y', 's', 't', 'e', 'm', 0x93, '.')).getMessage();
        assertTrue(m.contains("'os.system' is not allowed"), m);
        // BINSTRING with a negative length; a frame longer than the file.
        assertTrue(refused("neg.bin", bytes(0x80, 2, 'T', 0xff, 0xff, 0xff, 0xff, '.')).getMessage().contains("negative length"));
        assertTrue(refused("frame.bin", bytes(0x80, 4, 0x95, 100, 0, 0, 0, 0, 0, 0, 0, ']', '.')).getMessage().contains("a frame of 100 bytes"));
        assertTrue(refused("huge.bin", bytes(0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x80, '.')).getMessage().contains("exceeds"));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void numpyArraysOtherThanBytesAreRefused() throws Exception {
        // dtype('f4', False, True): a float array is no encoded image.
        String f4 = "\u0080\u0002cnumpy\ndtype\nX\u0002\u0000\u0000\u0000f4K\u0000K\u0001\u0087R.";
        String m = refused("f4.bin", ascii(f4)).getMessage();
        assertTrue(m.contains("numpy dtype 'f4' is not supported"), m);
        // _reconstruct(ndarray, (0,), b'b') built with (1, (5,), dtype('u1'), False, b'abc'): 5 items, 3 bytes.
        String array = "\u0080\u0002cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u0000\u0085C\u0001b\u0087R"
                + "(K\u0001K\u0005\u0085cnumpy\ndtype\nX\u0002\u0000\u0000\u0000u1K\u0000K\u0001\u0087R"
                + "(K\u0003X\u0001\u0000\u0000\u0000|NNNJ\u00ff\u00ff\u00ff\u00ffJ\u00ff\u00ff\u00ff\u00ffK\u0000tb"
                + "\u0089C\u0003abctb.";
        m = refused("short.bin", ascii(array)).getMessage();
        assertTrue(m.contains("an array of 5 one-byte items with 3 bytes of data"), m);
        // The same with 3 items is a valid array, but not a pack; BUILD on it a second time is refused.
        String three = array.replace("K\u0005\u0085", "K\u0003\u0085");
        m = refused("array.bin", ascii(three)).getMessage();
        assertTrue(m.contains("not a verification pack: the pickle holds a numpy array of u1 with shape [3]"), m);
        String twice = three.substring(0, three.length() - 1) + "(K\u0001K\u0003\u0085h\u0000\u0089C\u0003abctb.";
        m = refused("twice.bin", ascii(twice.replace("\u0087R(K\u0003X", "\u0087Rq\u0000(K\u0003X"))).getMessage();
        assertTrue(m.contains("already built"), m);
        // _codecs.encode only as protocol 2's bytes.
        m = refused("codec.bin", ascii("\u0080\u0002c_codecs\nencode\nX\u0001\u0000\u0000\u0000aX\u0004\u0000\u0000\u0000rot1\u0086R.")).getMessage();
        assertTrue(m.contains("_codecs.encode is allowed only as (text, 'latin1')"), m);
        // BUILD on a list (not made by an allowed callable) stays refused.
        m = refused("build.bin", bytes(0x80, 2, ']', '}', 'b', '.')).getMessage();
        assertTrue(m.contains("BUILD on a list"), m);
    }

    @Test
    void mutantsAreReadOrRefusedCleanly() throws Exception {
        // Random byte changes, insertions and cuts of the valid packs: each is read or refused with an
        // IOException, never another exception (a crash of the reader).
        byte[][] seeds = {Files.readAllBytes(resource(dir, "py2_protocol2.bin")), Files.readAllBytes(resource(dir, "py3_protocol4.bin")),
            Files.readAllBytes(resource(dir, "numpy_protocol2.bin")), Files.readAllBytes(resource(dir, "numpy_protocol5.bin"))};
        SplittableRandom rnd = new SplittableRandom(20261206);
        int refused = 0;
        for (int k = 0; k < 400; k++) {
            byte[] s = seeds[k % seeds.length];
            byte[] m = s.clone();
            int changes = 1 + rnd.nextInt(4);
            for (int c = 0; c < changes; c++) {
                int at = rnd.nextInt(m.length);
                switch (rnd.nextInt(3)) {
                    case 0 -> m[at] = (byte) rnd.nextInt(256);
                    case 1 -> m = java.util.Arrays.copyOf(m, at);
                    default -> m[at] = (byte) "]()C.BTUe\u0088\u0089\u0086\u0094\u0095qh".charAt(rnd.nextInt(16));
                }
                if (m.length == 0) {
                    break;
                }
            }
            Path p = dir.resolve("m.bin");
            Files.write(p, m);
            try {
                VerificationPack.read(p);
            } catch (IOException e) {
                refused++;
                assertTrue(e.getMessage().startsWith(p.toString()) && !e.getMessage().contains("internal error"), e.getMessage());
            }
        }
        assertTrue(refused > 100, refused + " refused");
    }

    @Test
    void torchCheckpointsStillRefuseTheByteOpcodes() {
        // The plain-data opcodes are opt-in: the weights-only reader refuses BINBYTES as PyTorch's does.
        var u = new panface.nn.io.SafeUnpickler(Path.of("x.pt"), "data.pkl", bytes(0x80, 2, 'C', 1, 'a', '.'), java.util.Map.of(), null);
        IOException e = assertThrows(IOException.class, u::load);
        assertTrue(e.getMessage().contains("SHORT_BINBYTES") && e.getMessage().contains("not supported"), e.getMessage());
        var v = new panface.nn.io.SafeUnpickler(Path.of("x.bin"), "pickle", bytes(0x80, 2, 'C', 1, 'a', '.'), java.util.Map.of(), null,
                panface.nn.io.SafeUnpickler.Opcodes.DATA);
        assertArrayEquals(new byte[] {'a'}, (byte[]) assertDoesNotThrowLoad(v));
    }

    private static Object assertDoesNotThrowLoad(panface.nn.io.SafeUnpickler u) {
        try {
            return u.load();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
