package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13: each defect found when the toolkit was tried as a new user, reproduced as it was reported. */
class HardeningTest {
    @TempDir
    Path dir;

    record Ran(int status, String out, String err) {}

    static Ran run(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Main.execute(args);
            return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    private Ran runGrammar(String... extra) {
        String[] base = {"run", "--task", "grammar", "--cache", dir.resolve("cache").toString(), "--out",
                dir.resolve("out").toString(), "--n-train", "200", "--n-test", "100"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    private void refused(String message, String... args) {
        Ran r = runGrammar(args);
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    /** Item 4: options that were accepted and ignored. */
    @Test
    void optionsThatWouldBeIgnoredAreRefused() {
        refused("unknown --mode 'foo'", "--mode", "foo");
        refused("unknown --weak-mode 'foo'", "--weak", "bow", "--weak-mode", "foo");
        refused("--eval-every must be auto, 0 (never) or a number of steps, got -1", "--eval-every", "-1");
        refused("--layer applies to probes", "--mode", "finetune", "--layer", "2");
        refused("--head mlp applies to probes", "--mode", "finetune", "--head", "mlp");
        refused("--head applies to probes, not bow", "--strong", "bow", "--head", "mlp");
        refused("--max-tokens applies to encoders, not bow", "--strong", "bow", "--max-tokens", "64");
        refused("unknown head 'big'", "--head", "big");
        refused("unknown pooling 'max'", "--pooling", "max");
        refused("layer '99' is not valid for model minilm-l6", "--layer", "99");
        refused("apply only with --early-stop", "--early-stop-every", "3");
        refused("do not apply to a CCS supervisor", "--weak", "ccs:minilm-l6", "--weak-lr", "0.1");
        refused("weight decay must be 0 or more", "--weight-decay", "-1");
        refused("--max-tokens must be at least 1", "--max-tokens", "0");
    }

    /** Item 6: the cache follows $W2S_CACHE, then $XDG_CACHE_HOME, then $HOME, not Java's user.home. */
    @Test
    void theCacheFollowsTheEnvironment() throws Exception {
        assertEquals(Path.of("/w"), w2s.base.Places.cacheRoot(java.util.Map.of("W2S_CACHE", "/w",
                "XDG_CACHE_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/x/w2s"), w2s.base.Places.cacheRoot(java.util.Map.of("XDG_CACHE_HOME", "/x",
                "HOME", "/h")));
        assertEquals(Path.of("/h/.cache/w2s"), w2s.base.Places.cacheRoot(java.util.Map.of(
                "XDG_CACHE_HOME", "relative", "HOME", "/h")));
        // The reproduction: HOME=/x bin/w2s run ... must write under /x/.cache/w2s.
        Path home = dir.resolve("home");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Xss8m", "-cp", System.getProperty("java.class.path"), "w2s.cli.Main", "run", "--task", "grammar",
                "--weak", "bow", "--strong", "bow", "--n-train", "100", "--n-test", "50", "--quiet",
                "--out", dir.resolve("out").toString()).redirectErrorStream(true);
        pb.environment().remove("W2S_CACHE");
        pb.environment().remove("XDG_CACHE_HOME");
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
        assertTrue(java.nio.file.Files.isDirectory(home.resolve(".cache/w2s/stages")), output);
    }

    /** Item 7: help without picocli warnings, with every default and a description for every option. */
    @Test
    void helpHasNoWarningsDescribesEveryOptionAndShowsRunsDefaults() {
        for (String[] args : new String[][] {{"--help"}, {"results", "--help"}, {"run", "--help"}, {"sweep", "--help"}}) {
            Ran r = run(args);
            assertEquals(0, r.status());
            assertTrue(!r.err().contains("WARN") && !r.out().contains("WARN"), String.join(" ", args) + ": " + r.err());
        }
        picocli.CommandLine cli = new picocli.CommandLine(new Main());
        java.util.List<picocli.CommandLine> commands = new java.util.ArrayList<>(java.util.List.of(cli));
        for (int i = 0; i < commands.size(); i++) commands.addAll(commands.get(i).getSubcommands().values());
        for (picocli.CommandLine c : commands) {
            for (picocli.CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                String what = c.getCommandSpec().qualifiedName() + " " + o.longestName();
                assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), what + " has a description");
                boolean showsDefault = String.join(" ", o.description()).contains("default");
                if (java.util.List.of("run", "demo", "sweep").contains(c.getCommandName()) && o.defaultValue() != null) {
                    assertTrue(showsDefault, what + " shows its default");
                }
            }
        }
        String help = run("run", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("(default: 4000, or all if fewer)") && help.contains("(default: xent)") && help.contains("parquet")
                && help.contains("ccs:MODEL") && help.contains("Hugging Face id") && help.contains("--quiet"), help);
    }

    @Test
    void aMistypedOptionSuggestsTheRightOneInAFewLines() {
        Ran r = runGrammar("--n_train", "300");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--n_train") && r.err().contains("--n-train"), r.err());
        assertTrue(r.err().lines().count() <= 5, r.err());
        assertTrue(!r.out().contains("Usage:") && !r.err().contains("Usage:"), r.err());
    }

    /** Item 5: a sweep killed after its store opened leaves no native library copies in the temporary folder. */
    @Test
    void aKilledSweepLeavesNoNativeLibrariesBehind() throws Exception {
        Path tmp = java.nio.file.Files.createDirectories(dir.resolve("tmp"));
        Path cache = dir.resolve("cache");
        Path file = java.nio.file.Files.writeString(dir.resolve("s.yaml"),
                "tasks: [grammar]\nmodels: [bow, minilm-l6]\nlosses: [xent, logconf]\nseeds: 2\nn-train: 100\nn-test: 50\n");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Djava.io.tmpdir=" + tmp, "-Xss8m", "-cp", System.getProperty("java.class.path"), "w2s.cli.Main",
                "sweep", file.toString(), "--out", dir.resolve("out").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("W2S_CACHE", cache.toString());
        Process child = pb.start();
        java.util.regex.Pattern done = java.util.regex.Pattern.compile("\\b([5-9]|1[0-2])/12 cells");
        try (java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(child.getErrorStream()))) {
            for (String line; (line = err.readLine()) != null; ) if (done.matcher(line).find()) break;
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        // Cells 5 on train minilm-l6, so both libraries were loaded before the kill.
        try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(tmp)) {
            java.util.List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.startsWith("libduckdb_java") || n.startsWith("onnxruntime-java")),
                    "left in the temporary folder: " + names);
        }
        assertTrue(java.nio.file.Files.isRegularFile(cache.resolve("native").resolve("onnxruntime-"
                + ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion()).resolve("linux-x64")
                .resolve("libonnxruntime.so")));
    }

    /** Item 5: results are created as any file is (0666 less the umask), not 0600. */
    @Test
    void resultFilesHonourTheUmask() throws Exception {
        Path plain = java.nio.file.Files.createFile(dir.resolve("plain"));
        Path written = dir.resolve("metrics.json");
        w2s.base.Json.writeAtomically(written, "{}");
        assertEquals(java.nio.file.Files.getPosixFilePermissions(plain), java.nio.file.Files.getPosixFilePermissions(written));
    }

    /** Item 9: drift between the docs, the build and the command line. */
    @Test
    void docsAndBuildAgree() throws Exception {
        String pom = java.nio.file.Files.readString(Path.of("pom.xml"));
        assertEquals(1, pom.split("<artifactId>duckdb_jdbc</artifactId>", -1).length - 1, "duckdb_jdbc declared once");
        String readme = java.nio.file.Files.readString(Path.of("README.md"));
        assertTrue(!readme.contains("(110M") && readme.contains("`bert-base` (109M"), "one size for BERT-base");
        assertTrue(run("models", "install", "--help").out().contains("109M"));
        assertTrue(!readme.contains("`maxTokens` (256) are truncated"), "fine-tuning truncates at 128 from the CLI");
        assertTrue(!java.nio.file.Files.readString(Path.of("data/README.md")).contains("`w2s tasks` prints each rule"));
        for (String command : new String[] {"results", "report"}) {
            Ran r = run(command, "--store", dir.resolve("none.duckdb").toString());
            assertEquals(2, r.status());
            assertTrue(r.err().contains("no results at") && r.err().contains("a folder of run folders"), r.err());
        }
        // A folder without finished runs gets no page: an error, nothing written.
        java.nio.file.Path empty = java.nio.file.Files.createDirectories(dir.resolve("empty-store"));
        Ran r = run("report", empty.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("no finished runs in"), r.err());
        assertTrue(!java.nio.file.Files.exists(empty.resolve("report.html")));
    }

        // Subprocesses get -Xss8m: ONNX Runtime reads /proc/self/cmdline when it starts and overflows a 1 MB thread stack
    // on a command line as long as the test class path (bin/w2s runs with -jar and a short command line).

    /** Item 2: models install bert-base without Maven on the PATH gives a message, not an IOException's trace. */
    @Test
    void installWithoutMavenIsAMessage() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss8m", "-cp", System.getProperty("java.class.path"), "w2s.cli.Main", "models", "install", "bert-base",
                "--dir", dir.resolve("models").toString()).redirectErrorStream(true);
        pb.environment().put("PATH", dir.resolve("empty").toString());
        pb.environment().remove("W2S_DEBUG");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), output);
        assertTrue(output.contains("cannot start mvn") && !output.contains("\tat "), output);
    }

    /** Item 8: with standard error in a file ({@code 2> log}) progress is plain lines, labelled by role. */
    @Test
    void progressIntoAFileHasNoCarriageReturnsAndNamesTheRole() throws Exception {
        Path log = dir.resolve("log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Xss8m", "-cp", System.getProperty("java.class.path"), "w2s.cli.Main", "run", "--task", "grammar",
                "--weak", "bow", "--strong", "minilm-l6", "--n-train", "100", "--n-test", "50",
                "--out", dir.resolve("out").toString(), "--cache", dir.resolve("cache").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile());
        pb.environment().remove("W2S_PROGRESS");
        int status = pb.start().waitFor();
        String err = java.nio.file.Files.readString(log);
        assertEquals(0, status, err);
        assertTrue(!err.contains("\r") && !err.contains("\033["), err);
        assertTrue(err.contains("features minilm-l6") || err.contains("student"), err);
    }
}
