package panface.faceloss.golden;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import panface.faceloss.CombinedMarginHead;
import panface.faceloss.DinoLoss;
import panface.faceloss.GifTokenLoss;
import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.faceloss.QueueInfoNce;
import panface.nn.models.MobileFaceNet;
import panface.tensor.Tensor;
import panface.tensor.golden.GoldenCase;
import panface.tensor.golden.GoldenOp;
import panface.tensor.golden.GoldenOps;
import panface.tensor.random.Generator;

/** Golden ops of the faceloss module: combined_margin_loss, partial_fc, info_nce_queue, qud_step, dino_loss, gif_token_loss. */
public final class FacelossGoldenOps implements GoldenOps {

    @Override
    public Map<String, GoldenOp> ops() {
        Map<String, GoldenOp> m = new HashMap<>();
        m.put("combined_margin_loss", (c, t) -> out("output.loss",
                CombinedMarginHead.loss(t.get("input.embeddings"), t.get("input.labels"), t.get("param.weight"), margin(c))));
        m.put("partial_fc", (c, t) -> {
            Tensor w = t.get("param.weight");
            PartialFC pfc = new PartialFC(w.size(0), w.size(1), c.number("sample_rate", 1.0), margin(c), new Generator(0));
            pfc.bind(Map.of("weight", w));
            return out("output.loss", pfc.loss(t.get("input.embeddings"), t.get("input.labels"), t.get("input.sampled_index")));
        });
        m.put("info_nce_queue", (c, t) -> {
            Tensor q = t.get("buffer.queue");
            QueueInfoNce loss = new QueueInfoNce(q.size(0), q.size(1), c.number("tau", 0.07), c.flag("normalize", true), new Generator(0));
            loss.setState(q, c.integer("queue_ptr", 0));
            Map<String, Tensor> r = out("output.loss", loss.loss(t.get("input.student"), t.get("input.teacher")));
            r.put("output.queue", loss.queue());
            return r;
        });
        m.put("qud_step", FacelossGoldenOps::qudStep);
        m.put("gif_token_loss", FacelossGoldenOps::gifTokenLoss);
        m.put("dino_loss", (c, t) -> {
            Tensor center = t.get("buffer.center");
            double temp = c.number("teacher_temp", 0.04);
            DinoLoss loss = new DinoLoss(center.size(1), c.integer("n_student_views", 2), c.integer("n_teacher_views", 2),
                    c.number("student_temp", 0.1), temp, temp, 0, c.number("center_momentum", 0.9));
            loss.bind(Map.of("center", center));
            Map<String, Tensor> r = out("output.loss", loss.loss(t.get("input.student"), t.get("input.teacher"), temp));
            r.put("output.center", loss.center());
            return r;
        });
        return m;
    }

    /** One QUD step: the QUD student in training mode on input.x, the loss against input.teacher and the queue, then the enqueue. */
    private static Map<String, Tensor> qudStep(GoldenCase c, Map<String, Tensor> leaves) {
        MobileFaceNet.Config cfg = new MobileFaceNet.Config(c.integer("num_features", 512), c.ints("blocks", null), c.integer("stem", 64),
                c.integer("body", 128), c.ints("expansions", null), c.integer("first_groups", 64), c.integer("head", 512),
                c.integer("input_size", 112), false);
        MobileFaceNet student = new MobileFaceNet(cfg, 0);
        Map<String, Tensor> bind = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            String k = e.getKey();
            if (!k.equals("buffer.queue") && (k.startsWith("param.") || k.startsWith("buffer."))) {
                bind.put(k.substring(k.indexOf('.') + 1), e.getValue());
            }
        }
        student.bind(bind);
        student.train(true);
        Tensor queue = leaves.get("buffer.queue");
        QueueInfoNce.Config lc = QueueInfoNce.Config.paper().withTau(c.number("tau", QueueInfoNce.PAPER_TAU)).withQueueSize(queue.size(0));
        QueueInfoNce loss = new QueueInfoNce(lc, queue.size(1), new Generator(0));
        loss.setState(queue, c.integer("queue_ptr", 0));
        Map<String, Tensor> r = out("output.loss", loss.loss(student.forward(leaves.get("input.x")), leaves.get("input.teacher")));
        r.put("output.queue", loss.queue());
        r.put("output.queue_ptr", Tensor.of(new long[] {loss.pointer()}));
        return r;
    }

    /** GIF's token loss with the case's heads (and prefix table) bound: linear or margin heads, independent or prefix-conditioned. */
    private static Map<String, Tensor> gifTokenLoss(GoldenCase c, Map<String, Tensor> leaves) {
        Tensor e = leaves.get("input.embeddings");
        Margin m = switch (c.string("heads", "linear")) {
            case "linear" -> null;
            case "margin" -> margin(c);
            default -> throw new IllegalArgumentException("heads is linear or margin");
        };
        GifTokenLoss.Conditioning cond = GifTokenLoss.Conditioning.valueOf(c.string("conditioning", "independent").toUpperCase(Locale.ROOT));
        GifTokenLoss loss = GifTokenLoss.of(c.integer("l", 1), c.integer("k", 2), e.size(1), m, cond, new Generator(0));
        Map<String, Tensor> bind = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> t : leaves.entrySet()) {
            if (t.getKey().startsWith("param.")) {
                bind.put(t.getKey().substring(6), t.getValue());
            }
        }
        if (bind.size() != loss.stateDict().size()) {
            throw new IllegalArgumentException("the case gives " + bind.keySet() + ", the heads have " + loss.stateDict().keySet());
        }
        loss.bind(bind);
        return out("output.loss", loss.loss(e, leaves.get("input.codes")));
    }

    private static Margin margin(GoldenCase c) {
        Margin.Gradient g = Margin.Gradient.valueOf(c.string("margin_grad", "straight_through").toUpperCase(Locale.ROOT));
        return Margin.of(c.number("s", 64), c.number("m1", 1), c.number("m2", 0.5), c.number("m3", 0), g);
    }

    private static Map<String, Tensor> out(String name, Tensor t) {
        Map<String, Tensor> r = new HashMap<>();
        r.put(name, t);
        return r;
    }
}
