package org.resnet4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Shape mistakes surface while the graph is built, naming layer, rule, expectation and value. */
class ShapeErrorTest {

    @Test
    void addOfUnequalShapes() {
        SymbolicTensor x = InputLayer.input(8, 8, 3);
        SymbolicTensor a = Conv2D.builder(4, 1).name("branch_a").build().apply(x);
        SymbolicTensor b = Conv2D.builder(5, 1).name("branch_b").build().apply(x);
        var e = assertThrows(IllegalArgumentException.class, () -> new Add("join").apply(a, b));
        assertEquals("Layer 'join' (Add): all inputs must have the same shape. "
                + "Expected (None, 8, 8, 4) for input 1, received (None, 8, 8, 5).", e.getMessage());
    }

    @Test
    void denseOnAFourDimensionalInput() {
        SymbolicTensor x = InputLayer.input(8, 8, 3);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Dense.builder(10).name("fc").build().apply(x));
        assertEquals("Layer 'fc' (Dense): input must be 2-D (batch, features); add Flatten or a global pooling "
                + "before Dense. Expected rank 2, received (None, 8, 8, 3) (rank 4).", e.getMessage());
    }

    @Test
    void nonPositiveStrides() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Conv2D.builder(4, 3).strides(0, 1).name("bad_conv").build());
        assertEquals("Layer 'bad_conv' (Conv2D): strides must be positive. Expected strides > 0, received (0, 1).",
                e.getMessage());
        var p = assertThrows(IllegalArgumentException.class,
                () -> new MaxPooling2D(2, 2, -1, 2, Padding.VALID, "bad_pool"));
        assertEquals("Layer 'bad_pool' (MaxPooling2D): strides must be positive. Expected strides > 0, "
                + "received (-1, 2).", p.getMessage());
    }

    @Test
    void kernelLargerThanTheInput() {
        SymbolicTensor x = InputLayer.input(4, 4, 3);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Conv2D.builder(2, 5).name("too_big").build().apply(x));
        assertEquals("Layer 'too_big' (Conv2D): the output would be empty (check kernel size, strides and padding "
                + "against the input). Expected every output dimension > 0, received (None, 0, 0, 2).", e.getMessage());
    }

    @Test
    void convolutionOnAVector() {
        SymbolicTensor x = InputLayer.input(12);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Conv2D.builder(2, 3).name("conv_on_vec").build().apply(x));
        assertEquals("Layer 'conv_on_vec' (Conv2D): input must be an NHWC image batch (rank 4). "
                + "Expected rank 4, received (None, 12) (rank 2).", e.getMessage());
    }

    @Test
    void reusedLayerOnAnIncompatibleShape() {
        Conv2D conv = Conv2D.builder(2, 1).name("shared_conv").build();
        conv.apply(InputLayer.input(4, 4, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> conv.apply(InputLayer.input(4, 4, 5)));
        assertEquals("Layer 'shared_conv' (Conv2D): input 0 is incompatible with the shape the layer was built for. "
                + "Expected (None, 4, 4, 3), received (None, 4, 4, 5).", e.getMessage());
    }

    @Test
    void addNeedsTwoInputs() {
        SymbolicTensor x = InputLayer.input(4);
        var e = assertThrows(IllegalArgumentException.class, () -> new Add("lonely").apply(x));
        assertEquals("Layer 'lonely' (Add): needs at least two inputs. Expected 2 or more, received 1.", e.getMessage());
    }

    @Test
    void badBatchNormalizationSettings() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormalization.builder().axis(1).name("bn_axis").build().apply(InputLayer.input(4, 4, 3)));
        assertEquals("Layer 'bn_axis' (BatchNormalization): only the last (channels) axis can be normalised. "
                + "Expected axis -1 or 3, received 1.", e.getMessage());
        var m = assertThrows(IllegalArgumentException.class,
                () -> BatchNormalization.builder().momentum(1.5).name("bn_m").build());
        assertEquals("Layer 'bn_m' (BatchNormalization): momentum must be in [0, 1]. Expected 0 <= momentum <= 1, "
                + "received 1.5.", m.getMessage());
    }

    @Test
    void wrongDataShapeAtRunTime() {
        SymbolicTensor x = InputLayer.input("pixels", 4, 4, 3);
        var model = new org.resnet4j.graph.Model(x, new Flatten().apply(x), "m");
        var e = assertThrows(IllegalArgumentException.class,
                () -> model.predict(org.resnet4j.tensor.Tensor.zeros(2, 4, 4, 1)));
        assertEquals("Layer 'pixels' (InputLayer): input data has the wrong shape. Expected (None, 4, 4, 3), "
                + "received (2, 4, 4, 1).", e.getMessage());
    }
}
