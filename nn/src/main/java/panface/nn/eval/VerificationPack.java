package panface.nn.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import panface.nn.io.SafeUnpickler;
import panface.tensor.io.WeightFileException;

/**
 * An insightface verification pack ({@code lfw.bin}, {@code cfp_fp.bin}, {@code agedb_30.bin}, ...):
 * a pickle of the tuple {@code (bins, issame_list)}, where bins holds 2N encoded images (JPEG or
 * PNG bytes) and issame_list N bools; pair i is (bins[2i], bins[2i+1]). Both the Python 2 form
 * (protocol 2, the images as {@code str}) and the Python 3 form (protocol 3 to 5, {@code bytes})
 * are read, and so are packs whose images are numpy uint8 arrays and whose labels are numpy bools
 * (protocols 2 to 5), through {@link SafeUnpickler}: the only globals a pack may name are the few
 * numpy and codec functions NumpyPickles writes out in Java, so nothing in the file can run code.
 * The images stay encoded until {@link #image} is asked for one.
 *
 * @param name   the pack's name: the file name without ".bin"
 * @param images the 2N encoded images
 * @param same   same[i]: whether pair i shows one identity
 */
public record VerificationPack(String name, List<byte[]> images, boolean[] same) {

    public VerificationPack {
        if (images.size() != 2 * same.length) {
            throw new IllegalArgumentException(images.size() + " images for " + same.length + " pairs; a pack needs two per pair");
        }
    }

    /** The number of pairs. */
    public int pairs() {
        return same.length;
    }

    /** The encoded i-th image (pair i / 2, side i % 2). */
    public byte[] image(int i) {
        return images.get(i);
    }

    /** Reads a pack; every problem is an IOException naming the file and what is wrong. */
    public static VerificationPack read(Path file) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw WeightFileException.unreadable(file, e);
        }
        if (data.length == 0) {
            throw new WeightFileException(file, null, "empty file, not a verification pack");
        }
        if ((data[0] & 0xFF) != 0x80) {
            throw new WeightFileException(file, null, "not a verification pack: it does not start as a pickle of protocol 2 or later does");
        }
        Object root = new SafeUnpickler(file, "the pickle", data, NumpyPickles.allowed(), null, SafeUnpickler.Opcodes.DATA).load();
        String fileName = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        String name = fileName.endsWith(".bin") ? fileName.substring(0, fileName.length() - 4) : fileName;
        return fromPickle(file, name, root);
    }

    private static VerificationPack fromPickle(Path file, String name, Object root) throws WeightFileException {
        List<?> top = switch (root) {
            case SafeUnpickler.Tuple t -> t.items();
            case List<?> l -> l;
            default -> null;
        };
        if (top == null || top.size() != 2) {
            throw bad(file, "the pickle holds " + describe(root) + " instead of the pair (images, issame_list)");
        }
        if (!(top.get(0) instanceof List<?> bins)) {
            throw bad(file, "the images are " + describe(top.get(0)) + " instead of a list of encoded images");
        }
        boolean[] same;
        if (top.get(1) instanceof NumpyPickles.NdArray a && "b1".equals(a.code()) && a.shape().length == 1) {
            same = new boolean[a.data().length];
            for (int i = 0; i < same.length; i++) {
                same[i] = a.data()[i] != 0;
            }
        } else if (top.get(1) instanceof List<?> issame) {
            same = new boolean[issame.size()];
            for (int i = 0; i < same.length; i++) {
                if (!(issame.get(i) instanceof Boolean b)) {
                    throw bad(file, "issame_list[" + i + "] is " + describe(issame.get(i)) + ", not a bool");
                }
                same[i] = b;
            }
        } else {
            throw bad(file, "issame_list is " + describe(top.get(1)) + " instead of a list of bools");
        }
        if (bins.size() != 2 * same.length) {
            throw bad(file, bins.size() + " images for " + same.length + " pairs; a pack has two images per pair");
        }
        if (same.length == 0) {
            throw bad(file, "no pairs");
        }
        byte[][] images = new byte[bins.size()][];
        for (int i = 0; i < images.length; i++) {
            images[i] = switch (bins.get(i)) {
                case null -> throw bad(file, "image " + i + " is None, not encoded image bytes");
                case byte[] b -> b;
                case NumpyPickles.NdArray a when a.data() != null && !"b1".equals(a.code()) && a.shape().length == 1 -> a.data();
                case Object o -> throw bad(file, "image " + i + " is " + describe(o) + ", not encoded image bytes");
            };
        }
        return new VerificationPack(name, List.of(images), same);
    }

    private static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case SafeUnpickler.Tuple t -> "a tuple of " + t.size();
            case List<?> l -> "a list of " + l.size();
            case Map<?, ?> m -> "a dict";
            case byte[] b -> "bytes";
            case NumpyPickles.NdArray a -> a.data() == null ? "an array without data" : "a numpy array of " + a.code() + " with shape "
                    + java.util.Arrays.toString(a.shape());
            case String s -> "a string";
            case Boolean b -> "a bool";
            case Long l -> "an int";
            default -> "a " + o.getClass().getSimpleName();
        };
    }

    private static WeightFileException bad(Path file, String what) {
        return new WeightFileException(file, null, "not a verification pack: " + what);
    }
}
