package w2s.experiment;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import w2s.data.Example;
import w2s.report.Json;

/** Writes a run's files: metrics.json (the result with its configuration) and weak_labels.jsonl, each atomically. */
public final class RunWriter {
    private RunWriter() {}

    public static Path defaultDir(ExperimentConfig c) {
        String task = Path.of(c.task()).getFileName().toString().replaceFirst("\\.[^.]+$", "");
        // Model names may be paths (a Hugging Face folder) or carry a colon (ccs:minilm-l6): keep the last part of a
        // path and no colon, which not every file system accepts.
        String name = String.join("_", task, modelName(c.weak().name()), modelName(c.strong().name()) + "-"
                + c.strong().mode().id(), c.loss(), "seed" + c.seed());
        return Path.of("runs", name.replace(':', '-'));
    }

    private static String modelName(String name) {
        return Path.of(name).getFileName().toString();
    }

    public static void write(Path dir, Experiment.Outcome outcome) {
        // Weak labels first: metrics.json is written last, so its presence means the run's files are complete.
        StringBuilder labels = new StringBuilder();
        List<Example> b = outcome.split().b();
        for (int i = 0; i < b.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", b.get(i).id());
            row.put("text", b.get(i).text());
            row.put("gt_label", b.get(i).label());
            row.put("weak_soft_label", outcome.weakLabels()[i][1]);
            labels.append(Json.compact(row)).append('\n');
        }
        Json.writeAtomically(dir.resolve("weak_labels.jsonl"), labels.toString());
        Json.writeAtomically(dir.resolve("metrics.json"), outcome.result());
    }
}
