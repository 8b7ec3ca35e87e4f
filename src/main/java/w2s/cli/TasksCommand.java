package w2s.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import w2s.data.Converters;
import w2s.data.DataException;
import w2s.data.Example;
import w2s.data.Task;
import w2s.data.Tasks;

/** {@code w2s tasks}: what data there is to run on, and what a model reads from it. */
@Command(name = "tasks", mixinStandardHelpOptions = true, subcommands = {TasksCommand.Show.class, TasksMakeCommand.class},
        description = {"Lists the built-in tasks (size, label balance, provenance) and the converters for datasets "
                + "exported from Hugging Face.", "Use 'tasks show NAME' to see converted examples."})
public final class TasksCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Built-in tasks (shipped with w2s, no download):");
        out.printf("  %-13s %8s  %-18s %7s %6s  %s%n", "NAME", "EXAMPLES", "TRAIN / TEST", "LABEL 1", "PAIRS",
                "SOURCE (registry, package, license)");
        for (Tasks.Builtin builtin : Tasks.builtin()) {
            Tasks.Listing t = builtin.listing();
            out.printf("  %-13s %,8d  %-18s %6.1f%% %6s  %s %s, %s%n", builtin.name(), t.size(),
                    String.format("%,d / %s", t.train(), t.test() > 0 ? String.format("%,d", t.test()) : "held out"),
                    100.0 * t.positives() / Math.max(1, t.size()), t.pairs() == 0 ? "-" : String.format("%,d", t.pairs()),
                    t.source(), t.location(), t.license());
            out.printf("  %-13s %s%n", "", builtin.description());
        }
        out.println();
        out.println("Converters for the references' Hugging Face datasets:");
        out.println("  --task NAME[@REVISION] reads the dataset's Parquet files from the Hugging Face cache, downloading "
                + "them from the Hub when missing;");
        out.println("  --task NAME --data PATH reads an export (JSON Lines, CSV or Parquet; a file, or a folder of split "
                + "files). The test set is the split named, or held out when PATH is one file.");
        out.printf("  %-22s %-46s %-11s %s%n", "NAME", "DATASET", "TEST SPLIT", "FORMATTER");
        for (Converters.Converter c : Tasks.converters()) {
            out.printf("  %-22s %-46s %-11s %s%n", c.name(), c.dataset(), c.testSplit(), c.origin());
        }
        out.println();
        out.println("Any other dataset repo: --task hf:ORG/NAME[:CONFIG][@REVISION] --text COLUMN --label COLUMN.");
        out.println("Or give your own file: columns text,label (binary) or prompt,chosen,rejected (preference pairs).");
        return 0;
    }

    /** {@code w2s tasks show NAME}: a few converted examples of each class, as the model reads them. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Prints a task's provenance and a few of its examples of each class, as the model reads them.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "a built-in task, a converter (its dataset from the Hugging "
                + "Face Hub, or --data), hf:ORG/NAME[:CONFIG][@REVISION];text=COLUMN;label=COLUMN, or a task file")
        String name;

        @Option(names = "--data", paramLabel = "PATH",
                description = "for a converter: the file or folder exported from Hugging Face")
        Path data;

        @Option(names = "-n", paramLabel = "N", defaultValue = "5",
                description = "how many examples to print (default: ${DEFAULT-VALUE})")
        int n;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Task task;
            try {
                task = Tasks.load(name, data);
            } catch (DataException | w2s.hub.HubException e) {
                spec.commandLine().getErr().println("w2s tasks show: " + e.getMessage());
                return 1;
            }
            out.printf("%s: %,d examples (%s), label 1: %.1f%%%s%n", task.name(), task.size(), sizes(task),
                    100 * positiveShare(task), task.pairs().isEmpty() ? ""
                            : String.format(", %,d preference pairs (label 1 = the chosen side)", task.pairs().size()));
            var p = task.provenance();
            out.printf("source: %s %s, license %s, sha256 %s%n", p.source(), p.location(), p.license(), p.sha256());
            for (Map.Entry<String, String> e : new TreeMap<>(p.details()).entrySet()) out.printf("  %s: %s%n", e.getKey(), e.getValue());
            for (Example e : sample(task.train(), n)) {
                out.printf("%n--- %s  label %d%n%s%n", e.id(), e.label(), abbreviated(e.text()));
            }
            return 0;
        }
    }

    /** Up to n examples in file order, half of each class as far as the data allows, so both labels are seen. */
    static List<Example> sample(List<Example> examples, int n) {
        long available = examples.stream().filter(e -> e.label() == 1).count();
        long negativesAvailable = examples.size() - available;
        int positives = (int) Math.min(available, Math.max((n + 1) / 2, n - negativesAvailable));
        int negatives = (int) Math.min(n - positives, negativesAvailable);
        List<Example> out = new ArrayList<>();
        int[] left = {negatives, positives};
        for (Example e : examples) {
            if (left[e.label()] > 0) {
                left[e.label()]--;
                out.add(e);
            }
        }
        return out;
    }

    private static String sizes(Task task) {
        return String.format("%,d / %s", task.train().size(),
                task.hasTestSet() ? String.format("%,d", task.test().size()) : "held out");
    }

    private static double positiveShare(Task task) {
        long positives = task.train().stream().filter(e -> e.label() == 1).count()
                + task.test().stream().filter(e -> e.label() == 1).count();
        return positives / (double) Math.max(1, task.size());
    }

    private static String abbreviated(String text) {
        int limit = 1500;
        return text.length() <= limit ? text
                : text.substring(0, limit) + " [... " + (text.length() - limit) + " more characters]";
    }
}
