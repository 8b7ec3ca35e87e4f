package w2s.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face cache on disk, laid out exactly as Python's {@code huggingface_hub} lays it out, so that files
 * downloaded by either are found by the other. Under the root, one folder per repo, {@code models--{org}--{name}} or
 * {@code datasets--{org}--{name}}, holds:
 * <ul>
 *   <li>{@code refs/{revision}}: the commit hash a branch or tag pointed to when it was last resolved;</li>
 *   <li>{@code blobs/{etag}}: each file's bytes, named by its ETag (the sha256 for LFS files), and
 *       {@code blobs/{etag}.incomplete} while it downloads;</li>
 *   <li>{@code snapshots/{commit}/{file}}: relative symlinks to the blobs (copies where links are refused);</li>
 *   <li>{@code .no_exist/{commit}/{file}}: empty markers for optional files the repo does not have.</li>
 * </ul>
 * Locks for concurrent downloads of one blob sit in {@code .locks/{repo folder}/{etag}.lock}. Nothing here touches
 * the network; what to fetch is {@link HuggingFaceHub}'s business, how to fetch it {@link HubTransfer}'s.
 */
public final class HubCache {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** The two kinds of repo this toolkit reads: their folder prefix in the cache and path prefix on the Hub. */
    public enum Kind {
        MODEL("models", ""), DATASET("datasets", "datasets/");

        final String folderPrefix;
        final String urlPrefix;

        Kind(String folderPrefix, String urlPrefix) {
            this.folderPrefix = folderPrefix;
            this.urlPrefix = urlPrefix;
        }
    }

    private final Path root;

    /** @param root the hub cache folder ({@link w2s.base.Places#hfHubCache}) */
    public HubCache(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The folder of one repo in the cache (it need not exist yet). */
    public Repo repo(Kind kind, String repoId) {
        return new Repo(root.resolve(kind.folderPrefix + "--" + repoId.replace("/", "--")));
    }

    /** The lock file that serialises downloads of one blob, across threads and processes. */
    Path lockFile(Repo repo, String etag) {
        return root.resolve(".locks").resolve(repo.folder().getFileName()).resolve(etag + ".lock");
    }

    static boolean isCommit(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    /** One repo's folder in the cache. */
    public record Repo(Path folder) {
        /** The commit a revision points to in the cache: the revision itself if it is a commit hash, else refs/{rev}. */
        public Optional<String> commitOf(String rev) {
            if (isCommit(rev)) return Optional.of(rev);
            Path ref = folder.resolve("refs").resolve(rev);
            try {
                if (!Files.isRegularFile(ref)) return Optional.empty();
                String c = Files.readString(ref, StandardCharsets.UTF_8).strip();
                return isCommit(c) ? Optional.of(c) : Optional.empty();
            } catch (IOException | UncheckedIOException e) {
                return Optional.empty();
            }
        }

        public Path snapshot(String commit) {
            return folder.resolve("snapshots").resolve(commit);
        }

        /** True if snapshots/{commit}/{file} is there (a link whose blob exists, or a copy). */
        public boolean has(String commit, String file) {
            return Files.isRegularFile(snapshot(commit).resolve(file));
        }

        /** True if an earlier resolve recorded that the repo has no such file at that commit. */
        public boolean knownAbsent(String commit, String file) {
            return Files.exists(noExist(commit, file));
        }

        /** Records that the repo has no such file at that commit; only a hint, so failing to write it is harmless. */
        public void markAbsent(String commit, String file) {
            try {
                Path marker = noExist(commit, file);
                Files.createDirectories(marker.getParent());
                if (!Files.exists(marker)) Files.createFile(marker);
            } catch (IOException e) {
                // only a cache hint; the next resolve asks the Hub again
            }
        }

        private Path noExist(String commit, String file) {
            return folder.resolve(".no_exist").resolve(commit).resolve(file);
        }

        public Path blob(String etag) {
            return folder.resolve("blobs").resolve(etag);
        }

        /** Where a blob grows while it downloads (huggingface_hub's name, so either tool resumes the other's). */
        public Path partial(String etag) {
            return blob(etag).resolveSibling(etag + ".incomplete");
        }

        /** snapshots/{commit}/{file} → ../../blobs/{etag}, relative as huggingface_hub makes them (or a copy). */
        public void link(String commit, String file, Path blob) {
            Path dest = snapshot(commit).resolve(file);
            try {
                Files.createDirectories(dest.getParent());
                Path tmp = temporary(dest);
                Files.deleteIfExists(tmp);
                try {
                    Files.createSymbolicLink(tmp, dest.getParent().relativize(blob));
                } catch (UnsupportedOperationException | FileSystemException e) {
                    Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                moveAtomically(tmp, dest);
            } catch (IOException e) {
                throw new HubException("Could not link " + dest + " to " + blob + " in the Hugging Face cache ("
                        + HubTransfer.describe(e) + "). Check the permissions of " + folder + ".", e);
            }
        }

        /** refs/{rev} ← commit, written atomically. */
        public void writeRef(String rev, String commit) {
            Path ref = folder.resolve("refs").resolve(rev);
            try {
                Files.createDirectories(ref.getParent());
                Path tmp = temporary(ref);
                Files.writeString(tmp, commit, StandardCharsets.UTF_8);
                moveAtomically(tmp, ref);
            } catch (IOException e) {
                throw new HubException("Could not write " + ref + " in the Hugging Face cache ("
                        + HubTransfer.describe(e) + ").", e);
            }
        }

        private static Path temporary(Path dest) {
            return dest.resolveSibling("." + dest.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + Thread.currentThread().getId() + ".tmp");
        }
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
