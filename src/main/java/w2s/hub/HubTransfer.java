package w2s.hub;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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

import w2s.base.Places;
import w2s.base.Progress;

/**
 * Talking to the Hugging Face Hub over HTTP: where it is ({@code $HF_ENDPOINT}, default https://huggingface.co),
 * who asks ({@code $HF_TOKEN}, else the token file {@code huggingface-cli login} writes; sent to the Hub's own host
 * only, never to the storage host an LFS file redirects to), through which proxy ({@code HTTPS_PROXY},
 * {@code NO_PROXY}), and how long to wait ({@code HF_HUB_ETAG_TIMEOUT}, {@code HF_HUB_DOWNLOAD_TIMEOUT}, seconds).
 *
 * <p>{@link #head} asks what a file is at a revision (its commit, ETag, size, and where its bytes are);
 * {@link #download} fetches those bytes into the file's blob in a {@link HubCache}: into {@code {etag}.incomplete}
 * first, resumed with a Range request after an interruption, abandoned after a stall, checked against the sha256 when
 * the ETag is one, and only then moved into place. Every failure is a {@link HubException} that says what to do.
 */
final class HubTransfer {
    static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.Set<String> TRUE = java.util.Set.of("1", "ON", "YES", "TRUE");
    private static final Pattern SAFE_ETAG = Pattern.compile("(?!\\.\\.?$)[A-Za-z0-9._-]{1,200}"); // a file name: not . or ..
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int MAX_REDIRECTS = 5;
    private static final int BUFFER = 1 << 20;
    /** A download slower than this on average (after a grace period) is given up: a trickle is not a transfer. */
    static final long MIN_BYTES_PER_SECOND = 100 << 10;
    static final Duration GRACE = Duration.ofMinutes(5);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "w2s-hub-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** What a HEAD on the resolve endpoint tells about one file. */
    record FileInfo(HubCache.Kind kind, String file, String commit, String etag, long size, URI source, URI download,
            boolean lfs) {}

    private final Map<String, String> env;
    private final HubCache cache;
    private final PrintStream log = System.err;
    private HttpClient http;

    /** @param env the environment to read HF_* and proxy variables from; cache: where blobs and locks go */
    HubTransfer(Map<String, String> env, HubCache cache) {
        this.env = Map.copyOf(env);
        this.cache = cache;
    }

    String endpoint() {
        String e = get("HF_ENDPOINT");
        e = e == null ? DEFAULT_ENDPOINT : e;
        while (e.endsWith("/")) e = e.substring(0, e.length() - 1);
        return e;
    }

    /** $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN, else the token file {@code huggingface-cli login} writes. */
    Optional<String> token() {
        String t = firstSet("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN");
        if (t != null) return Optional.of(t.strip());
        String p = get("HF_TOKEN_PATH");
        Path file = p != null ? Places.expandHome(env, p) : Places.hfHome(env).resolve("token");
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

    URI resolveUrl(HubCache.Kind kind, String repoId, String rev, String file) {
        StringBuilder path = new StringBuilder();
        for (String part : file.split("/")) {
            if (path.length() > 0) path.append('/');
            path.append(encode(part));
        }
        return URI.create(endpoint() + "/" + kind.urlPrefix + repoId + "/resolve/" + encode(rev) + "/" + path);
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
    FileInfo head(HubCache.Kind kind, String repoId, String rev, String file, boolean first) {
        URI url = resolveUrl(kind, repoId, rev, file);
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
                        + cache.root() + ").";
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
                return meta(kind, repoId, file, url, h, next, true);
            }
            if (status >= 200 && status < 300) {
                // Fetch the body at the commit just named, not at the branch, which may move in between.
                String commit = h.firstValue("X-Repo-Commit").map(String::strip).orElse("");
                URI download = url.toString().contains("/resolve/" + encode(rev) + "/") && HubCache.isCommit(commit) ? URI.create(url.toString().replace("/resolve/" + encode(rev) + "/",
                        "/resolve/" + commit + "/")) : url;
                return meta(kind, repoId, file, url, h, download, false);
            }
            if (status == 404 && !first && !"RepoNotFound".equals(errorCode(h))
                    && !"RevisionNotFound".equals(errorCode(h))) return null;
            if (status == 404 && first && "EntryNotFound".equals(errorCode(h))) return null;
            throw httpError(kind, status, h, repoId, rev, file, url);
        }
        throw new HubException("Too many redirects for " + resolveUrl(kind, repoId, rev, file) + ".");
    }

    /**
     * GET a JSON document of the Hub's API ({@code {endpoint}/api/{path}}), with the token, following the relative
     * redirects of a renamed repo. Failures say what to do, as those of {@link #head} do.
     */
    JsonNode api(HubCache.Kind kind, String repoId, String rev, String path) {
        URI url = URI.create(endpoint() + "/api/" + path);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpResponse<byte[]> r;
            try {
                r = http().send(request(url, true, timeout("HF_HUB_ETAG_TIMEOUT")).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                String what = e instanceof HttpTimeoutException ? "timed out" : "failed (" + describe(e) + ")";
                throw new HubException("Could not reach the Hugging Face Hub for " + repoId + ": " + url + " " + what
                        + ". Check the network (and HF_ENDPOINT, HTTPS_PROXY), or set HF_HUB_OFFLINE=1 to use only the "
                        + "cache (" + cache.root() + ").", e, true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("Interrupted while asking " + url + " about " + repoId + ".", e);
            }
            int status = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            if (status >= 300 && status < 400 && location.isPresent() && sameHost(url, url.resolve(location.get()))) {
                url = url.resolve(location.get());
                continue;
            }
            if (status < 200 || status >= 300) throw httpError(kind, status, r.headers(), repoId, rev, "its file list", url);
            try {
                return JSON.readTree(r.body());
            } catch (IOException e) {
                throw new HubException(url + " answered with something other than JSON (" + describe(e) + "). Is "
                        + endpoint() + " a Hugging Face Hub? Check HF_ENDPOINT.", e);
            }
        }
        throw new HubException("Too many redirects for " + url + ".");
    }

    /** {@code path} with each segment percent-encoded, for URLs. */
    static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (String part : path.split("/")) {
            if (out.length() > 0) out.append('/');
            out.append(encode(part));
        }
        return out.toString();
    }

    /** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to 1, ON, YES or TRUE: the network is never used. */
    boolean offline() {
        return isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
    }

    private static boolean isTrue(String v) {
        return v != null && TRUE.contains(v.strip().toUpperCase(Locale.ROOT));
    }

    private static boolean sameHost(URI a, URI b) {
        return b.getHost() != null && b.getHost().equalsIgnoreCase(a.getHost()) && a.getPort() == b.getPort()
                && b.getScheme().equalsIgnoreCase(a.getScheme());
    }

    private FileInfo meta(HubCache.Kind kind, String repoId, String file, URI url, HttpHeaders h, URI download, boolean lfs) {
        String commit = h.firstValue("X-Repo-Commit").map(String::strip).orElse(null);
        String etag = normalizeEtag(h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElse(null));
        if (commit == null || !HubCache.isCommit(commit) || etag == null || !SAFE_ETAG.matcher(etag).matches())
            throw new HubException(url + " answered without " + (commit == null || !HubCache.isCommit(commit)
                    ? "an X-Repo-Commit header" : "a usable ETag") + " for " + file + " of " + repoId + ". Is "
                    + endpoint() + " a Hugging Face Hub? Check HF_ENDPOINT, or a proxy that strips headers.");
        long size = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")).map(s -> {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
        return new FileInfo(kind, file, commit, etag, size, url, download, lfs);
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

    HubException httpError(HubCache.Kind kind, int status, HttpHeaders h, String repoId, String rev, String file, URI url) {
        String code = errorCode(h);
        String hubSays = h.firstValue("X-Error-Message").map(m -> " (the Hub says: " + m + ")").orElse("");
        String page = endpoint() + "/" + kind.urlPrefix + repoId;
        boolean hasToken = token().isPresent();
        if (status == 401 || status == 403) {
            if ("RepoNotFound".equals(code) && !hasToken)
                return new HubException(repoId + " was not found on " + endpoint() + hubSays + ". Check the id; if it "
                        + "is a private repo, set HF_TOKEN to an access token (" + endpoint() + "/settings/tokens).");
            if (hasToken)
                return new HubException("Access to " + repoId + " was refused (HTTP " + status + ") for " + url
                        + hubSays + " although a token is set. Check that HF_TOKEN is a valid token and that its "
                        + "account has accepted the repo's licence on " + page + ".");
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

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    /**
     * Downloads one file into its blob unless the blob is there already, and returns the blob. One download per blob
     * at a time, across threads (a lock per file) and processes (a file lock), so concurrent runs coalesce.
     */
    Path download(String repoId, HubCache.Repo repo, FileInfo m) {
        Path blob = repo.blob(m.etag());
        if (!Files.isRegularFile(blob)) {
            Path lockFile = cache.lockFile(repo, m.etag());
            ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(),
                    k -> new ReentrantLock());
            jvmLock.lock();
            try {
                Files.createDirectories(lockFile.getParent());
                try (FileChannel lc = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock fl = lc.lock()) {
                    if (!Files.isRegularFile(blob)) downloadBlob(repoId, m, blob, repo.partial(m.etag()));
                }
            } catch (IOException e) {
                throw new HubException("Could not write to the Hugging Face cache at " + repo.folder() + " ("
                        + describe(e) + "). Check the permissions and free space, or point HF_HUB_CACHE elsewhere.", e);
            } finally {
                jvmLock.unlock();
            }
        }
        return blob;
    }

    private void downloadBlob(String repoId, FileInfo m, Path blob, Path part) throws IOException {
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
    private Restart transfer(String repoId, FileInfo m, Path part, long have, MessageDigest digest) throws IOException {
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
            throw httpError(m.kind, status, h, repoId, m.commit, m.file, url);
        }
        if (m.size >= 0 && total >= 0 && total != m.size) {
            r.body().close();
            throw new HubException(url + " sent " + total + " bytes for " + m.file + " of " + repoId + " but the Hub "
                    + "announced " + m.size + ". Run again; if it persists, the file may have changed upstream.");
        }
        long done = have;
        Progress progress = new Progress(repoId + " " + m.file, Math.max(total, 0), "B");
        AtomicLong lastRead = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean(), tooSlow = new AtomicBoolean();
        InputStream in = r.body();
        long limit = timeout.toNanos();
        Duration deadline = deadline(total - have);
        long end = System.nanoTime() + deadline.toNanos();
        ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            boolean silent = now - lastRead.get() > limit, late = now > end;
            if ((silent || late) && stalled.compareAndSet(false, true)) {
                tooSlow.set(late && !silent);
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
                throw interrupted(repoId, m, part, done, total, stalled.get() ? why(tooSlow.get(), timeout, deadline)
                        : describe(e), e);
            }
            out.force(false);
            if (stalled.get()) throw interrupted(repoId, m, part, done, total, why(tooSlow.get(), timeout, deadline),
                    null);
        } finally {
            watch.cancel(false);
            progress.close();
        }
        if (total >= 0 && done != total)
            throw interrupted(repoId, m, part, done, total, "the connection ended early", null);
        return null;
    }

    /**
     * How long one transfer may take in all: $W2S_DOWNLOAD_DEADLINE seconds if set, else five minutes plus the time
     * the remaining bytes take at 100 KiB/s. A server that sends a little every few seconds never trips the stall
     * timeout; this stops it instead of a run waiting silently for half an hour.
     */
    Duration deadline(long remaining) {
        String v = get("W2S_DOWNLOAD_DEADLINE");
        if (v != null) {
            try {
                return Duration.ofMillis(Math.max(1, Math.round(Double.parseDouble(v) * 1000)));
            } catch (NumberFormatException e) {
                throw new HubException("W2S_DOWNLOAD_DEADLINE='" + v + "' is not a number of seconds.");
            }
        }
        return GRACE.plusSeconds(Math.max(0, remaining) / MIN_BYTES_PER_SECOND);
    }

    private static String why(boolean tooSlow, Duration timeout, Duration deadline) {
        return tooSlow ? "not finished within " + deadline.toSeconds() + " s, slower than "
                + MIN_BYTES_PER_SECOND / 1024 + " KiB/s on average; raise W2S_DOWNLOAD_DEADLINE (seconds) to wait longer"
                : "no data for " + timeout.toSeconds() + " s";
    }

    private static HubException interrupted(String repoId, FileInfo m, Path part, long done, long total, String why,
            Throwable cause) {
        return new HubException("The download of " + m.file + " of " + repoId + " from " + m.source
                + " was interrupted after " + done + (total >= 0 ? " of " + total : "") + " bytes (" + why + "). The "
                + "partial download is kept in " + part + "; run the same command again to resume it.", cause);
    }

    private void finish(String repoId, FileInfo m, Path part, Path blob, MessageDigest digest) throws IOException {
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
