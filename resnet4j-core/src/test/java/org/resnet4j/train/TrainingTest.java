package org.resnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.Augmentation;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.Model;
import org.resnet4j.kernels.KernelRegistry;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.ResidualBlocks;
import org.resnet4j.tensor.Tensor;

/** The fit loop: learning, reproducibility, validation and callbacks. */
class TrainingTest {

    /** A small residual network for 64x64x3 images. */
    static Model smallResNet(long seed, int classes) {
        RandomSeeds.setSeed(seed);
        SymbolicTensor x = InputLayer.input(64, 64, 3);
        SymbolicTensor y = Conv2D.builder(8, 3).strides(2).padding(Padding.SAME).build().apply(x);
        y = new BatchNormalization().apply(y);
        y = new Activation(ActivationFunction.RELU).apply(y);
        y = ResidualBlocks.convolutionalBlock(y, 3, new int[] {8, 8, 16}, 2, ResidualBlocks.GLOROT_UNIFORM);
        y = ResidualBlocks.identityBlock(y, 3, new int[] {8, 8, 16}, ResidualBlocks.GLOROT_UNIFORM);
        y = new GlobalAveragePooling2D().apply(y);
        y = Dense.builder(classes).activation(ActivationFunction.SOFTMAX).build().apply(y);
        return new Model(x, y, "small_resnet");
    }

    @Test
    void aSmallResidualModelOverfitsASmallBatch() {
        Dataset d = SyntheticSigns.generate(24, 3);
        Trainer t = new Trainer(smallResNet(1, 6), new Adam(0.01), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        History h = t.fit(d, null, FitOptions.defaults().epochs(60).batchSize(24).verbose(false).seed(1));
        List<Double> loss = h.get("loss");
        assertTrue(loss.get(0) > 1.5, "starts near log(6): " + loss.get(0));
        // The stated threshold: the batch is learnt by heart, loss under 0.1 and every sample right.
        assertTrue(h.last("loss") < 0.1, "final loss " + h.last("loss") + ", curve " + loss);
        assertEquals(1.0, h.last("accuracy"));
    }

    @Test
    void trainingTwiceWithOneSeedGivesIdenticalWeights() {
        float[][] a = trainAndDump(2);
        float[][] b = trainAndDump(2);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], "weight " + i);
        }
        // And the thread count does not change a bit of it.
        int threads = KernelRegistry.threads();
        try {
            KernelRegistry.setThreads(1);
            float[][] c = trainAndDump(2);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], c[i], "weight " + i + " with one thread");
            }
        } finally {
            KernelRegistry.setThreads(threads);
        }
    }

    private static float[][] trainAndDump(long seed) {
        Dataset d = SyntheticSigns.generate(20, 5);
        Model m = smallResNet(seed, 6);
        Trainer t = new Trainer(m, new Adam(0.005), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        t.fit(d, null, FitOptions.defaults().epochs(2).batchSize(8).seed(seed).verbose(false)
                .augmentation(Augmentation.defaults()));
        List<Parameter> ws = m.weights();
        float[][] out = new float[ws.size()][];
        for (int i = 0; i < ws.size(); i++) {
            out[i] = ws.get(i).value().data().clone();
        }
        return out;
    }

    @Test
    void validationSplitTakesTheLastSamplesAndIsLogged() {
        Dataset d = SyntheticSigns.generate(20, 9);
        Trainer t = new Trainer(smallResNet(3, 6), new SGD(0.01), Losses.SPARSE_CATEGORICAL_CROSSENTROPY,
                Metrics.accuracy());
        Tensor y = t.targets(d);
        assertEquals(1, y.shape().rank(), "sparse loss takes class indices");
        History h = t.fit(d.x(), y, FitOptions.defaults().epochs(2).batchSize(5).validationSplit(0.25).verbose(false));
        assertEquals(List.of("loss", "accuracy", "val_loss", "val_accuracy"), new ArrayList<>(h.history().keySet()));
        assertEquals(2, h.get("val_loss").size());
        Evaluation ev = t.evaluate(d.slice(15, 20), 5);
        assertEquals(h.last("val_loss"), ev.loss(), 1e-6);
        assertEquals(5, java.util.Arrays.stream(ev.confusion()).flatMapToInt(java.util.Arrays::stream).sum());
    }

    @Test
    void progressPrintsPlainLinesWhenNotATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Dataset d = SyntheticSigns.generate(12, 1);
        Trainer t = new Trainer(smallResNet(4, 6), new Adam(), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        t.fit(d, d, FitOptions.defaults().epochs(2).batchSize(4).verbose(false)
                .callbacks(new ProgressLogger(new PrintStream(bytes, true, StandardCharsets.UTF_8), false)));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(4, lines.length, String.join("\n", lines));
        assertEquals("Epoch 1/2", lines[0]);
        assertTrue(lines[1].matches("3/3 - \\d+s \\d+ms/step - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4}"
                + " - val_loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4}"), lines[1]);
    }

    @Test
    void earlyStoppingStopsAndRestoresTheBestWeights() {
        Dataset d = SyntheticSigns.generate(12, 2);
        Model m = smallResNet(5, 6);
        // A learning rate this large makes the loss climb, so the first epoch stays the best.
        Trainer t = new Trainer(m, new SGD(5.0), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        List<float[]> afterBest = new ArrayList<>();
        Callback spy = new Callback() {
            @Override
            public void onEpochEnd(int epoch, java.util.Map<String, Double> logs, Trainer tr) {
                if (epoch == 0) {
                    for (Parameter p : tr.model().weights()) {
                        afterBest.add(p.value().data().clone());
                    }
                }
            }
        };
        EarlyStopping es = new EarlyStopping("loss", Monitor.Mode.AUTO, 0, 1, true);
        History h = t.fit(d, null, FitOptions.defaults().epochs(20).batchSize(12).verbose(false).callbacks(spy, es));
        assertTrue(h.epochs().size() < 20, "stopped early after " + h.epochs().size());
        if (es.bestEpoch() == 0) {
            List<Parameter> ws = m.weights();
            for (int i = 0; i < ws.size(); i++) {
                assertArrayEquals(afterBest.get(i), ws.get(i).value().data(), "restored weight " + i);
            }
        }
    }

    @Test
    void schedulersChangeTheLearningRate() {
        Dataset d = SyntheticSigns.generate(8, 2);
        Trainer t = new Trainer(smallResNet(6, 6), new SGD(0.1), Losses.CATEGORICAL_CROSSENTROPY);
        List<Double> seen = new ArrayList<>();
        Callback spy = new Callback() {
            @Override
            public void onEpochEnd(int epoch, java.util.Map<String, Double> logs, Trainer tr) {
                seen.add(tr.optimizer().learningRate());
            }
        };
        t.fit(d, null, FitOptions.defaults().epochs(3).batchSize(8).verbose(false)
                .callbacks(new LearningRateScheduler((epoch, lr) -> 0.1 / (epoch + 1)), spy));
        assertEquals(0.1, seen.get(0), 1e-12);
        assertEquals(0.05, seen.get(1), 1e-12);
        assertEquals(0.1 / 3, seen.get(2), 1e-12);

        Trainer t2 = new Trainer(smallResNet(6, 6), new SGD(0.1), Losses.CATEGORICAL_CROSSENTROPY);
        // min_delta so large that nothing counts as an improvement after the first epoch.
        t2.fit(d, null, FitOptions.defaults().epochs(3).batchSize(8).verbose(false)
                .callbacks(new ReduceLROnPlateau("loss", Monitor.Mode.MIN, 0.5, 1, 100, 0, 0.01)));
        assertEquals(0.025, t2.optimizer().learningRate(), 1e-12);
    }

    @Test
    void csvLoggerWritesAHeaderAndARowPerEpoch(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("logs/history.csv");
        Dataset d = SyntheticSigns.generate(8, 2);
        Trainer t = new Trainer(smallResNet(7, 6), new Adam(), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        t.fit(d, d, FitOptions.defaults().epochs(2).batchSize(8).verbose(false).callbacks(new CSVLogger(csv)));
        List<String> lines = Files.readAllLines(csv);
        assertEquals(3, lines.size());
        assertEquals("epoch,accuracy,loss,val_accuracy,val_loss", lines.get(0));
        assertTrue(lines.get(1).startsWith("0,"));
        assertTrue(lines.get(2).startsWith("1,"));
    }

    @Test
    void terminateOnNaNNamesTheBatch() {
        Dataset d = SyntheticSigns.generate(8, 2);
        float[] bad = d.x().data().clone();
        bad[5] = Float.NaN;
        Tensor x = new Tensor(d.x().shape(), bad);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TerminateOnNaN guard = new TerminateOnNaN(new PrintStream(err, true, StandardCharsets.UTF_8));
        Trainer t = new Trainer(smallResNet(8, 6), new Adam(), Losses.CATEGORICAL_CROSSENTROPY);
        History h = t.fit(x, d.oneHot(), FitOptions.defaults().epochs(5).batchSize(4).shuffle(false).verbose(false)
                .callbacks(guard));
        assertNotNull(guard.reason());
        assertTrue(guard.reason().startsWith("Batch 0: invalid loss NaN, terminating training"), guard.reason());
        assertEquals(1, h.epochs().size());
    }

    @Test
    void earlyStoppingStopsAfterPatienceEpochsWithoutImprovementAsKerasDoes() {
        // A fixed sequence of monitored values: best at epoch 1, then worse.
        double[] values = {1.0, 0.5, 0.7, 0.8, 0.9, 1.0};
        Dataset d = SyntheticSigns.generate(4, 1);
        Trainer t = new Trainer(smallResNet(9, 6), new SGD(0.0), Losses.CATEGORICAL_CROSSENTROPY);
        Callback inject = new Callback() {
            @Override
            public void onEpochEnd(int epoch, java.util.Map<String, Double> logs, Trainer tr) {
                logs.put("watched", values[epoch]);
            }
        };
        EarlyStopping es = new EarlyStopping("watched", Monitor.Mode.MIN, 0, 2, false);
        History h = t.fit(d, null, FitOptions.defaults().epochs(6).batchSize(4).verbose(false).callbacks(inject, es));
        // Keras: no improvement at epochs 2 and 3 exhausts a patience of 2, so epoch 3 is the last.
        assertEquals(3, es.stoppedEpoch());
        assertEquals(4, h.epochs().size());
        assertEquals(1, es.bestEpoch());
    }

    @Test
    void aSingleSigmoidOutputIsScoredAsKerasBinaryAccuracy() {
        SymbolicTensor x = InputLayer.input(2);
        SymbolicTensor y = Dense.builder(1).activation(ActivationFunction.SIGMOID)
                .kernelInitializer(new org.resnet4j.layers.initializers.Constant(5)).build().apply(x);
        Trainer t = new Trainer(new Model(x, y, "binary"), new SGD(0.0), Losses.BINARY_CROSSENTROPY, Metrics.accuracy());
        // Outputs: sigmoid(10) ~ 1, sigmoid(-10) ~ 0, sigmoid(0) = 0.5 (counts as 1).
        Tensor in = Tensor.of(org.resnet4j.tensor.Shape.of(3, 2), 1, 1, -1, -1, 0, 0);
        Tensor labels = Tensor.of(org.resnet4j.tensor.Shape.of(3, 1), 1, 0, 0);
        Evaluation ev = t.evaluate(in, labels, 3);
        assertEquals(2.0 / 3, ev.metrics().get("accuracy"), 1e-12);
        assertEquals(2, ev.confusion().length);
        assertEquals(1, ev.confusion()[0][1], "the 0.5 output predicted class 1 for a 0 label");
    }
}
