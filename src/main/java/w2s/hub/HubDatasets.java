package w2s.hub;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import w2s.base.Places;

/**
 * Hugging Face datasets as Parquet files in the Hugging Face cache ({@code datasets--{org}--{name}}, the layout
 * {@code huggingface_hub} uses, so either tool finds the other's downloads). A dataset's data files are its repo's own
 * Parquet files, where its card's {@code configs} place them, else by the Hub's conventions
 * ({@code data/train-00000-of-00001.parquet}, {@code {config}/train-….parquet}, {@code train/0000.parquet}),
 * or, where the repo has none (a loading script, JSON Lines), the Hub's Parquet conversion at the revision
 * {@code refs/convert/parquet} ({@code {config}/{split}/0000.parquet}), which exists for the main branch only.
 *
 * <p>{@link #resolve} uses a cached snapshot holding the asked splits without touching the network (as models are
 * used once cached: a branch is not re-checked); otherwise it lists the revision's files
 * ({@code GET /api/datasets/{id}/revision/{rev}}), picks the configuration's split files, and fetches them through
 * {@link HubTransfer} at one commit: resumed, checked against their sha256, linked into the snapshot only once every
 * one is complete, and the ref written last, so an interrupted download never leaves a snapshot that looks whole.
 */
public final class HubDatasets {
    /** The revision under which the Hub keeps its Parquet conversion of a dataset's main branch. */
    public static final String CONVERSION = "refs/convert/parquet";
    static final String DEFAULT_CONFIG = "default";
    static final String README = "README.md";
    private static final HubCache.Kind DATASET = HubCache.Kind.DATASET;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern SHARD = Pattern.compile("^(.+?)-(\\d{5})-of-(\\d{5})(?:-[0-9a-f]+)?$");
    private static final Pattern REPO_ID = Pattern.compile("\\w(?:[\\w.-]*\\w)?/\\w(?:[\\w.-]*\\w)?|\\w(?:[\\w.-]*\\w)?");

    /**
     * The files of one dataset configuration, by split, in the cache.
     *
     * @param commit        the commit the files were fetched at (the conversion's own commit when converted)
     * @param datasetCommit the dataset repo's commit at the revision asked for, where known (null: not known offline)
     * @param converted     whether the files are the Hub's Parquet conversion ({@link #CONVERSION})
     * @param splits        split → the files' paths in the repo, in reading order (shards in order)
     */
    public record Snapshot(String repoId, String config, String revision, String commit, String datasetCommit,
                           boolean converted, Path folder, Map<String, List<String>> splits) {
        public List<Path> files(String split) {
            return splits.getOrDefault(split, List.of()).stream().map(folder::resolve).toList();
        }
    }

    private final HubCache cache;
    private final HubTransfer transfer;

    public HubDatasets() {
        this(System.getenv());
    }

    /** @param env the environment to read HF_* variables and HOME from (tests pass their own) */
    public HubDatasets(Map<String, String> env) {
        this.cache = new HubCache(Places.hfHubCache(env));
        this.transfer = new HubTransfer(env, cache);
    }

    /**
     * The Parquet files of {@code repoId}'s configuration (null: the only one, or {@code default}) at {@code revision}
     * (null or blank: main): every split in {@code required}, and the first of {@code preferred} that the dataset has.
     * Downloads what is missing unless HF_HUB_OFFLINE is set.
     */
    public Snapshot resolve(String repoId, String config, String revision, List<String> required,
                            List<String> preferred) throws HubException {
        if (repoId == null || !REPO_ID.matcher(repoId).matches() || repoId.contains("--") || repoId.contains(".."))
            throw new HubException("'" + repoId + "' is not a valid Hugging Face dataset id: ids look like "
                    + "'org/name' (letters, digits, '-', '_', '.').");
        String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
        if (rev.startsWith("/") || rev.endsWith("/") || rev.contains("\\") || List.of(rev.split("/")).contains(".."))
            throw new HubException("'" + revision + "' is not a valid revision of " + repoId
                    + ": pass a branch, a tag or a commit hash.");
        HubCache.Repo repo = cache.repo(DATASET, repoId);
        Optional<Snapshot> hit = cached(repoId, repo, config, rev, required, preferred);
        if (hit.isEmpty() && transfer.offline()) throw offlineMiss(repoId, repo, config, rev);
        Snapshot s = hit.isPresent() ? hit.get() : download(repoId, repo, config, rev, required, preferred);
        s.splits().forEach((split, files) -> {
            if (files.get(0).contains("/partial-")) System.err.println("w2s: the Hub's Parquet conversion of " + repoId
                    + " holds only the first part of the split " + split + " (" + files.get(0).substring(0,
                    files.get(0).lastIndexOf('/')) + "/); that part is what is read.");
        });
        return s;
    }

    // ------------------------------------------------------------------------------------------------ layout

    /** Where a repo path's Parquet data sits, by the Hub's conventions: its configuration and split; null if none. */
    record Place(String config, String split) {}

    static Place place(String path, boolean converted) {
        if (!path.endsWith(".parquet")) return null;
        String[] seg = path.split("/");
        String stem = seg[seg.length - 1].substring(0, seg[seg.length - 1].length() - ".parquet".length());
        if (converted) return seg.length >= 3 ? new Place(seg[0], seg[seg.length - 2]) : null;
        Matcher shard = SHARD.matcher(stem);
        String split = shard.matches() ? shard.group(1) : stem;
        int dirs = seg.length - 1;
        if (split.matches("\\d+")) {
            // train/0000.parquet, {config}/train/0000.parquet: the folder names the split
            if (dirs == 0) return null;
            split = seg[dirs - 1];
            dirs--;
        }
        String config = dirs == 0 ? DEFAULT_CONFIG : seg[0].equals("data") ? (dirs >= 2 ? seg[1] : DEFAULT_CONFIG)
                : seg[0];
        return new Place(config, split);
    }

    /** config → split → files, from a revision's file list. */
    static Map<String, Map<String, List<String>>> layout(List<String> paths, boolean converted) {
        Map<String, Map<String, List<String>>> out = new TreeMap<>();
        for (String p : paths.stream().sorted().toList()) {
            Place place = place(p, converted);
            if (place != null) out.computeIfAbsent(place.config(), k -> new TreeMap<>())
                    .computeIfAbsent(place.split(), k -> new ArrayList<>()).add(p);
        }
        return out;
    }

    /**
     * config → split → Parquet files, as a dataset card's {@code configs} declare them (the YAML header of README.md,
     * which the Hub's API returns as {@code cardData}): {@code data_files} is a pattern, a list of patterns (the train
     * split), or a list of {@code {split, path}} whose path is a pattern or a list of them. Patterns are globs as the
     * Hub reads them ({@code *} within a folder, {@code **} across folders). Null if the card declares no configs.
     */
    static Map<String, Map<String, List<String>>> cardLayout(JsonNode configs, List<String> files) {
        if (configs == null || !configs.isArray() || configs.isEmpty()) return null;
        Map<String, Map<String, List<String>>> out = new TreeMap<>();
        for (JsonNode c : configs) {
            String name = c.path("config_name").asText(DEFAULT_CONFIG);
            Map<String, List<String>> patterns = new LinkedHashMap<>();
            JsonNode df = c.path("data_files");
            if (df.isTextual()) patterns.put("train", List.of(df.asText()));
            else if (df.isArray()) for (JsonNode e : df) {
                if (e.isTextual()) patterns.computeIfAbsent("train", k -> new ArrayList<>()).add(e.asText());
                else {
                    String split = e.path("split").asText("train");
                    JsonNode path = e.path("path");
                    List<String> globs = patterns.computeIfAbsent(split, k -> new ArrayList<>());
                    if (path.isArray()) path.forEach(x -> globs.add(x.asText()));
                    else if (path.isTextual()) globs.add(path.asText());
                }
            }
            Map<String, List<String>> splits = new TreeMap<>();
            patterns.forEach((split, globs) -> {
                List<PathMatcher> matchers = globs.stream().map(g -> FileSystems.getDefault()
                        .getPathMatcher("glob:" + g.replaceFirst("^\\./", ""))).toList();
                List<String> hits = files.stream().filter(f -> f.endsWith(".parquet"))
                        .filter(f -> matchers.stream().anyMatch(m -> m.matches(Path.of(f)))).sorted().toList();
                if (!hits.isEmpty()) splits.put(split, hits);
            });
            if (!splits.isEmpty()) out.put(name, splits);
        }
        return out;
    }

    /** The configs a snapshot's README.md declares in its YAML header, or null. */
    static JsonNode cardConfigs(Path readme) {
        try {
            if (!Files.isRegularFile(readme)) return null;
            String text = Files.readString(readme);
            if (!text.startsWith("---")) return null;
            int end = text.indexOf("\n---", 3);
            if (end < 0) return null;
            JsonNode card = YAML.readTree(text.substring(3, end));
            return card == null ? null : card.path("configs");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The configuration to read: the one asked for, else the only one, else "default"; null if none fits. */
    static String pickConfig(Map<String, Map<String, List<String>>> layout, String config) {
        if (config != null) return layout.containsKey(config) ? config : null;
        if (layout.size() == 1) return layout.keySet().iterator().next();
        return layout.containsKey(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null;
    }

    /** Split → files for the required splits and the first preferred one there; null if a required one is missing. */
    static Map<String, List<String>> pickSplits(Map<String, List<String>> splits, List<String> required,
                                                List<String> preferred) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String s : required) {
            List<String> files = files(splits, s);
            if (files == null) return null;
            out.put(s, files);
        }
        for (String s : preferred) {
            List<String> files = files(splits, s);
            if (files != null) {
                out.put(s, files);
                break;
            }
        }
        return out;
    }

    /**
     * A split's complete set of files, or null. The Hub converts only the first few gigabytes of a large split, into
     * {@code {config}/partial-{split}/}: that stands in for the split, and its paths (in the provenance) say so.
     */
    private static List<String> files(Map<String, List<String>> splits, String split) {
        List<String> files = splits.containsKey(split) ? splits.get(split) : splits.get("partial-" + split);
        return files != null && complete(files) ? files : null;
    }

    /** A split stored as numbered shards ({@code -00001-of-00004}) must have every one of them. */
    static boolean complete(List<String> files) {
        int total = -1;
        int found = 0;
        for (String f : files) {
            String name = f.substring(f.lastIndexOf('/') + 1).replaceFirst("\\.parquet$", "");
            Matcher m = SHARD.matcher(name);
            if (m.matches()) {
                total = Integer.parseInt(m.group(3));
                found++;
            }
        }
        return found == 0 || (found == files.size() && found == total);
    }

    // ------------------------------------------------------------------------------------------------ cache

    private Optional<Snapshot> cached(String repoId, HubCache.Repo repo, String config, String rev,
                                      List<String> required, List<String> preferred) {
        Optional<String> datasetCommit = repo.commitOf(rev);
        for (boolean converted : new boolean[] {false, true}) {
            if (converted && !rev.equals("main")) break;
            Optional<String> commit = repo.commitOf(converted ? CONVERSION : rev);
            if (commit.isEmpty()) continue;
            List<String> local = localFiles(repo.snapshot(commit.get()));
            JsonNode declared = converted ? null : cardConfigs(repo.snapshot(commit.get()).resolve(README));
            Map<String, Map<String, List<String>>> card = cardLayout(declared, local);
            Map<String, Map<String, List<String>>> layout = card != null && !card.isEmpty() ? card
                    : layout(local, converted);
            String cfg = pickConfig(layout, config);
            // The card names every configuration, also those not downloaded: with several, one must be named.
            if (config == null && card != null && declared.size() > 1 && !card.containsKey(DEFAULT_CONFIG)) cfg = null;
            if (cfg == null) continue;
            Map<String, List<String>> splits = pickSplits(layout.get(cfg), required, preferred);
            if (splits != null) return Optional.of(new Snapshot(repoId, cfg, rev, commit.get(),
                    datasetCommit.orElse(null), converted, repo.snapshot(commit.get()), splits));
        }
        return Optional.empty();
    }

    private static List<String> localFiles(Path snapshot) {
        if (!Files.isDirectory(snapshot)) return List.of();
        try (Stream<Path> files = Files.walk(snapshot, 6)) {
            return files.filter(Files::isRegularFile).map(f -> snapshot.relativize(f).toString().replace('\\', '/'))
                    .filter(f -> !f.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private HubException offlineMiss(String repoId, HubCache.Repo repo, String config, String rev) {
        String cli = "huggingface-cli download --repo-type dataset " + repoId
                + (rev.equals("main") ? "" : " --revision " + rev);
        String what = repoId + (config == null ? "" : " (" + config + ")") + (rev.equals("main") ? "" : " at '" + rev + "'");
        return new HubException("The dataset " + what + " is not in the Hugging Face cache (" + repo.folder()
                + ") with the splits it needs, and HF_HUB_OFFLINE is set, so it cannot be downloaded. Run once "
                + "without HF_HUB_OFFLINE (unset it or set HF_HUB_OFFLINE=0) to download it, or fetch it with `" + cli
                + "` (or `--revision " + CONVERSION + "` for the Hub's Parquet conversion).");
    }

    // ------------------------------------------------------------------------------------------------ download

    private Snapshot download(String repoId, HubCache.Repo repo, String config, String rev, List<String> required,
                              List<String> preferred) {
        Listing main = list(repoId, rev);
        Map<String, Map<String, List<String>>> card = cardLayout(main.configs, main.files);
        // A card whose patterns name no Parquet file (JSON Lines, CSV) leaves the data to the Hub's conversion.
        Map<String, Map<String, List<String>>> layout = card != null ? card : layout(main.files, false);
        String cfg = pickConfig(layout, config);
        Map<String, List<String>> splits = cfg == null ? null : pickSplits(layout.get(cfg), required, preferred);
        Listing source = main;
        boolean converted = false;
        if (splits == null) {
            if (!rev.equals("main") && !layout.isEmpty())
                throw missing(repoId, "revision '" + rev + "'", layout, config, cfg, required);
            if (!rev.equals("main")) throw new HubException(repoId + " has no Parquet data files at revision '" + rev
                    + "', and the Hub's Parquet conversion (" + CONVERSION + ") is of the main branch only. Drop the "
                    + "revision, or export the dataset with Python and pass it with --data PATH.");
            Listing conversion;
            try {
                conversion = list(repoId, CONVERSION);
            } catch (HubException e) {
                if (!layout.isEmpty()) throw missing(repoId, "its files", layout, config, cfg, required);
                throw new HubException(repoId + " has no Parquet data files, and its Parquet conversion ("
                        + CONVERSION + ") could not be listed: " + e.getMessage(), e);
            }
            Map<String, Map<String, List<String>>> convLayout = layout(conversion.files, true);
            String convCfg = pickConfig(convLayout, config);
            Map<String, List<String>> convSplits = convCfg == null ? null
                    : pickSplits(convLayout.get(convCfg), required, preferred);
            if (convSplits == null) throw missing(repoId, "its Parquet conversion (" + CONVERSION + ")",
                    convLayout.isEmpty() ? layout : convLayout, config, convCfg, required);
            cfg = convCfg;
            splits = convSplits;
            source = conversion;
            converted = true;
        }
        String commit = source.commit;
        List<HubTransfer.FileInfo> fetch = new ArrayList<>();
        List<List<String>> wanted = new ArrayList<>(splits.values());
        // The card says where the files are; the snapshot keeps it so that an offline run reads them the same way.
        if (!converted && card != null && main.files.contains(README)) wanted.add(List.of(README));
        for (List<String> files : wanted) {
            for (String f : files) {
                if (repo.has(commit, f)) continue;
                HubTransfer.FileInfo m = transfer.head(DATASET, repoId, commit, f, false);
                if (m == null) throw new HubException(repoId + " lists " + f + " at commit " + commit + " but the Hub "
                        + "has no such file (" + transfer.resolveUrl(DATASET, repoId, commit, f) + " answered 404). "
                        + "Run again; if it persists, report it to the Hub.");
                fetch.add(m);
            }
        }
        announce(repoId, repo, commit, fetch);
        // Every blob first, then the links: an interruption leaves no snapshot that looks complete.
        List<Path> blobs = new ArrayList<>();
        for (HubTransfer.FileInfo m : fetch) blobs.add(transfer.download(repoId, repo, m));
        for (int i = 0; i < fetch.size(); i++) repo.link(commit, fetch.get(i).file(), blobs.get(i));
        if (converted) {
            repo.writeRef(CONVERSION, commit);
            if (!HubCache.isCommit(rev)) repo.writeRef(rev, main.commit);
        } else if (!rev.equals(commit)) {
            repo.writeRef(rev, commit);
        }
        return new Snapshot(repoId, cfg, rev, commit, main.commit, converted, repo.snapshot(commit), splits);
    }

    /** A revision's commit and files. */
    /** A revision's commit, files, and the configs its dataset card declares (null if none). */
    private record Listing(String commit, List<String> files, JsonNode configs) {}

    private Listing list(String repoId, String rev) {
        JsonNode info = transfer.api(DATASET, repoId, rev, "datasets/" + repoId + "/revision/"
                + HubTransfer.encodePath(rev).replace("/", "%2F"));
        String sha = info.path("sha").asText("");
        if (!HubCache.isCommit(sha)) throw new HubException(transfer.endpoint() + " answered without a commit for "
                + repoId + " at '" + rev + "'. Is it a Hugging Face Hub? Check HF_ENDPOINT.");
        List<String> files = new ArrayList<>();
        for (JsonNode s : info.path("siblings")) {
            String f = s.path("rfilename").asText("");
            if (!f.isEmpty() && !f.startsWith("/") && !List.of(f.split("/")).contains("..")) files.add(f);
        }
        JsonNode configs = info.path("cardData").path("configs");
        return new Listing(sha, files, configs.isArray() && !configs.isEmpty() ? configs : null);
    }

    /** The message for a dataset without the configuration or a split asked for: what it has instead. */
    private static HubException missing(String repoId, String where, Map<String, Map<String, List<String>>> layout,
                                        String config, String cfg, List<String> required) {
        if (layout.isEmpty()) return new HubException(repoId + " has no Parquet data files in " + where + ".");
        if (cfg == null) {
            return new HubException(config != null
                    ? repoId + " has no configuration '" + config + "' in " + where + "; it has " + layout.keySet() + "."
                    : repoId + " has several configurations in " + where + ": " + layout.keySet()
                    + "; name one (hf:" + repoId + ":CONFIG).");
        }
        List<String> lacking = required.stream().filter(s -> !layout.get(cfg).containsKey(s)
                && !layout.get(cfg).containsKey("partial-" + s)).toList();
        if (lacking.isEmpty()) return new HubException(repoId + " (" + cfg + ") in " + where + " has an incomplete "
                + "set of shards for " + required + ": " + layout.get(cfg) + ".");
        return new HubException(repoId + " (" + cfg + ") has no split " + String.join(", ", lacking) + " in " + where
                + "; its splits are " + layout.get(cfg).keySet() + ".");
    }

    /** Says what is about to be downloaded. */
    private static void announce(String repoId, HubCache.Repo repo, String commit, List<HubTransfer.FileInfo> fetch) {
        if (fetch.isEmpty()) return;
        long bytes = fetch.stream().mapToLong(m -> Math.max(0, m.size())).sum();
        System.err.println("w2s: downloading " + fetch.size() + " file" + (fetch.size() == 1 ? "" : "s") + " ("
                + HuggingFaceHub.human(bytes) + ") of the dataset " + repoId + " at commit " + commit.substring(0, 7)
                + " into " + repo.folder());
    }
}
