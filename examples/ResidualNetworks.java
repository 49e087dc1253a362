import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Images;
import org.resnet4j.data.SignsDataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.Model;
import org.resnet4j.io.ModelFiles;
import org.resnet4j.io.ModelMetadata;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.Constant;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.ResNet50;
import org.resnet4j.models.ResidualBlocks;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.train.Adam;
import org.resnet4j.train.Evaluation;
import org.resnet4j.train.FitOptions;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Metrics;
import org.resnet4j.train.Trainer;

/**
 * The residual-networks notebook, step by step, in Java.
 *
 * <pre>
 *   examples/run ResidualNetworks.java [TRAIN.h5 [IMAGE]] [--epochs N]
 * </pre>
 *
 * Without a SIGNS training file it uses the built-in synthetic hand signs.
 */
public class ResidualNetworks {

    public static void main(String[] args) throws Exception {
        int epochs = 10;
        List<String> rest = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--epochs")) {
                epochs = Integer.parseInt(args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        RandomSeeds.setSeed(1);

        // 3.1 The identity block: all weights 1, X = three samples of -1, 1 and 3.
        Tensor x = Tensor.fromFunction(Shape.of(3, 4, 4, 3), i -> new double[] {-1, 1, 3}[i / 48]);
        SymbolicTensor in = InputLayer.input(4, 4, 3);
        SymbolicTensor a3 = ResidualBlocks.identityBlock(in, 2, new int[] {4, 4, 3}, seed -> new Constant(1));
        Model block = new Model(in, a3, "identity_block");
        Tensor inference = block.forward(x, false).output();
        System.out.println("Output shape: " + inference.shape());
        System.out.println("With training=False");
        printRowsMean(inference);
        SymbolicTensor in2 = InputLayer.input(4, 4, 3);
        Model block2 = new Model(in2, ResidualBlocks.identityBlock(in2, 3, new int[] {3, 3, 3}, seed -> new Constant(1)), "b2");
        System.out.println("With training=True");
        printRowsMean(block2.forward(x, true).output());

        // 3.2 The convolutional block.
        SymbolicTensor in3 = InputLayer.input(4, 4, 3);
        Model conv = new Model(in3, ResidualBlocks.convolutionalBlock(in3, 2, new int[] {2, 4, 6}, 2,
                ResidualBlocks.GLOROT_UNIFORM), "convolutional_block");
        System.out.println("Convolutional block output shape: " + conv.forward(x, false).output().shape());

        // 4. ResNet-50 and its summary.
        Model model = ResNet50.build(new int[] {64, 64, 3}, 6);
        System.out.print(model.summary().toTable());

        // Load the data: the SIGNS files when given, else the synthetic signs.
        Dataset train;
        Dataset test;
        if (!rest.isEmpty() && !rest.get(0).endsWith(".jpg")) {
            train = SignsDataset.load(Path.of(rest.get(0)));
            Path testFile = Path.of(rest.get(0).replace("train", "test"));
            test = Files.exists(testFile) ? SignsDataset.load(testFile) : train;
        } else {
            train = SyntheticSigns.trainSet(1);
            test = SyntheticSigns.testSet(1);
        }
        System.out.println("number of training examples = " + train.size());
        System.out.println("number of test examples = " + test.size());
        System.out.println("X_train shape: " + train.x().shape());
        System.out.println("Y_train shape: " + train.oneHot().shape());

        // model.compile(optimizer=Adam(learning_rate=0.00015), loss='categorical_crossentropy', metrics=['accuracy'])
        Trainer trainer = new Trainer(model, new Adam(0.00015), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        // model.fit(X_train, Y_train, epochs=10, batch_size=32)
        trainer.fit(train.x(), train.oneHot(), FitOptions.defaults().epochs(epochs).batchSize(32));
        // preds = model.evaluate(X_test, Y_test)
        Evaluation preds = trainer.evaluate(test.x(), test.oneHot(), 32);
        System.out.printf(Locale.ROOT, "Loss = %.4f%nTest Accuracy = %.4f%n", preds.loss(), preds.accuracy());

        ModelFiles.save(Path.of("resnet50-notebook.keras"), model, trainer.optimizer(), "categorical_crossentropy",
                List.of("accuracy"), new ModelMetadata().classNames(train.classNames()).put("source", "examples/ResidualNetworks.java"));
        System.out.println("Saved resnet50-notebook.keras");

        // Test on your own image.
        String imagePath = rest.stream().filter(s -> s.endsWith(".jpg") || s.endsWith(".png")).findFirst().orElse(null);
        if (imagePath != null) {
            Tensor img = Images.load(Path.of(imagePath), 64, 64, Images.Interpolation.NEAREST);
            float[] v = img.data();
            for (int i = 0; i < v.length; i++) {
                v[i] /= 255f;
            }
            System.out.println("Input image shape: " + img.shape());
            float[] p = model.predict(img).data();
            System.out.println("Class prediction vector [p(0), p(1), p(2), p(3), p(4), p(5)] = " + Arrays.toString(p));
            System.out.println("Class: " + Metrics.argmax(p, 0, p.length));
        }
    }

    /** The notebook's {@code np.around(A[:, (0, -1), :, :].mean(axis=3), 5)}. */
    static void printRowsMean(Tensor a) {
        int n = a.shape().dim(0), h = a.shape().dim(1), w = a.shape().dim(2), c = a.shape().dim(3);
        StringBuilder sb = new StringBuilder("[");
        for (int b = 0; b < n; b++) {
            sb.append(b == 0 ? "[" : " [");
            for (int r : new int[] {0, h - 1}) {
                sb.append(r == 0 ? "[" : "  [");
                for (int j = 0; j < w; j++) {
                    double s = 0;
                    for (int ch = 0; ch < c; ch++) {
                        s += a.get(b, r, j, ch);
                    }
                    sb.append(String.format(Locale.ROOT, "%10.5f", s / c));
                }
                sb.append(r == 0 ? "]\n" : "]");
            }
            sb.append(b == n - 1 ? "]" : "]\n\n");
        }
        System.out.println(sb.append("]"));
    }
}
