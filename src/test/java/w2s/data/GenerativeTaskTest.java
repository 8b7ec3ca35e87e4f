package w2s.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generative task files: rows of prompt and answer (and answers), their split, and each bad row named. */
class GenerativeTaskTest {
    private static final Path COPY = Path.of("src/test/resources/generate/copy.jsonl");

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        Path f = dir.resolve("task.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void theCopyFixtureLoadsAndSplitsLikeItemTasks() {
        GenerativeTask t = GenerativeTask.load(COPY, null);
        assertEquals("copy", t.name());
        assertEquals(1200, t.train().size());
        assertEquals("e m u b [c] =", t.train().get(0).prompt());
        assertEquals(List.of("c"), t.train().get(0).answers());
        GenerativeTask.Split s = t.split(new SplitConfig(3, SplitSize.exactly(200), SplitSize.exactly(100), false,
                false, SplitConfig.NO_VALIDATION));
        assertEquals(100, s.a().size());
        assertEquals(100, s.b().size());
        assertEquals(100, s.test().size());
        // the test set does not move with the seed; A and B do
        GenerativeTask.Split other = t.split(new SplitConfig(4, SplitSize.exactly(200), SplitSize.exactly(100), false,
                false, SplitConfig.NO_VALIDATION));
        assertEquals(s.test(), other.test());
        assertTrue(!s.a().equals(other.a()));
    }

    @Test
    void severalRightAnswersKeepTheTrainedOneFirst() throws IOException {
        GenerativeTask t = GenerativeTask.load(file("{\"id\": \"p1\", \"prompt\": \"1. e4\", \"answer\": \"e5\", "
                + "\"answers\": [\"c5\", \"e5\"]}"), null);
        assertEquals(List.of("e5", "c5"), t.train().get(0).answers());
        assertEquals("e5", t.train().get(0).answer());
    }

    @Test
    void otherFilesAreNotGenerative() throws IOException {
        assertTrue(GenerativeTask.isGenerative(COPY));
        Path classes = file("{\"text\": \"a\", \"label\": 1}", "{\"prompt\": \"b\", \"answer\": \"c\"}");
        assertTrue(!GenerativeTask.isGenerative(classes), "the first row decides");
        assertNull(GenerativeTask.load(classes, null));
        Files.writeString(classes, "");
        assertNull(Rows.first(classes));
    }

    @Test
    void badRowsAreNamed() throws IOException {
        DataException missing = assertThrows(DataException.class, () -> GenerativeTask.load(file(
                "{\"prompt\": \"a\", \"answer\": \"b\"}", "{\"prompt\": \"c\"}"), null));
        assertTrue(missing.getMessage().contains("task.jsonl:2") && missing.getMessage().contains("'answer'"),
                missing.getMessage());
        DataException empty = assertThrows(DataException.class, () -> GenerativeTask.load(file(
                "{\"prompt\": \"a\", \"answer\": \"b\"}", "{\"prompt\": \"c\", \"answer\": \"  \"}"), null));
        assertTrue(empty.getMessage().contains("task.jsonl:2") && empty.getMessage().contains("empty answer"),
                empty.getMessage());
        DataException noPrompt = assertThrows(DataException.class, () -> GenerativeTask.load(file(
                "{\"prompt\": \"a\", \"answer\": \"b\"}", "{\"question\": \"c\", \"answer\": \"d\"}"), null));
        assertTrue(noPrompt.getMessage().contains("task.jsonl:2") && noPrompt.getMessage().contains("'prompt'"),
                noPrompt.getMessage());
        DataException twice = assertThrows(DataException.class, () -> GenerativeTask.load(file(
                "{\"id\": 1, \"prompt\": \"a\", \"answer\": \"b\"}", "{\"id\": 1, \"prompt\": \"c\", \"answer\": \"d\"}"),
                null));
        assertTrue(twice.getMessage().contains("duplicate id '1'"), twice.getMessage());
        DataException list = assertThrows(DataException.class, () -> GenerativeTask.load(file(
                "{\"prompt\": \"a\", \"answer\": \"b\", \"answers\": [\"b\", 3]}"), null));
        assertTrue(list.getMessage().contains("task.jsonl:1") && list.getMessage().contains("'answers'"),
                list.getMessage());
    }
}
