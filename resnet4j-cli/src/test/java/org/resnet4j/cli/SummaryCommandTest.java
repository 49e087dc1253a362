package org.resnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.graph.ModelSummary;

/** {@code resnet4j summary} through its Java entry point. */
class SummaryCommandTest {

    static CliTestSupport.Result run(String... args) {
        return CliTestSupport.run(args);
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
        CliTestSupport.Result r = run("summary", "--arch", "resnet50", "--input", "64,64,3", "--classes", "6", "--format", "tsv");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Arrays.asList(r.out().split("\n"));
        assertEquals(ModelSummary.TSV_HEADER, lines.get(0));
        List<String> expected = ModelSummary.readTsvRows(Files.readAllLines(shared("reference/resnet50_summary.tsv")));
        List<String> actual = ModelSummary.readTsvRows(lines);
        assertEquals(expected, actual);
    }

    @Test
    void tableHasKerasTotals() {
        CliTestSupport.Result r = run("summary");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Model: \"ResNet50\""));
        assertTrue(r.out().contains("Total params: 23,600,006"));
        assertTrue(r.out().contains("Non-trainable params: 53,120"));
    }

    @Test
    void unknownArchitectureIsAUserMistake() {
        CliTestSupport.Result r = run("summary", "--arch", "vgg16");
        assertEquals(2, r.code());
        assertEquals("resnet4j: Unknown architecture 'vgg16'. Expected one of: " + String.join(", ", org.resnet4j.models.Architectures.names()) + "\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownOptionIsOneLine() {
        CliTestSupport.Result r = run("summary", "--colour");
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Unknown option: '--colour'"), r.err());
    }

    @Test
    void tooSmallAnInputNamesTheLayer() {
        CliTestSupport.Result r = run("summary", "--input", "32,32,3");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("resnet4j: Layer 'avg_pool' (AveragePooling2D)"), r.err());
    }

    @Test
    void verboseAddsTheStackTrace() {
        CliTestSupport.Result r = run("summary", "--input", "1,2", "--verbose");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--input must be height,width,channels"), r.err());
        assertTrue(r.err().contains("\tat org.resnet4j.cli.SummaryCommand"), r.err());
    }

    @Test
    void jsonHasTheTotals() {
        CliTestSupport.Result r = run("summary", "--json");
        assertEquals(0, r.code(), r.err());
        var o = org.resnet4j.io.Json.readObject(r.out().trim(), "summary");
        assertEquals(23_600_006, ((Number) o.get("total_params")).longValue());
        assertEquals(23_546_886, ((Number) o.get("trainable_params")).longValue());
        assertEquals(53_120, ((Number) o.get("non_trainable_params")).longValue());
        assertEquals(177, ((List<?>) o.get("layers")).size());
    }

    @Test
    void summaryOfASavedModel(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path f = dir.resolve("r.keras");
        org.resnet4j.io.ModelFiles.save(f, org.resnet4j.models.ResNet50.build(new int[] {64, 64, 3}, 6), null, null,
                List.of(), new org.resnet4j.io.ModelMetadata());
        CliTestSupport.Result table = run("summary", "--model", f.toString());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("Total params: 23,600,006"));
        CliTestSupport.Result tsv = run("summary", "--model", f.toString(), "--format", "tsv");
        assertEquals(run("summary", "--format", "tsv").out(), tsv.out());
    }
}
