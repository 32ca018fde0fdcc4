package panface.examples.lafs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The check shared by the LAFS trainers' resume: a checkpoint continues only the run it was saved by. */
final class LafsResume {
    private LafsResume() {
    }

    /**
     * Fails when a setting of this run differs from the checkpoint's (or is not recorded there), or
     * when the checkpoint records one of the settings in {@code recordedWhenNotDefault} (which a run
     * writes only when it differs from the default, so that older checkpoints still resume) that
     * this run, at the default, does not.
     */
    static void checkEntries(Path file, Map<String, String> run, Map<String, String> saved, Set<String> recordedWhenNotDefault) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : run.entrySet()) {
            String s = saved.get(e.getKey());
            if (!e.getValue().equals(s)) {
                diffs.add(e.getKey() + " " + e.getValue() + " (checkpoint: " + (s == null ? "not recorded" : s) + ")");
            }
        }
        for (String key : recordedWhenNotDefault) {
            if (!run.containsKey(key) && saved.containsKey(key)) {
                diffs.add(key + " the default (checkpoint: " + saved.get(key) + ")");
            }
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("--resume " + file + " was saved by a different run: " + String.join(", ", diffs));
        }
    }
}
