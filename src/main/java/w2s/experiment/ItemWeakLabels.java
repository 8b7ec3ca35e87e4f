package w2s.experiment;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.base.Json;
import w2s.data.DataException;
import w2s.data.Item;

/**
 * A pretrained weak classifier's predictions, as {@code --weak-labels FILE} gives them for a feature-matrix task (the
 * reference's AlexNet soft predictions): JSON Lines, {@code {"id": ..., "probs": [p_0, ..., p_{K−1}]}} ({@code label}
 * or {@code weak_soft_label} are read as well). Each id of the labels file that the run uses (B and test) needs a
 * line; each vector must have K entries, each in [0, 1], summing to 1 within 1e-3. Anything else is a
 * {@link DataException} naming the file, line and id.
 */
public final class ItemWeakLabels {
    static final double SUM_TOLERANCE = 1e-3;

    private ItemWeakLabels() {}

    /** The vectors of the items, in their order. */
    public static double[][] read(Path file, List<Item> items, int k) {
        if (!Files.isRegularFile(file)) throw new DataException("--weak-labels: no file " + file);
        Map<String, double[]> byId = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n = 0;
            for (String text; (text = in.readLine()) != null; ) {
                n++;
                if (text.isBlank()) continue;
                JsonNode row;
                try {
                    row = Json.MAPPER.readTree(text);
                } catch (IOException e) {
                    throw new DataException(file.toString(), n, null, "not JSON");
                }
                if (row == null || !row.isObject() || !row.hasNonNull("id")) {
                    throw new DataException(file.toString(), n, "id", "expected an object with \"id\" and \"probs\"");
                }
                String id = row.get("id").asText();
                JsonNode v = row.has("probs") ? row.get("probs") : row.has("label") ? row.get("label")
                        : row.get("weak_soft_label");
                String field = row.has("probs") ? "probs" : row.has("label") ? "label" : "weak_soft_label";
                if (v == null || !v.isArray()) {
                    throw new DataException(file.toString(), n, field, "id " + id + ": expected a list of K = " + k
                            + " probabilities");
                }
                if (v.size() != k) {
                    throw new DataException(file.toString(), n, field, "id " + id + ": " + v.size()
                            + " probabilities, but the task has K = " + k + " classes");
                }
                double[] p = new double[k];
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    p[c] = v.get(c).isNumber() ? v.get(c).doubleValue() : Double.NaN;
                    if (!(p[c] >= 0 && p[c] <= 1)) {
                        throw new DataException(file.toString(), n, field, "id " + id + ": entry " + c + " is "
                                + v.get(c) + ", not a probability");
                    }
                    sum += p[c];
                }
                if (Math.abs(sum - 1) > SUM_TOLERANCE) {
                    throw new DataException(file.toString(), n, field, "id " + id + ": the probabilities sum to " + sum
                            + ", not 1 (within " + SUM_TOLERANCE + ")");
                }
                if (byId.put(id, p) != null) throw new DataException(file.toString(), n, "id", "duplicate id " + id);
            }
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage());
        }
        double[][] out = new double[items.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = byId.get(items.get(i).id());
            if (out[i] == null) {
                throw new DataException(file + ": no weak prediction for id '" + items.get(i).id() + "' of the task");
            }
        }
        return out;
    }
}
