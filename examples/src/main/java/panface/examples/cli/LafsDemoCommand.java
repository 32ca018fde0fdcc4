package panface.examples.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import panface.examples.lafs.LafsDemo;
import panface.examples.train.Verification;
import panface.faceloss.DinoLoss;
import panface.tensor.io.Json;

/** {@code panface lafs demo}: LAFS pretraining + fine-tuning against fine-tuning from scratch on generated faces. */
final class LafsDemoCommand {
    private LafsDemoCommand() {
    }

    static int run(Args args) throws Exception {
        long started = System.nanoTime();
        LafsDemo.Settings d = LafsDemo.Settings.quick(args.getInt("seed", 1));
        LafsDemo.Settings s = new LafsDemo.Settings(d.seed(), args.getDouble("zoom", d.zoom(), 0.25, 4),
                args.getInt("landmark-steps", d.landmarkSteps(), 0, 1 << 24),
                args.getDouble("landmark-lr", d.landmarkLr(), 1e-6, 1), args.getInt("pretrain-identities", d.pretrainIdentities(), 2, 1 << 20),
                args.getInt("pretrain-images", d.pretrainImages(), 1, 1 << 16), args.getInt("pretrain-steps", d.pretrainSteps(), 4, 1 << 24),
                args.getInt("local-views", d.localViews(), 0, 16), args.getDouble("momentum", d.momentum(), 0, 1),
                args.getDouble("teacher-temperature", d.teacherTemperature(), 1e-3, 10),
                args.getInt("prototypes", d.prototypes(), 2, 1 << 20), args.getDouble("pretrain-lr", d.pretrainLr(), 1e-8, 1),
                teacher(args.get("teacher", d.deterministicTeacher() ? "deterministic" : "stochastic")),
                args.getInt("freeze-last-layer", d.freezeLastLayerEpochs(), 0, 4), onOff(args, "view-nuisances", d.viewNuisances()),
                onOff(args, "track-pairs", d.trackPairs()),
                args.getInt("few-identities", d.fewIdentities(), 2, 1 << 20), args.getInt("few-images", d.fewImages(), 1, 1 << 16),
                args.getInt("finetune-steps", d.finetuneSteps(), 1, 1 << 24), args.getInt("batch", d.batch(), 2, 1 << 12),
                args.getInt("held-out", d.heldOut(), 2, 1 << 20), args.getInt("eval-pairs", d.pairs(), 20, 1 << 24),
                centering(args.get("centering", d.centering() == DinoLoss.Centering.EMA ? "ema" : "sinkhorn")),
                onOff(args, "head-bn", d.headBatchNorm()), args.getInt("diagnose", d.diagnoseEvery(), 0, 1 << 24),
                args.getDouble("token-init-std", d.tokenInitStd(), 1e-6, 10), onOff(args, "paired-start", d.pairedStart()),
                args.getDouble("view-nuisance-scale", d.nuisanceScale(), 0, 1),
                pretraining(args.get("pretraining", d.pretraining().name().toLowerCase(Locale.ROOT))));
        args.finish();
        if (s.trackPairs() && s.pretrainImages() < 2) {
            throw new UsageException("--track-pairs on needs at least 2 pretraining images per identity");
        }
        if ((long) s.fewIdentities() * s.fewImages() < s.batch() || (long) s.pretrainIdentities() * s.pretrainImages() < s.batch()) {
            throw new UsageException("each data set needs at least one batch of " + s.batch() + " images");
        }
        if (s.fewIdentities() > s.pretrainIdentities()) {
            throw new UsageException("the few-shot identities are the first of the pretraining ones: at most " + s.pretrainIdentities());
        }
        System.out.printf(Locale.ROOT, "LAFS demo (faces at zoom %s): fit the landmark CNN to ground-truth landmarks (%d steps), "
                + "pretrain %d steps on %d x %d "
                + "unlabelled generated faces, then fine-tune %d steps on %d identities x %d images, vs the same fine-tuning from scratch; "
                + "evaluated on %d held-out identities (%d pairs)%n", s.zoom(), s.landmarkSteps(), s.pretrainSteps(), s.pretrainIdentities(),
                s.pretrainImages(), s.finetuneSteps(), s.fewIdentities(), s.fewImages(), s.heldOut(), s.pairs());
        LafsDemo.Outcome o = LafsDemo.run(s, System.out);
        System.out.println("LAFS pretrained, not fine-tuned: " + o.pretrainedOnly().describe());
        System.out.println("LAFS pretrained + fine-tuned:    " + o.pretrained().describe());
        System.out.println("random Part fViT, not fine-tuned: " + o.randomOnly().describe());
        System.out.println("fine-tuned from scratch:         " + o.scratch().describe());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("seed", s.seed());
        result.put("zoom", s.zoom());
        result.put("view_nuisances", s.viewNuisances());
        result.put("view_nuisance_scale", s.nuisanceScale());
        result.put("track_pairs", s.trackPairs());
        result.put("centering", s.centering() == DinoLoss.Centering.EMA ? "ema" : "sinkhorn");
        result.put("head_bn", s.headBatchNorm());
        result.put("token_init_std", s.tokenInitStd());
        result.put("paired_start", s.pairedStart());
        result.put("pretraining", s.pretraining().name().toLowerCase(Locale.ROOT));
        result.put("pretrained", metrics(o.pretrained()));
        result.put("scratch", metrics(o.scratch()));
        result.put("difference", Math.round((o.pretrained().tenFold().accuracyMean() - o.scratch().tenFold().accuracyMean()) * 1e4) / 1e4);
        // the ROC's area needs no threshold: the 10-fold protocol's grid of squared distances (steps of 0.01) cannot
        // separate embeddings whose cosines all lie within a few thousandths of each other, as a random Part fViT's do
        result.put("auc_difference", Math.round((o.pretrained().roc().auc() - o.scratch().roc().auc()) * 1e5) / 1e5);
        result.put("pretrained_not_finetuned", metrics(o.pretrainedOnly()));
        result.put("random_not_finetuned", metrics(o.randomOnly()));
        result.put("landmark_error_px", Double.isNaN(o.landmarkError()) ? null : Math.round(o.landmarkError() * 100) / 100.0);
        result.put("landmark_seconds", Math.round(o.landmarkSeconds() * 10) / 10.0);
        result.put("pretrain_seconds", Math.round(o.pretrainSeconds() * 10) / 10.0);
        result.put("finetune_seconds", Math.round(o.finetuneSeconds() * 10) / 10.0);
        result.put("seconds", Math.round((System.nanoTime() - started) * 1e-8) / 10.0);
        System.out.println(Json.write(result));
        return 0;
    }

    private static DinoLoss.Centering centering(String mode) {
        return switch (mode) {
            case "ema" -> DinoLoss.Centering.EMA;
            case "sinkhorn" -> DinoLoss.Centering.SINKHORN_KNOPP;
            default -> throw new UsageException("--centering takes ema or sinkhorn, got " + mode);
        };
    }

    private static LafsDemo.Pretraining pretraining(String mode) {
        return switch (mode) {
            case "lafs" -> LafsDemo.Pretraining.LAFS;
            case "supervised" -> LafsDemo.Pretraining.SUPERVISED;
            default -> throw new UsageException("--pretraining takes lafs or supervised, got " + mode);
        };
    }

    private static boolean teacher(String mode) {
        return switch (mode) {
            case "deterministic" -> true;
            case "stochastic" -> false;
            default -> throw new UsageException("--teacher takes deterministic or stochastic, got " + mode);
        };
    }

    private static boolean onOff(Args args, String name, boolean def) {
        String v = args.get(name, def ? "on" : "off");
        return switch (v) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException("--" + name + " is on or off, got " + v);
        };
    }

    private static Map<String, Object> metrics(Verification.Result r) {
        Map<String, Object> m = TrainCommand.metrics(r.tenFold().accuracyMean(), r.tarAtFar1e3());
        m.put("auc", Math.round(r.roc().auc() * 1e5) / 1e5);
        return m;
    }
}
