package w2s.model.arch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model folder's tokenizer.json read and checked once, when the folder is loaded: UTF-8 JSON, a {@code model} of a
 * type the tokenizers library knows, and accepted by that library. Broken files otherwise fail at the first text
 * with the library's internal errors ("Input length = 1", a Rust panic message) and no file name.
 */
final class TokenizerCheck {
    private TokenizerCheck() {}

    /** The model types of Hugging Face tokenizers' {@code ModelWrapper}. */
    private static final Set<String> TYPES = Set.of("BPE", "WordPiece", "WordLevel", "Unigram");

    /** The text of {@code file}, or an IllegalArgumentException naming the file and what is wrong with it. */
    static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not a tokenizer.json (not UTF-8 text)");
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (json == null || !json.isObject()) throw new IllegalArgumentException(file + ": not a JSON object");
        JsonNode model = json.get("model");
        if (model == null || !model.isObject()) {
            throw new IllegalArgumentException(file + ": no 'model' object (a tokenizer.json of the tokenizers library,"
                    + " as a fast tokenizer's save_pretrained writes it, is needed)");
        }
        JsonNode type = model.get("type");
        // Files written before the tokenizers library recorded the type are read by their fields (BPE has merges).
        if (type != null && !TYPES.contains(type.asText())) {
            throw new IllegalArgumentException(file + ": model.type " + type + " is not one of the tokenizers library's"
                    + " types (" + String.join(", ", new java.util.TreeSet<>(TYPES)) + ")");
        }
        if (!model.has("vocab")) throw new IllegalArgumentException(file + ": model has no 'vocab'");
        // Whatever else the library refuses (a merge of unknown tokens, a bad normalizer) is said here, with the file.
        try (HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                Map.of("padding", "false", "truncation", "false"))) {
            t.encode("w2s");
        } catch (RuntimeException | IOException e) {
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new IllegalArgumentException(file + ": the tokenizers library cannot read it ("
                    + (why.length() > 200 ? why.substring(0, 197) + "..." : why) + ")");
        }
        return text;
    }
}
