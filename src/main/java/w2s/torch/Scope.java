package w2s.torch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Owns tensors and frees their native memory when it closes: memory is never left to the garbage collector, which
 * sees only the small Java handles and so would let gigabytes of activations pile up.
 *
 * <p>Two kinds. An {@linkplain #open() open scope} is pushed on this thread's stack: every tensor an operation
 * creates while it is the innermost belongs to it, so a block of code frees all its intermediates at once when its
 * scope closes ({@code try (Scope s = Scope.open()) {…}}); what must outlive it is handed out with {@link #keep}.
 * An {@linkplain #owner() owner} is never on the stack: a model's weights or an optimiser's state, created into it
 * explicitly and freed with the model.
 *
 * <p>Freeing a tensor handle frees its memory only once nothing else holds it: autograd keeps what the backward
 * pass needs alive by itself, so a forward pass may free its intermediates as it goes, even while training.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<Scope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Tensor> owned = new ArrayList<>();
    private final boolean pushed;
    private boolean closed;

    private Scope(boolean pushed) {
        this.pushed = pushed;
    }

    /** A scope that owns every tensor created on this thread until it closes (or an inner scope opens). */
    public static Scope open() {
        Scope scope = new Scope(true);
        OPEN.get().push(scope);
        return scope;
    }

    /** An owner for long-lived tensors, such as a model's weights, that are created into it explicitly. */
    public static Scope owner() {
        return new Scope(false);
    }

    /** The innermost open scope of this thread, or null. */
    static Scope current() {
        return OPEN.get().peek();
    }

    void adopt(Tensor t) {
        if (closed) throw new IllegalStateException("this scope is closed");
        owned.add(t);
        t.owner = this;
    }

    /**
     * Hands tensors to the scope around this one (or, for the outermost, to no scope: the caller then frees them),
     * so that they outlive this scope's close.
     */
    public <T extends Tensor> T keep(T t) {
        if (t.owner != this) return t;
        ArrayDeque<Scope> stack = OPEN.get();
        Scope outer = null;
        boolean seen = false;
        for (Scope s : stack) { // innermost first
            if (seen) {
                outer = s;
                break;
            }
            seen = s == this;
        }
        if (outer != null) outer.adopt(t);
        else t.owner = null;
        return t;
    }

    /** {@link #keep} for each. */
    public List<Tensor> keepAll(List<Tensor> tensors) {
        tensors.forEach(this::keep);
        return tensors;
    }

    /** Moves a tensor to this scope (for example, the result of a pass into a model's owner). */
    public <T extends Tensor> T adoptFrom(T t) {
        adopt(t);
        return t;
    }

    /** Frees every tensor still owned here; an open scope also leaves the stack (inner scopes must close first). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (pushed) {
            ArrayDeque<Scope> stack = OPEN.get();
            if (stack.peek() != this) {
                throw new IllegalStateException("scopes must close innermost first");
            }
            stack.pop();
        }
        for (Tensor t : owned) if (t.owner == this) t.free();
        owned.clear();
    }
}
