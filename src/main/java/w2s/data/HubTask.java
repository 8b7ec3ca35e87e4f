package w2s.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import w2s.hub.HubDatasets;

/**
 * A task from any dataset repo on the Hugging Face Hub, named {@code hf:ORG/NAME[:CONFIG][@REVISION]} and given its
 * columns: {@code ;text=COLUMN;label=COLUMN} (a binary label: 0/1, false/true) or {@code ;chosen=COLUMN;rejected=COLUMN}
 * (preference pairs, shown one seeded side per pair as the converters do), optionally {@code ;train=SPLIT} (default
 * train) and {@code ;test=SPLIT} (default validation, else test, else none: the splitter holds out a test set). The
 * command line's {@code --text}, {@code --label}, {@code --chosen}, {@code --rejected} write these parameters, so
 * the whole specification is the task's name in every result and reruns read the same columns.
 */
public record HubTask(String repoId, String config, String revision, Map<String, String> columns) {
    public static final String PREFIX = "hf:";
    private static final Pattern SPEC = Pattern.compile("hf:([^:@;]+)(?::([^@;]+))?(?:@([^;]+))?((?:;[^;]*)*)");
    private static final List<String> KEYS = List.of("text", "label", "chosen", "rejected", "train", "test");

    public HubTask {
        columns = Map.copyOf(columns);
    }

    public static boolean isSpec(String name) {
        return name.startsWith(PREFIX);
    }

    /** Parses {@code hf:ORG/NAME[:CONFIG][@REVISION][;key=value...]}; bad parts are refused naming what is valid. */
    public static HubTask parse(String spec) {
        Matcher m = SPEC.matcher(spec.strip());
        if (!m.matches()) throw new DataException("'" + spec + "' is not a Hugging Face dataset task: write "
                + "hf:ORG/NAME[:CONFIG][@REVISION] with --text COLUMN --label COLUMN");
        Map<String, String> columns = new LinkedHashMap<>();
        for (String kv : m.group(4).split(";")) {
            if (kv.isBlank()) continue;
            String[] p = kv.split("=", 2);
            if (p.length != 2 || !KEYS.contains(p[0].strip()) || p[1].isBlank())
                throw new DataException("'" + kv + "' in " + spec + ": expected one of " + KEYS + " as key=value");
            columns.put(p[0].strip(), p[1].strip());
        }
        return new HubTask(m.group(1), m.group(2), m.group(3), columns);
    }

    /** The specification with the command line's column options written into it (a null option adds nothing). */
    public static String withColumns(String spec, String text, String label, String chosen, String rejected) {
        StringBuilder s = new StringBuilder(spec);
        String[][] options = {{"text", text}, {"label", label}, {"chosen", chosen}, {"rejected", rejected}};
        for (String[] o : options) if (o[1] != null) s.append(';').append(o[0]).append('=').append(o[1]);
        return s.toString();
    }

    /** The dataset, its configuration and revision, without the column parameters: for messages. */
    public String dataset() {
        return PREFIX + repoId + (config != null ? ":" + config : "") + (revision != null ? "@" + revision : "");
    }

    /**
     * The task's name: the dataset and every parameter, in a fixed order, so that two readings of one dataset (other
     * columns or splits) are never taken for the same task in results.
     */
    public String name() {
        StringBuilder s = new StringBuilder(dataset());
        for (String k : KEYS) if (columns.containsKey(k)) s.append(';').append(k).append('=').append(columns.get(k));
        return s.toString();
    }

    public boolean pairs() {
        return columns.containsKey("chosen") || columns.containsKey("rejected");
    }

    /** Downloads (or finds in the cache) the dataset's splits and converts them with the columns given. */
    Task load(HubDatasets hub) {
        String train = columns.getOrDefault("train", "train");
        List<String> test = columns.containsKey("test") ? List.of(columns.get("test")) : List.of("validation", "test");
        HubDatasets.Snapshot s = columns.containsKey("test")
                ? hub.resolve(repoId, config, revision, List.of(train, columns.get("test")), List.of())
                : hub.resolve(repoId, config, revision, List.of(train), test);
        String testSplit = s.splits().keySet().stream().filter(k -> !k.equals(train)).findFirst().orElse(null);
        Converters.Format format = format(s, train);
        Converters.Part trainPart = Converters.convertHub(train, s, format);
        Converters.Part testPart = testSplit == null ? new Converters.Part()
                : Converters.convertHub(testSplit, s, format);
        Map<String, String> details = new LinkedHashMap<>();
        Converters.hubDetails(details, s);
        details.put("columns", columns.toString());
        details.put("test", testSplit == null ? "held out from " + train + " by the splitter" : "the " + testSplit
                + " split");
        details.put("files", String.join(", ", trainPart.fileHashes)
                + (testPart.fileHashes.isEmpty() ? "" : ", " + String.join(", ", testPart.fileHashes)));
        details.put("rows", trainPart.rows + " train" + (testSplit == null ? "" : ", " + testPart.rows + " test"));
        details.put("dropped_empty_text", Long.toString(trainPart.emptyDropped + testPart.emptyDropped));
        if (pairs()) details.put("conversion_seed", Long.toString(Converters.SEED));
        List<PreferencePair> pairs = new ArrayList<>(trainPart.pairs);
        pairs.addAll(testPart.pairs);
        Provenance provenance = new Provenance("huggingface", Converters.hubLocation(s), "unknown (see the dataset "
                + "card of " + repoId + ")", Converters.listingHash(trainPart.fileHashes, testPart.fileHashes), details);
        return new Task(name(), trainPart.examples, testPart.examples, pairs, provenance);
    }

    /** The row formatter of the columns given; without them, an error that lists the dataset's columns. */
    private Converters.Format format(HubDatasets.Snapshot s, String train) {
        if (pairs()) {
            if (!columns.containsKey("chosen") || !columns.containsKey("rejected"))
                throw new DataException(dataset() + ": preference pairs need both --chosen COLUMN and --rejected COLUMN; "
                        + "the dataset's columns are " + columnsOf(s, train));
            String chosen = columns.get("chosen");
            String rejected = columns.get("rejected");
            return (r, rng) -> Converters.Doc.pair(r.string(chosen), r.string(rejected), rng);
        }
        if (!columns.containsKey("text") || !columns.containsKey("label"))
            throw new DataException(dataset() + ": give the text and label columns with --text COLUMN --label COLUMN "
                    + "(or --chosen and --rejected for preference pairs); the dataset's columns are "
                    + columnsOf(s, train));
        String text = columns.get("text");
        String label = columns.get("label");
        return (r, rng) -> Converters.Doc.of(r.string(text), r.label(label));
    }

    /** The columns of a split's first row, for messages. */
    private static List<String> columnsOf(HubDatasets.Snapshot s, String split) {
        List<String> names = new ArrayList<>();
        List<java.nio.file.Path> files = s.files(split);
        if (files.isEmpty()) return names;
        try {
            Rows.read(files.get(0), row -> {
                if (names.isEmpty()) row.fields().fieldNames().forEachRemaining(names::add);
            });
        } catch (DataException e) {
            // the columns are only for the message
        }
        return names;
    }
}
