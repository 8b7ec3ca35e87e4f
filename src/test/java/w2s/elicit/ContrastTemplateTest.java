package w2s.elicit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import w2s.data.Example;

class ContrastTemplateTest {

    @Test
    void pairsDifferOnlyInTheLabelWordAtTheEnd() {
        ContrastTemplate t = ContrastTemplate.get("sentiment-between");
        assertEquals("Great tea.\nBetween negative and positive, the sentiment of this example is positive",
                t.positive("Great tea."));
        assertEquals("Great tea.\nBetween negative and positive, the sentiment of this example is negative",
                t.negative("Great tea."));
        // A "{label}" inside the example's text is left alone.
        assertEquals("a {label} b True", ContrastTemplate.get("true-false").positive("a {label} b"));
    }

    @Test
    void tasksGetTheirKindsFamily() {
        assertEquals(ContrastTemplate.Kind.SENTIMENT, ContrastTemplate.kindOf("fine_foods"));
        assertEquals(ContrastTemplate.Kind.STATEMENT, ContrastTemplate.kindOf("subdivisions"));
        assertEquals(ContrastTemplate.Kind.GRAMMAR, ContrastTemplate.kindOf("grammar"));
        assertEquals(ContrastTemplate.Kind.PREFERENCE, ContrastTemplate.kindOf("grammar_pref"));
        assertEquals(ContrastTemplate.Kind.QA, ContrastTemplate.kindOf("sciq"));
        assertEquals(ContrastTemplate.Kind.GENERIC, ContrastTemplate.kindOf("my_file.jsonl"));
        List<ContrastTemplate> auto = ContrastTemplate.parse(null, null, "fine_foods");
        assertTrue(auto.size() > 1 && auto.stream().allMatch(t -> t.kind() == ContrastTemplate.Kind.SENTIMENT), "" + auto);
        assertEquals("sentiment-between", auto.get(0).name());
        assertEquals(List.of("sentiment-between", "question"), ContrastTemplate.parse(List.of("sentiment-between,question"), null,
                "x").stream().map(ContrastTemplate::name).toList());
    }

    @Test
    void customTemplatesNeedTextLabelAndTwoLabels() {
        List<ContrastTemplate> t = ContrastTemplate.parse(List.of("Review: {text} Sentiment: {label}"),
                "bad, good", "fine_foods");
        assertEquals("Review: x Sentiment: good", t.get(0).positive("x"));
        assertEquals("Review: x Sentiment: bad", t.get(0).negative("x"));
        String noLabel = assertThrows(IllegalArgumentException.class, () -> ContrastTemplate.parse(
                List.of("Review: {text}"), "bad,good", "t")).getMessage();
        assertTrue(noLabel.startsWith("--template") && noLabel.contains("{label}"), noLabel);
        String noText = assertThrows(IllegalArgumentException.class, () -> ContrastTemplate.parse(
                List.of("Sentiment: {label}"), "bad,good", "t")).getMessage();
        assertTrue(noText.startsWith("--template") && noText.contains("{text}"), noText);
        String three = assertThrows(IllegalArgumentException.class, () -> ContrastTemplate.parse(
                List.of("{text} {label}"), "bad,ok,good", "t")).getMessage();
        assertTrue(three.startsWith("--labels") && three.contains("got 3"), three);
        String one = assertThrows(IllegalArgumentException.class, () -> ContrastTemplate.parse(
                List.of("{text} {label}"), "good", "t")).getMessage();
        assertTrue(one.startsWith("--labels"), one);
        String same = assertThrows(IllegalArgumentException.class, () -> ContrastTemplate.parse(
                List.of("{text} {label}"), "good,good", "t")).getMessage();
        assertTrue(same.startsWith("--labels"), same);
        String missing = assertThrows(IllegalArgumentException.class, () -> ContrastTemplate.parse(
                List.of("{text} {label}"), null, "t")).getMessage();
        assertTrue(missing.contains("--labels"), missing);
        String unknown = assertThrows(IllegalArgumentException.class, () -> ContrastTemplate.parse(
                List.of("riddle"), null, "t")).getMessage();
        assertTrue(unknown.startsWith("--template: unknown template 'riddle'"), unknown);
    }

    /** Tokens = whitespace-separated words plus two special tokens, like [CLS] … [SEP]. */
    private static int words(String s) {
        return (s.isBlank() ? 0 : s.trim().split("\\s+").length) + 2;
    }

    @Test
    void longTextsAreCutInsideTheTemplateSoTheAnswerSurvives() {
        ContrastTemplate t = ContrastTemplate.get("review-liked"); // "Review: {text}\nDid the reviewer like the product? {label}"
        String longText = "one two three four five six seven eight nine ten";
        List<Example> examples = List.of(new Example("a", "short text", 1), new Example("b", longText, 0));
        // Template words: "Review:" + 6 words after the text + the label = 8; with specials 10; the limit leaves 4 words.
        PromptFitter.Fitted f = PromptFitter.fit(List.of(t), examples, ContrastTemplateTest::words, 14,
                PromptFitter.Mode.TRUNCATE, "test");
        assertEquals(2, f.examples().size());
        assertEquals(1, f.truncated());
        assertEquals(0, f.dropped());
        String pos = f.positive().get(0).get(1);
        assertEquals("Review: one two three four\nDid the reviewer like the product? Yes", pos);
        assertTrue(words(f.negative().get(0).get(1)) <= 14);

        PromptFitter.Fitted dropped = PromptFitter.fit(List.of(t), examples, ContrastTemplateTest::words, 14,
                PromptFitter.Mode.DROP, "test");
        assertEquals(1, dropped.examples().size());
        assertEquals(1, dropped.dropped());
        assertEquals("a", dropped.examples().get(0).id());
    }

    @Test
    void aLimitNoExampleFitsIsRefusedWithCounts() {
        ContrastTemplate t = ContrastTemplate.get("review-liked");
        List<Example> examples = List.of(new Example("a", "short text", 1), new Example("b", "other text", 0));
        String msg = assertThrows(IllegalArgumentException.class, () -> PromptFitter.fit(List.of(t), examples,
                ContrastTemplateTest::words, 9, PromptFitter.Mode.TRUNCATE, "training")).getMessage();
        assertTrue(msg.startsWith("--max-tokens 9: all 2 training examples exceed it") && msg.contains("2 dropped"), msg);
        assertNull(PromptFitter.longestPrefix(t, "abc", ContrastTemplateTest::words, 9));
    }
}
