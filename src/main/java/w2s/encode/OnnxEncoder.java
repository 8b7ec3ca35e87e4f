package w2s.encode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import w2s.base.Progress;
import w2s.model.Pooling;

/**
 * Frozen sentence features from a bundled encoder, run by ONNX Runtime on the CPU: the hidden state after a chosen
 * layer, pooled over each text's tokens.
 *
 * <p>Texts are tokenized in one native batch and run in batches of texts of one token count (see {@link Batches}), so
 * nothing is padded and a text's vector does not depend on the texts extracted with it. Vectors are not L2-normalized.
 *
 * <p>Sessions (one per layer asked for, each on the graph cut after that layer, see {@link EncoderGraph}) and
 * tokenizers (one per token limit) are created on first use and kept until {@link #close}; the parsed graph stays
 * on the heap meanwhile (about the size of the .onnx file) to cut further layers from. Encoding is safe from several threads, though each run already uses every core.
 */
public final class OnnxEncoder implements Extractor {
    static {
        // ONNX Runtime's libraries from a folder under the cache, not a new temporary copy per process.
        w2s.base.Natives.prepareOnnxRuntime();
        OrtEnvironment.getEnvironment();
        w2s.base.Natives.afterOnnxRuntimeLoaded();
        OrtDebugLog.remove();
    }

    static final int BATCH = 32;
    // [PAD] is id 0 in every bundled vocabulary; its value is irrelevant anyway since the attention mask hides it.
    private static final long PAD = 0;

    private final EncoderSpec spec;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final EncoderGraph graph;
    private final byte[] tokenizerJson;
    private final Map<List<Integer>, OrtSession> sessions = new HashMap<>();
    private final Map<Integer, HuggingFaceTokenizer> tokenizers = new HashMap<>();
    private final AtomicLong runtimeNanos = new AtomicLong();

    public OnnxEncoder(EncoderSpec spec) {
        this.spec = spec;
        this.graph = EncoderGraph.parse(spec.modelBytes(), spec);
        try (InputStream in = spec.open(spec.tokenizerResource())) {
            this.tokenizerJson = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec.tokenizerResource(), e);
        }
    }

    /** Opens the encoder registered under {@code name} in {@link Encoders}. */
    public static OnnxEncoder open(String name) {
        return new OnnxEncoder(Encoders.get(name));
    }

    public EncoderSpec spec() {
        return spec;
    }

    /** Features as a {@link FeatureSpec} describes them; its encoder must be this one. */
    public float[][] encode(List<String> texts, FeatureSpec features, Progress progress) {
        if (!features.encoder().equals(spec.name())) {
            throw new IllegalArgumentException("feature spec is for encoder " + features.encoder()
                    + " but this is " + spec.name());
        }
        return encode(texts, spec.layer(features.layer()), features.pooling(), features.maxTokens(), progress);
    }

    /**
     * One vector of {@code spec().hidden()} floats per text, in input order.
     *
     * @param layer     0 for the embedding output, N for transformer block N (see {@link EncoderSpec#layer})
     * @param pooling   "mean" over the text's tokens (special tokens included, padding excluded), "cls" or "last"
     *                  (see {@link Pooling})
     * @param maxTokens longer texts are truncated to this many tokens, [CLS] and [SEP] included
     * @param progress  advanced by the number of texts in each finished batch; not closed here
     */
    public float[][] encode(List<String> texts, int layer, String pooling, int maxTokens, Progress progress) {
        return encodeLayers(texts, new int[] {layer}, pooling, maxTokens, progress)[0];
    }

    /**
     * The vectors of several layers from one pass per batch: element k holds layer {@code layers[k]}'s vector per
     * text, in input order. Other arguments as {@link #encode(List, int, String, int, Progress)}.
     */
    public float[][][] encodeLayers(List<String> texts, int[] layers, String pooling, int maxTokens,
                                    Progress progress) {
        return encodeLayers(texts, layers, pooling, maxTokens, false, progress);
    }

    /** As {@link #encodeLayers(List, int[], String, int, Progress)}; with {@code left} long texts keep their end. */
    @Override
    public float[][][] encodeLayers(List<String> texts, int[] layers, String pooling, int maxTokens, boolean left,
                                    Progress progress) {
        for (int layer : layers) spec.checkLayer(layer);
        Pooling pool = Pooling.parse(pooling);
        long[][] ids = tokenize(texts, maxTokens, left);
        float[][][] out = new float[layers.length][ids.length][];
        if (ids.length == 0) return out;
        OrtSession session = session(layers);
        for (int[] batch : Batches.ofEqualLength(Arrays.stream(ids).mapToInt(t -> t.length).toArray(), BATCH)) {
            float[][][] vectors = run(session, ids, batch, pool);
            for (int k = 0; k < layers.length; k++) {
                for (int i = 0; i < batch.length; i++) out[k][batch[i]] = vectors[k][i];
            }
            progress.advance(batch.length);
        }
        return out;
    }

    /**
     * Wall time spent inside ONNX Runtime's session.run so far; the rest of {@link #encode} (tokenization, batch
     * assembly, pooling) is this encoder's own overhead.
     */
    public long runtimeNanos() {
        return runtimeNanos.get();
    }

    /** Token ids per text, with [CLS] and [SEP], truncated to {@code maxTokens}. */
    public long[][] tokenize(List<String> texts, int maxTokens) {
        return tokenize(texts, maxTokens, false);
    }

    /** Token ids per text, with [CLS] and [SEP]; with {@code left} a long text keeps its end instead of its start. */
    public long[][] tokenize(List<String> texts, int maxTokens, boolean left) {
        spec.checkMaxTokens(maxTokens);
        for (int i = 0; i < texts.size(); i++) checkText(texts.get(i), i, texts.size());
        if (left) {
            return java.util.Arrays.stream(w2s.model.arch.Tokens.encode(tokenizerJson(), maxTokens, texts, true))
                    .map(w2s.model.arch.Tokens.Encoded::ids).toArray(long[][]::new);
        }
        Encoding[] encodings = tokenizer(maxTokens).batchEncode(texts);
        long[][] ids = new long[encodings.length][];
        for (int i = 0; i < ids.length; i++) ids[i] = encodings[i].getIds();
        return ids;
    }

    static void checkText(String text, int index, int count) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("text " + index + " of " + count + " is "
                    + (text == null ? "null" : "empty or blank") + ": every text needs some content to encode");
        }
    }

    /** Pooled vectors of every output of the session, in output order, for one batch. */
    private float[][][] run(OrtSession session, long[][] ids, int[] batch, Pooling pooling) {
        int rows = batch.length;
        int width = 0;
        for (int i : batch) width = Math.max(width, ids[i].length);
        long[] tokens = new long[rows * width];
        long[] mask = new long[rows * width];
        Arrays.fill(tokens, PAD);
        for (int r = 0; r < rows; r++) {
            long[] t = ids[batch[r]];
            System.arraycopy(t, 0, tokens, r * width, t.length);
            Arrays.fill(mask, r * width, r * width + t.length, 1L);
        }
        long[] shape = {rows, width};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            for (String name : session.getInputNames()) {
                long[] data = switch (name) {
                    case "input_ids" -> tokens;
                    case "attention_mask" -> mask;
                    case "token_type_ids" -> new long[rows * width]; // one segment: all zeros
                    default -> throw new IllegalStateException(spec.modelResource() + " has unexpected input " + name);
                };
                inputs.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape));
            }
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(inputs)) {
                runtimeNanos.addAndGet(System.nanoTime() - start);
                float[][][] pooled = new float[result.size()][][];
                for (int k = 0; k < pooled.length; k++) {
                    pooled[k] = pool(((OnnxTensor) result.get(k)).getFloatBuffer(), ids, batch, width, pooling);
                }
                return pooled;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + spec.name() + " with a batch of " + rows
                    + " texts of up to " + width + " tokens", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private float[][] pool(FloatBuffer hidden, long[][] ids, int[] batch, int width, Pooling pooling) {
        int dim = spec.hidden();
        float[] h = new float[hidden.remaining()];
        hidden.get(h);
        float[][] out = new float[batch.length][dim];
        for (int r = 0; r < batch.length; r++) {
            int base = r * width * dim, tokens = ids[batch[r]].length;
            // The positions read are those the pooling weighs (every real token for mean, else one); summed, then
            // divided by their count, so that a mean comes out as it always has. The bundled encoders are BERTs: their
            // texts close with [SEP].
            float[] weights = pooling.weights(tokens, tokens, Pooling.closingTokens(false));
            float[] v = out[r];
            int read = 0;
            for (int t = 0; t < tokens; t++) {
                if (weights[t] == 0) continue;
                int row = base + t * dim;
                for (int d = 0; d < dim; d++) v[d] += h[row + d];
                read++;
            }
            if (read > 1) {
                float inv = 1f / read;
                for (int d = 0; d < dim; d++) v[d] *= inv;
            }
        }
        return out;
    }

    /** Validates a pooling name without opening anything. */
    static void checkPooling(String pooling) {
        Pooling.parse(pooling);
    }

    private synchronized OrtSession session(int[] layers) {
        List<Integer> key = Arrays.stream(layers).boxed().toList();
        OrtSession session = sessions.get(key);
        if (session != null) return session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(graph.upTo(layers), options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + spec.modelResource() + " cut for layers "
                    + key, e);
        }
        sessions.put(key, session);
        return session;
    }

    /** The encoder's tokenizer.json. */
    public String tokenizerJson() {
        return new String(tokenizerJson, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Token counts per text, [CLS] and [SEP] included, without truncation. */
    public int[] tokenCounts(List<String> texts) {
        return w2s.model.arch.Tokens.count(tokenizerJson(), texts);
    }

    private synchronized HuggingFaceTokenizer tokenizer(int maxTokens) {
        return tokenizers.computeIfAbsent(maxTokens, max -> {
            // The tokenizer.json files differ (MiniLM's pads every text to 128): padding is ours, truncation is
            // set to the caller's limit.
            Map<String, String> options = Map.of("padding", "false", "truncation", "true",
                    "maxLength", String.valueOf(max), "modelMaxLength", String.valueOf(spec.maxPositions()));
            try (InputStream in = new ByteArrayInputStream(tokenizerJson)) {
                return HuggingFaceTokenizer.newInstance(in, options);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load tokenizer " + spec.tokenizerResource(), e);
            }
        });
    }

    @Override
    public synchronized void close() {
        for (OrtSession s : sessions.values()) {
            try {
                s.close();
            } catch (OrtException e) {
                // Closing frees native memory; a failure leaves nothing to recover.
            }
        }
        sessions.clear();
        tokenizers.values().forEach(HuggingFaceTokenizer::close);
        tokenizers.clear();
    }
}
