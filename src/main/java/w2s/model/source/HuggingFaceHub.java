package w2s.model.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import w2s.report.Progress;

/**
 * Where a model folder comes from: a local path, or a Hugging Face model id resolved from the HF cache (downloaded
 * into it when missing).
 *
 * <p>The cache is the one {@code huggingface_hub} (and so {@code transformers} and {@code huggingface-cli download})
 * uses, with the same layout, so models already downloaded by Python tools are found and models downloaded here are
 * found by them: {@code models--{org}--{name}/refs/{revision}} holds a commit hash,
 * {@code snapshots/{commit}/{file}} are relative symlinks to {@code blobs/{etag}}, and
 * {@code .no_exist/{commit}/{file}} records optional files the repo does not have. The cache root is
 * {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else
 * {@code ~/.cache/huggingface/hub}.
 *
 * <p>A model needs {@code config.json}, {@code tokenizer.json}, the weights as {@code model.safetensors} or as
 * {@code model.safetensors.index.json} plus every shard it names, and, when the repo has them,
 * {@code tokenizer_config.json} and {@code generation_config.json}. A cached snapshot holding all of these is used
 * without touching the network (so a branch such as {@code main} is not re-checked for new commits once cached: pass
 * a commit hash, or delete {@code refs/main}, to move on). Otherwise the missing files are downloaded from
 * {@code $HF_ENDPOINT} (default {@code https://huggingface.co}) at one commit, with {@code $HF_TOKEN} for gated
 * repos, into {@code blobs/{etag}.incomplete}, resumed with a Range request after an interruption, checked against
 * their sha256 when the Hub gives one, and only then moved into place and linked. With {@code HF_HUB_OFFLINE=1} the
 * network is never used.
 */
public final class HuggingFaceHub {
    static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    static final String DEFAULT_REVISION = "main";
    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final List<String> REQUIRED = List.of(CONFIG, TOKENIZER);
    static final List<String> OPTIONAL = List.of("tokenizer_config.json", "generation_config.json");
    static final String WEIGHTS = "model.safetensors";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    static final List<String> OTHER_WEIGHTS = List.of("pytorch_model.bin", "pytorch_model.bin.index.json",
            "tf_model.h5", "flax_model.msgpack");

    private static final Pattern REPO_ID = Pattern.compile("(?:\\w(?:[\\w.-]*\\w)?/)?\\w(?:[\\w.-]*\\w)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SAFE_ETAG = Pattern.compile("(?!\\.\\.?$)[A-Za-z0-9._-]{1,200}"); // a file name: not . or ..
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");
    private static final int MAX_REDIRECTS = 5;
    private static final int BUFFER = 1 << 20;
    /** Files smaller than this download without a progress bar. */
    private static final long PROGRESS_MIN_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "w2s-hub-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Map<String, String> env;
    private final PrintStream log = System.err;
    private HttpClient http;

    public HuggingFaceHub() {
        this(System.getenv());
    }

    /** @param env the environment to read HF_* variables and HOME from (tests pass their own). */
    public HuggingFaceHub(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    // ------------------------------------------------------------------------------------------------ configuration

    /** $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
    public Path cacheRoot() {
        String hubCache = firstSet("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE");
        if (hubCache != null) return expandHome(hubCache);
        return hfHome().resolve("hub");
    }

    /** $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (also where the login token lives). */
    Path hfHome() {
        String home = get("HF_HOME");
        if (home != null) return expandHome(home);
        String xdg = get("XDG_CACHE_HOME");
        if (xdg != null) return expandHome(xdg).resolve("huggingface");
        return userHome().resolve(".cache").resolve("huggingface");
    }

    String endpoint() {
        String e = get("HF_ENDPOINT");
        e = e == null ? DEFAULT_ENDPOINT : e;
        while (e.endsWith("/")) e = e.substring(0, e.length() - 1);
        return e;
    }

    boolean offline() {
        return isTrue(get("HF_HUB_OFFLINE")) || isTrue(get("TRANSFORMERS_OFFLINE"));
    }

    /** $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN, else the token file {@code huggingface-cli login} writes. */
    Optional<String> token() {
        String t = firstSet("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN");
        if (t != null) return Optional.of(t.strip());
        String p = get("HF_TOKEN_PATH");
        Path file = p != null ? expandHome(p) : hfHome().resolve("token");
        try {
            if (Files.isRegularFile(file)) {
                String s = Files.readString(file).strip();
                if (!s.isEmpty()) return Optional.of(s);
            }
        } catch (IOException | UncheckedIOException e) {
            // an unreadable token file is the same as none
        }
        return Optional.empty();
    }

    private Duration timeout(String var) {
        String v = get(var);
        try {
            if (v != null) return Duration.ofMillis(Math.max(1, Math.round(Double.parseDouble(v) * 1000)));
        } catch (NumberFormatException e) {
            // fall through to the default
        }
        return Duration.ofSeconds(10);
    }

    private String get(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    private String firstSet(String... names) {
        for (String n : names) {
            String v = get(n);
            if (v != null) return v;
        }
        return null;
    }

    private Path userHome() {
        String home = get("HOME");
        return Path.of(home != null ? home : System.getProperty("user.home"));
    }

    private Path expandHome(String p) {
        if (p.equals("~")) return userHome();
        if (p.startsWith("~/")) return userHome().resolve(p.substring(2));
        return Path.of(p);
    }

    private static boolean isTrue(String v) {
        return v != null && TRUE.contains(v.strip().toUpperCase(Locale.ROOT));
    }

    // ------------------------------------------------------------------------------------------------ public API

    /**
     * A folder holding a Hugging Face model: an existing directory is returned as is; anything else is taken as a hub
     * id and resolved from the cache, downloading what is missing (revision null or blank means "main").
     */
    public static Path modelFolder(String pathOrId, String revision) throws HubException {
        if (pathOrId == null || pathOrId.isBlank()) throw new HubException("No model given: pass a model folder or a "
                + "Hugging Face model id such as 'org/name'.");
        Path p = pathOrId.startsWith("~/") ? Path.of(System.getProperty("user.home"), pathOrId.substring(2))
                : Path.of(pathOrId);
        if (Files.isDirectory(p)) return p;
        if (Files.exists(p)) throw new HubException(pathOrId + " is a file, not a model folder: pass the folder that "
                + "holds config.json, tokenizer.json and the safetensors weights.");
        if (!looksLikeRepoId(pathOrId)) throw new HubException("No model folder at " + p.toAbsolutePath()
                + ", and '" + pathOrId + "' is not a Hugging Face model id (those look like 'gpt2' or 'org/name').");
        return new HuggingFaceHub().resolve(pathOrId, revision);
    }

    /** True for strings that look like a hub id ("gpt2", "org/name"), false for existing local paths. */
    public static boolean looksLikeRepoId(String s) {
        if (!validRepoId(s)) return false;
        try {
            return !Files.exists(Path.of(s));
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * The cached snapshot folder of repoId at revision if every needed file is there, else empty. Never touches the
     * network. Optional files (tokenizer_config.json, generation_config.json) need not be there.
     */
    public Optional<Path> cached(String repoId, String revision) {
        String rev = checkArgs(repoId, revision);
        Path repo = repoFolder(repoId);
        return commitOf(repo, rev).filter(c -> missing(repo, c, false).isEmpty())
                .map(c -> repo.resolve("snapshots").resolve(c));
    }

    /**
     * The snapshot folder of repoId at revision (null or blank: "main"), downloading whatever is missing unless
     * HF_HUB_OFFLINE is set. A progress bar for each large file goes to stderr.
     */
    public Path resolve(String repoId, String revision) throws HubException {
        String rev = checkArgs(repoId, revision);
        Path repo = repoFolder(repoId);
        Optional<String> commit = commitOf(repo, rev);
        if (commit.isPresent() && missing(repo, commit.get(), true).isEmpty())
            return repo.resolve("snapshots").resolve(commit.get());
        Optional<Path> usable = commit.filter(c -> missing(repo, c, false).isEmpty())
                .map(c -> repo.resolve("snapshots").resolve(c));
        if (offline()) {
            if (usable.isPresent()) return usable.get();
            throw offlineMiss(repoId, rev, repo, commit);
        }
        if (usable.isEmpty()) return download(repoId, rev, repo);
        // Only optional files are unknown (a cache filled by other tools): ask for them at the cached commit, so a
        // branch that moved on upstream does not trigger a download of the whole new commit.
        try {
            return download(repoId, commit.get(), repo);
        } catch (HubException e) {
            log.println("w2s: using the cached snapshot " + usable.get() + " without "
                    + String.join(", ", missing(repo, commit.get(), true)) + ": "
                    + (e.unreachable() ? "could not reach " + endpoint() + " (" + describe(e.getCause()) + ")"
                    : e.getMessage()));
            return usable.get();
        }
    }

    // ------------------------------------------------------------------------------------------------ the cache

    Path repoFolder(String repoId) {
        return cacheRoot().resolve("models--" + repoId.replace("/", "--"));
    }

    /** huggingface_hub's rule: [org/]name of letters, digits, '-', '_', '.', not starting or ending with - or . */
    private static boolean validRepoId(String s) {
        return s != null && s.length() <= 96 && REPO_ID.matcher(s).matches() && !s.contains("--") && !s.contains("..")
                && !s.endsWith(".git");
    }

    private static String checkArgs(String repoId, String revision) {
        if (!validRepoId(repoId))
            throw new HubException("'" + repoId + "' is not a valid Hugging Face model id: ids look like 'gpt2' or "
                    + "'org/name' (letters, digits, '-', '_', '.'; no '--' or '..').");
        String rev = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision.strip();
        if (rev.startsWith("/") || rev.endsWith("/") || rev.contains("\\") || rev.contains("//")
                || List.of(rev.split("/")).contains("..") || List.of(rev.split("/")).contains(".")
                || rev.chars().anyMatch(ch -> ch < 0x20))
            throw new HubException("'" + revision + "' is not a valid revision of " + repoId
                    + ": pass a branch, a tag or a commit hash.");
        return rev;
    }

    /** The commit a revision points to in the cache: the revision itself if it is a commit hash, else refs/{rev}. */
    private static Optional<String> commitOf(Path repo, String rev) {
        if (COMMIT.matcher(rev).matches()) return Optional.of(rev);
        Path ref = repo.resolve("refs").resolve(rev);
        try {
            if (!Files.isRegularFile(ref)) return Optional.empty();
            String c = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return COMMIT.matcher(c).matches() ? Optional.of(c) : Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /**
     * The needed files missing from snapshots/{commit}. Strictly, an optional file counts as missing unless it is
     * there or recorded under .no_exist (the repo does not have it); otherwise optional files are not checked.
     */
    private static List<String> missing(Path repo, String commit, boolean strict) {
        Path snap = repo.resolve("snapshots").resolve(commit);
        List<String> out = new ArrayList<>();
        for (String f : REQUIRED) if (!Files.isRegularFile(snap.resolve(f))) out.add(f);
        if (strict) for (String f : OPTIONAL) {
            if (!Files.isRegularFile(snap.resolve(f)) && !Files.exists(noExist(repo, commit, f))) out.add(f);
        }
        if (Files.isRegularFile(snap.resolve(WEIGHTS))) return out;
        Path index = snap.resolve(WEIGHTS_INDEX);
        if (!Files.isRegularFile(index)) {
            out.add(WEIGHTS);
            return out;
        }
        try {
            for (String shard : shards(Files.readString(index, StandardCharsets.UTF_8)))
                if (!Files.isRegularFile(snap.resolve(shard))) out.add(shard);
        } catch (IOException | RuntimeException e) {
            out.add(WEIGHTS_INDEX);
        }
        return out;
    }

    private static Path noExist(Path repo, String commit, String file) {
        return repo.resolve(".no_exist").resolve(commit).resolve(file);
    }

    /** The shard files a model.safetensors.index.json names in its weight_map, sorted. */
    static List<String> shards(String indexJson) throws IOException {
        JsonNode map = JSON.readTree(indexJson).path("weight_map");
        if (!map.isObject() || map.isEmpty()) throw new IOException("no weight_map in the index");
        Set<String> files = new TreeSet<>();
        map.elements().forEachRemaining(n -> files.add(n.asText()));
        for (String f : files) {
            if (f.isEmpty() || f.startsWith("/") || f.contains("\\") || List.of(f.split("/")).contains(".."))
                throw new IOException("the weight_map names an unsafe file name '" + f + "'");
        }
        return new ArrayList<>(files);
    }

    private HubException offlineMiss(String repoId, String rev, Path repo, Optional<String> commit) {
        String how = " To download it, run without HF_HUB_OFFLINE (unset it or set HF_HUB_OFFLINE=0), or fetch it "
                + "with `huggingface-cli download " + repoId
                + (rev.equals(DEFAULT_REVISION) ? "" : " --revision " + rev)
                + "`.";
        if (!Files.isDirectory(repo))
            return new HubException(repoId + " is not in the Hugging Face cache (" + repo + ") and HF_HUB_OFFLINE is "
                    + "set, so it cannot be downloaded." + how);
        if (commit.isEmpty())
            return new HubException("Revision '" + rev + "' of " + repoId + " is not in the Hugging Face cache (no "
                    + repo.resolve("refs").resolve(rev) + ") and HF_HUB_OFFLINE is set, so it cannot be downloaded."
                    + how);
        Path snap = repo.resolve("snapshots").resolve(commit.get());
        List<String> miss = missing(repo, commit.get(), false);
        String binOnly = miss.contains(WEIGHTS) && OTHER_WEIGHTS.stream().anyMatch(f -> Files.exists(snap.resolve(f)))
                ? " The snapshot has only non-safetensors weights; " + convertAdvice(repoId) : "";
        return new HubException("The cached snapshot " + snap + " of " + repoId + " lacks " + String.join(", ", miss)
                + " and HF_HUB_OFFLINE is set, so they cannot be downloaded." + binOnly + how);
    }

    private static String convertAdvice(String repoId) {
        return "w2s reads safetensors only (model.safetensors, or model.safetensors.index.json with its shards). "
                + "Convert it: open a pull request with the weights in safetensors at "
                + "https://huggingface.co/spaces/safetensors/convert (then pass --revision refs/pr/N), or locally with "
                + "`python -c \"from transformers import AutoModel, AutoTokenizer; "
                + "AutoModel.from_pretrained('" + repoId + "').save_pretrained('DIR', safe_serialization=True); "
                + "AutoTokenizer.from_pretrained('" + repoId + "').save_pretrained('DIR')\"` and pass DIR as the "
                + "model.";
    }

    // ------------------------------------------------------------------------------------------------ downloading

    /** What a HEAD on the resolve endpoint tells about one file. */
    private record Meta(String file, String commit, String etag, long size, URI source, URI download, boolean lfs) {}

    private Path download(String repoId, String rev, Path repo) {
        String commit = COMMIT.matcher(rev).matches() ? rev : null;
        Map<String, Meta> todo = new LinkedHashMap<>();
        List<String> absent = new ArrayList<>();
        // config.json first: its answer names the commit every other file is then fetched at.
        for (String f : REQUIRED) {
            if (commit != null && present(repo, commit, f)) continue;
            Meta m = head(repoId, commit != null ? commit : rev, f, commit == null);
            if (m == null) throw new HubException(repoId + " has no " + f + " at revision '" + rev + "' ("
                    + resolveUrl(repoId, rev, f) + "). w2s needs config.json and tokenizer.json (the fast tokenizer) "
                    + "next to the weights; use a model repo that has them.");
            if (commit == null) commit = m.commit;
            todo.put(f, m);
        }
        for (String f : OPTIONAL) {
            if (present(repo, commit, f) || Files.exists(noExist(repo, commit, f))) continue;
            Meta m = head(repoId, commit, f, false);
            if (m == null) absent.add(f);
            else todo.put(f, m);
        }
        Path snap = repo.resolve("snapshots").resolve(commit);
        boolean single = present(repo, commit, WEIGHTS);
        if (!single && !present(repo, commit, WEIGHTS_INDEX)) {
            Meta m = head(repoId, commit, WEIGHTS, false);
            if (m != null) {
                todo.put(WEIGHTS, m);
                single = true;
            } else {
                Meta index = head(repoId, commit, WEIGHTS_INDEX, false);
                if (index == null) throw noSafetensors(repoId, rev, commit);
                fetch(repoId, repo, commit, index);
            }
        }
        if (!single) {
            List<String> shards;
            Path index = snap.resolve(WEIGHTS_INDEX);
            try {
                shards = shards(Files.readString(index, StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                throw new HubException(repoId + "'s " + WEIGHTS_INDEX + " (" + index + ") is not a usable index: "
                        + e.getMessage() + ". Report it to the model's authors, or pass another revision.");
            }
            for (String s : shards) {
                if (present(repo, commit, s)) continue;
                Meta m = head(repoId, commit, s, false);
                if (m == null) throw new HubException(repoId + "'s " + WEIGHTS_INDEX + " names the shard " + s
                        + ", but the repo has no such file at commit " + commit + " (" + resolveUrl(repoId, commit, s)
                        + " answered 404). The checkpoint is incomplete: pass another revision or report it to the "
                        + "model's authors.");
                todo.put(s, m);
            }
        }
        List<Meta> fetch = new ArrayList<>();
        for (Meta m : todo.values()) if (!present(repo, commit, m.file)) fetch.add(m);
        announce(repoId, repo, commit, fetch);
        for (Meta m : fetch) fetch(repoId, repo, commit, m);
        for (String f : absent) {
            try {
                Path marker = noExist(repo, commit, f);
                Files.createDirectories(marker.getParent());
                if (!Files.exists(marker)) Files.createFile(marker);
            } catch (IOException e) {
                // only a cache hint; the next resolve asks the Hub again
            }
        }
        if (!rev.equals(commit)) writeRef(repo, rev, commit);
        List<String> miss = missing(repo, commit, false);
        if (!miss.isEmpty()) throw new HubException("After downloading, " + snap + " still lacks "
                + String.join(", ", miss) + ". Another process may be changing the cache; run again.");
        return snap;
    }

    /** Says what is about to be downloaded, and fails early if the cache's disk cannot hold it. */
    private void announce(String repoId, Path repo, String commit, List<Meta> fetch) {
        long bytes = 0;
        for (Meta m : fetch) {
            Path blobs = repo.resolve("blobs");
            if (m.size > 0 && !Files.isRegularFile(blobs.resolve(m.etag))) {
                long have = 0;
                try {
                    Path part = blobs.resolve(m.etag + ".incomplete");
                    if (Files.exists(part)) have = Math.min(Files.size(part), m.size);
                } catch (IOException e) {
                    // counted as not started
                }
                bytes += m.size - have;
            }
        }
        if (bytes == 0) return;
        try {
            Path dir = repo;
            while (dir != null && !Files.exists(dir)) dir = dir.getParent();
            long free = dir == null ? Long.MAX_VALUE : Files.getFileStore(dir).getUsableSpace();
            if (free < bytes) throw new HubException(repoId + " needs " + human(bytes) + " more in the Hugging Face "
                    + "cache at " + cacheRoot() + ", but only " + human(free) + " is free there. Free some space, "
                    + "or set HF_HUB_CACHE (or HF_HOME) to a disk with room.");
        } catch (IOException e) {
            // unknown free space: try anyway
        }
        log.println("w2s: downloading " + fetch.size() + " file" + (fetch.size() == 1 ? "" : "s") + " (" + human(bytes)
                + ") of " + repoId + " at commit " + commit.substring(0, 7) + " into " + repo);
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static boolean present(Path repo, String commit, String file) {
        return Files.isRegularFile(repo.resolve("snapshots").resolve(commit).resolve(file));
    }

    private HubException noSafetensors(String repoId, String rev, String commit) {
        List<String> other = new ArrayList<>();
        for (String f : OTHER_WEIGHTS) if (head(repoId, commit, f, false) != null) other.add(f);
        if (!other.isEmpty()) return new HubException(repoId + " (revision '" + rev + "') has its weights only as "
                + String.join(", ", other) + ", with no model.safetensors or model.safetensors.index.json. "
                + convertAdvice(repoId));
        return new HubException(repoId + " (revision '" + rev + "') has no model weights: neither model.safetensors "
                + "nor model.safetensors.index.json (" + resolveUrl(repoId, commit, WEIGHTS) + " answered 404). "
                + "Check that it is a model repo with safetensors weights.");
    }

    private URI resolveUrl(String repoId, String rev, String file) {
        StringBuilder path = new StringBuilder();
        for (String part : file.split("/")) {
            if (path.length() > 0) path.append('/');
            path.append(encode(part));
        }
        return URI.create(endpoint() + "/" + repoId + "/resolve/" + encode(rev) + "/" + path);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private synchronized HttpClient http() {
        if (http == null) http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout("HF_HUB_ETAG_TIMEOUT"))
                .proxy(proxySelector()).build();
        return http;
    }

    /**
     * Java's own proxy settings (-Dhttps.proxyHost=...) if given, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the
     * environment as Python's requests reads them (proxies that need a password are not supported).
     */
    ProxySelector proxySelector() {
        if (System.getProperty("https.proxyHost") != null || System.getProperty("http.proxyHost") != null)
            return ProxySelector.getDefault();
        String https = firstSet("HTTPS_PROXY", "https_proxy");
        String plain = firstSet("HTTP_PROXY", "http_proxy");
        if (https == null && plain == null) return ProxySelector.getDefault();
        List<String> noProxy = new ArrayList<>();
        String no = firstSet("NO_PROXY", "no_proxy");
        if (no != null) for (String e : no.split(",")) {
            String t = e.strip().toLowerCase(Locale.ROOT).replaceFirst(":\\d+$", "");
            if (t.startsWith("*.")) t = t.substring(1);
            if (!t.isEmpty()) noProxy.add(t);
        }
        return new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
                for (String n : noProxy) {
                    String bare = n.startsWith(".") ? n.substring(1) : n;
                    if (n.equals("*") || host.equals(bare) || host.endsWith("." + bare)) return List.of(Proxy.NO_PROXY);
                }
                String p = "https".equalsIgnoreCase(uri.getScheme()) ? https : plain;
                if (p == null) return List.of(Proxy.NO_PROXY);
                URI proxy = URI.create(p.contains("://") ? p : "http://" + p);
                if (proxy.getHost() == null) return List.of(Proxy.NO_PROXY);
                int port = proxy.getPort() >= 0 ? proxy.getPort()
                        : "https".equalsIgnoreCase(proxy.getScheme()) ? 443 : 80;
                return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port)));
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException e) {
                // nothing to remember
            }
        };
    }

    private HttpRequest.Builder request(URI uri, boolean auth, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("User-Agent", "w2s/0.1; java/" + Runtime.version().feature())
                .header("Accept-Encoding", "identity");
        if (auth) token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    /**
     * HEAD on the resolve endpoint, following relative redirects (renamed repos) but not the redirect of an LFS file
     * to its storage host, whose address becomes the download URL. Null if the repo has no such file.
     */
    private Meta head(String repoId, String rev, String file, boolean first) {
        URI url = resolveUrl(repoId, rev, file);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpResponse<Void> r;
            try {
                r = http().send(request(url, true, timeout("HF_HUB_ETAG_TIMEOUT"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                String what = e instanceof HttpTimeoutException ? "timed out" : "failed (" + describe(e) + ")";
                String msg = "Could not reach the Hugging Face Hub for " + repoId + ": " + url + " " + what + ". Check "
                        + "the network (and HF_ENDPOINT, HTTPS_PROXY), or set HF_HUB_OFFLINE=1 to use only the cache ("
                        + cacheRoot() + ").";
                throw new HubException(msg, e, first || e instanceof ConnectException);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("Interrupted while asking " + url + " about " + repoId + ".", e);
            }
            int status = r.statusCode();
            HttpHeaders h = r.headers();
            String linkedEtag = h.firstValue("X-Linked-Etag").orElse(null);
            Optional<String> location = h.firstValue("Location");
            if (status >= 300 && status < 400 && location.isPresent()) {
                URI next = url.resolve(location.get());
                if (linkedEtag == null && sameHost(url, next)) {
                    url = next; // a renamed repo: ask again at the new address
                    continue;
                }
                return meta(repoId, file, url, h, next, true);
            }
            if (status >= 200 && status < 300) {
                // Fetch the body at the commit just named, not at the branch, which may move in between.
                String commit = h.firstValue("X-Repo-Commit").map(String::strip).orElse("");
                URI download = url.toString().contains("/resolve/" + encode(rev) + "/") && COMMIT.matcher(commit)
                        .matches() ? URI.create(url.toString().replace("/resolve/" + encode(rev) + "/",
                        "/resolve/" + commit + "/")) : url;
                return meta(repoId, file, url, h, download, false);
            }
            if (status == 404 && !first && !"RepoNotFound".equals(errorCode(h))
                    && !"RevisionNotFound".equals(errorCode(h))) return null;
            if (status == 404 && first && "EntryNotFound".equals(errorCode(h))) return null;
            throw httpError(status, h, repoId, rev, file, url);
        }
        throw new HubException("Too many redirects for " + resolveUrl(repoId, rev, file) + ".");
    }

    private static boolean sameHost(URI a, URI b) {
        return b.getHost() != null && b.getHost().equalsIgnoreCase(a.getHost()) && a.getPort() == b.getPort()
                && b.getScheme().equalsIgnoreCase(a.getScheme());
    }

    private Meta meta(String repoId, String file, URI url, HttpHeaders h, URI download, boolean lfs) {
        String commit = h.firstValue("X-Repo-Commit").map(String::strip).orElse(null);
        String etag = normalizeEtag(h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElse(null));
        if (commit == null || !COMMIT.matcher(commit).matches() || etag == null || !SAFE_ETAG.matcher(etag).matches())
            throw new HubException(url + " answered without " + (commit == null || !COMMIT.matcher(commit).matches()
                    ? "an X-Repo-Commit header" : "a usable ETag") + " for " + file + " of " + repoId + ". Is "
                    + endpoint() + " a Hugging Face Hub? Check HF_ENDPOINT, or a proxy that strips headers.");
        long size = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")).map(s -> {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
        return new Meta(file, commit, etag, size, url, download, lfs);
    }

    static String normalizeEtag(String etag) {
        if (etag == null) return null;
        String e = etag.strip();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        return e.isEmpty() ? null : e;
    }

    private static String errorCode(HttpHeaders h) {
        return h.firstValue("X-Error-Code").orElse(null);
    }

    private HubException httpError(int status, HttpHeaders h, String repoId, String rev, String file, URI url) {
        String code = errorCode(h);
        String hubSays = h.firstValue("X-Error-Message").map(m -> " (the Hub says: " + m + ")").orElse("");
        String page = endpoint() + "/" + repoId;
        boolean hasToken = token().isPresent();
        if (status == 401 || status == 403) {
            if ("RepoNotFound".equals(code) && !hasToken)
                return new HubException(repoId + " was not found on " + endpoint() + hubSays + ". Check the id; if it "
                        + "is a private repo, set HF_TOKEN to an access token (" + endpoint() + "/settings/tokens).");
            if (hasToken)
                return new HubException("Access to " + repoId + " was refused (HTTP " + status + ") for " + url
                        + hubSays + " although a token is set. Check that HF_TOKEN is a valid token and that its "
                        + "account has accepted the model's licence on " + page + ".");
            return new HubException(repoId + " is gated or private (HTTP " + status + " for " + url + ")" + hubSays
                    + ". Accept the licence on " + page + " while logged in, create a read access token at "
                    + endpoint() + "/settings/tokens and set HF_TOKEN to it (or run `huggingface-cli login`).");
        }
        if (status == 404) {
            if ("RevisionNotFound".equals(code))
                return new HubException("Revision '" + rev + "' of " + repoId + " was not found (" + url + ")" + hubSays
                        + ". Check the branch, tag or commit; see " + page + "/tree/main for what exists.");
            if ("RepoNotFound".equals(code))
                return new HubException(repoId + " was not found on " + endpoint() + hubSays + ". Check the id"
                        + (hasToken ? "." : "; if it is a private repo, set HF_TOKEN."));
            return new HubException("Not found: " + url + hubSays + ". Either " + repoId + " does not exist, it has "
                    + "no revision '" + rev + "', or it has no " + file + ". Check the id and revision on " + page
                    + ".");
        }
        if (status == 429) return new HubException("The Hub is rate-limiting requests (HTTP 429 for " + url + ")"
                + hubSays + ". Wait a few minutes and run again" + (hasToken ? "." : "; setting HF_TOKEN raises the "
                + "limit."));
        if (status >= 500) return new HubException("The Hub answered HTTP " + status + " for " + url + hubSays
                + ". It is probably a temporary outage: run again later (a partial download resumes).");
        return new HubException("Unexpected HTTP " + status + " for " + url + " (" + file + " of " + repoId + ")"
                + hubSays + ".");
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    /** Downloads one file into blobs/ (unless its blob is there already) and links it into the snapshot. */
    private void fetch(String repoId, Path repo, String commit, Meta m) {
        Path blob = repo.resolve("blobs").resolve(m.etag);
        if (!Files.isRegularFile(blob)) {
            Path lockFile = cacheRoot().resolve(".locks").resolve(repo.getFileName()).resolve(m.etag + ".lock");
            ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(),
                    k -> new ReentrantLock());
            jvmLock.lock();
            try {
                Files.createDirectories(lockFile.getParent());
                try (FileChannel lc = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock fl = lc.lock()) {
                    if (!Files.isRegularFile(blob)) downloadBlob(repoId, m, blob);
                }
            } catch (IOException e) {
                throw new HubException("Could not write to the Hugging Face cache at " + repo + " (" + describe(e)
                        + "). Check the permissions and free space, or point HF_HUB_CACHE elsewhere.", e);
            } finally {
                jvmLock.unlock();
            }
        }
        link(repo, commit, m, blob);
    }

    private void downloadBlob(String repoId, Meta m, Path blob) throws IOException {
        Path part = blob.resolveSibling(m.etag + ".incomplete");
        Files.createDirectories(blob.getParent());
        boolean sha = SHA256.matcher(m.etag).matches();
        for (int attempt = 0; ; attempt++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (m.size >= 0 && have > m.size) {
                Files.delete(part);
                have = 0;
            }
            MessageDigest digest = sha256();
            if (have > 0 && sha) hashFile(part, digest);
            if (m.size >= 0 && have == m.size && have > 0) {
                finish(repoId, m, part, blob, digest);
                return;
            }
            Restart restart = transfer(repoId, m, part, have, digest);
            if (restart == null) {
                finish(repoId, m, part, blob, digest);
                return;
            }
            Files.deleteIfExists(part);
            if (attempt >= 1) throw new HubException("Could not resume the download of " + m.file + " of " + repoId
                    + " from " + m.source + " (" + restart.reason + "). Deleted " + part + "; run again.");
        }
    }

    private record Restart(String reason) {}

    /**
     * GETs the file (from byte {@code have} on) and appends it to {@code part}. Returns null when the file is
     * complete, or a Restart when the partial file is unusable and the download must begin again.
     */
    private Restart transfer(String repoId, Meta m, Path part, long have, MessageDigest digest) throws IOException {
        URI url = m.download;
        boolean auth = !m.lfs;
        HttpResponse<InputStream> r = null;
        Duration timeout = timeout("HF_HUB_DOWNLOAD_TIMEOUT");
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = request(url, auth, timeout).GET();
            if (have > 0) b.header("Range", "bytes=" + have + "-");
            try {
                r = http().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw interrupted(repoId, m, part, have, -1, describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("Interrupted while downloading " + m.file + " of " + repoId + "; the partial "
                        + "download is kept in " + part + " and the next run resumes it.", e);
            }
            int status = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            if (status >= 300 && status < 400 && location.isPresent()) {
                r.body().close();
                URI next = url.resolve(location.get());
                // Another host (the storage of LFS files, whose URLs are signed) gets no token.
                auth = auth && sameHost(url, next);
                url = next;
                continue;
            }
            break;
        }
        int status = r.statusCode();
        HttpHeaders h = r.headers();
        long total;
        boolean append;
        if (status == 206 && have > 0) {
            Matcher cr = CONTENT_RANGE.matcher(h.firstValue("Content-Range").orElse(""));
            if (!cr.matches() || Long.parseLong(cr.group(1)) != have) {
                r.body().close();
                return new Restart("the server answered the range request with another range");
            }
            total = cr.group(3).equals("*") ? m.size : Long.parseLong(cr.group(3));
            append = true;
        } else if (status == 200) {
            total = h.firstValueAsLong("Content-Length").orElse(m.size);
            append = false;
            if (have > 0) {
                log.println("w2s: " + url.getHost() + " ignored the request to resume " + m.file
                        + "; downloading it from the start.");
                digest.reset();
                have = 0;
            }
        } else if (status == 416 && have > 0) {
            r.body().close();
            return new Restart("the server refused to resume at byte " + have);
        } else {
            r.body().close();
            throw httpError(status, h, repoId, m.commit, m.file, url);
        }
        if (m.size >= 0 && total >= 0 && total != m.size) {
            r.body().close();
            throw new HubException(url + " sent " + total + " bytes for " + m.file + " of " + repoId + " but the Hub "
                    + "announced " + m.size + ". Run again; if it persists, the file may have changed upstream.");
        }
        long done = have;
        Progress progress = total >= PROGRESS_MIN_BYTES ? new Progress(repoId + " " + m.file, total, "B")
                : Progress.silent();
        AtomicLong lastRead = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        InputStream in = r.body();
        long limit = timeout.toNanos();
        ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastRead.get() > limit && stalled.compareAndSet(false, true)) {
                try {
                    in.close();
                } catch (IOException e) {
                    // closing is all we can do
                }
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        try (in; FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            progress.advance(have);
            byte[] buf = new byte[BUFFER];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    lastRead.set(System.nanoTime());
                    if (stalled.get()) break;
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) out.write(bb);
                    digest.update(buf, 0, n);
                    done += n;
                    progress.advance(n);
                }
            } catch (IOException e) {
                out.force(false);
                throw interrupted(repoId, m, part, done, total,
                        stalled.get() ? "no data for " + timeout.toSeconds() + " s" : describe(e), e);
            }
            out.force(false);
            if (stalled.get()) throw interrupted(repoId, m, part, done, total,
                    "no data for " + timeout.toSeconds() + " s", null);
        } finally {
            watch.cancel(false);
            progress.close();
        }
        if (total >= 0 && done != total)
            throw interrupted(repoId, m, part, done, total, "the connection ended early", null);
        return null;
    }

    private static HubException interrupted(String repoId, Meta m, Path part, long done, long total, String why,
            Throwable cause) {
        return new HubException("The download of " + m.file + " of " + repoId + " from " + m.source
                + " was interrupted after " + done + (total >= 0 ? " of " + total : "") + " bytes (" + why + "). The "
                + "partial download is kept in " + part + "; run the same command again to resume it.", cause);
    }

    private void finish(String repoId, Meta m, Path part, Path blob, MessageDigest digest) throws IOException {
        if (SHA256.matcher(m.etag).matches()) {
            String got = HexFormat.of().formatHex(digest.digest());
            if (!got.equals(m.etag)) {
                Files.deleteIfExists(part);
                throw new HubException("The download of " + m.file + " of " + repoId + " from " + m.source
                        + " is corrupt: its sha256 is " + got + " but the Hub says " + m.etag + ". The bad download "
                        + "was deleted (" + part + "); run again to download it afresh.");
            }
        }
        try {
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** snapshots/{commit}/{file} → ../../blobs/{etag}, relative as huggingface_hub makes them (or a copy). */
    private void link(Path repo, String commit, Meta m, Path blob) {
        Path dest = repo.resolve("snapshots").resolve(commit).resolve(m.file);
        try {
            Files.createDirectories(dest.getParent());
            Path tmp = dest.resolveSibling("." + dest.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + Thread.currentThread().getId() + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createSymbolicLink(tmp, dest.getParent().relativize(blob));
            } catch (UnsupportedOperationException | FileSystemException e) {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            moveAtomically(tmp, dest);
        } catch (IOException e) {
            throw new HubException("Could not link " + dest + " to " + blob + " in the Hugging Face cache ("
                    + describe(e) + "). Check the permissions of " + repo + ".", e);
        }
    }

    private static void writeRef(Path repo, String rev, String commit) {
        Path ref = repo.resolve("refs").resolve(rev);
        try {
            Files.createDirectories(ref.getParent());
            Path tmp = ref.resolveSibling("." + ref.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + Thread.currentThread().getId() + ".tmp");
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            moveAtomically(tmp, ref);
        } catch (IOException e) {
            throw new HubException("Could not write " + ref + " in the Hugging Face cache (" + describe(e) + ").", e);
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void hashFile(Path file, MessageDigest digest) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[BUFFER];
            for (int n; (n = in.read(buf)) >= 0; ) digest.update(buf, 0, n);
        }
    }
}
