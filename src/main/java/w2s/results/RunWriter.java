package w2s.results;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import w2s.base.Json;
import w2s.data.Example;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;

/**
 * Writes a run's files, each atomically: weak_labels.jsonl, metrics.json (the result with its configuration),
 * predictions.parquet, log.jsonl and row.parquet (the result as one flat row, see {@link RunFiles}), in that order, so a folder whose row.parquet exists
 * holds a finished run.
 */
public final class RunWriter {
    private RunWriter() {}

    /** runs/&lt;task&gt;_&lt;weak&gt;_&lt;strong&gt;-&lt;mode&gt;_&lt;loss&gt;_seed&lt;seed&gt;-&lt;hash&gt;, the hash that of the cell key. */
    public static Path defaultDir(ExperimentConfig c, String cellKey) {
        return Path.of("runs", RunFiles.folderName(c, cellKey));
    }

    public static void write(Path dir, String cellKey, Experiment.Outcome outcome) {
        // Weak labels first: row.parquet is written last, so its presence means the run's files are complete.
        StringBuilder labels = new StringBuilder();
        if (outcome.items() != null) {
            // K classes or choices: the weak label is a K-vector (a distribution over the item's candidates).
            List<w2s.data.Item> b = outcome.items().b();
            for (int i = 0; i < b.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", b.get(i).id());
                if (b.get(i).texts().size() == 1) row.put("text", b.get(i).texts().get(0));
                else if (!b.get(i).texts().isEmpty()) row.put("candidates", b.get(i).texts());
                row.put("gt_label", b.get(i).label());
                row.put("weak_soft_label", outcome.weakLabels()[i]);
                labels.append(Json.compact(row)).append('\n');
            }
            Json.writeAtomically(dir.resolve(RunFiles.WEAK_LABELS), labels.toString());
            RunFiles.write(dir, cellKey, outcome.result(), outcome.predictions());
            return;
        }
        List<Example> b = outcome.split().b();
        for (int i = 0; i < b.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", b.get(i).id());
            row.put("text", b.get(i).text());
            row.put("gt_label", b.get(i).label());
            row.put("weak_soft_label", outcome.weakLabels()[i][1]);
            labels.append(Json.compact(row)).append('\n');
        }
        Json.writeAtomically(dir.resolve(RunFiles.WEAK_LABELS), labels.toString());
        RunFiles.write(dir, cellKey, outcome.result(), outcome.predictions());
    }
}
