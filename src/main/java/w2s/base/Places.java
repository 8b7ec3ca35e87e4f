package w2s.base;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where things live on disk, decided in one place from the environment: the w2s cache (features, weak labels,
 * ceilings, native libraries), the folder of installed models, and the Hugging Face cache that Python's
 * {@code huggingface_hub} also reads and writes. Every rule takes the environment as an argument so tests can pass
 * their own; a variable that is set but blank counts as unset.
 */
public final class Places {
    private Places() {}

    /** The w2s cache for this process's environment. */
    public static Path cacheRoot() {
        return cacheRoot(System.getenv());
    }

    /**
     * $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else $HOME/.cache/w2s (Java's user.home only when HOME is unset).
     */
    public static Path cacheRoot(Map<String, String> env) {
        String root = get(env, "W2S_CACHE");
        if (root != null) return Path.of(root);
        String xdg = get(env, "XDG_CACHE_HOME");
        // The XDG specification: a relative path is invalid and is ignored.
        if (xdg != null && Path.of(xdg).isAbsolute()) return Path.of(xdg, "w2s");
        return userHome(env).resolve(".cache").resolve("w2s");
    }

    /** Installed models (bert-base): the w2s.models system property, else $W2S_MODELS, else models/ in the cache. */
    public static Path modelsDir() {
        String dir = System.getProperty("w2s.models", System.getenv("W2S_MODELS"));
        return dir != null && !dir.isBlank() ? Path.of(dir) : cacheRoot().resolve("models");
    }

    /** Native libraries extracted once per version (ONNX Runtime): native/ in the cache. */
    public static Path nativeLibraries() {
        return cacheRoot().resolve("native");
    }

    /** $HF_HUB_CACHE (or the older $HUGGINGFACE_HUB_CACHE), else {@link #hfHome}/hub: huggingface_hub's rule. */
    public static Path hfHubCache(Map<String, String> env) {
        String hubCache = get(env, "HF_HUB_CACHE");
        if (hubCache == null) hubCache = get(env, "HUGGINGFACE_HUB_CACHE");
        if (hubCache != null) return expandHome(env, hubCache);
        return hfHome(env).resolve("hub");
    }

    /** $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (also where the login token lives). */
    public static Path hfHome(Map<String, String> env) {
        String home = get(env, "HF_HOME");
        if (home != null) return expandHome(env, home);
        String xdg = get(env, "XDG_CACHE_HOME");
        if (xdg != null) return expandHome(env, xdg).resolve("huggingface");
        return userHome(env).resolve(".cache").resolve("huggingface");
    }

    /** ~ and ~/… against $HOME, as Python's os.path.expanduser does. */
    public static Path expandHome(Map<String, String> env, String p) {
        if (p.equals("~")) return userHome(env);
        if (p.startsWith("~/")) return userHome(env).resolve(p.substring(2));
        return Path.of(p);
    }

    private static Path userHome(Map<String, String> env) {
        String home = get(env, "HOME");
        return Path.of(home != null ? home : System.getProperty("user.home"));
    }

    private static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }
}
