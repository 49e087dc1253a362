package org.resnet4j.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Reads little-endian float32/float64 C-order {@code .npy} files (NumPy's format 1.0), for reference data. */
public final class Npy {

    private Npy() {
    }

    public static Tensor read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10 || all[0] != (byte) 0x93 || !new String(all, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not a .npy file");
        }
        int headerLen = (all[8] & 0xff) | ((all[9] & 0xff) << 8);
        String header = new String(all, 10, headerLen, StandardCharsets.US_ASCII);
        Matcher d = Pattern.compile("'descr':\\s*'([<>|]?)(f[48])'").matcher(header);
        Matcher s = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(header);
        if (!d.find() || !s.find() || header.contains("'fortran_order': True") || d.group(1).equals(">")) {
            throw new IOException(file + ": only little-endian C-order float arrays are read; header " + header);
        }
        String[] parts = s.group(1).split(",");
        int rank = 0;
        int[] dims = new int[parts.length];
        for (String p : parts) {
            if (!p.isBlank()) {
                dims[rank++] = Integer.parseInt(p.trim());
            }
        }
        Shape shape = Shape.of(java.util.Arrays.copyOf(dims, rank));
        ByteBuffer buf = ByteBuffer.wrap(all, 10 + headerLen, all.length - 10 - headerLen).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = d.group(2).equals("f8") ? (float) buf.getDouble() : buf.getFloat();
        }
        return new Tensor(shape, values);
    }
}
