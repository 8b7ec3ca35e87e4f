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

import com.fasterxml.jackson.databind.JsonNode;
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
                    // One seed far off: its point's interval over seeds is far wider than the panel, so it is cut.
                    if (strong.equals("e5-small") && loss.equals("logconf") && seed == 2) w2s = 0.3;
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
        // accuracy: 1 task; pgr: 1; agreement: 1; curves: 4 strong × 2 losses; calibration: 1.
        expectedCharts = 1 + 1 + 1 + 8 + 1;
    }

    @Test
    void thePageIsOneOfflineFileWithTheDataTheFiguresNeed() throws Exception {
        String html;
        try (Results results = Results.open(runs)) {
            html = HtmlReport.render(results, "runs");
        }
        assertTrue(html.contains("Apache ECharts 5.3.1"), "ECharts inlined");
        assertFalse(html.contains("<script src") || html.contains("https://cdn"), "nothing loaded from the network");
        assertTrue(html.contains("{\"name\":\"bow\",\"params\":null"), "bow is a model without a size");
        assertTrue(html.contains("\"flagged\":true"), "the flagged run is marked");
        assertTrue(html.contains("\"n\":3"), "points carry n");
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
                "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
                "--dump-dom", page.toUri() + "#export-check"));
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
        checkWhatWasDrawn(element);
        for (String line : log.split("\n")) {
            if (line.contains("CONSOLE") && (line.contains("Uncaught") || line.toLowerCase().contains("error"))) {
                fail("console error: " + line);
            }
        }
    }

    /**
     * What the page says each chart drew (read from ECharts' model and the SVG, see report.js): tick labels on every
     * axis, every legend name drawn inside its chart, no interval outside its axis, accuracy-like axes within [0, 1],
     * PGR's including 0 and 1, and a PNG export of every chart.
     */
    private static void checkWhatWasDrawn(String status) throws Exception {
        Matcher m = Pattern.compile("data-checks=\"([^\"]*)\"").matcher(status);
        assertTrue(m.find(), status);
        JsonNode checks = Json.MAPPER.readTree(m.group(1).replace("&quot;", "\"").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&"));
        assertEquals(expectedCharts, checks.size());
        int cut = 0;
        for (JsonNode c : checks) {
            String what = c.path("title").asText() + " (" + c.path("kind").asText() + ")";
            for (JsonNode axis : c.path("axes")) {
                boolean modelTicks = axis.path("dim").asText().equals("xAxis") && c.path("kind").asText().equals("size");
                int labels = modelTicks ? c.path("ticks").size() : axis.path("labels").size();
                assertTrue(labels >= 2, what + ": " + axis.path("dim").asText() + " has tick labels " + axis);
                if (modelTicks) {
                    for (JsonNode t : c.path("ticks")) assertFalse(t.asText().isEmpty(), what + ": a model tick not drawn " + c);
                }
            }
            JsonNode legend = c.path("legend");
            assertEquals(legend.path("series").asInt(), legend.path("drawn").asInt(), what + ": legend " + legend);
            assertEquals(0, c.path("intervals").path("outside").asInt(), what + ": intervals outside the axis");
            cut += c.path("intervals").path("cut").asInt();
        }
        JsonNode accuracy = checks.get(0);
        assertEquals(4, accuracy.path("ticks").size(), "a tick per strong model, bow included: " + accuracy);
        assertEquals(3, accuracy.path("legend").path("series").asInt(), "weak bow × 2 losses, and the ceiling");
        JsonNode accuracyY = accuracy.path("axes").get(1);
        assertTrue(accuracyY.path("min").asDouble() >= 0 && accuracyY.path("max").asDouble() <= 1, accuracyY.toString());
        JsonNode pgrY = checks.get(1).path("axes").get(1);
        assertTrue(pgrY.path("min").asDouble() <= 0 && pgrY.path("max").asDouble() >= 1, "PGR axis: " + pgrY);
        JsonNode agreementY = checks.get(2).path("axes").get(1);
        assertTrue(agreementY.path("min").asDouble() >= 0 && agreementY.path("max").asDouble() <= 1, agreementY.toString());
        assertTrue(cut >= 1, "the far-off seed's interval is cut with an arrow");
        Matcher png = Pattern.compile("data-png=\"([0-9,]*)\"").matcher(status);
        assertTrue(png.find(), "no PNG export finished: " + status);
        for (String size : png.group(1).split(",")) assertTrue(Integer.parseInt(size) > 1000, "PNG sizes " + png.group(1));
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
