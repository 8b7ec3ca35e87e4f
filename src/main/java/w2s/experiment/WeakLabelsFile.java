package w2s.experiment;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.base.Sha256;
import w2s.base.Json;
import w2s.data.Example;
import w2s.data.Task;

/**
 * Soft labels produced elsewhere for the transfer half B, as the openai code's {@code weak_labels_path}: JSON Lines,
 * one document per line, {@code {"id": ..., "label": p}} with p the probability of class 1, or the
 * {@code weak_labels.jsonl} another run wrote ({@code id}, {@code weak_soft_label}, and {@code text} and
 * {@code gt_label}, which are checked against the task). The file must label exactly the documents of B: a missing or
 * extra id, a label outside [0, 1], or a document of another task is an error naming the file, line and id.
 */
public final class WeakLabelsFile {
    private WeakLabelsFile() {}

    /** The labels of B's documents, in B's order. */
    public static double[] read(Path file, Task task, List<Example> b) {
        Map<String, Integer> inB = new HashMap<>();
        for (int i = 0; i < b.size(); i++) inB.put(b.get(i).id(), i);
        Map<String, Example> all = new HashMap<>();
        for (Example e : task.train()) all.put(e.id(), e);
        for (Example e : task.test()) all.putIfAbsent(e.id(), e);
        double[] labels = new double[b.size()];
        int[] line = new int[b.size()];
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--weak-labels: no file " + file);
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n = 0;
            for (String text; (text = in.readLine()) != null; ) {
                n++;
                if (text.isBlank()) continue;
                String at = file + " line " + n;
                JsonNode row;
                try {
                    row = Json.MAPPER.readTree(text);
                } catch (IOException e) {
                    throw new IllegalArgumentException(at + ": not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
                }
                if (row == null || !row.isObject()) throw new IllegalArgumentException(at + ": not a JSON object");
                JsonNode idNode = row.get("id");
                if (idNode == null || idNode.isNull()) throw new IllegalArgumentException(at + ": no \"id\"");
                String id = idNode.asText();
                at += ", id " + id;
                JsonNode labelNode = row.has("label") ? row.get("label") : row.get("weak_soft_label");
                if (labelNode == null || !labelNode.isNumber()) {
                    throw new IllegalArgumentException(at + ": no numeric \"label\" (or \"weak_soft_label\"), the "
                            + "probability of class 1");
                }
                double p = labelNode.asDouble();
                if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(at + ": label " + p + " is outside [0, 1]");
                if (row.hasNonNull("task") && !row.get("task").asText().equals(task.name())) {
                    throw new IllegalArgumentException(at + ": labels of task " + row.get("task").asText() + ", not "
                            + task.name());
                }
                Example doc = all.get(id);
                if (doc == null) {
                    throw new IllegalArgumentException(at + ": task " + task.name() + " has no document with this id "
                            + "(labels of a different task?)");
                }
                if (row.hasNonNull("text") && !row.get("text").asText().equals(doc.text())) {
                    throw new IllegalArgumentException(at + ": its text differs from task " + task.name()
                            + "'s document with this id (labels of a different task?)");
                }
                if (row.hasNonNull("gt_label") && row.get("gt_label").asInt() != doc.label()) {
                    throw new IllegalArgumentException(at + ": gt_label " + row.get("gt_label").asText() + " differs "
                            + "from task " + task.name() + "'s label " + doc.label() + " (labels of a different task?)");
                }
                Integer i = inB.get(id);
                if (i == null) {
                    throw new IllegalArgumentException(at + ": not in B, the transfer half of this split (labels for "
                            + "another seed, --n-train or test set? the file must label exactly B's " + b.size()
                            + " documents)");
                }
                if (line[i] != 0) {
                    throw new IllegalArgumentException(at + ": labelled twice (first on line " + line[i] + ")");
                }
                line[i] = n;
                labels[i] = p;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --weak-labels " + file + ": " + e.getMessage(), e);
        }
        int missing = 0;
        String first = null;
        for (int i = 0; i < b.size(); i++) {
            if (line[i] == 0) {
                missing++;
                if (first == null) first = b.get(i).id();
            }
        }
        if (missing > 0) {
            throw new IllegalArgumentException(file + ": no label for " + missing + " of B's " + b.size()
                    + " documents, e.g. id " + first + " (the file must label exactly B: same task, seed and sizes)");
        }
        return labels;
    }

    /** The file's sha256, part of a run's identity. */
    public static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --weak-labels " + file + ": " + e.getMessage(), e);
        }
    }
}
