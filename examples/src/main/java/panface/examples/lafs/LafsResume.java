package panface.examples.lafs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The check shared by the LAFS trainers' resume: a checkpoint continues only the run it was saved by. */
final class LafsResume {
    private LafsResume() {
    }

    /** Fails when a setting of this run differs from the checkpoint's (or is not recorded there). */
    static void checkEntries(Path file, Map<String, String> run, Map<String, String> saved) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : run.entrySet()) {
            String s = saved.get(e.getKey());
            if (!e.getValue().equals(s)) {
                diffs.add(e.getKey() + " " + e.getValue() + " (checkpoint: " + (s == null ? "not recorded" : s) + ")");
            }
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("--resume " + file + " was saved by a different run: " + String.join(", ", diffs));
        }
    }
}
