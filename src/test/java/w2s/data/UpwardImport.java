package w2s.data;

import w2s.cli.Main;

/**
 * A deliberate layering violation, for {@code LayeringTest.anUpwardImportIsCaught} only: data is near the bottom and
 * must never use the command line. It lives in the test sources, so the shipped code stays clean.
 */
final class UpwardImport {
    private UpwardImport() {}

    static String command() {
        return Main.class.getName();
    }
}
