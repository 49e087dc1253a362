package org.resnet4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Finds the read-only reference material in {@code ../shared} beside the project root. */
public final class SharedFiles {

    private SharedFiles() {
    }

    /** The path of {@code relative} inside {@code ../shared}; fails loudly when it is missing. */
    public static Path path(String relative) {
        String root = System.getProperty("resnet4j.root");
        Path start = root != null ? Paths.get(root) : Paths.get("").toAbsolutePath();
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared").resolve(relative).normalize();
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("Reference file ../shared/" + relative + " not found beside the project root ("
                + start + "). These tests need the shared reference material next to the checkout.");
    }
}
