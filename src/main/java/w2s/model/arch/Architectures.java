package w2s.model.arch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The architectures implemented here, by config.json's {@code model_type}. */
public final class Architectures {
    /** model_type → the reader of its config.json (the JSON, and the file's name for errors). */
    private static final Map<String, BiFunction<JsonNode, String, ArchConfig>> BY_TYPE = new LinkedHashMap<>();

    // Each architecture's file is self-contained; this is the only place they meet.
    static {
        BY_TYPE.put("bert", Bert.Config::read);
        BY_TYPE.put("gpt2", Gpt2.Config::read);
        BY_TYPE.put("llama", Llama.Config::read);
        BY_TYPE.put("mistral", Llama.Config::read);
        BY_TYPE.put("qwen2", Llama.Config::read);
        BY_TYPE.put("gpt_neox", GptNeoX.Config::read);
    }

    private Architectures() {}

    public static java.util.Set<String> supported() {
        return BY_TYPE.keySet();
    }

    /** Reads a config.json, refusing a model_type not implemented here (naming those that are). */
    public static ArchConfig read(Path configJson) throws IOException {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(configJson + ": not found (a model folder needs config.json)");
        } catch (JacksonException e) {
            throw new IllegalArgumentException(configJson + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (json == null || !json.isObject()) throw new IllegalArgumentException(configJson + ": not a JSON object");
        return read(json, configJson.toString());
    }

    public static ArchConfig read(JsonNode json, String where) {
        String type = json.path("model_type").asText("");
        var reader = BY_TYPE.get(type);
        if (reader == null) {
            throw new IllegalArgumentException(where + ": model_type '" + type + "' is not supported; supported: "
                    + String.join(", ", BY_TYPE.keySet()));
        }
        ConfigCheck.ranges(json, where);
        return reader.apply(json, where);
    }

    /** A required integer field of a config.json. */
    static int integer(JsonNode c, String field, String where) {
        if (!c.path(field).canConvertToInt()) {
            throw new IllegalArgumentException(where + ": missing integer '" + field + "'");
        }
        return c.get(field).asInt();
    }
}
