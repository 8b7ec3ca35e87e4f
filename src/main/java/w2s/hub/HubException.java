package w2s.hub;

/**
 * A model or dataset could not be found in, or downloaded into, the Hugging Face cache. The message is for the user: it names
 * the repo, the file, the URL or the cache path involved, and says what to do; print it without a stack trace.
 */
public final class HubException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean unreachable;

    public HubException(String message) {
        this(message, null, false);
    }

    public HubException(String message, Throwable cause) {
        this(message, cause, false);
    }

    HubException(String message, Throwable cause, boolean unreachable) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /** The Hub could not be reached at all, so a usable cached snapshot may stand in. */
    boolean unreachable() {
        return unreachable;
    }
}
