package w2s.hub;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1: {@code /{repo}/resolve/{revision}/{file}} answers like the Hub
 * (X-Repo-Commit, ETag, X-Error-Code), with {@code *.safetensors} and {@code *.bin} served as LFS files through a 302
 * (X-Linked-Etag = sha256, X-Linked-Size) to {@code /cdn/{sha256}}, which stands in for the storage host and honours
 * Range requests. Each folder {@code {org}/{name}} under the fixture root is a repo at one commit. Every request is
 * recorded, and faults can be switched on per file.
 */
public final class FakeHub implements AutoCloseable {
    public static final String TOKEN = "hf_test_token";

    public record Request(String method, String path, String authorization, String range) {}

    final List<Request> requests = new ArrayList<>();
    /** Repos that need {@link #TOKEN}. */
    public final Set<String> gated = ConcurrentHashMap.newKeySet();
    /** Files whose next download is cut after half their bytes (the connection is closed). */
    public final Set<String> truncateOnce = ConcurrentHashMap.newKeySet();
    /** Files whose next download trickles: 100 bytes every {@link #trickleMillis}, never silent for long. */
    final Set<String> trickleOnce = ConcurrentHashMap.newKeySet();
    volatile long trickleMillis = 300;
    /** Files whose next download sends half their bytes and then stalls for {@link #stallMillis}. */
    final Set<String> stallOnce = ConcurrentHashMap.newKeySet();
    volatile long stallMillis = 5000;
    /** Files whose downloads send other bytes than their sha256 says. */
    final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    /** Files the repos do not have even though the fixture folder does. */
    final Set<String> hidden = ConcurrentHashMap.newKeySet();
    /** Earlier commits of every repo, served with the same files (main is always at {@link #commitOf}). */
    final Set<String> olderCommits = ConcurrentHashMap.newKeySet();
    /** Renamed repos: old id → new id, answered with a relative 307 as the Hub does. */
    final Map<String, String> renamed = new ConcurrentHashMap<>();
    /** Serve the whole file with 200 when asked for a range. */
    volatile boolean ignoreRange;
    /** ETags sent for these (non-LFS) files instead of their git hash. */
    final Map<String, String> etags = new ConcurrentHashMap<>();

    private final Path root;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final Map<String, Path> bySha = new ConcurrentHashMap<>();

    public FakeHub(Path fixtures) throws IOException {
        this.root = fixtures;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public static String commitOf(String repoId) {
        return hex("SHA-1", repoId.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        return hex("SHA-256", bytes);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized int requestCount() {
        return requests.size();
    }

    static boolean isLfs(String file) {
        return file.endsWith(".safetensors") || file.endsWith(".bin") || file.endsWith(".parquet");
    }

    /** The folder serving a repo's Parquet conversion ({@code refs/convert/parquet}), beside the repo's own. */
    public static Path conversionOf(Path repoFolder) {
        return repoFolder.resolveSibling(repoFolder.getFileName() + "@convert");
    }

    /** A repo's files and commit at a revision: main, a commit, or the Parquet conversion; null if there is none. */
    private record At(Path folder, String commit) {}

    private At at(String repoId, String rev) {
        String convCommit = commitOf(repoId + "@" + HubDatasets.CONVERSION);
        if (rev.equals(HubDatasets.CONVERSION) || rev.equals(convCommit)) {
            Path conv = conversionOf(root.resolve(repoId));
            return Files.isDirectory(conv) ? new At(conv, convCommit) : null;
        }
        String commit = olderCommits.contains(rev) ? rev : commitOf(repoId);
        return rev.equals("main") || rev.equals(commit) ? new At(root.resolve(repoId), commit) : null;
    }

    private static final Pattern RESOLVE = Pattern.compile("/(.+?)/resolve/([^/]+)/(.+)");
    private static final Pattern CDN = Pattern.compile("/cdn/([0-9a-f]{64})");
    private static final Pattern API = Pattern.compile("/api/(models|datasets)/(.+?)/revision/([^/]+)");

    private void handle(HttpExchange ex) throws IOException {
        String raw = ex.getRequestURI().getRawPath();
        synchronized (this) {
            requests.add(new Request(ex.getRequestMethod(), raw, ex.getRequestHeaders().getFirst("Authorization"),
                    ex.getRequestHeaders().getFirst("Range")));
        }
        try (ex) {
            Matcher m = RESOLVE.matcher(raw);
            Matcher c = CDN.matcher(raw);
            Matcher a = API.matcher(raw);
            if (a.matches()) api(ex, (a.group(1).equals("datasets") ? "datasets/" : "") + decode(a.group(2)),
                    decode(a.group(3)));
            else if (m.matches()) resolve(ex, decode(m.group(1)), decode(m.group(2)), decode(m.group(3)));
            else if (c.matches()) cdn(ex, c.group(1));
            else error(ex, 404, null, "Not found");
        } catch (IOException e) {
            // a fault this server injected on purpose, or a client that went away
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private void resolve(HttpExchange ex, String repoId, String rev, String file) throws IOException {
        if (renamed.containsKey(repoId)) {
            String raw = ex.getRequestURI().getRawPath();
            ex.getResponseHeaders().set("Location", "/" + renamed.get(repoId) + raw.substring(repoId.length() + 1));
            ex.sendResponseHeaders(307, -1);
            return;
        }
        Path repo = root.resolve(repoId);
        String commit = commitOf(repoId);
        if (!Files.isDirectory(repo)) {
            error(ex, 401, "RepoNotFound", "Repository Not Found for url: " + ex.getRequestURI());
            return;
        }
        if (gated.contains(repoId) && !("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            error(ex, 401, "GatedRepo", "Access to model " + repoId + " is restricted. You must have access to it "
                    + "and be authenticated to access it. Please log in.");
            return;
        }
        At at = at(repoId, rev);
        if (at == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            return;
        }
        repo = at.folder();
        commit = at.commit();
        Path f = repo.resolve(file);
        if (!Files.isRegularFile(f) || hidden.contains(file)) {
            error(ex, 404, "EntryNotFound", file + " does not exist on \"" + rev + "\"");
            return;
        }
        byte[] bytes = Files.readAllBytes(f);
        ex.getResponseHeaders().set("X-Repo-Commit", commit);
        if (isLfs(file)) {
            String sha = sha256(bytes);
            bySha.put(sha, f);
            ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
            ex.getResponseHeaders().set("X-Linked-Size", Long.toString(bytes.length));
            ex.getResponseHeaders().set("ETag", "W/\"" + hex("SHA-1", file.getBytes(StandardCharsets.UTF_8)) + "\"");
            ex.getResponseHeaders().set("Location", url() + "/cdn/" + sha + "?file=" + file);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        String gitSha = hex("SHA-1", ("blob " + bytes.length + "\0" + new String(bytes, StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1));
        ex.getResponseHeaders().set("ETag", "\"" + etags.getOrDefault(file, gitSha) + "\"");
        send(ex, file, bytes);
    }

    /** {@code /api/{kind}/{id}/revision/{rev}}: the commit and the file list, as the Hub's API answers (not gated). */
    private void api(HttpExchange ex, String repoId, String rev) throws IOException {
        if (!Files.isDirectory(root.resolve(repoId))) {
            error(ex, 401, "RepoNotFound", "Repository Not Found for url: " + ex.getRequestURI());
            return;
        }
        At at = at(repoId, rev);
        if (at == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            return;
        }
        StringBuilder json = new StringBuilder("{\"id\":\"" + repoId.replaceFirst("^datasets/", "") + "\",\"sha\":\""
                + at.commit() + "\",\"siblings\":[");
        try (java.util.stream.Stream<Path> files = Files.walk(at.folder())) {
            List<String> names = files.filter(Files::isRegularFile)
                    .map(p -> at.folder().relativize(p).toString().replace('\\', '/'))
                    .filter(n -> !hidden.contains(n)).sorted().toList();
            for (int i = 0; i < names.size(); i++)
                json.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(names.get(i)).append("\"}");
        }
        json.append("]");
        // The Hub returns a dataset card's YAML header as cardData.
        Path readme = at.folder().resolve("README.md");
        if (Files.isRegularFile(readme)) {
            String card = Files.readString(readme);
            int end = card.indexOf("\n---", 3);
            if (card.startsWith("---") && end > 0) {
                Object yaml = new com.fasterxml.jackson.databind.ObjectMapper(
                        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readValue(card.substring(3, end),
                        Object.class);
                if (yaml != null) json.append(",\"cardData\":")
                        .append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(yaml));
            }
        }
        byte[] body = json.append("}").toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void cdn(HttpExchange ex, String sha) throws IOException {
        Path f = bySha.get(sha);
        if (f == null) {
            error(ex, 404, null, "NoSuchKey");
            return;
        }
        byte[] bytes = Files.readAllBytes(f);
        String file = root.relativize(f).getFileName().toString();
        if (corrupt.contains(file)) bytes[bytes.length / 2] ^= 0x55;
        send(ex, file, bytes);
    }

    /** 200 with the bytes, or 206 for a Range request, with the faults asked for. */
    private void send(HttpExchange ex, String file, byte[] bytes) throws IOException {
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        Matcher r = range == null ? null : Pattern.compile("bytes=(\\d+)-").matcher(range);
        if (r != null && r.matches() && !ignoreRange) {
            from = Integer.parseInt(r.group(1));
            if (from >= bytes.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Range",
                    "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        int length = bytes.length - from;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(length));
            ex.sendResponseHeaders(from > 0 ? 206 : 200, -1);
            return;
        }
        ex.sendResponseHeaders(from > 0 ? 206 : 200, length);
        OutputStream out = ex.getResponseBody();
        if (trickleOnce.remove(file)) {
            try {
                for (int at = from; at < bytes.length; at += 100) {
                    out.write(bytes, at, Math.min(100, bytes.length - at));
                    out.flush();
                    Thread.sleep(trickleMillis);
                }
            } catch (InterruptedException | IOException e) {
                // the client gave up: so does the trickle
            }
            return;
        }
        boolean cut = truncateOnce.remove(file);
        boolean stall = stallOnce.remove(file);
        if (cut || stall) {
            out.write(bytes, from, length / 2);
            out.flush();
            if (stall) {
                try {
                    Thread.sleep(stallMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Closing the exchange with bytes still owed closes the connection: the client sees it drop.
            return;
        }
        out.write(bytes, from, length);
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null) ex.getResponseHeaders().set("X-Error-Code", code);
        ex.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message.replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
