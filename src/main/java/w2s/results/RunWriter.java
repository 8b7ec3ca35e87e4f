package w2s.results;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import w2s.base.Json;
import w2s.data.Example;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.GenerativeAnswers;

/**
 * Writes a run's files, each atomically: weak_labels.jsonl (and a generative run's answers.jsonl), metrics.json (the result with its configuration),
 * predictions.parquet, log.jsonl and row.parquet (the result as one flat row, see {@link RunFiles}), in that order, so a folder whose row.parquet exists
 * holds a finished run.
 */
public final class RunWriter {
    /** A generative run's test answers, one JSON line per prompt: what each model wrote and whether it was right. */
    public static final String ANSWERS = "answers.jsonl";

    private RunWriter() {}

    /** runs/&lt;task&gt;_&lt;weak&gt;_&lt;strong&gt;-&lt;mode&gt;_&lt;loss&gt;_seed&lt;seed&gt;-&lt;hash&gt;, the hash that of the cell key. */
    public static Path defaultDir(ExperimentConfig c, String cellKey) {
        return Path.of("runs", RunFiles.folderName(c, cellKey));
    }

    public static void write(Path dir, String cellKey, Experiment.Outcome outcome) {
        // Weak labels first: row.parquet is written last, so its presence means the run's files are complete. Each
        // file streams a line at a time: 1,000-class weak labels are hundreds of megabytes of text.
        Path weakLabels = dir.resolve(RunFiles.WEAK_LABELS);
        if (outcome.answers() != null) {
            // A generative task: the weak labels are the answers the weak model wrote to B's prompts; answers.jsonl
            // holds what every model wrote to the test prompts.
            GenerativeAnswers a = outcome.answers();
            Json.writeLinesAtomically(weakLabels, a.b().size(), i -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", a.b().get(i).id());
                row.put("prompt", a.b().get(i).prompt());
                row.put("gt_answers", a.b().get(i).answers());
                row.put("weak_answer", a.weakB().get(i));
                return row;
            });
            Json.writeLinesAtomically(dir.resolve(ANSWERS), a.test().size(), i -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", a.test().get(i).id());
                row.put("prompt", a.test().get(i).prompt());
                row.put("gt_answers", a.test().get(i).answers());
                row.put("weak", a.weak().get(i));
                row.put("w2s", a.student().get(i));
                row.put("ceiling", a.ceiling().get(i));
                row.put("weak_right", a.weakRight()[i]);
                row.put("w2s_right", a.studentRight()[i]);
                row.put("ceiling_right", a.ceilingRight()[i]);
                return row;
            });
        } else if (outcome.items() != null) {
            // K classes or choices: the weak label is a K-vector (a distribution over the item's candidates).
            List<w2s.data.Item> b = outcome.items().b();
            Json.writeLinesAtomically(weakLabels, b.size(), i -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", b.get(i).id());
                if (b.get(i).texts().size() == 1) row.put("text", b.get(i).texts().get(0));
                else if (!b.get(i).texts().isEmpty()) row.put("candidates", b.get(i).texts());
                row.put("gt_label", b.get(i).label());
                row.put("weak_soft_label", outcome.weakLabels()[i]);
                return row;
            });
        } else {
            List<Example> b = outcome.split().b();
            Json.writeLinesAtomically(weakLabels, b.size(), i -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", b.get(i).id());
                row.put("text", b.get(i).text());
                row.put("gt_label", b.get(i).label());
                row.put("weak_soft_label", outcome.weakLabels()[i][1]);
                return row;
            });
        }
        RunFiles.write(dir, cellKey, outcome.result(), outcome.predictions());
    }
}
