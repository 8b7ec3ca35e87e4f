package w2s.model.arch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * A safetensors header checked as the reference implementation checks it ({@code SafeTensors::read_metadata} and
 * {@code Metadata::validate} in huggingface/safetensors): UTF-8 JSON object; {@code __metadata__} a map of strings;
 * every tensor a known dtype, a shape of non-negative integers and two data offsets; the tensors, in offset order,
 * contiguous from byte 0 of the data, each span exactly dtype size × elements (overflow-checked), the last ending at
 * the end of the file. A file that passes cannot make one tensor read another's bytes, the header or past the file.
 */
final class SafetensorsHeader {
    private SafetensorsHeader() {}

    /** The reference's MAX_HEADER_SIZE. */
    static final long MAX_HEADER = 100_000_000L;

    /** One tensor of a header: offsets are relative to the start of the data (the byte after the header). */
    record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /** Bits per element of each dtype the reference knows. */
    private static final Map<String, Integer> BITS = Map.ofEntries(
            Map.entry("BOOL", 8), Map.entry("F4", 4), Map.entry("F6_E2M3", 6), Map.entry("F6_E3M2", 6),
            Map.entry("U8", 8), Map.entry("I8", 8), Map.entry("F8_E5M2", 8), Map.entry("F8_E4M3", 8),
            Map.entry("F8_E8M0", 8), Map.entry("I16", 16), Map.entry("U16", 16), Map.entry("F16", 16),
            Map.entry("BF16", 16), Map.entry("I32", 32), Map.entry("U32", 32), Map.entry("F32", 32),
            Map.entry("F64", 64), Map.entry("I64", 64), Map.entry("U64", 64), Map.entry("C64", 64));

    // Duplicate names would let one entry shadow another.
    // StoredTensor names are unique: interning a million of them would cost more than the parse.
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * The tensors of a header, in file order, or an IOException naming the file, the tensor and the value at fault.
     *
     * @param dataLength the bytes of the file after the header, which the tensors must cover exactly
     */
    static List<Entry> parse(Path file, byte[] header, long dataLength) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": damaged safetensors header (not UTF-8 text)");
        }
        // Read entry by entry: a header may be 100 MB, and a tree of all of it would take gigabytes.
        List<Entry> entries = new ArrayList<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(file + ": damaged safetensors header (not a JSON object)");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("__metadata__")) {
                    checkMetadata(file, value(p));
                } else {
                    entries.add(entry(file, name, p));
                }
            }
            if (p.nextToken() != null) throw new IOException(file + ": damaged safetensors header (trailing data)");
        } catch (JacksonException e) {
            throw new IOException(file + ": damaged safetensors header (" + e.getOriginalMessage() + ")");
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        String previous = null;
        for (Entry t : sorted) {
            if (t.begin() != at) {
                throw new IOException(file + ": tensor '" + t.name() + "' has data_offsets [" + t.begin() + ", "
                        + t.end() + "] but " + (previous == null ? "the data begins at 0"
                        : "the tensor before it, '" + previous + "', ends at " + at)
                        + (t.begin() < at ? " (overlapping tensors)" : " (a gap between tensors)"));
            }
            long bits;
            try {
                long elements = 1;
                for (long d : t.shape()) elements = Math.multiplyExact(elements, d);
                bits = Math.multiplyExact(elements, (long) BITS.get(t.dtype()));
            } catch (ArithmeticException overflow) {
                throw new IOException(file + ": tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
                        + ", too many elements to count (overflow)");
            }
            if (bits % 8 != 0) {
                throw new IOException(file + ": tensor '" + t.name() + "' of " + t.dtype() + " with shape "
                        + Arrays.toString(t.shape()) + " does not fill whole bytes (" + bits + " bits)");
            }
            if (t.end() - t.begin() != bits / 8) {
                throw new IOException(file + ": tensor '" + t.name() + "' has data_offsets [" + t.begin() + ", "
                        + t.end() + "], " + (t.end() - t.begin()) + " bytes, but its " + t.dtype() + " shape "
                        + Arrays.toString(t.shape()) + " needs " + bits / 8);
            }
            at = t.end();
            previous = t.name();
        }
        if (at != dataLength) {
            throw new IOException(file + ": the tensors cover " + at + " bytes of data but the file has " + dataLength
                    + " after its header (" + (at < dataLength ? "trailing bytes" : "truncated") + ")");
        }
        return entries;
    }

    private static void checkMetadata(Path file, JsonNode metadata) throws IOException {
        if (metadata.isNull()) return;
        if (!metadata.isObject()) {
            throw new IOException(file + ": safetensors __metadata__ is " + brief(metadata) + ", not a map of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new IOException(file + ": safetensors __metadata__ entry '" + m.getKey() + "' is "
                        + brief(m.getValue()) + ", not a string");
            }
        }
    }

    /**
     * One tensor's entry, read from the parser (at its first token) without building a tree: a header may hold a
     * million tensors. Messages are built only on failure.
     */
    private static Entry entry(Path file, String name, JsonParser p) throws IOException {
        java.util.function.Supplier<String> where = () -> file + ": tensor '" + name + "'";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new IOException(where.get() + " is " + brief(value(p)) + ", not an object");
        }
        String dtype = null;
        long[] shape = null, offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (p.currentToken() != JsonToken.VALUE_STRING || !BITS.containsKey(p.getText())) {
                        throw new IOException(where.get() + " has dtype " + brief(value(p))
                                + ", not one of the safetensors dtypes");
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = unsigned(p, () -> where.get() + " has shape");
                case "data_offsets" -> offsets = unsigned(p, () -> where.get() + " has data_offsets");
                default -> p.skipChildren();
            }
        }
        if (dtype == null) throw new IOException(where.get() + " has no dtype");
        if (shape == null) throw new IOException(where.get() + " has no shape");
        if (offsets == null) throw new IOException(where.get() + " has no data_offsets");
        if (offsets.length != 2) {
            throw new IOException(where.get() + " has data_offsets " + Arrays.toString(offsets)
                    + ", not two offsets [begin, end]");
        }
        if (offsets[1] < offsets[0]) {
            throw new IOException(where.get() + " has data_offsets " + Arrays.toString(offsets)
                    + ", which end before they begin");
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** An array of non-negative integers that fit a long, or an error "{@code what} ...: value is not ...". */
    private static long[] unsigned(JsonParser p, java.util.function.Supplier<String> what) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new IOException(what.get() + " " + brief(value(p)) + ", not a list of non-negative integers");
        }
        long[] values = new long[4];
        int n = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            boolean fits = p.currentToken() == JsonToken.VALUE_NUMBER_INT
                    && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() >= 0;
            if (!fits) {
                throw new IOException(what.get() + " " + Arrays.toString(Arrays.copyOf(values, n)).replace("]",
                        n > 0 ? ", ...]" : "...]") + ": " + brief(value(p)) + " is not a non-negative integer");
            }
            if (n == values.length) values = Arrays.copyOf(values, 2 * n);
            values[n++] = p.getLongValue();
        }
        return Arrays.copyOf(values, n);
    }

    /** The value at the parser's current token, as a tree (for checks and messages only). */
    private static JsonNode value(JsonParser p) throws IOException {
        JsonNode v = JSON.readTree(p);
        return v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v;
    }

    /** A JSON value for a message, cut short: a hostile header can put megabytes in one field. */
    private static String brief(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
