package org.resnet4j.cli;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.models.Architectures;
import org.resnet4j.models.ResidualBlocks;

/** Runs the command line in-process, and makes small data and a small architecture for it. */
final class CliTestSupport {

    /** Exit code, standard output and standard error of one run. */
    record Result(int code, String out, String err) {
    }

    static {
        // A tiny residual network, so that command tests train in seconds.
        Architectures.register("test-tiny", (shape, classes) -> {
            SymbolicTensor x = InputLayer.input(shape);
            SymbolicTensor y = ResidualBlocks.convolutionalBlock(x, 3, new int[] {4, 4, 8}, 2, ResidualBlocks.GLOROT_UNIFORM);
            y = new GlobalAveragePooling2D().apply(y);
            y = Dense.builder(classes).activation(ActivationFunction.SOFTMAX).build().apply(y);
            return new Model(x, y, "test_tiny");
        });
    }

    private CliTestSupport() {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        try {
            // Progress goes to System.out/err directly; capture those too.
            System.setOut(o);
            System.setErr(e);
            int code = Main.run(args, o, e);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A class folder of synthetic hand signs as PNG files: {@code perClass} images of 64x64 per class. */
    static Path signFolder(Path dir, int perClass) throws IOException {
        Dataset d = SyntheticSigns.generate(perClass * 6, 42);
        for (int i = 0; i < d.size(); i++) {
            BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    int p = ((i * 64 + y) * 64 + x) * 3;
                    float[] v = d.x().data();
                    img.setRGB(x, y, (Math.round(v[p] * 255) << 16) | (Math.round(v[p + 1] * 255) << 8)
                            | Math.round(v[p + 2] * 255));
                }
            }
            Path f = dir.resolve(Integer.toString(d.labels()[i])).resolve("img" + i + ".png");
            Files.createDirectories(f.getParent());
            ImageIO.write(img, "png", f.toFile());
        }
        return dir;
    }
}
