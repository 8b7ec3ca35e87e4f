package w2s.experiment;

import java.util.List;

import w2s.data.Completion;

/**
 * What the models of a generative run wrote, which its folder keeps: the weak model's answers to B (the students'
 * first labels) and every model's answers to the test prompts, with whether each matched a right answer.
 */
public record GenerativeAnswers(List<Completion> b, List<String> weakB, List<Completion> test, List<String> weak,
                                List<String> student, List<String> ceiling, boolean[] weakRight,
                                boolean[] studentRight, boolean[] ceilingRight) {}
