package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.Flatten;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Legacy .h5 model files that are broken in each way a file can be: each gets an error naming it. */
class LegacyH5MalformedTest {

    @TempDir
    Path dir;

    private static Model small() {
        SymbolicTensor x = InputLayer.input(4, 4, 1);
        SymbolicTensor y = Conv2D.builder(2, 3).name("conv").build().apply(x);
        y = new Flatten().apply(y);
        y = Dense.builder(3).name("dense").build().apply(y);
        return new Model(x, y, "small");
    }

    /** A legacy file with {@code config} as model_config and the model's weights, edited by {@code edit}. */
    private Path write(String name, String config, Model m, Consumer<Hdf5Writer.Group> edit) throws IOException {
        Hdf5Writer w = new Hdf5Writer();
        w.root().attribute("model_config", config);
        Hdf5Writer.Group mw = w.root().group("model_weights");
        for (Layer l : m.layers()) {
            Hdf5Writer.Group g = mw.group(l.name());
            g.attribute("weight_names", l.weights().stream().map(Parameter::path).toList());
        }
        edit.accept(mw);
        Path f = dir.resolve(name);
        w.write(f);
        return f;
    }

    private static void weights(Hdf5Writer.Group mw, Model m, String except) {
        for (Layer l : m.layers()) {
            for (Parameter p : l.weights()) {
                if (!p.path().equals(except)) {
                    mw.group(l.name()).dataset(p.path(), p.value().data(), p.value().shape().dims());
                }
            }
        }
    }

    private static String config(Model m) {
        return Json.write(ModelConfig.toKerasLegacy(m));
    }

    private static String message(Path f) {
        return assertThrows(ModelFileException.class, () -> ModelFiles.load(f), f.toString()).getMessage();
    }

    @Test
    void aWellFormedFileLoads() throws IOException {
        Model m = small();
        Path f = write("good.h5", config(m), m, mw -> weights(mw, m, null));
        Tensor x = Tensor.fromFunction(Shape.of(2, 4, 4, 1), i -> i * 0.1);
        assertArrayEquals(m.predict(x).data(), ModelFiles.load(f).model().predict(x).data());
    }

    @Test
    void truncated() throws IOException {
        Model m = small();
        Path good = write("whole.h5", config(m), m, mw -> weights(mw, m, null));
        byte[] all = Files.readAllBytes(good);
        for (int cut : new int[] {10, all.length / 3, all.length - 200}) {
            Path f = dir.resolve("cut" + cut + ".h5");
            Files.write(f, Arrays.copyOf(all, cut));
            String msg = message(f);
            assertTrue(msg.startsWith(f.toString()), cut + " of " + all.length + ": " + msg);
        }
    }

    @Test
    void notJson() throws IOException {
        Model m = small();
        Path f = write("notjson.h5", "{\"class_name\": \"Functional\", \"config\": ", m, mw -> weights(mw, m, null));
        String msg = message(f);
        assertTrue(msg.startsWith(f + " model_config: not valid JSON"), msg);
    }

    @Test
    void aConfigOfTheWrongShape() throws IOException {
        Model m = small();
        Path f = write("wrongtype.h5", "{\"class_name\": \"Functional\", \"config\": {\"layers\": 7}}", m, mw -> { });
        String msg = message(f);
        assertTrue(msg.startsWith(f.toString()) && msg.contains("layers"), msg);
    }

    @Test
    void aMissingWeightGroup() throws IOException {
        Model m = small();
        Path f = dir.resolve("nogroup.h5");
        Hdf5Writer w = new Hdf5Writer();
        w.root().attribute("model_config", config(m));
        w.root().group("model_weights").group("conv").attribute("weight_names", List.of("conv/kernel", "conv/bias"));
        w.root().group("model_weights/conv").dataset("conv/kernel", new float[18], 3, 3, 1, 2);
        w.root().group("model_weights/conv").dataset("conv/bias", new float[2], 2);
        w.write(f);
        String msg = message(f);
        assertTrue(msg.contains("layer 'dense' has no weight group in the file"), msg);
    }

    @Test
    void aMissingDataset() throws IOException {
        Model m = small();
        Path f = write("nodataset.h5", config(m), m, mw -> weights(mw, m, "dense/bias"));
        String msg = message(f);
        assertTrue(msg.startsWith(f.toString()) && msg.contains("dense/dense/bias is missing"), msg);
    }

    @Test
    void aWeightOfTheWrongShape() throws IOException {
        Model m = small();
        Path f = write("shape.h5", config(m), m, mw -> {
            weights(mw, m, "dense/kernel");
            mw.group("dense").dataset("dense/kernel", new float[15], 5, 3);
        });
        String msg = message(f);
        assertTrue(msg.contains("dense/kernel (dense/kernel): shape (5, 3), expected (8, 3)"), msg);
    }

    @Test
    void aWeightOfTheWrongType() throws IOException {
        Model m = small();
        Path f = write("type.h5", config(m), m, mw -> {
            weights(mw, m, "dense/bias");
            mw.group("dense").group("dense").dataset("bias", 3L);
        });
        String msg = message(f);
        assertTrue(msg.startsWith(f.toString()) && msg.contains("dense/bias"), msg);
    }

    @Test
    void anAbsurdShapeIsRefusedBeforeAllocating() throws IOException {
        Model m = small();
        String huge = config(m).replace("\"units\":3", "\"units\":1000000000");
        Path f = write("absurd.h5", huge, m, mw -> weights(mw, m, null));
        String msg = message(f);
        assertTrue(msg.startsWith(f.toString()) && msg.contains("dense"), msg);
    }
}
