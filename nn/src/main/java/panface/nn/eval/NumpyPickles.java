package panface.nn.eval;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import panface.nn.io.SafeUnpickler;
import panface.nn.io.SafeUnpickler.Global;
import panface.nn.io.SafeUnpickler.Tuple;

/**
 * The globals a verification pack may name, for the numpy arrays some packs hold and for the bytes
 * Python 3 writes with protocol 2: each is a small function written here, not a call into Python.
 * Arrays are one-byte types only (uint8, int8: encoded images; bool: labels), one-dimensional or
 * not, in C order; anything else is refused with what it was.
 *
 * <p>numpy pickles an array as {@code _reconstruct(ndarray, (0,), b'b')} followed by BUILD with
 * {@code (1, shape, dtype, is_fortran, raw bytes)} (protocols 2 to 4), or with protocol 5 as
 * {@code _frombuffer(buffer, dtype, shape, order)}; a dtype as {@code dtype('u1', False, True)}
 * with BUILD {@code (3, '|', None, None, None, -1, -1, 0)}; a numpy scalar as
 * {@code scalar(dtype, raw bytes)}. Python 3 pickles bytes for protocol 2 as
 * {@code _codecs.encode(text, 'latin1')}.
 */
final class NumpyPickles {
    private NumpyPickles() {
    }

    /** A numpy array of one-byte items: its type code ("u1", "i1", "b1"), shape and bytes. */
    static final class NdArray implements SafeUnpickler.Buildable {
        private String code;
        private int[] shape;
        private byte[] data;

        String code() {
            return code;
        }

        int[] shape() {
            return shape;
        }

        byte[] data() {
            return data;
        }

        @Override
        public void build(Object state) throws IOException {
            if (data != null) {
                throw new IOException("the array was already built");
            }
            if (!(state instanceof Tuple t && t.size() == 5 && Long.valueOf(1).equals(t.get(0)))) {
                throw new IOException("an array state that is not (1, shape, dtype, is_fortran, data)");
            }
            if (!(t.get(3) instanceof Boolean fortran) || fortran && shapeOf(t.get(1)).length > 1) {
                throw new IOException("a Fortran-ordered array");
            }
            set(t.get(4), t.get(2), t.get(1));
        }

        private void set(Object raw, Object dtype, Object shapeTuple) throws IOException {
            if (!(dtype instanceof DType d) || d.code == null) {
                throw new IOException("an array whose dtype is " + describe(dtype));
            }
            if (!(raw instanceof byte[] bytes)) {
                throw new IOException("an array whose data is " + describe(raw) + ", not bytes");
            }
            int[] s = shapeOf(shapeTuple);
            long n = 1;
            try {
                for (int v : s) {
                    n = Math.multiplyExact(n, v);
                }
            } catch (ArithmeticException e) {
                throw new IOException("an array of more than 2^63 items");
            }
            if (n != bytes.length) {
                throw new IOException("an array of " + n + " one-byte items with " + bytes.length + " bytes of data");
            }
            code = d.code;
            shape = s;
            data = bytes;
        }
    }

    /** A numpy dtype; only one-byte types are accepted. */
    static final class DType implements SafeUnpickler.Buildable {
        private final String code;

        DType(String code) {
            this.code = code;
        }

        @Override
        public void build(Object state) throws IOException {
            // (version, byte order, subarray, names, fields, elsize, alignment, flags): one-byte types have no byte order.
            if (!(state instanceof Tuple t && t.size() >= 2 && t.get(0) instanceof Long && "|".equals(text(t.get(1))))) {
                throw new IOException("a dtype state that is not (version, '|', ...) of a one-byte type");
            }
        }
    }

    /** The allowed globals by "module.name". */
    static Map<String, Global> allowed() {
        Map<String, Global> g = new HashMap<>();
        for (String core : List.of("numpy.core", "numpy._core")) {
            add(g, new Global(core + ".multiarray", "_reconstruct", NumpyPickles::reconstruct));
            add(g, new Global(core + ".multiarray", "scalar", NumpyPickles::scalar));
            add(g, new Global(core + ".numeric", "_frombuffer", NumpyPickles::frombuffer));
        }
        add(g, new Global("numpy", "ndarray", null));
        add(g, new Global("numpy", "dtype", NumpyPickles::dtype));
        add(g, new Global("_codecs", "encode", NumpyPickles::encode));
        return g;
    }

    private static void add(Map<String, Global> m, Global g) {
        m.put(g.qualifiedName(), g);
    }

    private static Object reconstruct(Tuple args) throws IOException {
        if (args.size() != 3 || !(args.get(0) instanceof Global cls) || !cls.qualifiedName().equals("numpy.ndarray")) {
            throw new IOException("only numpy.ndarray can be reconstructed");
        }
        return new NdArray();
    }

    private static Object frombuffer(Tuple args) throws IOException {
        if (args.size() != 4 || !"C".equals(text(args.get(3)))) {
            throw new IOException("expected (buffer, dtype, shape, 'C')");
        }
        NdArray a = new NdArray();
        a.set(args.get(0), args.get(1), args.get(2));
        return a;
    }

    private static Object dtype(Tuple args) throws IOException {
        String code = args.size() == 3 ? text(args.get(0)) : null;
        if (code == null || !(code.equals("u1") || code.equals("i1") || code.equals("b1"))) {
            throw new IOException("numpy dtype " + (code == null ? "of unexpected arguments" : "'" + code + "'")
                    + " is not supported in a verification pack (only uint8 or int8 images and bool labels)");
        }
        return new DType(code);
    }

    private static Object scalar(Tuple args) throws IOException {
        if (args.size() != 2 || !(args.get(0) instanceof DType d) || !(args.get(1) instanceof byte[] b) || b.length != 1) {
            throw new IOException("a numpy scalar that is not one byte of a one-byte type");
        }
        return switch (d.code) {
            case "b1" -> b[0] != 0;
            case "u1" -> (long) (b[0] & 0xFF);
            default -> (long) b[0];
        };
    }

    /** Python 3's protocol-2 bytes: the text's characters are the bytes (latin-1). */
    private static Object encode(Tuple args) throws IOException {
        if (args.size() != 2 || !(args.get(0) instanceof String s) || !("latin1".equals(args.get(1)) || "latin-1".equals(args.get(1)))) {
            throw new IOException("_codecs.encode is allowed only as (text, 'latin1'), the form of bytes in protocol 2");
        }
        byte[] out = new byte[s.length()];
        for (int i = 0; i < out.length; i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                throw new IOException("a latin-1 text with the character U+" + Integer.toHexString(c));
            }
            out[i] = (byte) c;
        }
        return out;
    }

    private static int[] shapeOf(Object o) throws IOException {
        if (!(o instanceof Tuple t) || t.size() > 8) {
            throw new IOException("an array shape that is " + describe(o) + ", not a tuple of sizes");
        }
        int[] s = new int[t.size()];
        for (int i = 0; i < s.length; i++) {
            if (!(t.get(i) instanceof Long v) || v < 0 || v > Integer.MAX_VALUE) {
                throw new IOException("an array size that is not a whole number from 0 to 2^31 - 1");
            }
            s[i] = (int) (long) v;
        }
        return s;
    }

    /** A string that may have been pickled as text or, by Python 2, as bytes. */
    private static String text(Object o) {
        return switch (o) {
            case String s -> s;
            case byte[] b -> new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
            case null, default -> null;
        };
    }

    private static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case NdArray a -> "an array";
            case DType d -> "a dtype";
            case byte[] b -> "bytes";
            case Tuple t -> "a tuple of " + t.size();
            default -> "a " + o.getClass().getSimpleName();
        };
    }
}
