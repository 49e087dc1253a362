package org.resnet4j.data;

/** Data that cannot be read as asked: the message names the file and what is wrong with it. */
public final class DataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
