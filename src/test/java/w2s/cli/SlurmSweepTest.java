package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.results.Results;
import w2s.results.RunFiles;
import w2s.sweep.Claims;

/**
 * {@code w2s sweep --slurm} against a real Slurm: Debian's slurmctld and slurmd with munge, a one-node cluster on
 * loopback started by scripts/slurm/cluster.sh in a folder and on a port of its own (so a cluster already running is
 * left alone), stopped afterwards. The w2s commands run as separate processes, as a user runs them, with SLURM_CONF
 * pointing at the test's cluster; the array tasks run this build's classes.
 */
class SlurmSweepTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;
    private static Path slurmDir;
    private static String slurmConf;
    private static boolean started;

    @BeforeAll
    static void startCluster() throws Exception {
        Assumptions.assumeTrue(Slurm.onPath("slurmctld").isPresent() && Slurm.onPath("sbatch").isPresent()
                && Slurm.onPath("munged").isPresent(), "slurm-wlm and munge are not installed (.ci/run installs them)");
        // A short path: munge's socket path must fit in a Unix socket address.
        slurmDir = Files.createTempDirectory(Path.of("/tmp"), "w2s-slurm-test-");
        int port = freePortPair();
        ProcessBuilder pb = new ProcessBuilder(Path.of("scripts", "slurm", "cluster.sh").toAbsolutePath().toString(),
                "start").redirectErrorStream(true);
        pb.environment().put("W2S_SLURM_DIR", slurmDir.toString());
        pb.environment().put("W2S_SLURM_PORT", Integer.toString(port));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        started = true;
        Matcher m = Pattern.compile("SLURM_CONF=(\\S+)").matcher(out);
        assertTrue(p.exitValue() == 0 && m.find(), "cluster.sh start: " + out);
        slurmConf = m.group(1);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (!started) return;
        ProcessBuilder pb = new ProcessBuilder(Path.of("scripts", "slurm", "cluster.sh").toAbsolutePath().toString(),
                "stop").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("W2S_SLURM_DIR", slurmDir.toString());
        pb.start().waitFor(60, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(slurmDir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
        }
    }

    /** Two consecutive free ports, for slurmctld and slurmd. */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            if (p >= 65535) continue;
            try (ServerSocket a = new ServerSocket(p); ServerSocket b = new ServerSocket(p + 1)) {
                return p;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no two consecutive free ports");
    }

    record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** A command run as its own process, with the test cluster's SLURM_CONF. */
    private static Run run(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("SLURM_CONF", slurmConf);
        Path err = Files.createTempFile(root, "err", ".txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
        return new Run(p.exitValue(), out, Files.readString(err));
    }

    private static List<String> javaW2s() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-Xss8m",
                "-cp", System.getProperty("java.class.path"), "w2s.cli.Main");
    }

    private static Run w2s(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(javaW2s());
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    private static String launcher() {
        return String.join(" ", javaW2s());
    }

    /** Waits until Slurm lists no pending or running task of the job. */
    private static void awaitJob(String id, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            Run q = run("squeue", "-h", "-j", id, "-o", "%T");
            if (q.exit() != 0 || q.out().isBlank()) return;
            Thread.sleep(500);
        }
        Run q = run("squeue", "-a");
        throw new AssertionError("job " + id + " still queued after " + seconds + " s: " + q.out());
    }

    private static String submitted(Run r) {
        Matcher m = Pattern.compile("submitted Slurm job (\\d+): (\\d+) array tasks \\(shards (\\S+) of (\\d+)\\)")
                .matcher(r.out());
        assertTrue(r.exit() == 0 && m.find(), r.all());
        return m.group(1);
    }

    /** Run folders (name to metrics.json without timings and environment) of finished runs. */
    private static Map<String, JsonNode> runs(Path out) throws IOException {
        Map<String, JsonNode> runs = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(out)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                if (!RunFiles.complete(d)) continue;
                ObjectNode m = (ObjectNode) JSON.readTree(d.resolve(RunFiles.METRICS).toFile());
                m.remove("seconds");
                m.remove("environment");
                runs.put(d.getFileName().toString(), m);
            }
        }
        return runs;
    }

    private static int[] statusCounts(Run status) {
        Matcher m = Pattern.compile("(\\d+) cells: (\\d+) done, (\\d+) running, (\\d+) failed, (\\d+) pending")
                .matcher(status.out());
        assertTrue(status.exit() == 0 && m.find(), status.all());
        int[] c = new int[5];
        for (int i = 0; i < 5; i++) c[i] = Integer.parseInt(m.group(i + 1));
        return c;
    }

    @Test
    void anArrayOfThreeShardsStoresWhatALocalSweepStores() throws Exception {
        Path file = root.resolve("grammar.yaml");
        Files.writeString(file, "tasks: [grammar]\nmodels: [bow]\nlosses: [xent, logconf, product]\nseeds: 2\n"
                + "n-train: 200\nn-test: 100\n");
        Path onSlurm = root.resolve("on-slurm");
        Run submit = w2s("sweep", file.toString(), "--out", onSlurm.toString(), "--cache", root.resolve("cache-slurm")
                .toString(), "--slurm", "--shards", "3", "--max-parallel", "3", "--time", "00:10:00", "--cpus", "1",
                "--launcher", launcher());
        String job = submitted(submit);
        assertTrue(submit.out().contains("3 array tasks (shards 0-2 of 3)"), submit.all());
        Path script;
        try (Stream<Path> s = Files.list(onSlurm.resolve("slurm"))) {
            script = s.filter(p -> p.toString().endsWith(".sbatch")).findFirst().orElseThrow();
        }
        String text = Files.readString(script);
        assertTrue(text.contains("#SBATCH --array=0-2%3") && text.contains("#SBATCH --time=00:10:00")
                && text.contains("--shard \"$SLURM_ARRAY_TASK_ID/3\"") && text.contains("/%A_%a.log"), text);

        // Meanwhile, the same sweep on this machine, with a cache of its own: nothing is shared but the code.
        Path local = root.resolve("local");
        String report = MainTest.capture(() -> assertEquals(0, Main.execute("sweep", file.toString(), "--out",
                local.toString(), "--cache", root.resolve("cache-local").toString())));
        assertTrue(report.contains("6 cells: 0 already stored, 6 run now, 0 failed"), report);

        awaitJob(job, 240);
        Map<String, JsonNode> expected = runs(local);
        assertEquals(6, expected.size());
        assertEquals(expected, runs(onSlurm));
        try (Stream<Path> logs = Files.list(onSlurm.resolve("slurm").resolve("logs"))) {
            List<Path> all = logs.sorted().toList();
            assertEquals(3, all.size(), all.toString());
            for (Path log : all) {
                String l = Files.readString(log);
                assertTrue(l.contains("2 cells: 0 already stored, 2 run now, 0 failed")
                        || l.matches("(?s).*\\d cells: 0 already stored, \\d run now, 0 failed.*"), l);
            }
        }
        assertEquals(0, onSlurm.resolve(Claims.CLAIMS).toFile().list().length, "every claim released");

        Run status = w2s("sweep", file.toString(), "--out", onSlurm.toString(), "--status");
        assertEquals(List.of(6, 6, 0, 0, 0), List.of(statusCounts(status)[0], statusCounts(status)[1],
                statusCounts(status)[2], statusCounts(status)[3], statusCounts(status)[4]));
        assertTrue(status.out().contains("Slurm job " + job + " (shards 0-2 of 3"), status.all());
        assertTrue(status.out().contains("COMPLETED 0-2") || status.out().contains("no longer known"), status.all());

        // Submitting again finds nothing missing.
        Run again = w2s("sweep", file.toString(), "--out", onSlurm.toString(), "--slurm", "--shards", "3",
                "--launcher", launcher());
        assertEquals(0, again.exit(), again.all());
        assertTrue(again.out().contains("every cell of grammar.yaml is stored") && again.out().contains("nothing to submit"),
                again.all());
        // results reads the shared folder as any other.
        String table = MainTest.capture(() -> assertEquals(0, Main.execute("results", onSlurm.toString())));
        assertTrue(table.contains("6 runs in " + onSlurm), table);
    }

    @Test
    void aTaskCancelledMidCellIsResubmittedAloneAndEveryCellIsStoredOnce() throws Exception {
        // Cells of a few seconds each (a larger synthetic task), so that the cancel lands inside one.
        Path data = root.resolve("synthetic.jsonl");
        Random r = new Random(7);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8000; i++) {
            int label = r.nextInt(2);
            StringBuilder t = new StringBuilder();
            for (int w = 0; w < 60; w++) t.append('w').append(r.nextInt(5000)).append(' ');
            t.append(label == 1 && r.nextDouble() < 0.7 ? "good" : "bad");
            b.append(JSON.writeValueAsString(Map.of("text", t.toString(), "label", label))).append('\n');
        }
        Files.writeString(data, b);
        Path file = root.resolve("synthetic.yaml");
        Files.writeString(file, "tasks: [" + data + "]\nmodels: [bow]\nlosses: [xent, logconf, product]\nseeds: 2\n"
                + "n-train: 6000\nn-test: 1000\n");
        Path out = root.resolve("cancelled");
        String[] submitArgs = {"sweep", file.toString(), "--out", out.toString(), "--cache",
                root.resolve("cache-cancel").toString(), "--slurm", "--shards", "3", "--launcher", launcher()};
        String job = submitted(w2s(submitArgs));

        // The first claim a task takes: cancel that task while it runs the cell.
        Path claims = out.resolve(Claims.CLAIMS);
        String cell = null;
        String task = null;
        long deadline = System.currentTimeMillis() + 180_000;
        while (task == null && System.currentTimeMillis() < deadline) {
            String[] names = claims.toFile().list();
            for (String n : names == null ? new String[0] : names) {
                if (n.startsWith(".") || n.endsWith(".takeover")) continue;
                Claims.Holder h = JSON.readValue(claims.resolve(n).toFile(), Claims.Holder.class);
                if (h.job() != null && h.job().startsWith(job + "_")) {
                    cell = n;
                    task = h.job();
                    break;
                }
            }
            if (task == null) Thread.sleep(50);
        }
        assertTrue(task != null, "no task claimed a cell");
        Run cancel = run("scancel", task);
        assertEquals(0, cancel.exit(), cancel.all());
        int cancelledShard = Integer.parseInt(task.substring(task.indexOf('_') + 1));
        awaitJob(job, 240);

        // The cancelled cell is not stored, and its claim was handed back; the other shards finished.
        String key = cell;
        Map<String, JsonNode> afterCancel = runs(out);
        assertFalse(afterCancel.keySet().stream().anyMatch(n -> n.endsWith(key.substring(0, 8))),
                "cancelled mid-cell: " + afterCancel.keySet());
        assertTrue(afterCancel.size() < 6);
        assertFalse(Files.exists(claims.resolve(cell)), "the cancelled task released its claim");
        Run status = w2s("sweep", file.toString(), "--out", out.toString(), "--status");
        int[] c = statusCounts(status);
        assertEquals(List.of(6, afterCancel.size(), 0, 0, 6 - afterCancel.size()), List.of(c[0], c[1], c[2], c[3], c[4]),
                status.all());
        assertTrue(status.out().contains("Slurm job " + job), status.all());

        // A submission Slurm refuses: its message, a non-zero exit, and nothing stored or recorded is lost.
        List<String> refused = new ArrayList<>(List.of(submitArgs));
        refused.addAll(List.of("--partition", "nosuch"));
        Run bad = w2s(refused.toArray(String[]::new));
        assertEquals(2, bad.exit(), bad.all());
        assertTrue(bad.err().contains("sbatch failed") && bad.err().contains("invalid partition"), bad.all());
        assertEquals(afterCancel, runs(out));
        assertEquals(1, Slurm.jobs(out).size());

        // The same command again: only the cancelled shard has missing cells, and only it is submitted.
        Run resubmit = w2s(submitArgs);
        String again = submitted(resubmit);
        assertTrue(resubmit.out().contains("1 array tasks (shards " + cancelledShard + " of 3)"), resubmit.all());
        awaitJob(again, 240);

        Map<String, JsonNode> all = runs(out);
        assertEquals(6, all.size(), all.keySet().toString());
        assertTrue(all.keySet().containsAll(afterCancel.keySet()));
        afterCancel.forEach((name, metrics) -> assertEquals(metrics, all.get(name), "kept as it was: " + name));
        try (Results store = Results.open(out)) {
            List<Object> counts = store.query("SELECT count(*), count(DISTINCT cell_key) FROM runs").rows().get(0);
            assertEquals(List.of(6L, 6L), counts.stream().map(o -> ((Number) o).longValue()).toList());
        }
        assertEquals(0, claims.toFile().list().length);
        int[] done = statusCounts(w2s("sweep", file.toString(), "--out", out.toString(), "--status"));
        assertEquals(List.of(6, 6, 0, 0, 0), List.of(done[0], done[1], done[2], done[3], done[4]));
        TreeSet<String> jobs = new TreeSet<>();
        for (Slurm.Job j : Slurm.jobs(out)) jobs.add(j.id());
        assertEquals(new TreeSet<>(List.of(job, again)), jobs);
    }
}
