package w2s.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import w2s.base.Places;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.results.ResultStore;
import w2s.results.RunFiles;
import w2s.sweep.Claims;
import w2s.sweep.Shard;
import w2s.sweep.Sweep;

/** {@code w2s sweep FILE}: a grid of runs into a results folder, resumable after any crash. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run every cell of a sweep file (YAML or JSON), each into a run folder under --out (metrics.json "
                + "and row.parquet); cells already finished are skipped, so rerunning the command after a crash "
                + "finishes the sweep, and several sweeps may share one --out. On a cluster: --shard I/N runs a fixed "
                + "1/N of the cells (workers sharing --out claim each cell, so none is run twice), --slurm submits "
                + "the sweep as a Slurm job array of shards, --status shows where the sweep stands.")
final class SweepCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "sweep file: run options as keys, lists as grid axes")
    Path file;
    @Option(names = "--out", defaultValue = "runs/sweep", description = "results folder, one run folder per cell "
            + "(default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--store", description = "also add every result to this DuckDB store (the format of earlier "
            + "versions; it is locked while the sweep runs)")
    Path store;
    @Option(names = "--cache", description = "cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else $HOME/.cache/w2s)")
    Path cache;
    // One cell at a time by default: on 2 shared cores two parallel cells were twice as slow on a cold cache (feature
    // extraction already uses both cores) and 1.7x faster on warm features; see bench/README.md.
    @Option(names = "--parallel", defaultValue = "1", description = "cells run at once (default: ${DEFAULT-VALUE})")
    int parallel;
    @Option(names = "--dry-run", description = "list the cells (of --shard, if given) and exit")
    boolean dryRun;
    @Option(names = "--shard", paramLabel = "I/N", description = "run shard I of N (0 <= I < N): the sweep's cells sorted "
            + "by cell key and dealt out in turn, so shards differ by at most one cell")
    String shard;
    @Option(names = "--status", description = "show the cells done, running, failed and pending in --out, and the "
            + "states of the Slurm arrays submitted for it")
    boolean status;
    @Option(names = "--slurm", description = "submit the sweep to Slurm as a job array (one task per shard, each "
            + "running --shard into --out); again after failures or scancel, it submits only shards with missing cells")
    boolean slurm;
    @Option(names = "--shards", paramLabel = "N", description = "with --slurm: number of shards (default: one per "
            + "cell, at most 1000); keep it the same when submitting again")
    Integer shards;
    @Option(names = "--partition", description = "with --slurm: sbatch --partition")
    String partition;
    @Option(names = "--gres", description = "with --slurm: sbatch --gres, e.g. gpu:1")
    String gres;
    @Option(names = "--time", paramLabel = "HH:MM:SS", description = "with --slurm: time limit of each task")
    String time;
    @Option(names = "--cpus", description = "with --slurm: sbatch --cpus-per-task")
    Integer cpus;
    @Option(names = "--mem", description = "with --slurm: sbatch --mem, e.g. 16G")
    String mem;
    @Option(names = "--max-parallel", paramLabel = "K", description = "with --slurm: at most K tasks at once (%%K)")
    Integer maxParallel;
    @Option(names = "--sbatch-option", paramLabel = "OPT", description = "with --slurm: another #SBATCH line, e.g. "
            + "--account=lab or --qos=high (repeatable)")
    List<String> sbatchOptions = new ArrayList<>();
    @Option(names = "--launcher", paramLabel = "CMD", description = "with --slurm: the command the tasks run w2s "
            + "with (default: this installation's bin/w2s, by absolute path)")
    String launcher;
    @Option(names = "--print", description = "with --slurm: write the job script into --out and print it, without "
            + "submitting")
    boolean print;

    @Override
    public Integer call() {
        Shard part = shard == null ? Shard.ALL : Shard.parse(shard);
        if (slurm && shard != null) throw new IllegalArgumentException("--slurm chooses the shards itself: drop --shard");
        if (status && (slurm || dryRun)) throw new IllegalArgumentException("--status only reads: drop --slurm/--dry-run");
        if (!slurm && (print || shards != null || partition != null || gres != null || time != null || cpus != null
                || mem != null || maxParallel != null || launcher != null || !sbatchOptions.isEmpty())) {
            throw new IllegalArgumentException("--shards, --partition, --gres, --time, --cpus, --mem, --max-parallel, "
                    + "--sbatch-option, --launcher and --print go with --slurm");
        }
        if (slurm) {
            // Before anything is read or written: a cluster without sbatch here is a plain mistake.
            if (!print && Slurm.onPath("sbatch").isEmpty()) {
                throw new IllegalArgumentException("--slurm needs sbatch, which is not on PATH here; run this on a "
                        + "Slurm login node, or use --print to only write the job script");
            }
            if (store != null) {
                throw new IllegalArgumentException("--store cannot be written by many Slurm tasks at once; the tasks "
                        + "write run folders into --out, which w2s results reads");
            }
            if (shards != null && (shards < 1 || shards > 100_000)) {
                throw new IllegalArgumentException("--shards " + shards + ": needs 1 to 100000");
            }
            if (maxParallel != null && maxParallel < 1) {
                throw new IllegalArgumentException("--max-parallel " + maxParallel + ": needs at least 1");
            }
            if (time != null && !time.matches("(\\d+-)?\\d+(:\\d{1,2}){0,2}")) {
                throw new IllegalArgumentException("--time '" + time + "': needs Slurm's form, e.g. 12:00:00 or 2-00:00:00");
            }
        }
        List<ExperimentConfig> cells = SweepPlan.read(file);
        if (dryRun && shard == null) {
            Sweep.describe(cells).forEach(System.out::println);
            System.out.println(cells.size() + " cells");
            return 0;
        }
        try (Experiment experiment = new Experiment(cache != null ? cache : Places.cacheRoot())) {
            if (dryRun) {
                int n = 0;
                Set<String> mine = part.cells(cells.stream().map(experiment::cellKey).toList());
                List<String> described = Sweep.describe(cells);
                for (int i = 0; i < cells.size(); i++) {
                    if (!mine.contains(experiment.cellKey(cells.get(i)))) continue;
                    System.out.println(described.get(i));
                    n++;
                }
                System.out.println(n + " of " + cells.size() + " cells in shard " + part);
                return 0;
            }
            if (status) return status(cells, experiment);
            if (slurm) return submit(cells, experiment);
            return sweep(cells, experiment, part);
        }
    }

    private int sweep(List<ExperimentConfig> cells, Experiment experiment, Shard part) {
        long t0 = System.nanoTime();
        Sweep.Outcome outcome;
        Claims claims;
        try {
            claims = Claims.open(out);
        } catch (IllegalArgumentException e) {
            // Claims only matter to workers sharing the folder: a lone sweep goes on without them, a shard does not.
            if (shard != null) throw e;
            System.err.println("w2s: warning: " + e.getMessage() + "; running without claims, so no other sweep may "
                    + "write into it meanwhile");
            claims = null;
        }
        try (ResultStore results = store == null ? null : ResultStore.open(store)) {
            outcome = Sweep.run(cells, experiment, out, results, parallel, part, claims);
        } finally {
            if (claims != null) claims.close();
        }
        String held = outcome.elsewhere() == 0 ? "" : ", " + outcome.elsewhere() + " left to other workers running them";
        System.out.printf("%s%d cells: %d already stored, %d run now, %d failed%s, %.1f s; runs in %s%s%n",
                shard == null ? "" : "shard " + part + " of " + cells.size() + " cells: ", outcome.cells(),
                outcome.alreadyStored(), outcome.ran(), outcome.failures().size(), held,
                (System.nanoTime() - t0) / 1e9, out, store == null ? "" : " and " + store);
        outcome.failures().forEach(f -> System.err.println("w2s: failed: " + f));
        flagLines(cells, experiment, part, out).forEach(System.out::println);
        return outcome.failures().isEmpty() ? 0 : 3;
    }

    /**
     * How many of the sweep's finished cells (in this shard) carry each flag, as `run` warns of them one run at a
     * time: a flagged cell's PGR is left out of `w2s results`, and the sweep should say how many that will be.
     */
    static List<String> flagLines(List<ExperimentConfig> cells, Experiment experiment, Shard part, Path out) {
        Map<String, Integer> perFlag = new TreeMap<>();
        int finished = 0;
        int flagged = 0;
        int unchecked = 0;
        Map<String, ExperimentConfig> keyed = keyed(cells, experiment);
        Set<String> mine = part.cells(keyed.keySet());
        for (Map.Entry<String, ExperimentConfig> e : keyed.entrySet()) {
            if (!mine.contains(e.getKey())) continue;
            Path dir = out.resolve(RunFiles.folderName(e.getValue(), e.getKey()));
            if (!RunFiles.complete(dir)) continue;
            finished++;
            com.fasterxml.jackson.databind.JsonNode flags;
            try {
                flags = w2s.base.Json.MAPPER.readTree(dir.resolve(RunFiles.METRICS).toFile()).path("flags");
            } catch (IOException ex) {
                continue;
            }
            if (!flags.isArray()) {
                unchecked++;
                continue;
            }
            if (!flags.isEmpty()) flagged++;
            flags.forEach(f -> perFlag.merge(f.asText(), 1, Integer::sum));
        }
        List<String> lines = new ArrayList<>();
        if (finished == 0) return lines;
        lines.add("flags: " + flagged + " of " + finished + " finished cells flagged (left out of `w2s results` "
                + "unless --include-flagged)" + (unchecked == 0 ? "" : ", " + unchecked + " stored before flags existed"));
        perFlag.forEach((flag, n) -> lines.add(String.format("  %s: %d (%s)", flag, n,
                w2s.metrics.Flags.MEANING.getOrDefault(flag, flag))));
        return lines;
    }

    /** Cell keys in grid order, each once. */
    private static Map<String, ExperimentConfig> keyed(List<ExperimentConfig> cells, Experiment experiment) {
        Map<String, ExperimentConfig> keyed = new LinkedHashMap<>();
        for (ExperimentConfig c : cells) keyed.putIfAbsent(experiment.cellKey(c), c);
        return keyed;
    }

    private int status(List<ExperimentConfig> cells, Experiment experiment) {
        Map<String, ExperimentConfig> keyed = keyed(cells, experiment);
        List<String> running = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        int done = 0;
        int pending = 0;
        try (Claims claims = Claims.reader(out)) {
            Map<String, Claims.Holder> live = claims.live();
            Map<String, String> failures = claims.failures();
            for (Map.Entry<String, ExperimentConfig> e : keyed.entrySet()) {
                String key = e.getKey();
                if (RunFiles.complete(out.resolve(RunFiles.folderName(e.getValue(), key)))) {
                    done++;
                } else if (live.containsKey(key)) {
                    running.add(Sweep.describe(e.getValue()) + "  [" + live.get(key).describe() + "]");
                } else if (failures.containsKey(key)) {
                    String[] lines = failures.get(key).split("\n");
                    failed.add(Sweep.describe(e.getValue()) + ": " + (lines.length > 1 ? lines[1] : lines[0]));
                } else {
                    pending++;
                }
            }
        }
        System.out.printf("%s: %d cells: %d done, %d running, %d failed, %d pending (in %s)%n", file.getFileName(),
                keyed.size(), done, running.size(), failed.size(), pending, out);
        running.forEach(r -> System.out.println("running: " + r));
        failed.forEach(f -> System.out.println("failed:  " + f));
        for (Slurm.Job job : Slurm.jobs(out)) System.out.println(Slurm.describe(job));
        return 0;
    }

    private int submit(List<ExperimentConfig> cells, Experiment experiment) {
        Path absOut = out.toAbsolutePath().normalize();
        Path absFile = file.toAbsolutePath().normalize();
        Map<String, ExperimentConfig> keyed = keyed(cells, experiment);
        int count = shards != null ? shards : Math.max(1, Math.min(keyed.size(), 1000));
        TreeSet<Integer> missing = new TreeSet<>();
        Map<String, Integer> shardOf = Shard.deal(keyed.keySet(), count);
        int stored = 0;
        for (Map.Entry<String, ExperimentConfig> e : keyed.entrySet()) {
            if (RunFiles.complete(out.resolve(RunFiles.folderName(e.getValue(), e.getKey())))) stored++;
            else missing.add(shardOf.get(e.getKey()));
        }
        if (missing.isEmpty()) {
            System.out.println("every cell of " + file.getFileName() + " is stored in " + out + " (" + stored + " of "
                    + keyed.size() + "); nothing to submit");
            return 0;
        }
        // Shards still queued or running from an earlier submission (of the same shard count) are not submitted again.
        Map<Integer, String> active = new TreeMap<>();
        if (!print) {
            for (Slurm.Job job : Slurm.jobs(out)) {
                if (job.count() != count) continue;
                for (int t : Slurm.activeTasks(job.id())) active.put(t, job.id());
            }
        }
        List<Integer> todo = missing.stream().filter(i -> !active.containsKey(i)).toList();
        // Sizes the tasks cannot meet fail here, before anything is queued, not in every task of the array.
        Sweep.checkSizes(keyed.entrySet().stream().filter(e -> todo.contains(shardOf.get(e.getKey())))
                .map(Map.Entry::getValue).toList(), experiment);
        if (todo.isEmpty()) {
            System.out.println("the shards with missing cells are queued or running already (Slurm jobs "
                    + new TreeSet<>(active.values()) + "); nothing to submit; see w2s sweep " + file + " --out " + out
                    + " --status");
            return 0;
        }
        // The tasks must be able to claim cells in the folder: check it here, before anything is queued.
        Claims.open(out).close();
        List<String> args = new ArrayList<>();
        if (cache != null) args.addAll(List.of("--cache", cache.toAbsolutePath().normalize().toString()));
        if (parallel != 1) args.addAll(List.of("--parallel", Integer.toString(parallel)));
        String name = "w2s-" + file.getFileName().toString().replaceFirst("\\.[^.]+$", "").replaceAll("[^A-Za-z0-9_.-]", "_");
        Slurm.Resources resources = new Slurm.Resources(partition, gres, time, cpus, mem, maxParallel, sbatchOptions);
        String text = Slurm.script(name, absFile, absOut, todo, count, resources, launcher(), args);
        Path script;
        try {
            Path dir = absOut.resolve(Slurm.DIR);
            Files.createDirectories(dir.resolve("logs"));
            String stamp = LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS)
                    .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            script = dir.resolve(name + "-" + stamp + ".sbatch");
            for (int i = 2; Files.exists(script); i++) script = dir.resolve(name + "-" + stamp + "-" + i + ".sbatch");
            Files.writeString(script, text);
            script.toFile().setExecutable(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the job script into " + absOut + ": " + e.getMessage(), e);
        }
        String which = Slurm.arraySpec(todo, null);
        if (print) {
            System.out.print(text);
            System.err.println("w2s: wrote " + script + " (" + todo.size() + " tasks: shards " + which + " of " + count
                    + "; " + stored + " of " + keyed.size() + " cells stored); submit it with: sbatch " + script);
            return 0;
        }
        Slurm.Output o = Slurm.run(List.of("sbatch", "--parsable", script.toString()));
        String id = o.out().trim().split(";")[0];
        if (o.exit() != 0 || !id.matches("\\d+")) {
            String message = (o.err().strip() + "\n" + o.out().strip()).strip();
            throw new IllegalArgumentException("sbatch failed (exit " + o.exit() + "): " + message
                    + "\nnothing was submitted; the job script is " + script);
        }
        try {
            Slurm.record(absOut, new Slurm.Job(id, LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString(), which,
                    count, script.toString()));
        } catch (IOException e) {
            System.err.println("w2s: warning: submitted job " + id + " but cannot record it in " + absOut + ": "
                    + e.getMessage());
        }
        System.out.println("submitted Slurm job " + id + ": " + todo.size() + " array tasks (shards " + which + " of "
                + count + ") for the " + (keyed.size() - stored) + " missing of " + keyed.size() + " cells"
                + (active.isEmpty() ? "" : " (shards " + Slurm.arraySpec(new ArrayList<>(active.keySet()), null)
                + " still queued or running in " + new TreeSet<>(active.values()) + ")")
                + "; logs in " + absOut.resolve(Slurm.DIR).resolve("logs") + "; follow with: w2s sweep " + file
                + " --out " + out + " --status");
        return 0;
    }

    /** The command that runs w2s in a task: --launcher, else bin/w2s of this installation, else this JVM and classpath. */
    private List<String> launcher() {
        if (launcher != null && !launcher.isBlank()) return List.of(launcher.trim().split("\\s+"));
        try {
            Path here = Path.of(SweepCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = here; p != null; p = p.getParent()) {
                Path bin = p.resolve("bin").resolve("w2s");
                if (Files.isRegularFile(bin) && Files.isExecutable(bin)) return List.of(bin.toAbsolutePath().toString());
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall back to this JVM
        }
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            cp.add(Path.of(entry).toAbsolutePath().toString());
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                String.join(java.io.File.pathSeparator, cp), "w2s.cli.Main");
    }
}
