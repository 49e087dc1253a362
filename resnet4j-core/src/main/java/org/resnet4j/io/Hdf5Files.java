package org.resnet4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks on an HDF5 file before it is read. A reader that maps the file sees zeros past its
 * end, so a file cut short can read as valid with zeroed weights; the superblock records where
 * the file ends, and the reference library refuses a shorter file. So do we.
 */
final class Hdf5Files {

    /** The format signature a superblock starts with. */
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Hdf5Files() {
    }

    /**
     * Throws a {@link ModelFileException} naming {@code what} when {@code file} has no HDF5
     * superblock or is shorter than its superblock says.
     */
    static void checkComplete(Path file, String what) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            // The superblock sits at 0, or after a user block of 512, 1024, 2048, ... bytes.
            for (long at = 0; at + 64 <= size; at = at == 0 ? 512 : at * 2) {
                ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(b, at);
                b.flip();
                byte[] sig = new byte[8];
                b.get(sig);
                if (!java.util.Arrays.equals(sig, SIGNATURE)) {
                    continue;
                }
                int version = b.get(8);
                int offsetSize = version >= 2 ? b.get(9) : b.get(13);
                if (offsetSize != 8) {
                    return; // Rare layouts (4-byte addresses) are left to the reader.
                }
                int baseAt = switch (version) {
                    case 0 -> 24;
                    case 1 -> 28;
                    default -> 12;
                };
                long base = b.getLong(baseAt);
                long eof = b.getLong(baseAt + 16); // after the base and one more address in every version
                if (base + eof > size) {
                    throw new ModelFileException(what + ": truncated HDF5 file: " + size + " bytes, but its superblock "
                            + "says " + (base + eof));
                }
                return;
            }
            throw new ModelFileException(what + ": not a readable HDF5 file (no HDF5 signature)");
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": cannot read: " + e.getMessage(), e);
        }
    }
}
