package w2s.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SplitTest {
    private static Task task(int n, int positives) {
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) examples.add(new Example("e" + i, "text " + i, i < positives ? 1 : 0));
        return new Task("t", examples, List.of(), new Provenance("test", "-", "-", "-", Map.of()));
    }

    private static Set<String> ids(List<Example> examples) {
        Set<String> ids = new HashSet<>();
        examples.forEach(e -> ids.add(e.id()));
        return ids;
    }

    @Test
    void seededDisjointHalvesAndHoldOut() {
        Split s = Split.of(task(100, 50), new SplitConfig(3, 40, 20, false));
        assertEquals(20, s.a().size());
        assertEquals(20, s.b().size());
        assertEquals(20, s.test().size());
        Set<String> all = ids(s.a());
        all.addAll(ids(s.b()));
        all.addAll(ids(s.test()));
        assertEquals(60, all.size(), "A, B and test are disjoint");
        assertEquals(s, Split.of(task(100, 50), new SplitConfig(3, 40, 20, false)), "same seed, same split");
        assertNotEquals(s, Split.of(task(100, 50), new SplitConfig(4, 40, 20, false)));
        // The held-out test set does not depend on how many training documents are used.
        assertEquals(s.test(), Split.of(task(100, 50), new SplitConfig(3, 60, 20, false)).test());
    }

    @Test
    void validationIsCarvedFromTheTrainingDocumentsBeforeAAndB() {
        Split s = Split.of(task(100, 50), new SplitConfig(3, 40, 20, false, 10));
        assertEquals(10, s.val().size());
        assertEquals(40, s.a().size() + s.b().size());
        Set<String> all = ids(s.a());
        all.addAll(ids(s.b()));
        all.addAll(ids(s.test()));
        all.addAll(ids(s.val()));
        assertEquals(70, all.size(), "A, B, test and validation are disjoint");
        Split plain = Split.of(task(100, 50), new SplitConfig(3, 40, 20, false));
        assertEquals(plain.test(), s.test(), "the test set does not move");
        assertTrue(plain.val().isEmpty());
        // The validation set does not depend on how many training documents are used.
        assertEquals(s.val(), Split.of(task(100, 50), new SplitConfig(3, 20, 20, false, 10)).val());
        String message = assertThrows(DataException.class,
                () -> Split.of(task(100, 50), new SplitConfig(3, 40, 20, false, 80))).getMessage();
        assertTrue(message.contains("--n-val 80") && message.contains("at most 76"), message);
        assertThrows(IllegalArgumentException.class, () -> new SplitConfig(3, 40, 20, false, -1));
        // A preset's --n-val is a cap: on a small task it takes at most half the training documents.
        SplitConfig preset = new SplitConfig(3, SplitSize.upTo(10000), SplitSize.upTo(5000), false, false,
                SplitSize.upTo(1000));
        Split small = Split.of(task(490, 245), preset);
        assertEquals(245, small.test().size());
        assertEquals(122, small.val().size());
        assertEquals(123, small.a().size() + small.b().size());
    }

    @Test
    void aValidationSizeKeepsItsKeyAndReadsBackAsACap() throws Exception {
        SplitConfig typed = new SplitConfig(3, SplitSize.upTo(10000), SplitSize.upTo(5000), false, false, 1000);
        SplitConfig preset = new SplitConfig(3, SplitSize.upTo(10000), SplitSize.upTo(5000), false, false,
                SplitSize.upTo(1000));
        String text = w2s.base.Json.compact(typed);
        assertEquals("{\"seed\":3,\"n_train\":10000,\"n_test\":5000,\"balance\":false,\"vary_test\":false,"
                + "\"n_val\":1000}", text, "as before n-val could be a cap");
        assertEquals(text, w2s.base.Json.compact(preset));
        assertEquals(SplitSize.upTo(1000), w2s.base.Json.MAPPER.readValue(text, SplitConfig.class).nVal());
        assertEquals(SplitConfig.NO_VALIDATION, w2s.base.Json.MAPPER.readValue(
                w2s.base.Json.compact(new SplitConfig(3, 400, 100, false)), SplitConfig.class).nVal());
        assertThrows(IllegalArgumentException.class, () -> new SplitConfig(3, SplitSize.upTo(10), SplitSize.upTo(10),
                false, false, SplitSize.ALL));
    }

    @Test
    void theTestSetIsTheSameForEverySeedUnlessAskedToVary() {
        Task t = task(200, 100);
        Split s0 = Split.of(t, new SplitConfig(0, 60, 40, false));
        Split s1 = Split.of(t, new SplitConfig(1, 60, 40, false));
        assertEquals(s0.test(), s1.test(), "fixed test set across seeds");
        assertNotEquals(s0.a(), s1.a(), "the seed still varies the training subset and the halves");
        assertNotEquals(Split.of(t, new SplitConfig(1, 60, 40, false, true)).test(),
                Split.of(t, new SplitConfig(2, 60, 40, false, true)).test(), "--vary-test draws it with the seed");
        // A task with its own test split: the same documents for every seed too.
        Task withTest = new Task("u", task(100, 50).train(), task(80, 40).train().stream()
                .map(e -> new Example("t" + e.id(), e.text(), e.label())).toList(), t.provenance());
        assertEquals(Split.of(withTest, new SplitConfig(0, 40, 30, false)).test(),
                Split.of(withTest, new SplitConfig(5, 40, 30, false)).test());
    }

    @Test
    void aSizeGivenThatTheTaskCannotMeetIsAnErrorSayingWhatExists() {
        // 100 documents, no test split: 50 held out for test leave 50 training documents.
        String train = assertThrows(DataException.class, () -> Split.of(task(100, 50),
                new SplitConfig(0, 1000, 20, false))).getMessage();
        assertEquals("--n-train 1000: task t has 80 training documents (after the 20 test documents); use at most 80 "
                + "or --n-train all", train);
        String test = assertThrows(DataException.class, () -> Split.of(task(100, 50),
                new SplitConfig(0, 40, 500, false))).getMessage();
        assertEquals("--n-test 500: task t has 100 documents and no test split, so at most half of them, 50, can be "
                + "test documents; use at most 50 or --n-test all", test);
        // Validation documents and balancing leave fewer; the message counts what is left.
        String both = assertThrows(DataException.class, () -> Split.of(task(400, 100),
                new SplitConfig(0, 300, 40, true, 20))).getMessage();
        assertEquals("--n-train 300: task t has 340 training documents (after the 40 test and 20 validation "
                + "documents), 140 of them with the classes balanced (--balance); use at most 140 or --n-train all",
                both);
        Task withTest = new Task("t2", task(60, 30).train(), task(30, 15).train(), task(1, 1).provenance());
        assertEquals("--n-test 31: task t2 has 30 test documents; use at most 30 or --n-test all",
                assertThrows(DataException.class, () -> Split.of(withTest, new SplitConfig(0, 40, 31, false)))
                        .getMessage());
        // Exactly what exists is fine, and an odd balanced size asks for one fewer.
        assertEquals(30, Split.of(withTest, new SplitConfig(0, 40, 30, false)).test().size());
        assertEquals(60, Split.of(withTest, new SplitConfig(0, 61, 30, true)).a().size() * 2);
    }

    @Test
    void allTakesEveryDocumentAndADefaultIsACap() {
        SplitConfig all = new SplitConfig(0, SplitSize.ALL, SplitSize.ALL, false, false, 0);
        Split s = Split.of(task(100, 50), all);
        assertEquals(50, s.test().size(), "at most half of a task without a test split goes to test");
        assertEquals(50, s.a().size() + s.b().size());
        SplitConfig capped = new SplitConfig(0, SplitSize.upTo(4000), SplitSize.upTo(1000), false, false, 0);
        assertEquals(s, Split.of(task(100, 50), capped), "a default larger than the data takes all of it");
        SplitConfig small = new SplitConfig(0, SplitSize.upTo(40), SplitSize.upTo(20), false, false, 0);
        assertEquals(Split.of(task(100, 50), new SplitConfig(0, 40, 20, false)), Split.of(task(100, 50), small),
                "a cap the data meets is the number");
        Split balanced = Split.of(task(400, 100), new SplitConfig(0, SplitSize.ALL, SplitSize.upTo(50), true, false,
                0));
        assertEquals(balanced.a().size() + balanced.b().size(), 2 * balanced.a().stream().filter(e -> e.label() == 1)
                .count() + 2 * balanced.b().stream().filter(e -> e.label() == 1).count(), "all, balanced: 50/50");
    }

    @Test
    void sizesAreNumbersOrAllInJsonAndAGivenNumberKeepsItsKey() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = w2s.base.Json.MAPPER;
        String given = w2s.base.Json.compact(new SplitConfig(3, 400, 100, false));
        assertEquals("{\"seed\":3,\"n_train\":400,\"n_test\":100,\"balance\":false,\"vary_test\":false}", given);
        assertEquals(given, w2s.base.Json.compact(new SplitConfig(3, SplitSize.upTo(400), SplitSize.upTo(100), false,
                false, 0)), "a default of the same number splits alike, under the same key");
        SplitConfig all = new SplitConfig(3, SplitSize.ALL, SplitSize.upTo(100), false, false, 0);
        String text = w2s.base.Json.compact(all);
        assertTrue(text.contains("\"n_train\":\"all\""), text);
        assertEquals(all, json.readValue(text, SplitConfig.class));
        assertEquals(SplitSize.upTo(400), json.readValue(given, SplitConfig.class).nTrain(), "read back: a cap");
        assertEquals(SplitSize.ALL, SplitSize.parse("all"));
        assertEquals(SplitSize.exactly(12), SplitSize.parse("12"));
        assertThrows(IllegalArgumentException.class, () -> SplitSize.parse("many"));
        assertThrows(IllegalArgumentException.class, () -> new SplitConfig(0, 3, 20, false));
    }

    @Test
    void balancingUndersamplesTheMajority() {
        Split s = Split.of(task(400, 100), new SplitConfig(0, 100, 50, true));
        List<Example> train = new ArrayList<>(s.a());
        train.addAll(s.b());
        assertEquals(100, train.size());
        assertEquals(50, train.stream().filter(e -> e.label() == 1).count());
        assertEquals(25, s.test().stream().filter(e -> e.label() == 1).count());
    }

    @Test
    void oneClassSplitIsAnError() {
        String message = assertThrows(DataException.class, () -> Split.of(task(50, 0), new SplitConfig(0, 20, 10, false)))
                .getMessage();
        assertTrue(message.contains("has only class 0"), message);
    }

    @Test
    void grammarTaskFromTheLanguageToolJar() {
        Task grammar = Tasks.load("grammar");
        assertTrue(grammar.train().size() > 20_000, "about 21k distinct example sentences");
        long correct = grammar.train().stream().filter(e -> e.label() == 1).count();
        assertTrue(correct > 10_000 && correct < 12_500, "about 11k grammatical sentences, got " + correct);
        assertEquals("org.languagetool:language-en:6.4", grammar.provenance().location());
        assertEquals("LGPL-2.1", grammar.provenance().license());
        assertTrue(grammar.train().stream().noneMatch(e -> e.text().contains("<marker>") || e.text().contains("  ")));
    }
}
