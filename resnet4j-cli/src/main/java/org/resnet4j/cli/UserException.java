package org.resnet4j.cli;

/** A mistake in what the user asked for: reported in one line, exit code 2. */
public final class UserException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UserException(String message) {
        super(message);
    }
}
