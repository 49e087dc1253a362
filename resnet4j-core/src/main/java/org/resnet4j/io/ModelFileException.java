package org.resnet4j.io;

/** A model file that cannot be read or written: the message names the file and what is wrong. */
public final class ModelFileException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
