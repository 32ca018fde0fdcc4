package panface.nn.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.io.WeightFileException;

/**
 * A list of 1:1 verification pairs, one per line: two image paths (relative to a root folder) and
 * 1 (same identity) or 0 (different), separated by spaces or tabs. Blank lines and lines starting
 * with '#' are skipped; paths cannot contain whitespace.
 *
 * @param file   the list, for messages
 * @param images the distinct images, in order of first appearance
 * @param first  first[p]: the index in images of pair p's first image
 * @param second second[p]: the index of its second image
 * @param same   same[p]: whether pair p shows one identity
 */
public record PairList(Path file, List<Path> images, int[] first, int[] second, boolean[] same) {

    /** The number of pairs. */
    public int pairs() {
        return same.length;
    }

    /** Reads a list; errors name the file, the line and what is wrong. */
    public static PairList read(Path file, Path root) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw WeightFileException.unreadable(file, e);
        }
        Map<Path, Integer> index = new LinkedHashMap<>();
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        List<Boolean> s = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length != 3 || !(f[2].equals("0") || f[2].equals("1"))) {
                throw new IOException(file + ":" + (n + 1) + ": expected 'IMAGE_A IMAGE_B 0|1', got '" + shorten(line) + "'");
            }
            a.add(index.computeIfAbsent(root.resolve(f[0]), k -> index.size()));
            b.add(index.computeIfAbsent(root.resolve(f[1]), k -> index.size()));
            s.add(f[2].equals("1"));
        }
        if (s.isEmpty()) {
            throw new IOException(file + ": no pairs");
        }
        boolean[] same = new boolean[s.size()];
        for (int i = 0; i < same.length; i++) {
            same[i] = s.get(i);
        }
        return new PairList(file, List.copyOf(index.keySet()), a.stream().mapToInt(Integer::intValue).toArray(),
                b.stream().mapToInt(Integer::intValue).toArray(), same);
    }

    private static String shorten(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
