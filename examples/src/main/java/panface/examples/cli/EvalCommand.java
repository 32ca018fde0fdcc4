package panface.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.nn.Module;
import panface.nn.eval.FlipEmbedder;
import panface.nn.eval.PairList;
import panface.nn.eval.PairVerification;
import panface.nn.eval.VerificationPack;
import panface.nn.eval.VerificationResult;
import panface.nn.infer.FaceEmbedder;
import panface.nn.io.WeightFiles;
import panface.nn.models.Models;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/** {@code eval}: insightface's 10-fold accuracy on verification packs, and TAR at FAR, AUC and an ROC plot on a pair list. */
public final class EvalCommand implements Command {
    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "verification accuracy on .bin packs (10-fold) and TAR@FAR/ROC on a pair list";
    }

    @Override
    public String usage() {
        return """
                usage: panface eval --model WEIGHTS --arch ARCH [--bin PACK.bin]... [--pairs PAIRS.txt --root DIR [--roc OUT.png]]
                                    [--features N] [--batch N] [--device cpu|cuda:K]
                  WEIGHTS  a safetensors or PyTorch file with the backbone's state dict
                  ARCH     vit_t, vit_s, vit_b, vit_l, vit_h, r18, r34, r50, r100, r200, mbf, mbf_large
                  --bin    an insightface verification pack (lfw.bin, cfp_fp.bin, agedb_30.bin, ...); may repeat.
                           Reported as insightface does: flip-summed embeddings, 10 folds, accuracy mean and std,
                           the mean chosen squared-distance threshold and XNorm (mean norm of the single-view embeddings).
                  --pairs  a pair list: per line two image paths relative to --root and 1 (same) or 0 (different).
                           Reports TAR at FAR 1e-6 .. 1e-1 (only the FARs the different pairs resolve: FAR x
                           needs at least 1/x of them), the AUC, and with --roc a PNG of the ROC curve.
                  --features  embedding size (default 512)   --batch  images per forward pass (default 32)
                  The last line of output is one JSON object:
                    {"packs":[{"name":..,"pairs":..,"accuracy_mean":..,"accuracy_std":..,"best_threshold":..,"norm_mean":..},..],
                     "pairs":{"pairs":..,"positives":..,"negatives":..,"tar_at_far":{"1e-3":..,..},"unresolved_far":["1e-6",..],
                              "auc":..,"roc_png":..} or null}""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.get("model", null);
        String arch = args.get("arch", null);
        int features = args.getInt("features", 512, 1, FaceEmbedder.MAX_FEATURES);
        int batch = args.getInt("batch", 32, 1, 4096);
        List<String> bins = args.getAll("bin");
        String pairs = args.get("pairs", null);
        String root = args.get("root", null);
        String roc = args.get("roc", null);
        Device device;
        try {
            device = Device.parse(args.get("device", "cpu"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        args.finish();
        if (model == null || arch == null) {
            throw new UsageException("--model and --arch are required");
        }
        if (!args.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.positional().get(0) + "'");
        }
        if (bins.isEmpty() && pairs == null) {
            throw new UsageException("give at least one --bin pack or a --pairs list");
        }
        if (pairs != null && root == null) {
            throw new UsageException("--pairs needs --root, the folder its image paths are relative to");
        }
        if (pairs == null && (root != null || roc != null)) {
            throw new UsageException("--root and --roc go with --pairs");
        }
        if (!Models.NAMES.contains(arch.toLowerCase(Locale.ROOT))) {
            throw new UsageException("unknown --arch '" + arch + "'; known: " + String.join(", ", Models.NAMES));
        }
        // Read the packs and the list before the model: a wrong path or a damaged pack fails in a
        // moment, not after loading the model or evaluating the packs before it. The packs stay
        // encoded (their files' size); images are decoded a batch at a time.
        PairList list = pairs == null ? null : PairList.read(Path.of(pairs), Path.of(root));
        List<VerificationPack> packs = new ArrayList<>();
        for (String b : bins) {
            if (!Files.isRegularFile(Path.of(b))) {
                throw new IOException(b + ": no such file");
            }
            packs.add(VerificationPack.read(Path.of(b)));
        }
        try (Scope scope = Scope.detached()) {
            Module m;
            try {
                m = scope.within(() -> load(arch, Path.of(model), features, device));
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            FlipEmbedder embedder = new FlipEmbedder(m, batch);
            List<String> packJson = new ArrayList<>();
            for (VerificationPack pack : packs) {
                VerificationResult r = embedder.evaluate(pack);
                System.out.println(r);
                packJson.add(r.toJson());
            }
            String pairJson = "null";
            if (list != null) {
                PairVerification.Result r = PairVerification.evaluate(embedder, list);
                for (double far : PairVerification.FARS) {
                    String name = PairVerification.farName(far);
                    System.out.println(r.roc().resolves(far)
                            ? String.format(Locale.ROOT, "TAR@FAR=%s: %.5f (similarity >= %.4f)", name, r.roc().tarAtFar(far), r.roc().thresholdAtFar(far))
                            : "TAR@FAR=" + name + ": not resolved by " + r.roc().negatives() + " different pairs");
                }
                System.out.println(String.format(Locale.ROOT, "AUC: %.6f over %d pairs (%d same, %d different)", r.roc().auc(), list.pairs(),
                        r.roc().positives(), r.roc().negatives()));
                if (roc != null) {
                    r.roc().writePng(Path.of(roc), "ROC of " + Path.of(model).getFileName() + " on " + Path.of(pairs).getFileName());
                    System.out.println("ROC curve: " + roc);
                }
                pairJson = r.toJson(roc);
            }
            System.out.println("{\"packs\":[" + String.join(",", packJson) + "],\"pairs\":" + pairJson + "}");
        }
        return 0;
    }

    private static Module load(String arch, Path weights, int features, Device device) {
        Map<String, Tensor> state;
        try {
            state = WeightFiles.stateDict(weights);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Module m = Models.create(arch, features, 0);
        m.loadStateDict(state, true);
        if (!device.isCpu()) {
            m.to(device);
        }
        m.eval();   // FlipEmbedder runs it through an inference plan
        return m;
    }
}
