package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.Flatten;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.train.FitOptions;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Metrics;
import org.resnet4j.train.Monitor;
import org.resnet4j.train.SGD;
import org.resnet4j.train.Trainer;

/** Keras's checkpoint placeholders and its save-best-only rule. */
class ModelCheckpointTest {

    @Test
    void placeholdersAreFilledAsKerasFillsThem() {
        Map<String, Double> logs = Map.of("val_loss", 0.123456, "accuracy", 0.5);
        assertEquals("m-03-0.12.keras", ModelCheckpoint.format("m-{epoch:02d}-{val_loss:.2f}.keras", 2, logs));
        assertEquals("m-3.keras", ModelCheckpoint.format("m-{epoch}.keras", 2, logs));
        var e = assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.format("m-{val_acc}.keras", 0, logs));
        assertTrue(e.getMessage().contains("'{val_acc}'"), e.getMessage());
    }

    @Test
    void savesEveryEpochOrOnlyImprovements(@TempDir Path dir) {
        SymbolicTensor x = InputLayer.input(64, 64, 3);
        SymbolicTensor y = Dense.builder(6).activation(ActivationFunction.SOFTMAX).build().apply(new Flatten().apply(x));
        Model m = new Model(x, y, "flat");
        Dataset d = SyntheticSigns.generate(12, 3);
        Trainer t = new Trainer(m, new SGD(0.01), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        ModelCheckpoint every = new ModelCheckpoint(dir.resolve("every-{epoch}.keras").toString());
        t.fit(d, d, FitOptions.defaults().epochs(3).batchSize(12).verbose(false).callbacks(every));
        for (int e = 1; e <= 3; e++) {
            assertTrue(Files.exists(dir.resolve("every-" + e + ".keras")), "epoch " + e);
        }
        assertEquals(3, ModelFiles.load(every.lastSaved()).metadata().get("epoch"));
        // An SGD rate this large makes training accuracy worse after the first epoch: only epoch 1 is saved.
        Trainer wild = new Trainer(m, new SGD(50), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        ModelCheckpoint best = new ModelCheckpoint(dir.resolve("best-{epoch}.keras").toString(), "loss",
                Monitor.Mode.MIN, true, ModelMetadata::new);
        wild.fit(d, null, FitOptions.defaults().epochs(3).batchSize(12).verbose(false).callbacks(best));
        List<Path> saved = List.of(dir.resolve("best-1.keras"), dir.resolve("best-2.keras"), dir.resolve("best-3.keras"));
        assertTrue(Files.exists(saved.get(0)));
        assertTrue(saved.stream().filter(Files::exists).count() < 3, "save-best-only skipped a worse epoch");
    }
}
