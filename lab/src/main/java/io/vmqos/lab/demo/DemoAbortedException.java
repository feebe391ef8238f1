package io.vmqos.lab.demo;

/** The demo could not go on (the VM exited, a run failed); the message says what happened and where to look. */
public final class DemoAbortedException extends RuntimeException {
    public DemoAbortedException(String message) { super(message); }

    public DemoAbortedException(String message, Throwable cause) { super(message, cause); }
}
