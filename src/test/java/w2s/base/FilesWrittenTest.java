package w2s.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON lines streamed into place, and a file's sha256 read in chunks. */
class FilesWrittenTest {
    @TempDir
    Path tmp;

    @Test
    void jsonLinesAreWhatCompactWritesOnePerLineAndNoTemporaryFileStays() throws IOException {
        Path file = tmp.resolve("rows.jsonl");
        Json.writeLinesAtomically(file, 3, i -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", "r" + i);
            row.put("p", new double[] {i / 4.0, 1 - i / 4.0});
            row.put("loss", Double.NaN);
            return row;
        });
        assertEquals(List.of("{\"id\":\"r0\",\"p\":[0.0,1.0],\"loss\":null}",
                "{\"id\":\"r1\",\"p\":[0.25,0.75],\"loss\":null}", "{\"id\":\"r2\",\"p\":[0.5,0.5],\"loss\":null}"),
                Files.readAllLines(file));
        try (var listed = Files.list(tmp)) {
            assertEquals(List.of(file), listed.toList());
        }
    }

    @Test
    void aLineThatFailsLeavesNeitherTheFileNorItsTemporary() throws IOException {
        Path file = tmp.resolve("rows.jsonl");
        assertThrows(IllegalStateException.class, () -> Json.writeLinesAtomically(file, 3, i -> {
            if (i == 2) throw new IllegalStateException("row 2");
            return Map.of("i", i);
        }));
        try (var listed = Files.list(tmp)) {
            assertEquals(List.of(), listed.toList());
        }
    }

    @Test
    void sha256OfAFileLargerThanOneChunkIsTheStandardDigest() throws IOException {
        Path abc = tmp.resolve("abc");
        Files.writeString(abc, "abc", StandardCharsets.US_ASCII);
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.of(abc));
        // Three million 'a's, almost three chunks: the digest as Debian's sha256sum computes it.
        Path many = tmp.resolve("many");
        Files.write(many, "a".repeat(3_000_000).getBytes(StandardCharsets.US_ASCII));
        assertEquals("2a152c894398719c0570f83fac34ac03a0f6e8e474b995c2403aa5434f7b9dd4", Sha256.of(many));
    }
}
