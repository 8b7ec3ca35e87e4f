package w2s.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every converter's dataset laid out as its repo on the Hugging Face Hub is, for {@link w2s.hub.FakeHub}: the rows of
 * the converter fixtures ({@code hf/}, whose expected conversions were computed with the reference formatters)
 * written as Parquet at the repo's paths, or, for repos that hold only a loading script or JSON Lines, at the paths of
 * the Hub's Parquet conversion ({@code {config}/{split}/0000.parquet}). The layouts are the ones the Hub shows for these
 * repos as far as known here (the real Hub could not be reached to confirm them); they cover every convention
 * {@link w2s.hub.HubDatasets} reads.
 */
public final class HubFixtures {
    /**
     * Where a converter's splits sit in its repo.
     *
     * @param converted whether the repo has no Parquet files, so the Hub's conversion serves them
     * @param path      a split's file, {@code {split}} standing for its name (shards keep their own file names)
     */
    record Layout(String repo, boolean converted, String path) {}

    static final Map<String, Layout> LAYOUTS = new LinkedHashMap<>();

    static {
        repo("amazon_polarity", "fancyzhx/amazon_polarity", "amazon_polarity/{split}-00000-of-00001.parquet");
        repo("sciq", "allenai/sciq", "data/{split}-00000-of-00001.parquet");
        repo("sciq_with_support", "allenai/sciq", "data/{split}-00000-of-00001.parquet");
        converted("anthropic_hh", "Anthropic/hh-rlhf", "default/{split}/0000.parquet");
        converted("cosmos_qa", "allenai/cosmos_qa", "default/{split}/0000.parquet");
        repo("boolq", "google/boolq", "data/{split}-00000-of-00001.parquet");
        repo("anli_r2", "facebook/anli", "plain_text/{split}-00000-of-00001.parquet");
        repo("cola", "nyu-mll/glue", "cola/{split}-00000-of-00001.parquet");
        repo("dream", "dataset-org/dream", "data/{split}-00000-of-00001.parquet");
        converted("ethics_deontology", "hendrycks/ethics", "deontology/{split}/0000.parquet");
        converted("ethics_justice", "hendrycks/ethics", "justice/{split}/0000.parquet");
        converted("ethics_virtue", "hendrycks/ethics", "virtue/{split}/0000.parquet");
        converted("ethics_utilitarianism", "hendrycks/ethics", "utilitarianism/{split}/0000.parquet");
        converted("hellaswag", "Rowan/hellaswag", "default/{split}/0000.parquet");
        converted("mc_taco", "CogComp/mc_taco", "plain_text/{split}/0000.parquet");
        repo("multirc", "aps/super_glue", "multirc/{split}-00000-of-00001.parquet");
        repo("openbookqa", "allenai/openbookqa", "main/{split}-00000-of-00001.parquet");
        repo("paws", "google-research-datasets/paws", "labeled_final/{split}-00000-of-00001.parquet");
        converted("piqa", "ybisk/piqa", "plain_text/{split}/0000.parquet");
        repo("quail", "textmachinelab/quail", "quail/{split}-00000-of-00001.parquet");
        repo("quartz", "allenai/quartz", "data/{split}-00000-of-00001.parquet");
        converted("social_i_qa", "allenai/social_i_qa", "default/{split}/0000.parquet");
        repo("sst2", "stanfordnlp/sst2", "data/{split}-00000-of-00001.parquet");
        repo("wic", "aps/super_glue", "wic/{split}-00000-of-00001.parquet");
    }

    private static void repo(String converter, String repo, String path) {
        LAYOUTS.put(converter, new Layout(repo, false, path));
    }

    private static void converted(String converter, String repo, String path) {
        LAYOUTS.put(converter, new Layout(repo, true, path));
    }

    private HubFixtures() {}

    /** The fixture folder of a converter (sciq_with_support reads sciq's). */
    static Path source(String converter) {
        return ConvertersTest.fixtures().resolve(converter.equals("sciq_with_support") ? "sciq" : converter);
    }

    /**
     * Writes every converter's repo under root, as FakeHub serves them: datasets/{org}/{name}[@convert]/... A repo
     * with its own Parquet files gets a card declaring its configs, as push_to_hub writes one (config → split → glob).
     */
    public static void writeAll(Path root) throws Exception {
        Map<String, Map<String, Map<String, String>>> cards = new LinkedHashMap<>();
        for (Map.Entry<String, Layout> e : LAYOUTS.entrySet()) {
            Layout layout = e.getValue();
            Map<String, String> splits = write(root, e.getKey(), layout);
            if (layout.converted()) continue;
            String config = layout.path().startsWith("data/") ? "default" : layout.path().split("/")[0];
            cards.computeIfAbsent(layout.repo(), k -> new LinkedHashMap<>()).put(config, splits);
        }
        for (Map.Entry<String, Map<String, Map<String, String>>> card : cards.entrySet()) {
            StringBuilder yaml = new StringBuilder("---\nconfigs:\n");
            card.getValue().forEach((config, splits) -> {
                yaml.append("- config_name: ").append(config).append("\n  data_files:\n");
                splits.forEach((split, glob) -> yaml.append("  - split: ").append(split).append("\n    path: ")
                        .append(glob).append("\n"));
            });
            Files.writeString(root.resolve("datasets").resolve(card.getKey()).resolve("README.md"),
                    yaml.append("---\n").toString());
        }
    }

    /** Writes one converter's splits; returns split → the glob a card gives for its files. */
    static Map<String, String> write(Path root, String converter, Layout layout) throws Exception {
        Path repo = root.resolve("datasets").resolve(layout.repo());
        Files.createDirectories(repo);
        String name = layout.repo().substring(layout.repo().indexOf('/') + 1);
        // What such repos hold beside (or instead of) Parquet: a card, and a loading script or raw files.
        Files.writeString(repo.resolve("README.md"), "---\npretty_name: " + name + "\n---\n");
        if (layout.converted()) Files.writeString(repo.resolve(name + ".py"), "# a loading script\n");
        Map<String, String> globs = new LinkedHashMap<>();
        Path dest = layout.converted() ? w2s.hub.FakeHub.conversionOf(repo) : repo;
        SplitFiles files = SplitFiles.of(source(converter));
        for (Map.Entry<String, List<Path>> split : files.splits().entrySet()) {
            List<Path> parts = split.getValue();
            for (Path part : parts) {
                Path target = dest.resolve(layout.path().replace("{split}", split.getKey()));
                if (parts.size() > 1) target = target.resolveSibling(part.getFileName());
                parquet(part, target);
            }
            String path = layout.path().replace("{split}", split.getKey());
            globs.put(split.getKey(), path.substring(0, path.lastIndexOf('/') + 1) + split.getKey() + "-*");
        }
        return globs;
    }

    /** A fixture file as Parquet: copied if it is one, else converted by DuckDB (types inferred, rows in order). */
    static void parquet(Path from, Path to) throws Exception {
        Files.createDirectories(to.getParent());
        String name = from.getFileName().toString();
        if (name.endsWith(".parquet")) {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        String src = quote(from);
        String read = name.endsWith(".csv") ? "read_csv_auto(" + src + ", header = true)"
                : "read_json_auto(" + src + ", format = 'newline_delimited')";
        w2s.base.Natives.beforeDuckDb();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            w2s.base.Natives.afterDuckDbLoaded();
            st.execute("COPY (SELECT * FROM " + read + ") TO " + quote(to) + " (FORMAT PARQUET)");
        }
    }

    /** The rows of a DuckDB query as a Parquet file. */
    static void query(Path to, String select) throws Exception {
        Files.createDirectories(to.getParent());
        w2s.base.Natives.beforeDuckDb();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            w2s.base.Natives.afterDuckDbLoaded();
            st.execute("COPY (" + select + ") TO " + quote(to) + " (FORMAT PARQUET)");
        }
    }

    private static String quote(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
    }
}
