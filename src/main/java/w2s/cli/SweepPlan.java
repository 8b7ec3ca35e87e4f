package w2s.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import picocli.CommandLine;

import w2s.experiment.ExperimentConfig;
import w2s.results.ResultStore;

/**
 * A sweep file expanded into cells. Every key is a {@code run} option (tasks, losses, seeds and modes may be plural);
 * a list value is an axis of the grid, a scalar a fixed value. Models come as {@code models:} (every pair with weak
 * no larger than strong by parameter count, self-pairs included, as the reference sweep does), as {@code weak:} and
 * {@code strong:} lists (the same filter), or as {@code chain:} (one list, or a list of lists, for bootstrapping).
 * Each cell is parsed by the {@code run} command itself, so a sweep accepts exactly what {@code run} accepts.
 * A task that needs its own data is an entry {@code {task: sst2, data: sst2/}} (also {@code test:}); a list of such
 * entries pairs each task with its own files. A key given twice, an empty list, a nested value anywhere else and a
 * grid without a single cell are refused with the key named.
 *
 * <pre>
 * tasks: [grammar]
 * models: [bow, minilm-l6, bge-small]
 * losses: [xent, logconf]
 * seeds: 3            # or [0, 1, 2]
 * n-train: 400
 * </pre>
 */
final class SweepPlan {
    private static final Map<String, String> PLURALS = Map.of("tasks", "task", "losses", "loss", "seeds", "seed",
            "modes", "mode");

    private SweepPlan() {}

    static List<ExperimentConfig> read(Path file) {
        JsonNode root;
        try {
            ObjectMapper mapper = file.toString().endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
            // A key given twice must not silently let the last one win.
            mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read sweep file " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("sweep file " + file + " is not a mapping");
        return expand(root);
    }

    static List<ExperimentConfig> expand(JsonNode root) {
        // Each axis is a list of choices; a choice is the arguments it adds (a task entry adds --task and --data).
        Map<String, List<List<String>>> axes = new LinkedHashMap<>();
        List<List<String>> pairs = pairs(root);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("sweep file: no weak–strong pair with the weak model no larger than the "
                    + "strong one (weak: " + names(root.has("models") ? root.get("models") : root.get("weak"))
                    + ", strong: " + names(root.has("models") ? root.get("models") : root.get("strong")) + ")");
        }
        root.fields().forEachRemaining(e -> {
            String key = PLURALS.getOrDefault(e.getKey(), e.getKey());
            if (List.of("models", "weak", "strong", "chain").contains(key)) return;
            if (axes.containsKey(key)) {
                throw new IllegalArgumentException("sweep file: '" + e.getKey() + "' given twice (both '" + key
                        + "' and its plural)");
            }
            JsonNode v = e.getValue();
            List<List<String>> values = new ArrayList<>();
            if (key.equals("seed") && v.isInt()) {
                if (v.asInt() < 1) throw new IllegalArgumentException("sweep file: '" + e.getKey() + "' must be at least 1");
                for (int s = 0; s < v.asInt(); s++) values.add(flag(key, Integer.toString(s)));
            } else if (v.isArray()) {
                if (v.isEmpty()) throw new IllegalArgumentException("sweep file: '" + e.getKey() + "' is an empty list");
                for (JsonNode x : v) values.add(choice(e.getKey(), key, x));
            } else {
                values.add(choice(e.getKey(), key, v));
            }
            axes.put(key, values);
        });
        List<List<String>> argLists = new ArrayList<>();
        for (List<String> pair : pairs) argLists.add(pair);
        for (Map.Entry<String, List<List<String>>> axis : axes.entrySet()) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> args : argLists) {
                for (List<String> value : axis.getValue()) {
                    List<String> a = new ArrayList<>(args);
                    a.addAll(value);
                    next.add(a);
                }
            }
            argLists = next;
        }
        List<ExperimentConfig> cells = new ArrayList<>();
        for (List<String> args : argLists) {
            RunCommand run = new RunCommand();
            try {
                new CommandLine(run).parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                throw new IllegalArgumentException("sweep file: " + e.getMessage());
            }
            cells.add(run.config());
        }
        return cells;
    }

    /** The arguments one value of a key adds: a flag, an option and its value, or a task entry's options. */
    private static List<String> choice(String name, String key, JsonNode value) {
        if (value.isObject()) {
            if (!key.equals("task")) {
                throw new IllegalArgumentException("sweep file: '" + name + "' takes values, not a mapping: " + value);
            }
            List<String> args = new ArrayList<>();
            value.fields().forEachRemaining(f -> {
                if (!List.of("task", "data", "test").contains(f.getKey())) {
                    throw new IllegalArgumentException("sweep file: a '" + name + "' entry takes task, data and test, "
                            + "not '" + f.getKey() + "': " + value);
                }
                if (!f.getValue().isValueNode() || f.getValue().isNull() || f.getValue().asText().isBlank()) {
                    throw new IllegalArgumentException("sweep file: '" + f.getKey() + "' of a '" + name
                            + "' entry must be a name or path: " + value);
                }
                args.addAll(List.of("--" + f.getKey(), f.getValue().asText()));
            });
            if (!value.has("task")) throw new IllegalArgumentException("sweep file: a '" + name + "' entry needs task: " + value);
            return args;
        }
        if (!value.isValueNode() || value.isNull()) {
            throw new IllegalArgumentException("sweep file: '" + name + "' takes a value or a list of values, not " + value);
        }
        return flag(key, value.asText());
    }

    private static List<String> flag(String key, String value) {
        if (value.equals("true")) return List.of("--" + key);
        if (value.equals("false")) return List.of();
        return List.of("--" + key, value);
    }

    /** The model part of each cell's arguments. */
    private static List<List<String>> pairs(JsonNode root) {
        List<List<String>> out = new ArrayList<>();
        if (root.has("chain")) {
            JsonNode chain = root.get("chain");
            if (chain.isArray() && chain.isEmpty()) throw new IllegalArgumentException("sweep file: 'chain' is an empty list");
            List<JsonNode> chains = new ArrayList<>();
            if (chain.isArray() && chain.size() > 0 && chain.get(0).isArray()) chain.forEach(chains::add);
            else chains.add(chain);
            for (JsonNode c : chains) out.add(List.of("--chain", c.isArray() ? join(c) : c.asText()));
            return out;
        }
        for (String key : List.of("models", "weak", "strong")) {
            if (root.has(key) && (root.get(key).isEmpty() && root.get(key).isContainerNode() || root.get(key).isNull())) {
                throw new IllegalArgumentException("sweep file: '" + key + "' is an empty list");
            }
        }
        List<String> weak = names(root.has("models") ? root.get("models") : root.get("weak"));
        List<String> strong = names(root.has("models") ? root.get("models") : root.get("strong"));
        if (weak.isEmpty() || strong.isEmpty()) {
            throw new IllegalArgumentException("sweep file needs models:, weak: and strong:, or chain:");
        }
        if (root.has("features")) {
            // Models known by their feature files have no parameter count to order them by: every weak model
            // supervises every strong one, as the file lists them.
            for (String w : weak) for (String s : strong) out.add(List.of("--weak", w, "--strong", s));
            return out;
        }
        // Ties in size (bge-small and e5-small) are ordered by their place in the file, so each pair appears once.
        List<String> order = new ArrayList<>(weak);
        strong.stream().filter(s -> !order.contains(s)).forEach(order::add);
        Comparator<String> size = Comparator.<String>comparingLong(ResultStore::parameters).thenComparing(order::indexOf);
        for (String w : weak) {
            for (String s : strong) if (size.compare(w, s) <= 0) out.add(List.of("--weak", w, "--strong", s));
        }
        return out;
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        if (node == null) return names;
        if (node.isArray()) node.forEach(n -> {
            if (!n.isValueNode()) throw new IllegalArgumentException("sweep file: a model is a name or path, not " + n);
            names.add(n.asText());
        });
        else names.add(node.asText());
        return names;
    }

    private static String join(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(n -> parts.add(n.asText()));
        return String.join(",", parts);
    }
}
