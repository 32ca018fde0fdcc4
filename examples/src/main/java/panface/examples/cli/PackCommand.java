package panface.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import panface.nn.data.ImageFolderDataset;
import panface.nn.data.Progress;
import panface.nn.data.RecordPacker;

/** {@code pack DIR OUT.rec}: an image folder (one sub-folder per identity) as an insightface .rec/.idx/property set. */
public final class PackCommand implements Command {
    @Override
    public String name() {
        return "pack";
    }

    @Override
    public String summary() {
        return "pack a folder of identity sub-folders into an insightface .rec training set";
    }

    @Override
    public String usage() {
        return """
                usage: panface pack [--size N] [--quality Q] DIR OUT.rec
                  DIR      one sub-folder of aligned face images per identity; labels follow the
                           sorted folder names, images the sorted file names
                  OUT.rec  written with OUT.idx and a 'property' file ("classes,N,N") beside it, in
                           insightface's layout (header record, images grouped by identity, one
                           range record per identity), readable by mx.recordio.MXIndexedRecordIO
                  --size     image side in pixels (default 112)
                  --quality  JPEG quality 1-100 for images that are re-encoded (default 95)
                  JPEGs of N x N pixels are stored unchanged; other images are decoded, resized
                  and re-encoded as JPEG. The input folder is only read.""";
    }

    @Override
    public int run(Args args) throws Exception {
        int size = args.getInt("size", 112, 1, 4096);
        int quality = args.getInt("quality", 95, 1, 100);
        args.finish();
        if (args.positional().size() != 2) {
            throw new UsageException("expected an input folder and an output .rec file");
        }
        Path dir = Path.of(args.positional().get(0));
        Path rec = Path.of(args.positional().get(1));
        if (!rec.getFileName().toString().endsWith(".rec")) {
            throw new UsageException("the output must be a .rec file, got " + rec);
        }
        if (rec.toAbsolutePath().startsWith(dir.toAbsolutePath())) {
            throw new UsageException("the output must not be inside the input folder");
        }
        Path parent = rec.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (ImageFolderDataset data = ImageFolderDataset.open(dir)) {
            Progress progress = Progress.start("pack", data.size(), 10);
            RecordPacker.Summary s = new RecordPacker(size, quality / 100f).pack(data, rec, done -> progress.update(done, null));
            System.out.printf(Locale.ROOT, "%s: %,d images of %,d identities (%,d re-encoded as JPEG, %,d records split around the magic word), %,d bytes%n",
                    rec, s.images(), s.classes(), s.reencoded(), s.splitRecords(), s.bytes());
        }
        return 0;
    }
}
