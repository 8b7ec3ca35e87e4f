package w2s.generate;

import w2s.torch.Tensor;
import w2s.train.Loss;
import w2s.train.Losses;

/**
 * The loss of a generative model on the tokens of its training answers, each token a K-class prediction over the
 * vocabulary with the answer's token as its label: the next-token cross-entropy ({@code xent}), or the auxiliary
 * confidence loss ({@code logconf}, {@code logconf-linear}) read per token.
 *
 * <p>The paper describes the confidence loss for classification only. Here each answer token of a weak label is a
 * class among the vocabulary, so the rule the references use for K &gt; 2 classes applies (the openai code's vision
 * experiment): the student's own prediction is hardened to its argmax, and the target is
 * {@code (1 − c)·weak + c·hardened} with c on the loss's schedule; as the token's weak label is one-hot, the loss is
 * {@code (1 − c)·CE(z, weak) + c·CE(z, argmax z)}. The prefix the student reads is the weak answer's (teacher forcing),
 * so the hardening acts token by token and never on a sequence the student would write. Other losses are refused.
 *
 * @param loss the classification loss this one reads per token (its name and schedule)
 */
public record AnswerLoss(Loss loss) {
    public AnswerLoss {
        if (!(loss instanceof Losses.Xent) && !(loss instanceof Losses.LogConf)) {
            throw new IllegalArgumentException("loss " + loss.name() + " is not defined for generative tasks: use xent "
                    + "or logconf (logconf-linear), which read each answer token as a class of the vocabulary");
        }
    }

    public static AnswerLoss of(String spec) {
        return new AnswerLoss(Losses.get(spec));
    }

    public String name() {
        return loss.name();
    }

    /** The weight of the student's hardened predictions at this point of training (0 for xent). */
    public double coefficient(double progress) {
        return loss instanceof Losses.LogConf c ? c.coefficient(progress) : 0;
    }

    /**
     * The sum of the per-token losses (the caller divides by the batch's token count).
     *
     * @param logits   N×V next-token logits, fp32, at the positions that predict answer tokens
     * @param targets  N token ids (int64), the answer tokens
     * @param progress step / total steps
     */
    public Tensor sum(Tensor logits, Tensor targets, double progress) {
        Tensor logp = logits.logSoftmax(1);
        Tensor nll = logp.gather(1, targets.unsqueeze(1)).sum().neg();
        double c = coefficient(progress);
        if (c == 0) return nll;
        Tensor own = logp.gather(1, logits.detach().argmax(1).unsqueeze(1)).sum().neg();
        return nll.mul(1 - c).add(own.mul(c));
    }
}
