package w2s.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.base.Progress;
import w2s.data.DataException;
import w2s.encode.Extractor;
import w2s.encode.FeatureSource;
import w2s.model.Pooling;

/**
 * Writes a model's pooled hidden states for a list of texts, one JSON line per text and layer, so researchers can
 * reuse the features elsewhere and compare this implementation with any other.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Write pooled hidden states: one line {\"index\": i, \"layer\": L, \"vector\": [...]} per text"
                + " and layer (layer 0 = the embeddings).")
final class EmbedCommand implements Callable<Integer> {
    /** Texts per extraction call: bounds memory and lets the progress bar move. */
    private static final int CHUNK = 256;

    @Option(names = "--model", required = true, description = "a bundled encoder, bert-base, a model folder, or a"
            + " Hugging Face id (ID or ID@REVISION)")
    String model;
    @Option(names = "--revision", description = "for a Hugging Face id: a branch, tag or commit (same as ID@REVISION)")
    String revision;
    @Option(names = "--texts", required = true, description = "one text per line, or JSONL with a \"text\" field")
    Path texts;
    @Option(names = "--layer", defaultValue = "last", description = "last, middle, N (0 = embeddings) or all;"
            + " default ${DEFAULT-VALUE}")
    String layer;
    @Option(names = "--pooling", description = "mean, cls, last or last-text (before an encoder's closing "
            + "[SEP]; default: last for decoders, mean for encoders)")
    String pooling;
    @Option(names = "--max-tokens", description = "truncate texts to this many tokens (default: 256, or the model's"
            + " context if shorter)")
    Integer maxTokens;
    @Option(names = "--out", required = true, description = "output JSONL file")
    Path out;
    @Option(names = "--dtype", defaultValue = "fp32", description = "a torch-read model's precision: fp32 (default), "
            + "bf16 (weights and activations in bfloat16, vectors written as fp32) or auto (bf16 where the CPU has "
            + "bfloat16 units); the bundled encoders always run in fp32")
    String dtype;

    @Override
    public Integer call() throws IOException {
        w2s.torch.Dtype.Choice precision = w2s.torch.Torch.resolve(dtype, w2s.torch.Device.CPU);
        FeatureSource source = FeatureSource.of(revision == null ? model : model + "@" + revision, precision.dtype());
        if (!source.onnx() && !precision.reason().equals("fp32 as asked")) {
            System.err.println(source.name() + ": " + precision.reason());
        }
        String pool = Pooling.parse(pooling != null ? pooling : source.causal() ? "last" : "mean").id();
        int[] layers = layer.equals("all") ? java.util.stream.IntStream.rangeClosed(0, source.layers()).toArray()
                : new int[] {source.layer(layer)};
        int limit = source.checkMaxTokens(maxTokens != null ? maxTokens : Math.min(256, source.maxPositions()));
        List<String> lines = read(texts);

        ObjectMapper json = new ObjectMapper();
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // Written beside the target and moved into place at the end: an interrupted run leaves no partial file.
        Path partial = Files.createTempFile(parent, out.getFileName().toString(), ".partial");
        try (Extractor extractor = source.opener().get();
             Progress progress = new Progress("embed " + source.name(), lines.size(), "texts");
             BufferedWriter w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (int from = 0; from < lines.size(); from += CHUNK) {
                int to = Math.min(lines.size(), from + CHUNK);
                float[][][] vectors = extractor.encodeLayers(lines.subList(from, to), layers, pool, limit, progress);
                for (int i = from; i < to; i++) {
                    for (int k = 0; k < layers.length; k++) {
                        var row = json.createObjectNode().put("index", i).put("layer", layers[k]);
                        var v = row.putArray("vector");
                        for (float x : vectors[k][i - from]) v.add(x);
                        w.write(json.writeValueAsString(row));
                        w.newLine();
                    }
                }
            }
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("wrote %d texts × %d layer(s) of %d floats (%s pooling, %s) to %s%n", lines.size(),
                layers.length, source.hidden(), pool, source.name(), out);
        return 0;
    }

    /** Texts from a plain file (one per line) or JSONL (a "text" field per line); blank lines are refused. */
    static List<String> read(Path file) {
        List<String> raw;
        try {
            raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        while (!raw.isEmpty() && raw.get(raw.size() - 1).isBlank()) raw.remove(raw.size() - 1);
        boolean jsonl = file.toString().endsWith(".jsonl") || (!raw.isEmpty() && raw.get(0).trim().startsWith("{"));
        ObjectMapper mapper = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String line = raw.get(i), text = line;
            if (jsonl) {
                try {
                    JsonNode node = mapper.readTree(line);
                    if (node == null || !node.path("text").isTextual()) {
                        throw new DataException(file + ":" + (i + 1) + ": field 'text' is missing or not a string");
                    }
                    text = node.get("text").asText();
                } catch (IOException e) {
                    throw new DataException(file + ":" + (i + 1) + ": not valid JSON");
                }
            }
            if (text.isBlank()) throw new DataException(file + ":" + (i + 1) + ": empty text");
            texts.add(text);
        }
        if (texts.isEmpty()) throw new DataException(file + ": no texts");
        return texts;
    }
}
