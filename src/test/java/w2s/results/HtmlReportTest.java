package w2s.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;
import w2s.experiment.Experiment;
import w2s.experiment.RunResult;

/**
 * The report drawn by a real browser: headless Chromium (Debian's {@code chromium}) opens report.html, every chart
 * must draw with no script or console error. Without Chromium the test fails, saying how to install it, unless
 * W2S_SKIP_BROWSER=1.
 */
class HtmlReportTest {
    @TempDir
    static Path dir;
    static Path runs;
    static int expectedCharts;

    /**
     * A results folder shaped like a small sweep: one real bow run as the template, its copies given other strong
     * models (two of the same size, and bow without a size), seeds, losses, curves, and one flagged run.
     */
    @BeforeAll
    static void writeRuns() throws Exception {
        Path task = ResultsTest.writeTask(dir, 400);
        RunResult base;
        try (Experiment e = new Experiment(dir.resolve("cache"))) {
            base = e.run(ResultsTest.config(task, "xent", 0)).result();
        }
        runs = dir.resolve("runs");
        java.util.Random random = new java.util.Random(3);
        int n = 0;
        for (String strong : List.of("bow", "minilm-l6", "bge-small", "e5-small")) {
            for (String loss : List.of("xent", "logconf")) {
                for (int seed = 0; seed < 3; seed++) {
                    ObjectNode r = (ObjectNode) Json.MAPPER.valueToTree(base);
                    ObjectNode config = (ObjectNode) r.get("config");
                    config.put("loss", loss);
                    ((ObjectNode) config.get("split")).put("seed", seed);
                    ((ObjectNode) config.get("strong")).put("name", strong);
                    if (!strong.equals("bow")) ((ObjectNode) config.get("strong")).put("mode", "probe");
                    double size = strong.equals("bow") ? 0 : strong.equals("minilm-l6") ? 1 : 2;
                    double weak = 0.70 + 0.01 * random.nextGaussian();
                    double ceiling = 0.74 + 0.04 * size + 0.01 * random.nextGaussian();
                    double w2s = weak + (ceiling - weak) * (loss.equals("xent") ? 0.4 : 0.7) + 0.01 * random.nextGaussian();
                    r.put("weak_accuracy", weak);
                    r.put("ceiling_accuracy", ceiling);
                    r.put("w2s_accuracy", w2s);
                    r.put("pgr", (w2s - weak) / (ceiling - weak));
                    r.put("agreement_weak_wrong", loss.equals("xent") ? 0.6 : 0.4);
                    ArrayNode curve = r.putArray("w2s_curve");
                    ArrayNode ceilingCurve = r.putArray("ceiling_curve");
                    for (int step = 5; step <= 20; step += 5) {
                        curve.addObject().put("step", step).put("total_steps", 20).put("accuracy", w2s - 0.1 / step);
                        ceilingCurve.addObject().put("step", step).put("total_steps", 20).put("accuracy", ceiling - 0.1 / step);
                    }
                    ArrayNode flags = r.putArray("flags");
                    if (strong.equals("e5-small") && loss.equals("logconf") && seed == 2) flags.add("gap_within_noise");
                    RunResult result = Json.MAPPER.treeToValue(r, RunResult.class);
                    RunFiles.write(runs.resolve("run" + n), "key" + n, result);
                    n++;
                }
            }
        }
        // size: 2 losses; pgr: 1 task; agreement: 1; curves: 4 strong × 2 losses; calibration: 1.
        expectedCharts = 2 + 1 + 1 + 8 + 1;
    }

    @Test
    void thePageIsOneOfflineFileWithTheDataTheFiguresNeed() throws Exception {
        String html;
        try (Results results = Results.open(runs)) {
            html = HtmlReport.render(results, "runs");
        }
        assertTrue(html.contains("Apache ECharts 5.3.1"), "ECharts inlined");
        assertFalse(html.contains("<script src") || html.contains("https://cdn"), "nothing loaded from the network");
        assertTrue(html.contains("\"unsized\":true"), "bow is drawn apart, without a size");
        assertTrue(html.contains("\"flagged\":true"), "the flagged run is marked");
        assertTrue(html.contains("n=3") || html.contains("\"n\":3"), "points carry n");
        // bge-small and e5-small have the same size: two x positions, never one averaged point.
        Matcher xs = Pattern.compile("\"x\":(3[0-9.E]+)").matcher(html);
        java.util.Set<String> positions = new java.util.TreeSet<>();
        while (xs.find()) positions.add(xs.group(1));
        assertTrue(positions.size() >= 2, "same-size models apart: " + positions);
    }

    @Test
    void everyChartRendersInHeadlessChromium() throws Exception {
        // Kept under target/ for a look by eye: chromium --headless --screenshot=... file://<this page>.
        Path page = Path.of("target", "report-test", "report.html").toAbsolutePath();
        try (Results results = Results.open(runs)) {
            Files.createDirectories(page.getParent());
            Files.writeString(page, HtmlReport.render(results, "runs"));
        }
        String chromium = chromium();
        Path profile = Files.createTempDirectory(dir, "chromium");
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--dump-dom",
                page.toUri().toString()));
        Path out = dir.resolve("dom.html");
        Path err = dir.resolve("chromium.log");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 120 s; its log: " + Files.readString(err));
        }
        String dom = Files.readString(out);
        String log = Files.readString(err);
        Matcher status = Pattern.compile("<p id=\"w2s-status\"[^>]*>([^<]*)</p>").matcher(dom);
        assertTrue(status.find(), "no status element in the DOM chromium dumped; its log:\n" + log);
        String element = status.group(0);
        assertTrue(element.contains("data-status=\"ok\""), "the page reported: " + element);
        assertTrue(element.contains("data-charts=\"" + expectedCharts + "\""), element);
        // Every chart holds an SVG drawing.
        String[] charts = dom.split("<div class=\"chart\"");
        assertEquals(expectedCharts, charts.length - 1);
        for (int i = 1; i < charts.length; i++) {
            assertTrue(charts[i].contains("<svg") && charts[i].contains("<path"), "chart " + i + " drew nothing");
        }
        for (String line : log.split("\n")) {
            if (line.contains("CONSOLE") && (line.contains("Uncaught") || line.toLowerCase().contains("error"))) {
                fail("console error: " + line);
            }
        }
    }

    /** Debian's chromium on the PATH; a clear failure without it, unless the run says to skip. */
    static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
            }
        }
        Assumptions.assumeFalse("1".equals(System.getenv("W2S_SKIP_BROWSER")),
                "W2S_SKIP_BROWSER=1: the report is not opened in a browser");
        fail("chromium is not installed, so the report cannot be checked in a browser: install it (apt-get install -y "
                + "chromium; .ci/run does) or set W2S_SKIP_BROWSER=1 to skip this test");
        return null;
    }
}
