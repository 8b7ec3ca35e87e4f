import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import w2s.encode.EncoderSpec;
import w2s.encode.OnnxEncoder;
import w2s.base.Progress;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Feature-extraction speed: ONNX Runtime alone (session.run on pre-tokenized, pre-padded batches of the original
 * graph) against the full OnnxEncoder.encode path (tokenization, bucketing, the cut graph, pooling) on the same
 * texts, alternating the two so machine noise hits both alike.
 *
 * <p>Texts are LanguageTool's English grammar examples (the language-en jar, a w2s runtime dependency) joined into
 * texts whose token counts spread uniformly over [tokens/2, 3·tokens/2].
 *
 * <p>Usage: java -Dai.djl.offline=true -cp "target/w2s.jar:target/lib/*" bench/ExtractBench.java
 * [encoder=minilm-l6] [tokens=64] [texts=256] [reps=5]
 */
public class ExtractBench {
    static final int BATCH = 32;
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "minilm-l6";
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int maxTokens = Math.min(512, 2 * tokens);
        int threads = Runtime.getRuntime().availableProcessors();

        try (OnnxEncoder encoder = OnnxEncoder.open(name);
             OrtSession original = ENV.createSession(encoder.spec().modelBytes(), options(threads))) {
            EncoderSpec spec = encoder.spec();
            List<String> texts = texts(encoder, tokens, count);
            long[][] ids = encoder.tokenize(texts, maxTokens);
            System.out.printf(Locale.ROOT, "%s, %d intra-op threads, %d texts of %.1f tokens on average"
                            + " (min %d, max %d), batches of %d%n", name, threads, texts.size(),
                    Arrays.stream(ids).mapToInt(a -> a.length).average().orElse(0),
                    Arrays.stream(ids).mapToInt(a -> a.length).min().orElse(0),
                    Arrays.stream(ids).mapToInt(a -> a.length).max().orElse(0), BATCH);

            List<Map<String, OnnxTensor>> batches = bucketedBatches(ids);
            encoder.encode(texts.subList(0, BATCH), spec.layers(), "mean", maxTokens, Progress.silent());
            runAll(original, batches);

            // Alternating which goes first cancels slow drifts; pairing each (a) with its neighbouring (b) cancels
            // most of the load other processes put on a shared machine. CPU time (all threads, native ones
            // included) is the least load-sensitive measure of the two.
            double[] ratios = new double[reps];
            double encodeSeconds = 0;
            long runtimeBefore = encoder.runtimeNanos();
            double[] bestWall = {Double.MAX_VALUE, Double.MAX_VALUE};
            double[] cpu = new double[2];
            for (int r = 0; r < reps; r++) {
                double[][] t = new double[2][];
                for (int k = 0; k < 2; k++) {
                    int which = (r + k) % 2;
                    t[which] = which == 0 ? time(() -> runAll(original, batches))
                            : time(() -> encoder.encode(texts, spec.layers(), "mean", maxTokens, Progress.silent()));
                }
                ratios[r] = t[0][0] / t[1][0];
                encodeSeconds += t[1][0];
                for (int k = 0; k < 2; k++) {
                    bestWall[k] = Math.min(bestWall[k], t[k][0]);
                    cpu[k] += t[k][1];
                }
                System.out.printf(Locale.ROOT, "  rep %d: (a) ORT alone %.1f/s   (b) encode %.1f/s   (b)/(a) %.1f%%%n",
                        r + 1, texts.size() / t[0][0], texts.size() / t[1][0], 100 * ratios[r]);
            }
            double a = texts.size() / bestWall[0];
            double b = texts.size() / bestWall[1];
            System.out.printf(Locale.ROOT, "(a) ONNX Runtime alone, same bucketed batches: %.1f sentences/s (best rep)%n", a);
            System.out.printf(Locale.ROOT, "(b) OnnxEncoder.encode, last layer, mean:      %.1f sentences/s (best rep)%n", b);
            System.out.printf(Locale.ROOT, "(b)/(a): %.1f%% best reps, %.1f%% median of paired reps, %.1f%% by CPU time%n",
                    100 * b / a, 100 * median(ratios), 100 * cpu[0] / cpu[1]);

            double inRuntime = (encoder.runtimeNanos() - runtimeBefore) / 1e9;
            System.out.printf(Locale.ROOT, "(b) spent %.1f%% of its time inside session.run: the encoder's own work"
                    + " (tokenization, batch assembly, pooling) is %.1f%%%n",
                    100 * inRuntime / encodeSeconds, 100 * (1 - inRuntime / encodeSeconds));
            long t0 = System.nanoTime();
            encoder.tokenize(texts, maxTokens);
            System.out.printf(Locale.ROOT, "tokenization alone: %.1f ms for %d texts%n", 1e3 * seconds(t0),
                    texts.size());

            encoder.encode(texts.subList(0, BATCH), spec.layer("middle"), "mean", maxTokens, Progress.silent());
            t0 = System.nanoTime();
            encoder.encode(texts, spec.layer("middle"), "mean", maxTokens, Progress.silent());
            System.out.printf(Locale.ROOT, "encode, middle layer (%d of %d, graph cut there): %.1f sentences/s%n",
                    spec.layer("middle"), spec.layers(), texts.size() / seconds(t0));

            fixedLength(encoder, original, texts);
            batches.forEach(m -> m.values().forEach(OnnxTensor::close));
        }
    }

    /** The STACK.md figure: exactly 64 real tokens per sentence, no padding, ORT alone at batch 32 and 1. */
    static void fixedLength(OnnxEncoder encoder, OrtSession original, List<String> texts) throws Exception {
        long[][] ids = encoder.tokenize(texts, 64);
        long[][] full = Arrays.stream(ids).filter(a -> a.length == 64).limit(4L * BATCH).toArray(long[][]::new);
        if (full.length < BATCH) {
            System.out.println("fixed 64-token figure skipped: fewer than " + BATCH + " texts reach 64 tokens");
            return;
        }
        for (int batch : new int[] {BATCH, 1}) {
            int n = batch == 1 ? Math.min(full.length, 48) : full.length / BATCH * BATCH;
            List<Map<String, OnnxTensor>> batches = new ArrayList<>();
            for (int from = 0; from < n; from += batch) {
                batches.add(inputs(Arrays.copyOfRange(full, from, from + batch)));
            }
            runAll(original, batches.subList(0, 1));
            long t0 = System.nanoTime();
            runAll(original, batches);
            System.out.printf(Locale.ROOT, "fixed 64 tokens, ORT alone, batch %d: %.1f sentences/s (%d sentences)%n",
                    batch, n / seconds(t0), n);
            batches.forEach(m -> m.values().forEach(OnnxTensor::close));
        }
    }

    static void runAll(OrtSession session, List<Map<String, OnnxTensor>> batches) throws Exception {
        for (Map<String, OnnxTensor> inputs : batches) session.run(inputs).close();
    }

    /** The batches encode() forms: sorted by length, longest first, each padded to its own longest text. */
    static List<Map<String, OnnxTensor>> bucketedBatches(long[][] ids) throws Exception {
        long[][] sorted = ids.clone();
        Arrays.sort(sorted, Comparator.comparingInt((long[] a) -> a.length).reversed());
        List<Map<String, OnnxTensor>> batches = new ArrayList<>();
        for (int from = 0; from < sorted.length; from += BATCH) {
            batches.add(inputs(Arrays.copyOfRange(sorted, from, Math.min(sorted.length, from + BATCH))));
        }
        return batches;
    }

    static Map<String, OnnxTensor> inputs(long[][] rows) throws Exception {
        int width = Arrays.stream(rows).mapToInt(a -> a.length).max().orElseThrow();
        long[] tokens = new long[rows.length * width];
        long[] mask = new long[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, tokens, r * width, rows[r].length);
            Arrays.fill(mask, r * width, r * width + rows[r].length, 1);
        }
        long[] shape = {rows.length, width};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        inputs.put("input_ids", OnnxTensor.createTensor(ENV, LongBuffer.wrap(tokens), shape));
        inputs.put("attention_mask", OnnxTensor.createTensor(ENV, LongBuffer.wrap(mask), shape));
        inputs.put("token_type_ids", OnnxTensor.createTensor(ENV, LongBuffer.wrap(new long[tokens.length]), shape));
        return inputs;
    }

    static OrtSession.SessionOptions options(int threads) throws Exception {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    /** Consecutive grammar examples joined into texts of about their drawn token count. */
    static List<String> texts(OnnxEncoder encoder, int tokens, int count) throws Exception {
        List<String> sentences = grammarExamples();
        long[][] ids = encoder.tokenize(sentences, 512);
        Random random = new Random(42);
        List<String> texts = new ArrayList<>();
        int next = 0;
        while (texts.size() < count) {
            int target = tokens / 2 + random.nextInt(tokens + 1);
            StringBuilder text = new StringBuilder();
            int length = 2; // [CLS] and [SEP]
            while (true) {
                int i = next % sentences.size();
                int added = ids[i].length - 2;
                // Stop where the text is closest to its target, so lengths average the requested count.
                if (text.length() > 0 && length + added - target > target - length) break;
                if (text.length() > 0) text.append(' ');
                text.append(sentences.get(i));
                length += added;
                next++;
            }
            texts.add(text.toString());
        }
        return texts;
    }

    static List<String> grammarExamples() throws Exception {
        String xml;
        try (InputStream in = ExtractBench.class.getClassLoader()
                .getResourceAsStream("org/languagetool/rules/en/grammar.xml")) {
            if (in == null) throw new IllegalStateException("grammar.xml not found: is language-en-6.4.jar on the classpath?");
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Set<String> sentences = new LinkedHashSet<>();
        Matcher m = Pattern.compile("<example[^>]*>(.*?)</example>", Pattern.DOTALL).matcher(xml);
        while (m.find()) {
            String s = m.group(1).replaceAll("<[^>]+>", "").replace("&quot;", "\"").replace("&apos;", "'")
                    .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                    .replaceAll("\\s+", " ").trim();
            if (!s.isEmpty()) sentences.add(s);
        }
        return new ArrayList<>(sentences);
    }

    interface Work {
        void run() throws Exception;
    }

    /** Wall-clock and process CPU seconds of one run. */
    static double[] time(Work work) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long wall = System.nanoTime();
        work.run();
        return new double[] {seconds(wall), (os.getProcessCpuTime() - cpu) / 1e9};
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
