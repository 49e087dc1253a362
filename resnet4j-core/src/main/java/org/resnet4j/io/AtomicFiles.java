package org.resnet4j.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Putting a finished file in place in one step, so that readers never see half of it. */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Writes a file's whole content. */
    @FunctionalInterface
    public interface Writer {
        void write(Path file) throws IOException;
    }

    /**
     * Writes {@code target} atomically: {@code writer} fills a new temporary file beside it
     * (created with default permissions, so the rename stays on one file system), which is then
     * moved into place ({@link #moveIntoPlace}); it is removed if anything fails.
     */
    public static void replace(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createFile(dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime())
                + ".tmp"));
        boolean done = false;
        try {
            writer.write(tmp);
            moveIntoPlace(tmp, target);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Renames {@code tmp} over {@code target} atomically where the file system can, else with
     * a plain replace. {@code tmp} should sit in the target's folder.
     */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        // Flush the data to the device first: a rename that survives a crash must not point at
        // blocks that never reached the disk.
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
