package panface.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Face images stored as files, one sub-folder per identity (torchvision's ImageFolder layout):
 * labels are the positions of the folder names in sorted order, images within a folder are in
 * sorted file-name order. Files whose extension is not an image format are ignored, as are
 * hidden files; an identity folder without images is an error. Reads are thread-safe.
 */
public final class ImageFolderDataset implements FaceDataset {
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff");

    private final Path root;
    private final List<String> classes;
    private final Path[] files;
    private final int[] labels;

    private ImageFolderDataset(Path root, List<String> classes, Path[] files, int[] labels) {
        this.root = root;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
    }

    /** Lists the identities and images under {@code root}. */
    public static ImageFolderDataset open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a folder");
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path d : dirs) {
            List<Path> images;
            try (Stream<Path> s = Files.list(d)) {
                images = s.filter(Files::isRegularFile).filter(p -> !hidden(p) && isImage(p)).sorted().toList();
            }
            if (images.isEmpty()) {
                throw new IOException(d + ": an identity folder without images (as torchvision's ImageFolder, this is an error: "
                        + "remove it, or labels would not match the sorted folder names)");
            }
            int label = classes.size();
            classes.add(d.getFileName().toString());
            for (Path p : images) {
                files.add(p);
                labels.add(label);
            }
        }
        if (files.isEmpty()) {
            throw new IOException(root + ": no images in sub-folders (expected one sub-folder of images per identity)");
        }
        return new ImageFolderDataset(root, List.copyOf(classes), files.toArray(Path[]::new),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    public Path root() {
        return root;
    }

    /** The identity folder names; label i is {@code classes().get(i)}. */
    public List<String> classes() {
        return classes;
    }

    /** The label of sample i (without reading the file). */
    public int label(int i) {
        return labels[i];
    }

    /** The file of sample i. */
    public Path file(int i) {
        return files[i];
    }

    @Override
    public int size() {
        return files.length;
    }

    @Override
    public int numClasses() {
        return classes.size();
    }

    @Override
    public EncodedSample read(int i) throws IOException {
        return new EncodedSample(labels[i], Files.readAllBytes(files[i]));
    }

    @Override
    public String describe(int i) {
        return files[i].toString();
    }

    @Override
    public void close() {
    }
}
