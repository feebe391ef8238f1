package io.vmqos.lab.calibrate;

/**
 * Calibration could not produce a usable cost model (a stage's threads were not found, the VM died, the
 * measurements cannot determine the fit). The message names the cause and what to try.
 */
public class CalibrationException extends RuntimeException {
    public CalibrationException(String message) { super(message); }

    public CalibrationException(String message, Throwable cause) { super(message, cause); }
}
