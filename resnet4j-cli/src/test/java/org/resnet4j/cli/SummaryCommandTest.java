package org.resnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.graph.ModelSummary;

/** {@code resnet4j summary} through its Java entry point. */
class SummaryCommandTest {

    /** Exit code, standard output and standard error of one run. */
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path shared(String relative) {
        String root = System.getProperty("resnet4j.root", ".");
        Path p = Paths.get(root).toAbsolutePath().resolve("../shared").resolve(relative).normalize();
        if (!Files.exists(p)) {
            throw new AssertionError("Reference file " + p + " not found: these tests need ../shared beside the project");
        }
        return p;
    }

    @Test
    void tsvEqualsTheKerasReference() throws IOException {
        Result r = run("summary", "--arch", "resnet50", "--input", "64,64,3", "--classes", "6", "--format", "tsv");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Arrays.asList(r.out().split("\n"));
        assertEquals(ModelSummary.TSV_HEADER, lines.get(0));
        List<String> expected = ModelSummary.readTsvRows(Files.readAllLines(shared("reference/resnet50_summary.tsv")));
        List<String> actual = ModelSummary.readTsvRows(lines);
        assertEquals(expected, actual);
    }

    @Test
    void tableHasKerasTotals() {
        Result r = run("summary");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Model: \"ResNet50\""));
        assertTrue(r.out().contains("Total params: 23,600,006"));
        assertTrue(r.out().contains("Non-trainable params: 53,120"));
    }

    @Test
    void unknownArchitectureIsAUserMistake() {
        Result r = run("summary", "--arch", "vgg16");
        assertEquals(2, r.code());
        assertEquals("resnet4j: Unknown architecture 'vgg16'. Expected one of: resnet50\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownOptionIsOneLine() {
        Result r = run("summary", "--colour");
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Unknown option: '--colour'"), r.err());
    }

    @Test
    void tooSmallAnInputNamesTheLayer() {
        Result r = run("summary", "--input", "32,32,3");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("resnet4j: Layer 'avg_pool' (AveragePooling2D)"), r.err());
    }

    @Test
    void verboseAddsTheStackTrace() {
        Result r = run("summary", "--input", "1,2", "--verbose");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--input must be height,width,channels"), r.err());
        assertTrue(r.err().contains("\tat org.resnet4j.cli.SummaryCommand"), r.err());
    }
}
