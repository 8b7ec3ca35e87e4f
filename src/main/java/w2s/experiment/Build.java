package w2s.experiment;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The toolkit's version and the git commit it was built from, so every result says which code produced it. The build
 * writes both to w2s/build.properties (see pom.xml); a commit ending in "-dirty" was built with uncommitted changes,
 * and "unknown" means the build ran outside a git checkout.
 */
public record Build(String version, String commit) {
    public static final Build CURRENT = read();

    private static Build read() {
        Properties p = new Properties();
        try (InputStream in = Build.class.getResourceAsStream("/w2s/build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // unreadable: reported as unknown below, never as a made-up version
        }
        return new Build(p.getProperty("version", "unknown"), p.getProperty("commit", "unknown"));
    }
}
