package org.resnet4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.graph.Model;
import org.resnet4j.graph.ModelSummary;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Layer;
import org.resnet4j.testing.SharedFiles;

/** The notebook's ResNet-50 against Keras's own layer-by-layer listing of it. */
class ResNet50SummaryTest {

    private static final Model MODEL = ResNet50.build(new int[] {64, 64, 3}, 6);

    @Test
    void summaryEqualsKerasRowForRow() throws IOException {
        List<String> expected = ModelSummary.readTsvRows(
                Files.readAllLines(SharedFiles.path("reference/resnet50_summary.tsv")));
        assertEquals(177, expected.size(), "reference rows");
        ModelSummary summary = MODEL.summary();
        assertEquals(java.util.Optional.empty(), summary.firstDifference(expected));
    }

    @Test
    void parameterTotalsMatchKeras() {
        assertEquals(23_600_006L, MODEL.countParams());
        assertEquals(23_546_886L, MODEL.countTrainableParams());
        assertEquals(53_120L, MODEL.countNonTrainableParams());
        ModelSummary s = MODEL.summary();
        assertEquals(23_600_006L, s.totalParams());
        assertEquals(53_120L, s.nonTrainableParams());
    }

    @Test
    void layerCountsAndInitializersMatchTheNotebook() {
        Map<String, Integer> byType = new HashMap<>();
        Map<String, Integer> byInit = new HashMap<>();
        for (Layer l : MODEL.layers()) {
            byType.merge(l.className(), 1, Integer::sum);
            if (l instanceof Conv2D c) {
                byInit.merge(c.kernelInitializer().className(), 1, Integer::sum);
            }
        }
        assertEquals(53, byType.get("Conv2D"));
        assertEquals(53, byType.get("BatchNormalization"));
        assertEquals(49, byType.get("Activation"));
        assertEquals(16, byType.get("Add"));
        assertEquals(17, byInit.get("GlorotUniform"));
        assertEquals(36, byInit.get("RandomUniform"));
    }

    @Test
    void layerNamesAreDeterministicKerasApplicationNames() {
        List<Layer> layers = MODEL.layers();
        assertEquals("input_1", layers.get(0).name());
        assertEquals("conv1_pad", layers.get(1).name());
        assertEquals("conv1_conv", layers.get(2).name());
        assertEquals("conv2_block1_1_conv", layers.get(6).name());
        assertEquals("conv2_block1_3_conv", layers.get(12).name());
        assertEquals("conv2_block1_0_conv", layers.get(13).name());
        assertEquals("conv2_block1_add", layers.get(16).name());
        assertEquals("conv5_block3_out", layers.get(173).name());
        assertEquals("predictions", layers.get(176).name());
        // Building it twice gives the same names: they are weight-file keys.
        Model again = ResNet50.build(new int[] {64, 64, 3}, 6);
        for (int i = 0; i < layers.size(); i++) {
            assertEquals(layers.get(i).name(), again.layers().get(i).name());
        }
    }

    @Test
    void tableLooksLikeKeras() {
        String table = MODEL.summary().toTable();
        assertTrue(table.startsWith("Model: \"ResNet50\""), table.substring(0, 40));
        assertTrue(table.contains("Layer (type)"));
        assertTrue(table.contains("conv1_conv (Conv2D)"));
        assertTrue(table.contains("(None, 32, 32, 64)"));
        assertTrue(table.contains("['conv2_block1_3_bn[0][0]', 'conv2_block1_0_bn[0][0]']"));
        assertTrue(table.contains("Total params: 23,600,006"));
        assertTrue(table.contains("Trainable params: 23,546,886"));
        assertTrue(table.contains("Non-trainable params: 53,120"));
    }

    @Test
    void comparatorNamesTheFirstDifferingRow() {
        List<String> expected = new java.util.ArrayList<>(List.of(MODEL.summary().toTsv().split("\n")));
        expected.remove(0);
        expected.set(5, expected.get(5).replace("(3,3) (2,2) valid", "(2,2) (2,2) valid"));
        String diff = MODEL.summary().firstDifference(expected).orElseThrow();
        assertTrue(diff.startsWith("Row 5 (layer 'pool1_pool') differs."), diff);
        assertTrue(diff.contains("(2,2) (2,2) valid") && diff.contains("(3,3) (2,2) valid"), diff);
    }

    @Test
    void tooSmallAnInputIsRejectedWhileBuilding() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ResNet50.build(new int[] {32, 32, 3}, 6));
        assertTrue(e.getMessage().startsWith("Layer 'avg_pool' (AveragePooling2D): the output would be empty"),
                e.getMessage());
        assertTrue(e.getMessage().contains("received (None, 0, 0, 2048)"), e.getMessage());
    }

    @Test
    void predictsADistributionPerImage() {
        Model small = ResNet50.build(new int[] {64, 64, 3}, 4);
        var x = org.resnet4j.tensor.Tensor.fromFunction(org.resnet4j.tensor.Shape.of(2, 64, 64, 3),
                i -> ((i * 37) % 101) / 101.0);
        var y = small.predict(x);
        assertEquals(org.resnet4j.tensor.Shape.of(2, 4), y.shape());
        for (int b = 0; b < 2; b++) {
            double sum = 0;
            for (int c = 0; c < 4; c++) {
                sum += y.get(b, c);
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }
}
