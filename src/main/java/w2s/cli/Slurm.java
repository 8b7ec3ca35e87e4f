package w2s.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Slurm side of {@code w2s sweep --slurm}: the job-array script, its submission with {@code sbatch}, the record of
 * submitted arrays in the sweep folder ({@code slurm/jobs.tsv}), and their states from {@code squeue} and
 * {@code scontrol} (accounting with {@code sacct} is not needed).
 */
final class Slurm {
    static final String DIR = "slurm";
    static final String JOBS = "jobs.tsv";

    private Slurm() {}

    /** A submitted array: job id, submission time, the shards it runs (array indices) and the shard count. */
    record Job(String id, String submitted, String shards, int count, String script) {}

    /** What a command printed and returned. */
    record Output(int exit, String out, String err) {}

    /** The sbatch options of a sweep's array (null or empty for Slurm's default). */
    record Resources(String partition, String gres, String time, Integer cpus, String mem, Integer maxParallel,
                     List<String> extra) {}

    /** An executable of that name on PATH. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    static Output run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            CompletableFuture<String> out = read(p.getInputStream());
            CompletableFuture<String> err = read(p.getErrorStream());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Output(-1, out.getNow(""), "timed out after 120 s: " + String.join(" ", command));
            }
            return new Output(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            return new Output(-1, "", "cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Output(-1, "", "interrupted");
        }
    }

    private static CompletableFuture<String> read(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** Shards as an sbatch array: 0-2,5,7-9 (plus %K to run at most K at once). */
    static String arraySpec(List<Integer> shards, Integer maxParallel) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shards.size(); ) {
            int j = i;
            while (j + 1 < shards.size() && shards.get(j + 1) == shards.get(j) + 1) j++;
            if (b.length() > 0) b.append(',');
            b.append(shards.get(i));
            if (j > i) b.append('-').append(shards.get(j));
            i = j + 1;
        }
        if (maxParallel != null) b.append('%').append(maxParallel);
        return b.toString();
    }

    /** The indices of an array spec like {@code 0-2,5%2} (or 7 for one task). */
    static List<Integer> indices(String spec) {
        List<Integer> out = new ArrayList<>();
        String s = spec.replaceFirst("%.*$", "");
        for (String part : s.split(",")) {
            if (part.isBlank()) continue;
            String[] range = part.split("-");
            int step = 1;
            String last = range.length > 1 ? range[1] : range[0];
            if (last.contains(":")) {
                step = Integer.parseInt(last.substring(last.indexOf(':') + 1));
                last = last.substring(0, last.indexOf(':'));
            }
            for (int i = Integer.parseInt(range[0]); i <= Integer.parseInt(last); i += step) out.add(i);
        }
        return out;
    }

    /** The job-array script: one task per shard, each running the sweep's shard into the shared folder. */
    static String script(String name, Path file, Path out, List<Integer> shards, int count, Resources r,
                         List<String> launcher, List<String> extraArgs) {
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("#SBATCH --job-name=").append(name).append('\n');
        s.append("#SBATCH --array=").append(arraySpec(shards, r.maxParallel())).append('\n');
        s.append("#SBATCH --output=").append(out.resolve(DIR).resolve("logs")).append("/%A_%a.log\n");
        if (present(r.partition())) s.append("#SBATCH --partition=").append(r.partition()).append('\n');
        if (present(r.gres())) s.append("#SBATCH --gres=").append(r.gres()).append('\n');
        if (present(r.time())) s.append("#SBATCH --time=").append(r.time()).append('\n');
        if (r.cpus() != null) s.append("#SBATCH --cpus-per-task=").append(r.cpus()).append('\n');
        if (present(r.mem())) s.append("#SBATCH --mem=").append(r.mem()).append('\n');
        for (String e : r.extra()) s.append("#SBATCH ").append(e).append('\n');
        s.append("# Written by w2s sweep --slurm: shard $SLURM_ARRAY_TASK_ID of ").append(count).append(" of the sweep ")
                .append(file).append(".\n");
        s.append("# Each task claims its cells in the results folder, so overlapping or repeated tasks never run a cell "
                + "twice;\n# run the same w2s sweep --slurm command again after failures or scancel: it submits only "
                + "shards with missing cells.\n");
        s.append("set -eu\n");
        s.append("echo \"w2s shard $SLURM_ARRAY_TASK_ID/").append(count)
                .append(" on $(hostname), job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}, $(date -Is)\"\n");
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of("sweep", file.toString(), "--out", out.toString()));
        cmd.addAll(extraArgs);
        s.append("exec");
        for (String c : cmd) s.append(' ').append(quote(c));
        s.append(" --shard \"$SLURM_ARRAY_TASK_ID/").append(count).append("\"\n");
        return s.toString();
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    /** A word for bash: as it is when plain, else single-quoted. */
    static String quote(String s) {
        if (s.matches("[A-Za-z0-9_./:=@%+,-]+")) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Arrays submitted for this folder, oldest first. */
    static List<Job> jobs(Path out) {
        Path f = out.resolve(DIR).resolve(JOBS);
        List<Job> jobs = new ArrayList<>();
        if (!Files.isRegularFile(f)) return jobs;
        try {
            for (String line : Files.readAllLines(f)) {
                String[] p = line.split("\t");
                if (p.length < 5 || p[0].equals("job")) continue;
                try {
                    jobs.add(new Job(p[0], p[1], p[2], Integer.parseInt(p[3]), p[4]));
                } catch (NumberFormatException e) {
                    // a line edited by hand
                }
            }
        } catch (IOException e) {
            // none readable
        }
        return jobs;
    }

    static void record(Path out, Job job) throws IOException {
        Path f = out.resolve(DIR).resolve(JOBS);
        Files.createDirectories(f.getParent());
        String header = Files.exists(f) ? "" : "job\tsubmitted\tshards\tof\tscript\n";
        Files.writeString(f, header + String.join("\t", job.id(), job.submitted(), job.shards(),
                Integer.toString(job.count()), job.script()) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The array tasks of a job still pending or running, by squeue (empty when Slurm no longer lists it). */
    static List<Integer> activeTasks(String jobId) {
        if (onPath("squeue").isEmpty()) return List.of();
        Output o = run(List.of("squeue", "-h", "-r", "-j", jobId, "-o", "%K %T"));
        List<Integer> tasks = new ArrayList<>();
        if (o.exit() != 0) return tasks;
        for (String line : o.out().split("\n")) {
            String[] p = line.trim().split("\\s+");
            if (p.length < 2 || !List.of("PENDING", "RUNNING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED")
                    .contains(p[1])) {
                continue;
            }
            try {
                tasks.addAll(indices(p[0]));
            } catch (NumberFormatException e) {
                // not an array task
            }
        }
        return tasks;
    }

    /**
     * The states of a job's array tasks, by scontrol (which knows finished jobs for a while, MinJobAge), e.g.
     * {COMPLETED=[0, 1], RUNNING=[2]}; empty when Slurm no longer knows the job.
     */
    static Map<String, List<Integer>> states(String jobId) {
        Map<String, List<Integer>> out = new TreeMap<>();
        if (onPath("scontrol").isEmpty()) return out;
        Output o = run(List.of("scontrol", "-o", "show", "job", jobId));
        if (o.exit() != 0) return out;
        Pattern task = Pattern.compile("\\bArrayTaskId=(\\S+)");
        Pattern state = Pattern.compile("\\bJobState=(\\S+)");
        for (String line : o.out().split("\n")) {
            Matcher t = task.matcher(line);
            Matcher s = state.matcher(line);
            if (!s.find()) continue;
            List<Integer> ids = new ArrayList<>();
            if (t.find()) {
                try {
                    ids = indices(t.group(1));
                } catch (NumberFormatException e) {
                    // leave empty
                }
            }
            out.computeIfAbsent(s.group(1), k -> new ArrayList<>()).addAll(ids);
        }
        return out;
    }

    /** One line for people: "job 12 (shards 0-2 of 3, submitted ...): COMPLETED 0,1; RUNNING 2". */
    static String describe(Job job) {
        Map<String, List<Integer>> states = states(job.id());
        String head = "Slurm job " + job.id() + " (shards " + job.shards() + " of " + job.count() + ", submitted "
                + job.submitted() + "): ";
        if (onPath("scontrol").isEmpty()) return head + "scontrol not found here, state unknown";
        if (states.isEmpty()) return head + "no longer known to Slurm (finished a while ago)";
        Map<String, String> parts = new LinkedHashMap<>();
        states.forEach((state, ids) -> parts.put(state, ids.isEmpty() ? "" : " " + arraySpec(ids.stream().sorted()
                .toList(), null)));
        List<String> text = new ArrayList<>();
        parts.forEach((state, ids) -> text.add(state + ids));
        return head + String.join("; ", text);
    }
}
