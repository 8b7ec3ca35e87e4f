package w2s.hub;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import w2s.base.Places;

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
 *
 * <p>This class decides which files a model needs and at which commit; the cache layout is {@link HubCache}'s and
 * the HTTP transfer {@link HubTransfer}'s, both shared with dataset downloads.
 */
public final class HuggingFaceHub {
    static final String DEFAULT_REVISION = "main";
    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final List<String> REQUIRED = List.of(CONFIG, TOKENIZER);
    static final List<String> OPTIONAL = List.of("tokenizer_config.json", "generation_config.json");
    static final String WEIGHTS = "model.safetensors";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    static final List<String> OTHER_WEIGHTS = List.of("pytorch_model.bin", "pytorch_model.bin.index.json",
            "tf_model.h5", "flax_model.msgpack");
    private static final HubCache.Kind MODEL = HubCache.Kind.MODEL;

    private static final Pattern REPO_ID = Pattern.compile("(?:\\w(?:[\\w.-]*\\w)?/)?\\w(?:[\\w.-]*\\w)?");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final HubCache cache;
    private final HubTransfer transfer;
    private final PrintStream log = System.err;

    public HuggingFaceHub() {
        this(System.getenv());
    }

    /** @param env the environment to read HF_* variables and HOME from (tests pass their own). */
    public HuggingFaceHub(Map<String, String> env) {
        this.env = Map.copyOf(env);
        this.cache = new HubCache(Places.hfHubCache(this.env));
        this.transfer = new HubTransfer(this.env, cache);
    }

    /** $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
    public Path cacheRoot() {
        return cache.root();
    }

    /** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to 1, ON, YES or TRUE: the network is never used. */
    boolean offline() {
        return transfer.offline();
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
        HubCache.Repo repo = repo(repoId);
        return repo.commitOf(rev).filter(c -> missing(repo, c, false).isEmpty()).map(repo::snapshot);
    }

    /**
     * The snapshot folder of repoId at revision (null or blank: "main"), downloading whatever is missing unless
     * HF_HUB_OFFLINE is set. A progress bar for each large file goes to stderr.
     */
    public Path resolve(String repoId, String revision) throws HubException {
        String rev = checkArgs(repoId, revision);
        HubCache.Repo repo = repo(repoId);
        Optional<String> commit = repo.commitOf(rev);
        if (commit.isPresent() && missing(repo, commit.get(), true).isEmpty()) return repo.snapshot(commit.get());
        Optional<Path> usable = commit.filter(c -> missing(repo, c, false).isEmpty()).map(repo::snapshot);
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
                    + (e.unreachable() ? "could not reach " + transfer.endpoint() + " (" + HubTransfer.describe(e.getCause()) + ")"
                    : e.getMessage()));
            return usable.get();
        }
    }

    // ------------------------------------------------------------------------------------------------ resolution

    private HubCache.Repo repo(String repoId) {
        return cache.repo(MODEL, repoId);
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
    /**
     * The needed files missing from snapshots/{commit}. Strictly, an optional file counts as missing unless it is
     * there or recorded under .no_exist (the repo does not have it); otherwise optional files are not checked.
     */
    private static List<String> missing(HubCache.Repo repo, String commit, boolean strict) {
        Path snap = repo.snapshot(commit);
        List<String> out = new ArrayList<>();
        for (String f : REQUIRED) if (!Files.isRegularFile(snap.resolve(f))) out.add(f);
        if (strict) for (String f : OPTIONAL) {
            if (!Files.isRegularFile(snap.resolve(f)) && !repo.knownAbsent(commit, f)) out.add(f);
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

    private HubException offlineMiss(String repoId, String rev, HubCache.Repo repo, Optional<String> commit) {
        String how = " To download it, run without HF_HUB_OFFLINE (unset it or set HF_HUB_OFFLINE=0), or fetch it "
                + "with `huggingface-cli download " + repoId
                + (rev.equals(DEFAULT_REVISION) ? "" : " --revision " + rev)
                + "`.";
        if (!Files.isDirectory(repo.folder()))
            return new HubException(repoId + " is not in the Hugging Face cache (" + repo.folder() + ") and HF_HUB_OFFLINE is "
                    + "set, so it cannot be downloaded." + how);
        if (commit.isEmpty())
            return new HubException("Revision '" + rev + "' of " + repoId + " is not in the Hugging Face cache (no "
                    + repo.folder().resolve("refs").resolve(rev) + ") and HF_HUB_OFFLINE is set, so it cannot be downloaded."
                    + how);
        Path snap = repo.snapshot(commit.get());
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

    private Path download(String repoId, String rev, HubCache.Repo repo) {
        String commit = HubCache.isCommit(rev) ? rev : null;
        Map<String, HubTransfer.FileInfo> todo = new LinkedHashMap<>();
        List<String> absent = new ArrayList<>();
        // config.json first: its answer names the commit every other file is then fetched at.
        for (String f : REQUIRED) {
            if (commit != null && repo.has(commit, f)) continue;
            HubTransfer.FileInfo m = transfer.head(MODEL, repoId, commit != null ? commit : rev, f, commit == null);
            if (m == null) throw new HubException(repoId + " has no " + f + " at revision '" + rev + "' ("
                    + transfer.resolveUrl(MODEL, repoId, rev, f) + "). w2s needs config.json and tokenizer.json (the fast tokenizer) "
                    + "next to the weights; use a model repo that has them.");
            if (commit == null) commit = m.commit();
            todo.put(f, m);
        }
        for (String f : OPTIONAL) {
            if (repo.has(commit, f) || repo.knownAbsent(commit, f)) continue;
            HubTransfer.FileInfo m = transfer.head(MODEL, repoId, commit, f, false);
            if (m == null) absent.add(f);
            else todo.put(f, m);
        }
        Path snap = repo.snapshot(commit);
        boolean single = repo.has(commit, WEIGHTS);
        if (!single && !repo.has(commit, WEIGHTS_INDEX)) {
            HubTransfer.FileInfo m = transfer.head(MODEL, repoId, commit, WEIGHTS, false);
            if (m != null) {
                todo.put(WEIGHTS, m);
                single = true;
            } else {
                HubTransfer.FileInfo index = transfer.head(MODEL, repoId, commit, WEIGHTS_INDEX, false);
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
                if (repo.has(commit, s)) continue;
                HubTransfer.FileInfo m = transfer.head(MODEL, repoId, commit, s, false);
                if (m == null) throw new HubException(repoId + "'s " + WEIGHTS_INDEX + " names the shard " + s
                        + ", but the repo has no such file at commit " + commit + " (" + transfer.resolveUrl(MODEL, repoId, commit, s)
                        + " answered 404). The checkpoint is incomplete: pass another revision or report it to the "
                        + "model's authors.");
                todo.put(s, m);
            }
        }
        List<HubTransfer.FileInfo> fetch = new ArrayList<>();
        for (HubTransfer.FileInfo m : todo.values()) if (!repo.has(commit, m.file())) fetch.add(m);
        announce(repoId, repo, commit, fetch);
        for (HubTransfer.FileInfo m : fetch) fetch(repoId, repo, commit, m);
        for (String f : absent) repo.markAbsent(commit, f);
        if (!rev.equals(commit)) repo.writeRef(rev, commit);
        List<String> miss = missing(repo, commit, false);
        if (!miss.isEmpty()) throw new HubException("After downloading, " + snap + " still lacks "
                + String.join(", ", miss) + ". Another process may be changing the cache; run again.");
        return snap;
    }

    /** One file into its blob, then linked into the snapshot. */
    private void fetch(String repoId, HubCache.Repo repo, String commit, HubTransfer.FileInfo m) {
        repo.link(commit, m.file(), transfer.download(repoId, repo, m));
    }

    /** Says what is about to be downloaded, and fails early if the cache's disk cannot hold it. */
    private void announce(String repoId, HubCache.Repo repo, String commit, List<HubTransfer.FileInfo> fetch) {
        long bytes = 0;
        for (HubTransfer.FileInfo m : fetch) {
            if (m.size() > 0 && !Files.isRegularFile(repo.blob(m.etag()))) {
                long have = 0;
                try {
                    Path part = repo.partial(m.etag());
                    if (Files.exists(part)) have = Math.min(Files.size(part), m.size());
                } catch (IOException e) {
                    // counted as not started
                }
                bytes += m.size() - have;
            }
        }
        if (bytes == 0) return;
        try {
            Path dir = repo.folder();
            while (dir != null && !Files.exists(dir)) dir = dir.getParent();
            long free = dir == null ? Long.MAX_VALUE : Files.getFileStore(dir).getUsableSpace();
            if (free < bytes) throw new HubException(repoId + " needs " + human(bytes) + " more in the Hugging Face "
                    + "cache at " + cacheRoot() + ", but only " + human(free) + " is free there. Free some space, "
                    + "or set HF_HUB_CACHE (or HF_HOME) to a disk with room.");
        } catch (IOException e) {
            // unknown free space: try anyway
        }
        log.println("w2s: downloading " + fetch.size() + " file" + (fetch.size() == 1 ? "" : "s") + " (" + human(bytes)
                + ") of " + repoId + " at commit " + commit.substring(0, 7) + " into " + repo.folder());
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

    private HubException noSafetensors(String repoId, String rev, String commit) {
        List<String> other = new ArrayList<>();
        for (String f : OTHER_WEIGHTS) if (transfer.head(MODEL, repoId, commit, f, false) != null) other.add(f);
        if (!other.isEmpty()) return new HubException(repoId + " (revision '" + rev + "') has its weights only as "
                + String.join(", ", other) + ", with no model.safetensors or model.safetensors.index.json. "
                + convertAdvice(repoId));
        return new HubException(repoId + " (revision '" + rev + "') has no model weights: neither model.safetensors "
                + "nor model.safetensors.index.json (" + transfer.resolveUrl(MODEL, repoId, commit, WEIGHTS) + " answered 404). "
                + "Check that it is a model repo with safetensors weights.");
    }

}
