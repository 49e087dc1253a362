package org.resnet4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** The notebook's convolutional-block exercise: shapes and non-negativity, both modes. */
class ConvolutionalBlockTest {

    private static Tensor run(int s, boolean training) {
        SymbolicTensor x = InputLayer.input(4, 4, 3);
        SymbolicTensor y = ResidualBlocks.convolutionalBlock(x, 2, new int[] {2, 4, 6}, s,
                ResidualBlocks.GLOROT_UNIFORM);
        Model m = new Model(x, y, "convolutional_block");
        return m.forward(IdentityBlockGoldenTest.notebookInput(), training).output();
    }

    @Test
    void strideTwoGivesTwoByTwo() {
        for (boolean training : new boolean[] {false, true}) {
            Tensor a = run(2, training);
            assertEquals(Shape.of(3, 2, 2, 6), a.shape());
            for (float v : a.data()) {
                assertTrue(v >= 0f, "ReLU output must be >= 0, received " + v);
            }
        }
    }

    @Test
    void strideFourGivesOneByOne() {
        assertEquals(Shape.of(3, 1, 1, 6), run(4, true).shape());
        assertEquals(Shape.of(3, 1, 1, 6), run(4, false).shape());
    }

    @Test
    void intermediateShapesAreThoseTheNotebookPrints() {
        SymbolicTensor x = InputLayer.input(4, 4, 3);
        SymbolicTensor y = ResidualBlocks.convolutionalBlock(x, 2, new int[] {2, 4, 6}, 2,
                ResidualBlocks.GLOROT_UNIFORM, "blk");
        Model m = new Model(x, y, "convolutional_block");
        assertEquals(Shape.batchOf(2, 2, 2), shapeOf(m, "blk_1_relu"));
        assertEquals(Shape.batchOf(2, 2, 4), shapeOf(m, "blk_2_relu"));
        assertEquals(Shape.batchOf(2, 2, 6), shapeOf(m, "blk_3_bn"));
        assertEquals(Shape.batchOf(2, 2, 6), shapeOf(m, "blk_0_bn"));
        List<Layer> layers = m.layers();
        assertEquals("blk_out", layers.get(layers.size() - 1).name());
    }

    @Test
    void trainingModeIsNotInferenceMode() {
        // In training, BN uses batch statistics; in inference its fresh moving statistics (0, 1).
        Tensor t = run(2, true);
        Tensor i = run(2, false);
        boolean differ = false;
        for (int k = 0; k < t.size(); k++) {
            differ |= Math.abs(t.data()[k] - i.data()[k]) > 1e-4;
        }
        assertTrue(differ);
    }

    private static Shape shapeOf(Model m, String layer) {
        for (var node : m.nodes()) {
            if (node.layer().name().equals(layer)) {
                return node.output().shape();
            }
        }
        throw new AssertionError("no layer " + layer);
    }
}
