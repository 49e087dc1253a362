package org.resnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.io.Json;
import org.resnet4j.io.ModelFiles;

/** train, evaluate and predict through the command line's Java entry point. */
class TrainEvaluatePredictTest {

    @TempDir
    static Path dir;
    static Path data;
    static Path model;
    static CliTestSupport.Result trained;

    @BeforeAll
    static void trainOnce() throws IOException {
        data = CliTestSupport.signFolder(dir.resolve("signs"), 5);
        model = dir.resolve("out/tiny.keras");
        trained = CliTestSupport.run("train", "--arch", "test-tiny", "--data", data.toString(), "--epochs", "2",
                "--batch-size", "8", "--validation-split", "0.4", "--out", model.toString(), "--augment", "--json",
                "--checkpoint");
    }

    @Test
    void trainWritesTheModelTheReportAndJson() {
        assertEquals(0, trained.code(), trained.err());
        Map<String, Object> o = Json.readObject(trained.out().trim(), "train output");
        assertEquals(model.toString(), o.get("model"));
        assertEquals(2, o.get("epochs"));
        Map<?, ?> history = (Map<?, ?>) o.get("history");
        assertEquals(List.of("loss", "accuracy", "val_loss", "val_accuracy"), List.copyOf(history.keySet()));
        assertTrue(o.get("val_accuracy") instanceof Number);
        assertTrue(o.get("val_loss") instanceof Number);
        assertTrue(o.get("seconds") instanceof Number);
        assertTrue(Files.isRegularFile(model));
        Path report = dir.resolve("out/tiny-report");
        for (String f : List.of("history.csv", "curves.png", "confusion.png")) {
            assertTrue(Files.isRegularFile(report.resolve(f)), f);
        }
        // Progress went to standard error, so standard output is just the JSON.
        assertTrue(trained.err().contains("Epoch 2/2"), trained.err());
        assertTrue(Files.isRegularFile(dir.resolve("out/tiny.best.keras")));
        var meta = ModelFiles.load(model).metadata();
        assertEquals("test-tiny", meta.get("arch"));
        assertEquals(1, meta.get("seed"));
        assertEquals(data.toString(), meta.get("data"));
        assertTrue(meta.get("final_metrics") instanceof Map);
    }

    @Test
    void evaluateReportsPerClassAndConfusion() {
        CliTestSupport.Result r = CliTestSupport.run("evaluate", "--model", model.toString(), "--data", data.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> o = Json.readObject(r.out().trim(), "evaluate output");
        assertEquals(30, o.get("images"));
        List<?> confusion = (List<?>) o.get("confusion");
        assertEquals(6, confusion.size());
        int total = confusion.stream().mapToInt(row -> ((List<?>) row).stream().mapToInt(v -> (Integer) v).sum()).sum();
        assertEquals(30, total);
        assertEquals(6, ((Map<?, ?>) o.get("per_class")).size());
        CliTestSupport.Result text = CliTestSupport.run("evaluate", "--model", model.toString(), "--data", data.toString());
        assertTrue(text.out().contains("Confusion matrix"), text.out());
    }

    @Test
    void predictPrintsTheNotebooksLines() throws IOException {
        Path image = Files.list(data.resolve("2")).findFirst().orElseThrow();
        CliTestSupport.Result r = CliTestSupport.run("predict", "--model", model.toString(), image.toString(), "--top", "2");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(image.toString(), lines[0]);
        assertEquals("Input image shape: (1, 64, 64, 3)", lines[1]);
        assertTrue(lines[2].startsWith("Class prediction vector [p(0), p(1), p(2), p(3), p(4), p(5)] = [["), lines[2]);
        assertTrue(lines[3].startsWith("Class: "), lines[3]);
        assertTrue(lines[4].startsWith("  1. "), lines[4]);
        CliTestSupport.Result j = CliTestSupport.run("predict", "--model", model.toString(), image.toString(), "--json");
        Map<String, Object> o = Json.readObject(j.out().trim(), "predict output");
        Map<?, ?> p = (Map<?, ?>) ((List<?>) o.get("predictions")).get(0);
        assertEquals(6, ((List<?>) p.get("probabilities")).size());
        assertEquals(image.toString(), p.get("image"));
    }

    @Test
    void predictOnTheNotebooksPhotoOfAnySize() {
        Path photo = SummaryCommandTest.shared("data/signs/my_image.jpg");
        CliTestSupport.Result r = CliTestSupport.run("predict", "--model", model.toString(), photo.toString(),
                "--interpolation", "area", "--json");
        assertEquals(0, r.code(), r.err());
        double sum = 0;
        Map<?, ?> p = (Map<?, ?>) ((List<?>) Json.readObject(r.out().trim(), "out").get("predictions")).get(0);
        for (Object v : (List<?>) p.get("probabilities")) {
            sum += ((Number) v).doubleValue();
        }
        assertEquals(1.0, sum, 1e-5);
    }

    @Test
    void userMistakesAreOneLineAndExitTwo() throws IOException {
        Path notImage = dir.resolve("notes.jpg");
        Files.writeString(notImage, "text");
        String[][] cases = {
                {"predict", "--model", model.toString(), notImage.toString()},
                {"predict", "--model", dir.resolve("missing.keras").toString(), notImage.toString()},
                {"predict", "--model", notImage.toString(), notImage.toString()},
                {"evaluate", "--model", model.toString(), "--data", dir.resolve("nowhere").toString()},
                {"train", "--data", data.toString(), "--arch", "test-tiny", "--out", dir.resolve("m.txt").toString()},
                {"train", "--optimizer", "adagrad"},
        };
        for (String[] c : cases) {
            CliTestSupport.Result r = CliTestSupport.run(c);
            assertEquals(2, r.code(), String.join(" ", c) + "\n" + r.err());
            assertEquals(1, r.err().lines().filter(l -> !l.isBlank()).count(), String.join(" ", c) + "\n" + r.err());
            assertTrue(r.err().startsWith("resnet4j: "), r.err());
        }
        assertFalse(Files.exists(dir.resolve("m.txt")));
    }

    @Test
    void aModelAndDataOfDifferentClassCounts() throws IOException {
        Path four = CliTestSupport.signFolder(dir.resolve("more"), 1);
        // Seven classes: one more folder than the model knows.
        Files.createDirectories(four.resolve("6"));
        Files.copy(Files.list(four.resolve("0")).findFirst().orElseThrow(), four.resolve("6/copy.png"));
        CliTestSupport.Result r = CliTestSupport.run("evaluate", "--model", model.toString(), "--data", four.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("the model has 6 classes but " + four + " has 7 (use --classes 6)"), r.err());
    }

    @Test
    void targetAccuracyThatIsNotReachedExitsThree() {
        CliTestSupport.Result r = CliTestSupport.run("train", "--arch", "test-tiny", "--data", data.toString(),
                "--epochs", "1", "--batch-size", "8", "--validation-split", "0.4", "--out",
                dir.resolve("t/target.keras").toString(), "--target-accuracy", "1.0");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.out().contains("NOT reached"), r.out());
    }

    @Test
    void importedKerasModelsPredictAndSummarise() throws IOException {
        Path resnet8 = SummaryCommandTest.shared("keras/tiny-resnet8-k2.4/pretrainedResnet.h5");
        Path image = Files.list(data.resolve("3")).findFirst().orElseThrow();
        CliTestSupport.Result p = CliTestSupport.run("predict", "--model", resnet8.toString(), "--preprocess", "none",
                image.toString(), "--json");
        assertEquals(0, p.code(), p.err());
        Map<?, ?> first = (Map<?, ?>) ((List<?>) Json.readObject(p.out().trim(), "out").get("predictions")).get(0);
        assertEquals(10, ((List<?>) first.get("probabilities")).size());
        CliTestSupport.Result s = CliTestSupport.run("summary", "--model", resnet8.toString(), "--json");
        assertEquals(0, s.code(), s.err());
        Map<String, Object> o = Json.readObject(s.out().trim(), "summary");
        assertEquals(78_666, ((Number) o.get("total_params")).longValue());
        assertEquals(480, ((Number) o.get("non_trainable_params")).longValue());
        Path converted = dir.resolve("resnet8.keras");
        assertEquals(p.out(), convertAndPredict(resnet8, converted, image), "the converted model predicts exactly as the original");
        // And on to the legacy format: .keras -> .h5, summarised and run like the original.
        Path legacy = dir.resolve("resnet8-again.h5");
        assertEquals(p.out(), convertAndPredict(converted, legacy, image), "the model written as .h5 predicts exactly as the original");
        CliTestSupport.Result s2 = CliTestSupport.run("summary", "--model", legacy.toString(), "--json");
        assertEquals(78_666, ((Number) Json.readObject(s2.out().trim(), "summary").get("total_params")).longValue());
        CliTestSupport.Result bad = CliTestSupport.run("convert", converted.toString(), dir.resolve("x.txt").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("OUT must be a .keras or .h5 file"), bad.err());
    }

    /** Converts {@code from} to {@code to}, then predicts {@code image} with it (raw pixels, JSON). */
    private static String convertAndPredict(Path from, Path to, Path image) {
        CliTestSupport.Result c = CliTestSupport.run("convert", from.toString(), to.toString());
        assertEquals(0, c.code(), c.err());
        CliTestSupport.Result r = CliTestSupport.run("predict", "--model", to.toString(), "--preprocess", "none",
                image.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        return r.out();
    }
}
